/* The Sandbox reconciler: Pod, headless Service, PVCs and status, in
 * upstream's order (UPSTREAM.md §3): get → deleting ⇒ stop → expiry → PVCs →
 * Pod → Service → conditions → one status write when something changed.
 * Decisions are in sandbox_plan.c (pure); this file reads and writes. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/strbuf.h"
#include "common/verdict.h"
#include "controller/conditions.h"
#include "controller/history.h"
#include "controller/keys.h"
#include "controller/kube/kube_time.h"
#include "controller/naming.h"
#include "controller/reconciler.h"
#include "controller/sandbox_hooks.h"
#include "controller/sandbox_plan.h"

#define MIN_EXPIRY_REQUEUE 2.0   /* upstream: RequeueAfter max(remaining, 2s) */
#define EXPIRED_REQUEUE 0.001    /* upstream: 1ms after writing SandboxExpired */
#define CREATE_PENDING_REQUEUE 0.2

/* One pass over one Sandbox. */
typedef struct {
    wp_rec *r;
    wp_ctl *ctl;
    json_t *sb; /* cache copy */
    char ns[WP_CTL_KEY_MAX], name[WP_CTL_KEY_MAX];
    const char *uid;
    wp_sb errors;          /* "\n"-joined (errors.Join) */
    double requeue;        /* seconds; 0 = none */
    char now[WP_KUBE_TIME_LEN];
    /* what the pass found */
    json_t *pod;           /* owned pod (reference) or NULL */
    size_t owned_pods;
    bool pod_not_owned, pod_state_unknown;
    bool service_required, service_exists;
} pass;

static const char *meta_str(const json_t *o, const char *k)
{
    return json_string_value(json_object_get(json_object_get(o, "metadata"), k));
}

static const char *annotation(const json_t *o, const char *k)
{
    return json_string_value(json_object_get(json_object_get(json_object_get(o, "metadata"), "annotations"), k));
}

static const json_t *spec(const pass *p) { return json_object_get(p->sb, "spec"); }

static void add_error(pass *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void add_error(pass *p, const char *fmt, ...)
{
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    if (p->errors.len) wp_sb_putc(&p->errors, '\n');
    wp_sb_puts(&p->errors, buf);
}

static void requeue_within(pass *p, double seconds)
{
    if (p->requeue <= 0 || seconds < p->requeue) p->requeue = seconds;
}

/* --- writes ------------------------------------------------------------------ */

/* Merge-patches the Sandbox's pod-name annotation (value NULL removes it). */
/* Sets (or removes, value NULL) the pod-name annotation in sb, in place:
 * pointers to sb's other metadata strings stay valid. */
static void keep_pod_name_annotation(json_t *sb, const char *value)
{
    json_t *m = json_object_get(sb, "metadata");
    json_t *a = json_object_get(m, "annotations");
    if (!value) {
        json_object_del(a, WP_ANNOT_POD_NAME);
        return;
    }
    if (!json_is_object(a)) {
        a = wp_xalloc_check(json_object());
        json_object_set_new(m, "annotations", a);
    }
    json_object_set_new(a, WP_ANNOT_POD_NAME, wp_xalloc_check(json_string(value)));
}

static void set_pod_name_annotation(pass *p, const char *value)
{
    const char *have = annotation(p->sb, WP_ANNOT_POD_NAME);
    if ((!have && !value) || (have && value && strcmp(have, value) == 0)) return;
    json_t *patch = json_pack("{s:{s:{s:o}}}", "metadata", "annotations", WP_ANNOT_POD_NAME,
                              value ? json_string(value) : json_null());
    wp_kube_error err = WP_KUBE_ERROR_INIT;
    json_t *out = wp_ctl_patch(p->ctl, WP_CACHE_SANDBOX, p->ns, p->name, NULL, WP_KUBE_PATCH_MERGE, patch, &err);
    if (!out && err.rc != WP_KUBE_ENOTFOUND) add_error(p, "%s", err.message);
    if (out) keep_pod_name_annotation(p->sb, value); /* the rest of the pass sees its write */
    json_decref(out);
    json_decref(patch);
    wp_kube_error_clear(&err);
}

/* Merge patch of a dependent's metadata; a failure becomes a pass error. */
static bool patch_object(pass *p, wp_cache_id cache, const char *name, const json_t *patch)
{
    wp_kube_error err = WP_KUBE_ERROR_INIT;
    json_t *out = wp_ctl_patch(p->ctl, cache, p->ns, name, NULL, WP_KUBE_PATCH_MERGE, patch, &err);
    if (!out) add_error(p, "%s", err.message);
    json_decref(out);
    wp_kube_error_clear(&err);
    return out != NULL;
}

/* Adds the Sandbox's controller reference to obj (a merge patch under its
 * resourceVersion, so a concurrent change makes us look again). */
static bool adopt(pass *p, wp_cache_id cache, const json_t *obj)
{
    json_t *patch = json_pack("{s:{s:o, s:s?}}", "metadata", "ownerReferences", wp_sbplan_adopted_refs(p->sb, obj),
                              "resourceVersion", meta_str(obj, "resourceVersion"));
    bool ok = patch_object(p, cache, meta_str(obj, "name"), patch);
    json_decref(patch);
    return ok;
}

static bool delete_object(pass *p, wp_cache_id cache, const json_t *obj)
{
    wp_kube_delete_opts o = {.precondition_uid = meta_str(obj, "uid")};
    wp_kube_error err = WP_KUBE_ERROR_INIT;
    bool ok = wp_ctl_delete(p->ctl, cache, p->ns, meta_str(obj, "name"), &o, &err) == 0 ||
              err.rc == WP_KUBE_ENOTFOUND;
    if (!ok) add_error(p, "%s", err.message);
    wp_kube_error_clear(&err);
    return ok;
}

/* --- PVCs ---------------------------------------------------------------------- */

static void reconcile_pvc(pass *p, const json_t *vct)
{
    const char *vname = meta_str(vct, "name");
    if (!vname || !*vname) return;
    char *name = wp_naming_pvc(vname, p->name);
    json_t *have = wp_ctl_get(p->ctl, WP_CACHE_PVC, p->ns, name);
    if (!have) {
        json_t *want = wp_sbplan_pvc(p->sb, vct);
        wp_kube_error err = WP_KUBE_ERROR_INIT;
        json_t *made = wp_ctl_create(p->ctl, WP_CACHE_PVC, want, &err);
        if (!made && err.rc != WP_KUBE_EEXISTS) add_error(p, "%s", err.message);
        json_decref(made);
        json_decref(want);
        wp_kube_error_clear(&err);
    } else {
        switch (wp_sbplan_ownership(p->sb, have)) {
        case WP_SBPLAN_OWNED: break;
        case WP_SBPLAN_ADOPTABLE: adopt(p, WP_CACHE_PVC, have); break;
        default: add_error(p, "persistentvolumeclaim %s exists and is not owned by sandbox %s", name, p->name);
        }
    }
    json_decref(have);
    free(name);
}

static void reconcile_pvcs(pass *p)
{
    size_t i;
    const json_t *vct;
    json_array_foreach(json_object_get(spec(p), "volumeClaimTemplates"), i, vct) reconcile_pvc(p, vct);
}

/* --- the Pod ---------------------------------------------------------------------- */

/* Finds the pods this Sandbox controls (through the name-hash index). */
static void find_owned_pods(pass *p)
{
    char hash[WP_NAMING_HASH_LEN];
    wp_naming_hash(p->name, hash);
    size_t n;
    wp_store_item **items = wp_ctl_list_index(p->ctl, WP_CACHE_POD, WP_INDEX_NAME_HASH, hash, &n);
    for (size_t i = 0; i < n; i++) {
        if (strcmp(wp_store_item_namespace(items[i]), p->ns) != 0) continue;
        json_t *pod = wp_store_item_json(items[i]);
        if (wp_ctl_controlled_by_uid(pod, p->uid)) {
            p->owned_pods++;
            if (!p->pod) p->pod = json_incref(pod);
        }
        json_decref(pod);
    }
    wp_store_items_free(items, n);
    if (p->owned_pods > 1) {
        json_decref(p->pod);
        p->pod = NULL;
    }
}

static bool deleting(const json_t *o)
{
    return json_object_get(json_object_get(o, "metadata"), "deletionTimestamp") != NULL;
}

static void suspend(pass *p, json_t *named)
{
    set_pod_name_annotation(p, NULL);
    if (!p->pod && named && wp_sbplan_ownership(p->sb, named) == WP_SBPLAN_OWNED) {
        p->pod = json_incref(named); /* ours, without its name-hash label */
        p->owned_pods = 1;
    }
    if (p->pod) {
        if (!deleting(p->pod) && !delete_object(p, WP_CACHE_POD, p->pod)) p->pod_state_unknown = true;
    } else if (named) {
        p->pod_not_owned = true; /* someone else's pod under our name: never touched */
    }
}

/* An existing pod under the resolved name that the index did not show as
 * ours: adopt it when allowed, else refuse. */
static void claim_named_pod(pass *p, json_t *named)
{
    switch (wp_sbplan_ownership(p->sb, named)) {
    case WP_SBPLAN_OWNED: /* ours but lost its name-hash label: the metadata patch restores it */
        p->pod = json_incref(named);
        p->owned_pods = 1;
        break;
    case WP_SBPLAN_ADOPTABLE:
        if (adopt(p, WP_CACHE_POD, named)) {
            p->pod = json_incref(named);
            p->owned_pods = 1;
        }
        break;
    case WP_SBPLAN_FOREIGN:
        set_pod_name_annotation(p, NULL);
        add_error(p, "pod %s is controlled by another object and cannot be adopted by sandbox %s",
                  meta_str(named, "name"), p->name);
        break;
    case WP_SBPLAN_UNOWNED:
        add_error(p, "pod %s exists and is not owned by sandbox %s", meta_str(named, "name"), p->name);
        break;
    }
}

/* The pod under the resolved name, ours or adoptable: keep its metadata
 * in step; else the error claim_named_pod reports. */
static void use_named_pod(pass *p, json_t *named)
{
    claim_named_pod(p, named);
    if (!p->pod) return;
    json_t *patch = wp_sbplan_pod_metadata_patch(p->sb, p->pod);
    if (patch) patch_object(p, WP_CACHE_POD, meta_str(p->pod, "name"), patch);
    json_decref(patch);
    set_pod_name_annotation(p, meta_str(p->pod, "name"));
}

/* AlreadyExists: the pod exists though the cache has not shown it yet
 * (often our own create of a pass ago). Upstream treats it as existing, so
 * read it from the API and do so; without this the pass would drop the
 * PodScheduled condition and the next re-append it after Ready. */
static void use_existing_pod(pass *p, const char *name)
{
    wp_kube_error err = WP_KUBE_ERROR_INIT;
    json_t *live = wp_ctl_read_live(p->ctl, WP_CACHE_POD, p->ns, name, &err);
    if (live) {
        use_named_pod(p, live);
    } else {
        set_pod_name_annotation(p, NULL);
        requeue_within(p, CREATE_PENDING_REQUEUE); /* gone again, or unreadable: look again */
    }
    json_decref(live);
    wp_kube_error_clear(&err);
}

static void create_pod(pass *p)
{
    json_t *want = wp_sbplan_pod(p->sb);
    wp_kube_error err = WP_KUBE_ERROR_INIT;
    json_t *made = wp_ctl_create(p->ctl, WP_CACHE_POD, want, &err);
    if (made) {
        p->pod = made;
        p->owned_pods = 1;
        set_pod_name_annotation(p, meta_str(made, "name"));
    } else if (err.rc == WP_KUBE_EEXISTS) {
        use_existing_pod(p, meta_str(want, "name"));
    } else {
        set_pod_name_annotation(p, NULL);
        add_error(p, "%s", err.message);
    }
    json_decref(want);
    wp_kube_error_clear(&err);
}

static void multiple_pods_event(pass *p)
{
    json_t *ready = wp_conditions_find(json_object_get(json_object_get(p->sb, "status"), "conditions"), WP_COND_READY);
    if (ready && strcmp(wp_condition_reason(ready), WP_REASON_MULTIPLE_PODS) == 0) return;
    wp_rec_event(p->r, p->sb, WP_EVENT_WARNING, WP_EVENT_REASON_MULTIPLE_PODS, WP_EVENT_ACTION_RECONCILING,
                 WP_MSG_MULTIPLE_PODS_FMT, p->owned_pods);
}

static void reconcile_pod(pass *p)
{
    find_owned_pods(p);
    const char *annotated = annotation(p->sb, WP_ANNOT_POD_NAME);
    json_t *named = wp_ctl_get(p->ctl, WP_CACHE_POD, p->ns, annotated ? annotated : p->name);
    bool suspended = json_is_string(json_object_get(spec(p), "operatingMode")) &&
                     strcmp(json_string_value(json_object_get(spec(p), "operatingMode")), WP_OPERATING_SUSPENDED) == 0;
    if (p->owned_pods > 1) {
        multiple_pods_event(p);
    } else if (suspended) {
        suspend(p, named);
    } else if (p->pod) {
        json_t *patch = wp_sbplan_pod_metadata_patch(p->sb, p->pod);
        if (patch) patch_object(p, WP_CACHE_POD, meta_str(p->pod, "name"), patch);
        json_decref(patch);
        set_pod_name_annotation(p, meta_str(p->pod, "name"));
    } else if (named) {
        use_named_pod(p, named);
    } else {
        /* The named pod is gone. A create under the same name sets the
         * annotation again (or clears it on failure): no remove-then-set. */
        if (annotated && strcmp(annotated, p->name) != 0) set_pod_name_annotation(p, NULL);
        create_pod(p);
    }
    json_decref(named);
}

/* --- the Service ---------------------------------------------------------------------- */

static bool is_headless(const json_t *svc)
{
    const char *ip = json_string_value(json_object_get(json_object_get(svc, "spec"), "clusterIP"));
    return !ip || !*ip || strcmp(ip, "None") == 0;
}

static void create_service(pass *p)
{
    json_t *want = wp_sbplan_service(p->sb);
    wp_kube_error err = WP_KUBE_ERROR_INIT;
    json_t *made = wp_ctl_create(p->ctl, WP_CACHE_SERVICE, want, &err);
    if (made) p->service_exists = true;
    else if (err.rc == WP_KUBE_EEXISTS) requeue_within(p, CREATE_PENDING_REQUEUE);
    else add_error(p, "%s", err.message);
    json_decref(made);
    json_decref(want);
    wp_kube_error_clear(&err);
}

/* An unowned Service and spec.service true: adopt it (Update) when allowed. */
static void adopt_service(pass *p, json_t *svc)
{
    if (wp_sbplan_ownership(p->sb, svc) != WP_SBPLAN_ADOPTABLE || !is_headless(svc)) {
        add_error(p, "service %s exists and is not owned by sandbox %s", p->name, p->name);
        return;
    }
    json_t *want = wp_sbplan_service(p->sb);
    json_t *upd = json_deep_copy(svc);
    json_t *m = json_object_get(upd, "metadata");
    json_object_set_new(m, "ownerReferences", wp_sbplan_adopted_refs(p->sb, svc));
    json_object_update(json_object_get(upd, "spec"), json_object_get(want, "spec"));
    if (!json_is_object(json_object_get(m, "labels"))) json_object_set_new(m, "labels", json_object());
    json_object_update(json_object_get(m, "labels"), json_object_get(json_object_get(want, "metadata"), "labels"));
    wp_kube_error err = WP_KUBE_ERROR_INIT;
    json_t *out = wp_ctl_update(p->ctl, WP_CACHE_SERVICE, upd, &err);
    if (out) p->service_exists = true;
    else add_error(p, "%s", err.message);
    json_decref(out);
    json_decref(upd);
    json_decref(want);
    wp_kube_error_clear(&err);
}

static void reconcile_service(pass *p)
{
    const json_t *want = json_object_get(spec(p), "service"); /* *bool: absent, true, false */
    bool want_true = json_is_true(want), want_nil = !json_is_boolean(want);
    json_t *svc = wp_ctl_get(p->ctl, WP_CACHE_SERVICE, p->ns, p->name);
    wp_sbplan_owner own = svc ? wp_sbplan_ownership(p->sb, svc) : WP_SBPLAN_UNOWNED;
    if (!svc) {
        if (want_true) create_service(p);
    } else if (own == WP_SBPLAN_OWNED) {
        if (!want_true && !want_nil) {
            delete_object(p, WP_CACHE_SERVICE, svc);
        } else {
            p->service_exists = true;
            json_t *patch = wp_sbplan_service_patch(p->sb, svc);
            if (patch) patch_object(p, WP_CACHE_SERVICE, p->name, patch);
            json_decref(patch);
        }
    } else if (own == WP_SBPLAN_FOREIGN) {
        if (want_true) add_error(p, "service %s is controlled by another object", p->name);
    } else if (want_true) {
        adopt_service(p, svc);
    }
    p->service_required = want_true || (want_nil && p->service_exists);
    json_decref(svc);
}

/* --- status ------------------------------------------------------------------------------ */

static void write_status(pass *p, json_t *status)
{
    json_t *patch = wp_sbplan_status_patch(json_object_get(p->sb, "status"), status);
    if (!patch) return;
    wp_kube_error err = WP_KUBE_ERROR_INIT;
    json_t *out = wp_ctl_patch(p->ctl, WP_CACHE_SANDBOX, p->ns, p->name, "status", WP_KUBE_PATCH_MERGE, patch, &err);
    if (!out && err.rc != WP_KUBE_ENOTFOUND) add_error(p, "%s", err.message);
    if (out) wp_history_sandbox_status(p->ctl, p->sb, json_object_get(p->sb, "status"), json_object_get(out, "status"));
    json_decref(out);
    json_decref(patch);
    wp_kube_error_clear(&err);
}

static void update_status(pass *p)
{
    char *errors = p->errors.len ? wp_sb_finish(&p->errors) : NULL;
    json_t *gen = json_object_get(json_object_get(p->sb, "metadata"), "generation");
    wp_sbplan_view v = {
        .generation = json_is_integer(gen) ? json_integer_value(gen) : 0,
        .errors = errors,
        .owned_pods = p->owned_pods,
        .pod = p->pod,
        .suspended = json_is_string(json_object_get(spec(p), "operatingMode")) &&
                     strcmp(json_string_value(json_object_get(spec(p), "operatingMode")), WP_OPERATING_SUSPENDED) == 0,
        .pod_not_owned = p->pod_not_owned,
        .pod_state_unknown = p->pod_state_unknown,
        .service_required = p->service_required,
        .service_exists = p->service_exists,
        .service_name = p->name,
        .cluster_domain = p->ctl->opts.cluster_domain,
        .now = p->now,
    };
    json_t *status = wp_sbplan_status(p->sb, &v);
    write_status(p, status);
    json_decref(status);
    if (errors) { /* keep them for the result */
        wp_sb_puts(&p->errors, errors);
        free(errors);
    }
}

/* --- expiry --------------------------------------------------------------------------------- */

/* Deletes the owned pod and Service, then the Sandbox (Delete) or keeps it
 * with conditions only (Retain). */
static void expire(pass *p)
{
    json_t *ready = wp_conditions_find(json_object_get(json_object_get(p->sb, "status"), "conditions"), WP_COND_READY);
    if (!ready || strcmp(wp_condition_reason(ready), WP_REASON_SANDBOX_EXPIRED) != 0) {
        json_t *st = wp_sbplan_expired_status(p->sb, false, p->now);
        write_status(p, st);
        json_decref(st);
        requeue_within(p, EXPIRED_REQUEUE);
        return;
    }
    find_owned_pods(p);
    if (p->pod && !deleting(p->pod)) delete_object(p, WP_CACHE_POD, p->pod);
    json_t *svc = wp_ctl_get(p->ctl, WP_CACHE_SERVICE, p->ns, p->name);
    if (svc && wp_sbplan_ownership(p->sb, svc) == WP_SBPLAN_OWNED) delete_object(p, WP_CACHE_SERVICE, svc);
    json_decref(svc);
    const char *policy = json_string_value(json_object_get(spec(p), "shutdownPolicy"));
    if (policy && strcmp(policy, WP_SHUTDOWN_DELETE) == 0) {
        delete_object(p, WP_CACHE_SANDBOX, p->sb);
        return;
    }
    json_t *st = wp_sbplan_expired_status(p->sb, true, p->now);
    write_status(p, st);
    json_decref(st);
}

/* True when the Sandbox has expired; otherwise schedules the next look. */
static bool expired(pass *p)
{
    const char *t = json_string_value(json_object_get(spec(p), "shutdownTime"));
    double when;
    if (!t || !wp_kube_time_parse(t, &when)) return false;
    double remaining = when - wp_ctl_now(p->ctl);
    if (remaining <= 0) return true;
    requeue_within(p, remaining > MIN_EXPIRY_REQUEUE ? remaining : MIN_EXPIRY_REQUEUE);
    return false;
}

/* --- post-start hooks -------------------------------------------------------------------------- */

static void run_hooks(pass *p)
{
    json_t *patch = wp_sbhooks_step(p->r->state, p->r, p->sb, p->pod);
    if (!patch) return;
    if (patch_object(p, WP_CACHE_SANDBOX, p->name, patch)) {
        char key[WP_CTL_KEY_MAX];
        wp_ctl_key(p->ns, p->name, key);
        wp_sbhooks_recorded(p->r->state, key);
    }
    json_decref(patch);
}

/* --- the pass ---------------------------------------------------------------------------------- */

static wp_work_result reconcile(void *ctx, const char *key, double *after)
{
    pass p = {.r = ctx};
    p.ctl = p.r->ctl;
    if (!wp_ctl_key_split(key, p.ns, p.name)) return WP_WORK_DONE;
    p.sb = wp_ctl_get(p.ctl, WP_CACHE_SANDBOX, p.ns, p.name);
    if (!p.sb || deleting(p.sb)) {
        json_decref(p.sb);
        wp_sbhooks_forget(p.r->state, key);
        return WP_WORK_DONE; /* garbage collection removes what it owned */
    }
    p.uid = meta_str(p.sb, "uid");
    wp_ctl_now_rfc3339(p.ctl, p.now);
    if (expired(&p)) {
        expire(&p);
    } else {
        reconcile_pvcs(&p);
        reconcile_pod(&p);
        if (p.owned_pods <= 1) reconcile_service(&p);
        update_status(&p);
        run_hooks(&p);
        wp_history_sandbox_rederive(p.ctl, p.sb);
    }
    wp_work_result res = WP_WORK_DONE;
    if (p.errors.len) {
        res = WP_WORK_RETRY;
    } else if (p.requeue > 0) {
        *after = p.requeue;
        res = WP_WORK_REQUEUE_AFTER;
    }
    wp_sb_free(&p.errors);
    json_decref(p.pod);
    json_decref(p.sb);
    return res;
}

static int init(wp_rec *r, char *err, size_t err_size)
{
    (void)err;
    (void)err_size;
    r->state = wp_sbhooks_new();
    return 0;
}

static void destroy(wp_rec *r)
{
    wp_sbhooks_free(r->state);
}

/* A Sandbox gone is a history record ("deleted"); every change is a look. */
static void on_sandbox(wp_rec *r, wp_store_item *old, wp_store_item *cur)
{
    if (old && !cur && wp_history_enabled(r->ctl)) {
        json_t *sb = wp_store_item_json(old);
        wp_history_sandbox_deleted(r->ctl, sb);
        json_decref(sb);
    }
    wp_ctl_watch_self(r, old, cur);
}

static const wp_ctl_watch watches[] = {
    {WP_CACHE_SANDBOX, on_sandbox},
    {WP_CACHE_POD, wp_ctl_watch_controller},
    {WP_CACHE_SERVICE, wp_ctl_watch_controller},
    {WP_CACHE_PVC, wp_ctl_watch_controller},
};

const wp_reconciler wp_sandbox_reconciler = {
    .id = WP_CTL_SANDBOX,
    .flag_name = "sandbox",
    .name = WP_CONTROLLER_SANDBOX,
    .reporter = WP_REPORTER_SANDBOX,
    .default_workers = 100,
    .watches = watches,
    .n_watches = sizeof watches / sizeof *watches,
    .init = init,
    .destroy = destroy,
    .reconcile = reconcile,
};
