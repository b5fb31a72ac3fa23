/* The SandboxTemplate reconciler (UPSTREAM.md §1, §8): labels each template
 * with sandbox-template-ref-hash and keeps its NetworkPolicy
 * "<template>-network-policy" as the template says (network_policy.c):
 * created when missing, updated on drift, deleted when Unmanaged; a policy
 * of that name controlled by anything else is an error. Emits no events. */
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "controller/keys.h"
#include "controller/naming.h"
#include "controller/network_policy.h"
#include "controller/reconciler.h"

static const char *meta_str(const json_t *o, const char *k)
{
    return json_string_value(json_object_get(json_object_get(o, "metadata"), k));
}

/* Merge-patches the ref-hash label when it is missing or wrong. */
static bool ensure_label(wp_ctl *ctl, const json_t *tmpl, const char *ns, const char *name)
{
    char hash[WP_NAMING_HASH_LEN];
    wp_naming_hash(name, hash);
    const char *have = json_string_value(
        json_object_get(json_object_get(json_object_get(tmpl, "metadata"), "labels"), WP_LABEL_TEMPLATE_REF_HASH));
    if (have && strcmp(have, hash) == 0) return true;
    json_t *patch = json_pack("{s:{s:{s:s}}}", "metadata", "labels", WP_LABEL_TEMPLATE_REF_HASH, hash);
    wp_kube_error err = WP_KUBE_ERROR_INIT;
    json_t *out = wp_ctl_patch(ctl, WP_CACHE_TEMPLATE, ns, name, NULL, WP_KUBE_PATCH_MERGE, patch, &err);
    if (!out && err.rc != WP_KUBE_ENOTFOUND)
        wp_log(WP_LOG_WARN, "template label", "template", name, "error", err.message, NULL);
    bool ok = out || err.rc == WP_KUBE_ENOTFOUND;
    json_decref(out);
    json_decref(patch);
    wp_kube_error_clear(&err);
    return ok;
}

/* Creates, updates or deletes the policy; false on a failure (logged). */
static bool reconcile_policy(wp_ctl *ctl, const json_t *tmpl, const char *ns, const char *name)
{
    char *np_name = wp_naming_network_policy(name);
    json_t *have = wp_ctl_get(ctl, WP_CACHE_NETWORK_POLICY, ns, np_name);
    bool owned = have && wp_ctl_controlled_by_uid(have, meta_str(tmpl, "uid"));
    bool managed = wp_netpol_managed(tmpl);
    wp_kube_error err = WP_KUBE_ERROR_INIT;
    bool ok = true;
    json_t *out = NULL;
    if (have && !owned) {
        if (managed) {
            wp_log(WP_LOG_WARN, "network policy not controlled by its template", "template", name, "networkpolicy",
                   np_name, NULL);
            ok = false;
        }
    } else if (!managed) {
        if (have) ok = wp_ctl_delete(ctl, WP_CACHE_NETWORK_POLICY, ns, np_name, NULL, &err) == 0 ||
                       err.rc == WP_KUBE_ENOTFOUND;
    } else {
        json_t *want = wp_netpol_desired(tmpl);
        if (!have) {
            out = wp_ctl_create(ctl, WP_CACHE_NETWORK_POLICY, want, &err);
            ok = out || err.rc == WP_KUBE_EEXISTS;
        } else if (wp_netpol_drifted(have, want)) {
            json_object_set(have, "spec", json_object_get(want, "spec"));
            out = wp_ctl_update(ctl, WP_CACHE_NETWORK_POLICY, have, &err);
            ok = out != NULL;
        }
        json_decref(want);
    }
    if (!ok && err.rc)
        wp_log(WP_LOG_WARN, "network policy", "template", name, "networkpolicy", np_name, "error", err.message, NULL);
    json_decref(out);
    json_decref(have);
    wp_kube_error_clear(&err);
    free(np_name);
    return ok;
}

static wp_work_result reconcile(void *ctx, const char *key, double *after)
{
    (void)after;
    wp_rec *r = ctx;
    char ns[WP_CTL_KEY_MAX], name[WP_CTL_KEY_MAX];
    if (!wp_ctl_key_split(key, ns, name)) return WP_WORK_DONE;
    json_t *tmpl = wp_ctl_get(r->ctl, WP_CACHE_TEMPLATE, ns, name);
    if (!tmpl || json_object_get(json_object_get(tmpl, "metadata"), "deletionTimestamp")) {
        json_decref(tmpl);
        return WP_WORK_DONE; /* its policy goes with it (owner reference) */
    }
    bool ok = ensure_label(r->ctl, tmpl, ns, name);
    ok = reconcile_policy(r->ctl, tmpl, ns, name) && ok;
    json_decref(tmpl);
    return ok ? WP_WORK_DONE : WP_WORK_RETRY;
}

static const wp_ctl_watch watches[] = {
    {WP_CACHE_TEMPLATE, wp_ctl_watch_self},
    {WP_CACHE_NETWORK_POLICY, wp_ctl_watch_controller},
};

const wp_reconciler wp_template_reconciler = {
    .id = WP_CTL_TEMPLATE,
    .flag_name = "template",
    .name = WP_CONTROLLER_TEMPLATE,
    .reporter = WP_REPORTER_TEMPLATE,
    .default_workers = 1,
    .watches = watches,
    .n_watches = sizeof watches / sizeof *watches,
    .reconcile = reconcile,
};
