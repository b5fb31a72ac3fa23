/* SandboxClaim rules 1-7 (ADMISSION.md, "SandboxClaim"). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/rules_fields.h"

/* Kubernetes' limit on the total size of an object's annotations; the pod
 * these are copied to would be refused above it. */
#define ANNOTATIONS_MAX_BYTES (256 * 1024)

/* ---- 1. spec.warmPoolRef ---------------------------------------------- */

void wp_rules_claim_warm_pool_ref(wp_rules_ctx *c, const wp_jval *spec)
{
    wp_rules_check_object_ref(c, spec, "warmPoolRef");
}

/* ---- 2. legacy fields -------------------------------------------------- */

void wp_rules_claim_legacy_fields(wp_rules_ctx *c, const wp_jval *spec)
{
    static const char *const legacy[] = {"sandboxTemplateRef", "warmpool"};
    for (size_t i = 0; i < sizeof legacy / sizeof *legacy; i++) {
        if (wp_rules_is_set(wp_rules_enter(c, spec, legacy[i])))
            wp_rules_report(c, WP_CAUSE_FORBIDDEN,
                            "Forbidden: legacy field, replaced by spec.warmPoolRef "
                            "(run 'warmpoolctl migrate' to convert the claim)");
        wp_rules_leave(c);
    }
}

/* ---- 3. spec.env ------------------------------------------------------- */

/* The entry's (containerName, name) pair, when both are usable strings. */
static void env_key(wp_rules_dupset *d, size_t i, const wp_jval *entry)
{
    const wp_jval *name = wp_jval_get(entry, "name");
    const wp_jval *container = wp_jval_get(entry, "containerName");
    if (wp_rules_strlen(name) == 0) return;
    if (wp_rules_is_set(container) && !wp_jval_is_string(container)) return;
    wp_rules_dupset_set(d, i, name->u.str, name->n, wp_jval_str(container), wp_rules_strlen(container));
}

static void report_env_duplicate(wp_rules_ctx *c, const wp_jval *name, const wp_jval *container)
{
    if (wp_rules_strlen(container) == 0) {
        wp_rules_duplicate(c, name, NULL);
        return;
    }
    char *shown = wp_verdict_quote_n(container->u.str, container->n);
    char *detail = NULL;
    if (asprintf(&detail, "for containerName %s", shown) < 0) detail = NULL;
    wp_rules_duplicate(c, name, wp_xalloc_check(detail));
    free(detail);
    free(shown);
}

static void check_env_entry(wp_rules_ctx *c, const wp_jval *entry, bool duplicate)
{
    const wp_jval *name = wp_rules_required_string(c, wp_rules_enter(c, entry, "name"), false);
    if (name) {
        wp_rules_check_name_str(c, name, wp_name_env_var);
        if (duplicate) report_env_duplicate(c, name, wp_jval_get(entry, "containerName"));
    }
    wp_rules_leave(c);

    wp_rules_required_string(c, wp_rules_enter(c, entry, "value"), true);
    wp_rules_leave(c);

    /* "" is how Go's omitempty writes "not set". */
    const wp_jval *container = wp_rules_string(c, wp_rules_enter(c, entry, "containerName"));
    if (wp_rules_strlen(container) > 0)
        wp_rules_check_name_str(c, container, wp_name_dns1123_label);
    wp_rules_leave(c);
}

void wp_rules_claim_env(wp_rules_ctx *c, const wp_jval *spec)
{
    const wp_jval *env = wp_rules_array(c, wp_rules_enter(c, spec, "env"));
    if (env) {
        wp_rules_dupset d;
        wp_rules_dupset_init(&d, wp_jval_size(env));
        for (size_t i = 0; i < d.n; i++) env_key(&d, i, &env->u.items[i]);
        wp_rules_dupset_compute(&d);
        wp_rules_check_entries(c, env, d.dup, check_env_entry);
        wp_rules_dupset_free(&d);
    }
    wp_rules_leave(c);
}

/* ---- 4. spec.volumeClaimTemplates ------------------------------------- */

static void volume_key(wp_rules_dupset *d, size_t i, const wp_jval *entry)
{
    const wp_jval *name = wp_jval_path(entry, "metadata", "name", NULL);
    if (wp_rules_strlen(name) > 0) wp_rules_dupset_set(d, i, name->u.str, name->n, NULL, 0);
}

static void check_volume_entry(wp_rules_ctx *c, const wp_jval *entry, bool duplicate)
{
    const wp_jval *raw = wp_rules_enter(c, entry, "metadata");
    const wp_jval *metadata = wp_rules_object(c, raw);
    if (metadata || !wp_rules_is_set(raw)) {
        const wp_jval *name = wp_rules_required_string(c, wp_rules_enter(c, metadata, "name"), false);
        if (name) {
            wp_rules_check_name_str(c, name, wp_name_dns1123_label);
            if (duplicate) wp_rules_duplicate(c, name, NULL);
        }
        wp_rules_leave(c);
    }
    wp_rules_leave(c);
}

void wp_rules_claim_volume_claim_templates(wp_rules_ctx *c, const wp_jval *spec)
{
    const wp_jval *list = wp_rules_array(c, wp_rules_enter(c, spec, "volumeClaimTemplates"));
    if (list) {
        wp_rules_dupset d;
        wp_rules_dupset_init(&d, wp_jval_size(list));
        for (size_t i = 0; i < d.n; i++) volume_key(&d, i, &list->u.items[i]);
        wp_rules_dupset_compute(&d);
        wp_rules_check_entries(c, list, d.dup, check_volume_entry);
        wp_rules_dupset_free(&d);
    }
    wp_rules_leave(c);
}

/* ---- 5. spec.lifecycle ------------------------------------------------- */

static void check_shutdown_time(wp_rules_ctx *c, const wp_jval *v)
{
    struct timespec t;
    if (!wp_name_parse_rfc3339(v->u.str, v->n, &t)) {
        wp_rules_invalid(c, v, "must be an RFC 3339 date-time (e.g. '2026-12-31T23:59:59Z')");
        return;
    }
    /* A claim created already expired is legal (and useful in tests), but
     * almost always a mistake worth pointing out. */
    if (c->op == WP_OP_CREATE && c->now &&
        (t.tv_sec < c->now->tv_sec || (t.tv_sec == c->now->tv_sec && t.tv_nsec < c->now->tv_nsec))) {
        char *shown = wp_verdict_quote_n(v->u.str, v->n);
        wp_rules_warn(c, "spec.lifecycle.shutdownTime %s is in the past: the claim expires at once", shown);
        free(shown);
    }
}

void wp_rules_claim_lifecycle(wp_rules_ctx *c, const wp_jval *spec)
{
    static const char *const policies[] = {"Delete", "DeleteForeground", "Retain", NULL};
    const wp_jval *lifecycle = wp_rules_object(c, wp_rules_enter(c, spec, "lifecycle"));
    if (lifecycle) {
        wp_rules_check_enum(c, wp_rules_enter(c, lifecycle, "shutdownPolicy"), policies);
        wp_rules_leave(c);

        long long ttl;
        if (wp_rules_integer(c, wp_rules_enter(c, lifecycle, "ttlSecondsAfterFinished"), &ttl))
            wp_rules_check_range(c, ttl, 0, INT32_MAX);
        wp_rules_leave(c);

        const wp_jval *when = wp_rules_string(c, wp_rules_enter(c, lifecycle, "shutdownTime"));
        if (when) check_shutdown_time(c, when);
        wp_rules_leave(c);
    }
    wp_rules_leave(c);
}

/* ---- 6. spec.additionalPodMetadata ------------------------------------ */

/* "sandbox.users.io" or "a.io, b.io": the allowed domains, for messages.
 * New malloc'd string. */
static char *allowed_domains_text(const wp_config *cfg)
{
    size_t size = 1;
    for (size_t i = 0; i < cfg->n_allowed_label_domains; i++) size += strlen(cfg->allowed_label_domains[i]) + 2;
    char *s = wp_xalloc_check(malloc(size));
    s[0] = '\0';
    for (size_t i = 0; i < cfg->n_allowed_label_domains; i++) {
        if (i) strcat(s, ", ");
        strcat(s, cfg->allowed_label_domains[i]);
    }
    return s;
}

static bool label_domain_allowed(const wp_config *cfg, const char *key, size_t len)
{
    size_t prefix_len;
    if (!wp_name_qualified_prefix(key, len, &prefix_len)) return false;
    for (size_t i = 0; i < cfg->n_allowed_label_domains; i++)
        if (wp_name_domain_within(key, prefix_len, cfg->allowed_label_domains[i])) return true;
    return false;
}

static bool equals_ignore_case(const char *s, size_t len, const char *literal)
{
    return strlen(literal) == len && strncasecmp(s, literal, len) == 0;
}

static void check_label(wp_rules_ctx *c, const wp_jmember *label, void *unused)
{
    (void)unused;
    const char *key = label->key;
    size_t key_len = label->key_len;
    wp_rules_check_name(c, key, key_len, wp_name_qualified);
    if (!label_domain_allowed(c->cfg, key, key_len)) {
        if (c->cfg->n_allowed_label_domains == 0) {
            wp_rules_report(c, WP_CAUSE_FORBIDDEN, "Forbidden: no label keys are allowed (allowedLabelDomains is empty)");
        } else {
            char *domains = allowed_domains_text(c->cfg);
            wp_rules_report(c, WP_CAUSE_FORBIDDEN,
                            "Forbidden: label keys must have a prefix in an allowed domain or its subdomains: %s",
                            domains);
            free(domains);
        }
    }
    const wp_jval *value = wp_rules_string(c, &label->value);
    if (!value) return;
    wp_rules_check_name_str(c, value, wp_name_label_value);
    /* Sandbox network policies admit traffic from pods labelled
     * app=sandbox-router; a sandbox must never pass for the router. */
    if (equals_ignore_case(key, key_len, "app") && equals_ignore_case(value->u.str, value->n, "sandbox-router"))
        wp_rules_report(c, WP_CAUSE_FORBIDDEN,
                        "Forbidden: app=sandbox-router is reserved for the sandbox router, which network "
                        "policies trust");
}

/* The reserved annotation domain key[0..len) falls in, or NULL. */
static const char *reserved_annotation_domain(const char *key, size_t len)
{
    static const char *const reserved[] = {"kubernetes.io", "k8s.io", "agents.x-k8s.io"};
    static const char allowed_exception[] = "cluster-autoscaler.kubernetes.io/safe-to-evict";
    size_t prefix_len;
    if (!wp_name_qualified_prefix(key, len, &prefix_len)) return NULL;
    if (equals_ignore_case(key, len, allowed_exception)) return NULL;
    for (size_t i = 0; i < sizeof reserved / sizeof *reserved; i++)
        if (wp_name_domain_within(key, prefix_len, reserved[i])) return reserved[i];
    return NULL;
}

/* Kubernetes validates annotation keys lowercased (upper case is allowed in
 * an annotation's prefix); keys too long for the buffer fail on length
 * anyway. */
static void check_annotation_key(wp_rules_ctx *c, const char *key, size_t len)
{
    char lower[512];
    if (len <= sizeof lower) {
        for (size_t i = 0; i < len; i++)
            lower[i] = (key[i] >= 'A' && key[i] <= 'Z') ? (char)(key[i] - 'A' + 'a') : key[i];
        wp_name_problems problems;
        if (wp_name_qualified(lower, len, &problems))
            for (size_t i = 0; i < problems.n; i++) wp_rules_invalid_bytes(c, key, len, problems.msgs[i]);
    } else {
        wp_rules_check_name(c, key, len, wp_name_qualified);
    }
    const char *domain = reserved_annotation_domain(key, len);
    if (domain)
        wp_rules_report(c, WP_CAUSE_FORBIDDEN, "Forbidden: annotation keys in the %s domain are reserved", domain);
}

static void check_annotation(wp_rules_ctx *c, const wp_jmember *annotation, void *total_bytes)
{
    check_annotation_key(c, annotation->key, annotation->key_len);
    *(size_t *)total_bytes += annotation->key_len;
    if (wp_rules_string(c, &annotation->value)) *(size_t *)total_bytes += annotation->value.n;
}

void wp_rules_claim_pod_metadata(wp_rules_ctx *c, const wp_jval *spec)
{
    const wp_jval *metadata = wp_rules_object(c, wp_rules_enter(c, spec, "additionalPodMetadata"));
    if (metadata) {
        const wp_jval *labels = wp_rules_object(c, wp_rules_enter(c, metadata, "labels"));
        if (labels) wp_rules_each_member(c, labels, check_label, NULL);
        wp_rules_leave(c);
        const wp_jval *annotations = wp_rules_object(c, wp_rules_enter(c, metadata, "annotations"));
        if (annotations) {
            size_t total = 0;
            wp_rules_each_member(c, annotations, check_annotation, &total);
            if (total > ANNOTATIONS_MAX_BYTES)
                wp_rules_report(c, WP_CAUSE_TOO_LONG, "Too long: may not be more than %d bytes",
                                ANNOTATIONS_MAX_BYTES);
        }
        wp_rules_leave(c);
    }
    wp_rules_leave(c);
}

/* ---- 7. immutable once bound ------------------------------------------ */

/* Absent, null and (for lists) [] all mean "none". */
static const wp_jval *normalized(const wp_jval *v, bool is_list)
{
    if (!wp_rules_is_set(v)) return NULL;
    if (is_list && wp_jval_is_array(v) && v->n == 0) return NULL;
    return v;
}

static bool claim_is_bound(const wp_jval *old_obj)
{
    return wp_rules_strlen(wp_jval_path(old_obj, "status", "sandbox", "name", NULL)) > 0;
}

void wp_rules_claim_immutable(wp_rules_ctx *c, const wp_jval *spec)
{
    static const struct { const char *field; bool is_list; } fields[] = {
        {"warmPoolRef", false}, {"env", true}, {"volumeClaimTemplates", true}};
    if (c->op != WP_OP_UPDATE || !claim_is_bound(c->old_obj)) return;
    const wp_jval *old_spec = wp_jval_get(c->old_obj, "spec");
    for (size_t i = 0; i < sizeof fields / sizeof *fields; i++) {
        const wp_jval *now = normalized(wp_rules_enter(c, spec, fields[i].field), fields[i].is_list);
        const wp_jval *before = normalized(wp_jval_get(old_spec, fields[i].field), fields[i].is_list);
        bool same = wp_jval_equal(now, before);
        if (!same) wp_rules_invalid(c, now, "field is immutable once the claim is bound to a sandbox");
        wp_rules_leave(c);
    }
}
