/* Claim env, volume claim templates and pod metadata (claim_merge.h). */
#include "controller/claim_merge.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/jdoc.h"
#include "common/rules.h"
#include "common/strbuf.h"
#include "common/verdict.h"
#include "controller/keys.h"
#include "controller/naming.h"

static const json_t *claim_spec(const json_t *claim) { return json_object_get(claim, "spec"); }

static const char *str_or(const json_t *v, const char *dflt)
{
    const char *s = json_string_value(v);
    return s ? s : dflt;
}

/* ---- additionalPodMetadata --------------------------------------------- */

bool wp_claim_check_pod_metadata(const wp_config *cfg, const json_t *claim, wp_claim_errors *errs)
{
    if (!json_object_get(claim_spec(claim), "additionalPodMetadata")) return true;
    wp_jdoc *doc = wp_xalloc_check(wp_jdoc_from_json(claim));
    wp_verdict v = WP_VERDICT_INIT;
    wp_rules_validate_group(cfg, WP_KIND_SANDBOX_CLAIM, WP_RULE_CLAIM_POD_METADATA, wp_jdoc_root(doc), &v);
    bool ok = wp_verdict_allowed(&v);
    if (!ok) {
        wp_sb b = WP_SB_INIT;
        for (size_t i = 0; i < v.n_causes; i++)
            wp_sb_printf(&b, "%s%s: %s", i ? "; " : "", v.causes[i].field, v.causes[i].message);
        char *text = wp_sb_finish(&b);
        wp_claim_errors_add(errs, WP_CLAIM_ERR_INVALID_METADATA, WP_MSG_INVALID_METADATA_PREFIX "%s", text);
        free(text);
    }
    wp_verdict_free(&v);
    wp_jdoc_free(doc);
    return ok;
}

/* A key of `what` ("label") that claim_map sets differently from
 * template_map: records the conflict and returns false. */
static bool check_no_override(const json_t *template_map, const json_t *claim_map, const char *what,
                              wp_claim_errors *errs)
{
    const char *key;
    json_t *value;
    json_object_foreach((json_t *)claim_map, key, value) {
        const json_t *tv = json_object_get(template_map, key);
        if (!tv || json_equal((json_t *)tv, value)) continue;
        char *k = wp_naming_quote(key), *t = wp_naming_quote(str_or(tv, "")), *c = wp_naming_quote(str_or(value, ""));
        wp_claim_errors_add(errs, WP_CLAIM_ERR_OTHER,
                            "metadata override conflict: %s %s is defined in template with value %s, but claim "
                            "requests %s",
                            what, k, t, c); /* WP_MSG_METADATA_CONFLICT_FMT, for labels and annotations */
        free(k), free(t), free(c);
        return false;
    }
    return true;
}

/* Copies every member of src into meta[field] (created when needed). */
static void copy_into(json_t *meta, const char *field, const json_t *src)
{
    if (!json_object_size(src)) return;
    json_t *dst = json_object_get(meta, field);
    if (!json_is_object(dst)) {
        dst = json_object();
        json_object_set_new(meta, field, dst);
    }
    json_object_update(dst, (json_t *)src);
}

bool wp_claim_merge_pod_metadata(json_t *pod_meta, const json_t *claim, wp_claim_errors *errs)
{
    const json_t *extra = json_object_get(claim_spec(claim), "additionalPodMetadata");
    const json_t *labels = json_object_get(extra, "labels"), *annotations = json_object_get(extra, "annotations");
    if (!check_no_override(json_object_get(pod_meta, "labels"), labels, "label", errs)) return false;
    if (!check_no_override(json_object_get(pod_meta, "annotations"), annotations, "annotation", errs)) return false;
    copy_into(pod_meta, "labels", labels);
    copy_into(pod_meta, "annotations", annotations);
    return true;
}

/* ---- env ------------------------------------------------------------------ */

static json_t *find_named(json_t *list, const char *name)
{
    size_t i;
    json_t *item;
    json_array_foreach(list, i, item)
        if (strcmp(str_or(json_object_get(item, "name"), ""), name) == 0) return item;
    return NULL;
}

/* The container an env entry targets: containerName among init and regular
 * containers, else the first regular container. */
static json_t *target_container(json_t *pod_spec, const char *container_name)
{
    if (!*container_name) return json_array_get(json_object_get(pod_spec, "containers"), 0);
    json_t *c = find_named(json_object_get(pod_spec, "initContainers"), container_name);
    return c ? c : find_named(json_object_get(pod_spec, "containers"), container_name);
}

static bool inject_one(json_t *container, const json_t *entry, bool overrides, wp_claim_errors *errs)
{
    const char *name = str_or(json_object_get(entry, "name"), "");
    json_t *env = json_object_get(container, "env");
    if (!json_is_array(env)) {
        env = json_array();
        json_object_set_new(container, "env", env);
    }
    json_t *fresh = json_pack("{s:s, s:s}", "name", name, "value", str_or(json_object_get(entry, "value"), ""));
    size_t i;
    json_t *item;
    json_array_foreach(env, i, item) {
        if (strcmp(str_or(json_object_get(item, "name"), ""), name) != 0) continue;
        if (!overrides) {
            char *q = wp_naming_quote(name);
            wp_claim_errors_add(errs, WP_CLAIM_ERR_OTHER, WP_MSG_ENV_OVERRIDE_FMT, q);
            free(q);
            json_decref(fresh);
            return false;
        }
        json_array_set_new(env, i, fresh);
        return true;
    }
    json_array_append_new(env, fresh);
    return true;
}

/* Upstream checks every target exists before injecting anything. */
static bool targets_exist(json_t *pod_spec, const json_t *env, wp_claim_errors *errs)
{
    size_t i;
    json_t *entry;
    json_array_foreach(env, i, entry) {
        const char *cname = str_or(json_object_get(entry, "containerName"), "");
        if (!*cname || target_container(pod_spec, cname)) continue;
        char *c = wp_naming_quote(cname), *n = wp_naming_quote(str_or(json_object_get(entry, "name"), ""));
        wp_claim_errors_add(errs, WP_CLAIM_ERR_OTHER, WP_MSG_ENV_TARGET_MISSING_FMT, c, n);
        free(c), free(n);
        return false;
    }
    return true;
}

bool wp_claim_merge_env(json_t *pod_spec, const json_t *claim, const char *policy, wp_claim_errors *errs)
{
    const json_t *env = json_object_get(claim_spec(claim), "env");
    if (!json_array_size(env)) return true;
    policy = policy ? policy : "";
    bool allowed = strcmp(policy, "Allowed") == 0, overrides = strcmp(policy, "Overrides") == 0;
    if (!allowed && !overrides) {
        wp_claim_errors_add(errs, WP_CLAIM_ERR_ENV_REJECTED, "%s", WP_MSG_ENV_NOT_ALLOWED);
        return false;
    }
    if (!targets_exist(pod_spec, env, errs)) return false;
    size_t i;
    json_t *entry;
    json_array_foreach(env, i, entry) {
        json_t *container = target_container(pod_spec, str_or(json_object_get(entry, "containerName"), ""));
        if (!container) {
            char *n = wp_naming_quote(str_or(json_object_get(entry, "name"), ""));
            wp_claim_errors_add(errs, WP_CLAIM_ERR_OTHER, WP_MSG_ENV_TARGET_MISSING_FMT, "\"\"", n);
            free(n);
            return false;
        }
        if (allowed && json_array_size(json_object_get(container, "envFrom"))) {
            char *q = wp_naming_quote(str_or(json_object_get(container, "name"), ""));
            wp_claim_errors_add(errs, WP_CLAIM_ERR_ENV_REJECTED, WP_MSG_ENV_ENVFROM_FMT, q);
            free(q);
            return false;
        }
        if (!inject_one(container, entry, overrides, errs)) return false;
    }
    return true;
}

/* ---- volume claim templates ---------------------------------------------- */

static const char *vct_name(const json_t *vct)
{
    return str_or(json_object_get(json_object_get(vct, "metadata"), "name"), "");
}

/* "invalid volume claim templates: ..." into *why (caller frees), or NULL. */
static char *vct_invalid(const json_t *list)
{
    char *why = NULL;
    for (size_t i = 0; i < json_array_size(list) && !why; i++) {
        const char *name = vct_name(json_array_get(list, i));
        if (!*name) {
            if (asprintf(&why, WP_MSG_VCT_EMPTY_NAME_FMT, (int)i) < 0) why = NULL;
            return wp_xalloc_check(why);
        }
        for (size_t j = 0; j < i; j++)
            if (strcmp(vct_name(json_array_get(list, j)), name) == 0) {
                char *q = wp_naming_quote(name);
                if (asprintf(&why, WP_MSG_VCT_DUPLICATE_FMT, q) < 0) why = NULL;
                free(q);
                return wp_xalloc_check(why);
            }
    }
    return NULL;
}

static bool vct_fail(wp_claim_errors *errs, const char *fmt, const char *a, const char *b)
{
    wp_claim_errors_add(errs, WP_CLAIM_ERR_VOLUME_CLAIM_TEMPLATES, fmt, a, b);
    return false;
}

/* Template + claim lists under policy into a new array, or NULL with the
 * error recorded. */
static json_t *vct_merge(const json_t *tmpl, const json_t *claim_list, const char *policy, wp_claim_errors *errs)
{
    static const char prefix[] = WP_MSG_VCT_PREFIX;
    if (strcmp(policy, "Allowed") == 0) {
        for (size_t i = 0; i < json_array_size(claim_list); i++) {
            const char *name = vct_name(json_array_get(claim_list, i));
            for (size_t j = 0; j < json_array_size(tmpl); j++)
                if (strcmp(vct_name(json_array_get(tmpl, j)), name) == 0) {
                    char *q = wp_naming_quote(name);
                    vct_fail(errs, "%s" WP_MSG_VCT_OVERRIDE_FMT, prefix, q);
                    free(q);
                    return NULL;
                }
        }
        json_t *merged = tmpl ? json_deep_copy(tmpl) : json_array();
        json_array_extend(merged, (json_t *)claim_list);
        return merged;
    }
    if (strcmp(policy, "Overrides") == 0) {
        json_t *merged = json_array();
        json_t *used = json_array(); /* claim entries already placed */
        for (size_t j = 0; j < json_array_size(tmpl); j++) {
            const json_t *t = json_array_get(tmpl, j);
            json_t *over = NULL;
            for (size_t i = 0; i < json_array_size(claim_list) && !over; i++)
                if (strcmp(vct_name(json_array_get(claim_list, i)), vct_name(t)) == 0)
                    over = json_array_get(claim_list, i);
            json_array_append(merged, over ? over : (json_t *)t);
            if (over) json_array_append(used, over);
        }
        for (size_t i = 0; i < json_array_size(claim_list); i++) {
            json_t *c = json_array_get(claim_list, i);
            bool placed = false;
            for (size_t k = 0; k < json_array_size(used) && !placed; k++) placed = json_array_get(used, k) == c;
            if (!placed) json_array_append(merged, c);
        }
        json_decref(used);
        return merged;
    }
    if (*policy == '\0' || strcmp(policy, "Disallowed") == 0)
        vct_fail(errs, "%s%s", prefix, WP_MSG_VCT_DISALLOWED);
    else {
        char *q = wp_naming_quote(policy);
        wp_claim_errors_add(errs, WP_CLAIM_ERR_OTHER, "%sunknown volume claim templates policy %s", prefix, q);
        free(q);
    }
    return NULL;
}

bool wp_claim_merge_volume_claim_templates(json_t *sandbox_spec, const json_t *claim, const char *policy,
                                           wp_claim_errors *errs)
{
    const json_t *claim_list = json_object_get(claim_spec(claim), "volumeClaimTemplates");
    const json_t *tmpl = json_object_get(sandbox_spec, "volumeClaimTemplates");
    char *why = vct_invalid(tmpl);
    if (why) {
        if (json_array_size(claim_list))
            vct_fail(errs, "failed to merge volume claim templates: template: %s%s", why, "");
        else
            vct_fail(errs, "invalid volume claim templates in template: %s%s", why, "");
        free(why);
        return false;
    }
    if (!json_array_size(claim_list)) return true;
    if ((why = vct_invalid(claim_list))) {
        vct_fail(errs, "failed to merge volume claim templates: claim: %s%s", why, "");
        free(why);
        return false;
    }
    json_t *merged = vct_merge(tmpl, claim_list, policy ? policy : "", errs);
    if (!merged) return false;
    if (json_array_size(merged)) json_object_set_new(sandbox_spec, "volumeClaimTemplates", merged);
    else json_decref(merged);
    return true;
}

