/* The SandboxWarmPool reconciler (UPSTREAM.md §4): keeps spec.replicas
 * warm Sandboxes, replaces stale and stuck ones, holds unschedulable ones,
 * removes surplus, and writes the pool's status.
 *
 * One pass, in upstream's order (STYLE.md §3(b) 9): read the pool and its
 * template from the caches; list members through the pool-label index;
 * classify them (pool_plan.c) and act on each (delete stale, repair
 * launch-type, adopt orphans); apply the readiness grace; create missing
 * members behind the expectations gate in slow-start batches; remove surplus
 * (not Ready first, newest first) behind the same gate; raise or clear the
 * not-progressing event; merge-patch the status when it changed and the pass
 * had no error.
 *
 * Every delete carries the member's resourceVersion as a precondition, so a
 * Sandbox a claim adopted after our cache read is never deleted (the API
 * answers 409 and the next pass sees it gone from the pool). */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/verdict.h"
#include "controller/expectations.h"
#include "controller/keys.h"
#include "controller/kube/kube_map.h"
#include "controller/pool_plan.h"
#include "controller/reconciler.h"
#include "controller/slow_start.h"
#include "controller/image_pins.h"

/* Writers per slow-start batch: a batch of 128 creates runs on this many
 * threads (the client is thread-safe; the API server is the limit). */
#define POOL_WRITERS 16

typedef struct {
    wp_expect *exp;
    pthread_mutex_t mu;        /* guards not_progressing and seed */
    wp_kube_map not_progressing; /* keys (strdup'd) of pools holding unschedulable members */
    unsigned seed;             /* jitter */
} pool_state;

static const char *string_key(const void *s) { return s; }

/* --- one pass ------------------------------------------------------------------- */

typedef struct {
    wp_rec *r;
    pool_state *st;
    const char *key; /* "ns/pool" */
    const char *ns;
    wp_pool_view v;
    json_t *pool;
    json_t *member_proto; /* the Sandbox every create sends */
    const json_t **surplus;
    wp_kube_error err; /* the first error of the pass */
    bool errored;
    double after; /* smallest requeue asked for; 0 = none */
    bool hold_creation; /* --digest-failure-policy=hold and a digest did not resolve */
    /* The expectations were satisfied before the members were listed. An
     * add event lowers them only after the cache holds the Sandbox, so then
     * the list holds every create we made; checked only at create time, a
     * pass could list 6 of 8 members, see the last two adds arrive, and
     * create two more. */
    bool settled;
    /* Likewise the uids with a pending delete, as of before the list: a
     * delete event arriving between the list and the member's check would
     * otherwise clear the expectation while the listed copy still shows
     * the member, and it would be deleted a second time. */
    char **deleting;
    size_t n_deleting;
} pass;

static void note_error(pass *p, const wp_kube_error *e, const char *what, const char *name)
{
    wp_log(WP_LOG_ERROR, what, "pool", p->key, "sandbox", name ? name : "", "error",
           e->message[0] ? e->message : wp_kube_rc_name(e->rc), NULL);
    if (!p->errored) {
        p->errored = true;
        wp_kube_error_set(&p->err, e->rc, "%s", e->message[0] ? e->message : wp_kube_rc_name(e->rc));
    }
}

static void want_requeue(pass *p, double seconds)
{
    if (seconds > 0 && (p->after == 0 || seconds < p->after)) p->after = seconds;
}

static const char *meta_str(const json_t *o, const char *key)
{
    return json_string_value(json_object_get(json_object_get(o, "metadata"), key));
}
static const char *obj_name(const json_t *o) { return meta_str(o, "name"); }
static const char *obj_uid(const json_t *o) { return meta_str(o, "uid"); }
static const char *obj_rv(const json_t *o) { return meta_str(o, "resourceVersion"); }

/* Deletes one member under its resourceVersion, with a delete expectation
 * when the pool owns it. 404 counts as done. Returns 0 or -1 (err set). */
static int delete_member(pass *p, const json_t *sb, bool owned, wp_kube_error *err)
{
    const char *uid = obj_uid(sb);
    if (owned) wp_expect_deletion(p->st->exp, p->key, uid);
    wp_kube_delete_opts opts = {.precondition_uid = uid, .precondition_resource_version = obj_rv(sb)};
    if (wp_ctl_delete(p->r->ctl, WP_CACHE_SANDBOX, p->ns, obj_name(sb), &opts, err) == 0) return 0;
    /* No delete event will come for a delete that did not happen (or that
     * happened before the expectation was raised). */
    if (owned) wp_expect_deletion_observed(p->st->exp, p->key, uid);
    if (err->rc == WP_KUBE_ENOTFOUND) {
        wp_kube_error_clear(err);
        return 0;
    }
    return -1;
}

/* PUTs the member with the pool's controller reference and/or launch-type
 * (resourceVersion from the cache: a conflict means someone else moved it). */
static int repair_member(pass *p, json_t *sb, bool adopt, wp_kube_error *err)
{
    json_t *meta = json_object_get(sb, "metadata");
    json_t *labels = json_object_get(meta, "labels");
    if (!json_is_object(labels)) {
        labels = json_object();
        json_object_set_new(meta, "labels", labels);
    }
    json_object_set_new(labels, WP_LABEL_LAUNCH_TYPE, json_string(WP_LAUNCH_WARM));
    if (adopt) {
        json_t *refs = json_object_get(meta, "ownerReferences");
        if (!json_is_array(refs)) {
            refs = json_array();
            json_object_set_new(meta, "ownerReferences", refs);
        }
        json_array_append_new(refs, wp_ctl_owner_ref(p->pool));
    }
    json_object_set_new(sb, "apiVersion", json_string(WP_API_SANDBOX));
    json_object_set_new(sb, "kind", json_string(WP_KIND_NAME_SANDBOX));
    json_t *out = wp_ctl_update(p->r->ctl, WP_CACHE_SANDBOX, sb, err);
    if (!out) return -1;
    json_decref(out);
    return 0;
}

static bool pod_unschedulable(pass *p, const json_t *sb)
{
    json_t *pod = wp_ctl_get(p->r->ctl, WP_CACHE_POD, p->ns, wp_pool_pod_name(sb));
    bool u = wp_pool_pod_unschedulable(pod);
    json_decref(pod);
    return u;
}

typedef struct {
    json_t **items;
    size_t n, cap;
} member_list;

static void list_push(member_list *l, json_t *sb)
{
    if (l->n == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 16;
        l->items = wp_xalloc_check(realloc(l->items, l->cap * sizeof *l->items));
    }
    l->items[l->n++] = sb;
}

/* Classifies and repairs the listed Sandboxes; fills `active` (references
 * moved in) and returns the terminating count. */
static long long filter_members(pass *p, json_t **sandboxes, size_t n, member_list *active)
{
    long long terminating = 0;
    for (size_t i = 0; i < n; i++) {
        json_t *sb = sandboxes[i];
        sandboxes[i] = NULL;
        bool pending = wp_expect_uids_contain(p->deleting, p->n_deleting, obj_uid(sb));
        wp_member_plan m = wp_pool_classify(&p->v, sb, pending);
        wp_kube_error err = WP_KUBE_ERROR_INIT;
        switch (m.verdict) {
        case WP_MEMBER_IGNORE: break;
        case WP_MEMBER_TERMINATING: terminating++; break;
        case WP_MEMBER_STALE:
            wp_log(WP_LOG_INFO, "deleting stale sandbox", "pool", p->key, "sandbox", obj_name(sb), NULL);
            if (delete_member(p, sb, m.owned, &err) != 0)
                note_error(p, &err, "could not delete stale sandbox", obj_name(sb));
            else if (m.owned)
                terminating++;
            break;
        case WP_MEMBER_KEEP:
            if ((m.adopt || m.set_launch) && repair_member(p, sb, m.adopt, &err) != 0) {
                note_error(p, &err, m.adopt ? "could not adopt sandbox" : "could not set launch type", obj_name(sb));
                break;
            }
            list_push(active, sb);
            sb = NULL;
            break;
        }
        wp_kube_error_clear(&err);
        json_decref(sb);
    }
    return terminating;
}

/* The readiness grace over the active members: keeps, holds or deletes each.
 * Compacts `active` in place; returns how many were held. */
static long long apply_grace(pass *p, member_list *active, long long *terminating)
{
    long long held = 0;
    double next = 0;
    size_t kept = 0;
    for (size_t i = 0; i < active->n; i++) {
        json_t *sb = active->items[i];
        double after = 0;
        wp_grace_verdict g = wp_pool_grace(&p->v, sb, false, &after);
        if (g == WP_GRACE_REPLACE && pod_unschedulable(p, sb)) g = WP_GRACE_HOLD;
        if (g == WP_GRACE_WAIT && (next == 0 || after < next)) next = after;
        if (g == WP_GRACE_HOLD) held++;
        if (g == WP_GRACE_REPLACE) {
            wp_kube_error err = WP_KUBE_ERROR_INIT;
            wp_log(WP_LOG_INFO, "deleting stuck warm pool sandbox", "pool", p->key, "sandbox", obj_name(sb), NULL);
            if (delete_member(p, sb, true, &err) == 0) {
                (*terminating)++;
                json_decref(sb);
                wp_kube_error_clear(&err);
                continue;
            }
            /* It still exists: keep counting it so creates cannot overshoot. */
            note_error(p, &err, "could not delete stuck sandbox", obj_name(sb));
            wp_kube_error_clear(&err);
        }
        active->items[kept++] = sb;
    }
    active->n = kept;
    if (next > 0) {
        pthread_mutex_lock(&p->st->mu); /* several workers may share the seed */
        double u = (double)rand_r(&p->st->seed) / ((double)RAND_MAX + 1);
        pthread_mutex_unlock(&p->st->mu);
        want_requeue(p, wp_pool_jitter(next, u));
    }
    return held;
}

static int create_one(void *ctx, long long index, wp_kube_error *err)
{
    (void)index;
    pass *p = ctx;
    json_t *out = wp_ctl_create(p->r->ctl, WP_CACHE_SANDBOX, p->member_proto, err);
    if (!out) return -1;
    json_decref(out);
    return 0;
}

static void create_members(pass *p, long long count)
{
    if (count <= 0 || !p->v.has_template) return;
    if (!p->settled || !wp_expect_try_creations(p->st->exp, p->key, (int)count)) {
        want_requeue(p, WP_POOL_EXPECTATIONS_REQUEUE);
        return;
    }
    p->member_proto = wp_pool_member_new(&p->v, !p->r->ctl->opts.disable_warm_pool_eviction);
    wp_kube_error err = WP_KUBE_ERROR_INIT;
    long long ok = wp_slow_start(count, POOL_WRITERS, create_one, p, &err);
    /* Creates that never happened will never produce an add event. */
    if (ok < count) wp_expect_lower_creations(p->st->exp, p->key, (int)(count - ok));
    if (err.rc != WP_KUBE_OK) note_error(p, &err, "could not create pool sandboxes", NULL);
    wp_kube_error_clear(&err);
}

static int delete_surplus_one(void *ctx, long long index, wp_kube_error *err)
{
    pass *p = ctx;
    return delete_member(p, p->surplus[index], true, err);
}

static void delete_surplus(pass *p, member_list *active)
{
    long long count = wp_pool_to_delete(p->v.desired, (long long)active->n, p->r->ctl->opts.pool_batch_cap);
    if (count <= 0) return;
    if (!p->settled || !wp_expect_satisfied(p->st->exp, p->key)) {
        want_requeue(p, WP_POOL_EXPECTATIONS_REQUEUE);
        return;
    }
    p->surplus = wp_xalloc_check(malloc(active->n * sizeof *p->surplus));
    for (size_t i = 0; i < active->n; i++) p->surplus[i] = active->items[i];
    wp_pool_surplus_order(p->surplus, active->n);
    wp_kube_error err = WP_KUBE_ERROR_INIT;
    wp_slow_start(count, POOL_WRITERS, delete_surplus_one, p, &err);
    if (err.rc != WP_KUBE_OK) note_error(p, &err, "could not delete surplus sandboxes", NULL);
    wp_kube_error_clear(&err);
}

/* Emits WarmPoolNotProgressing / WarmPoolProgressing on transitions only. */
static void set_not_progressing(pass *p, long long held)
{
    pool_state *st = p->st;
    pthread_mutex_lock(&st->mu);
    char *was = wp_kube_map_get(&st->not_progressing, p->key);
    bool now = held > 0;
    if (now && !was) wp_kube_map_put(&st->not_progressing, wp_xalloc_check(strdup(p->key)));
    if (!now && was) free(wp_kube_map_remove(&st->not_progressing, p->key));
    pthread_mutex_unlock(&st->mu);
    if (now) want_requeue(p, WP_POOL_UNSCHEDULABLE_REQUEUE);
    if (now == (was != NULL)) return;
    if (now) {
        char grace[WP_POOL_DURATION_MAX];
        wp_pool_go_duration(p->v.grace, grace);
        wp_rec_event(p->r, p->pool, "Warning", WP_EVENT_REASON_POOL_NOT_PROGRESSING, WP_EVENT_ACTION_RECONCILING,
                     WP_EVENT_MSG_POOL_NOT_PROGRESSING_FMT, (int)held, (int)p->v.desired, grace);
    } else {
        wp_rec_event(p->r, p->pool, "Normal", WP_EVENT_REASON_POOL_PROGRESSING, WP_EVENT_ACTION_RECONCILING,
                     "%s", WP_EVENT_MSG_POOL_PROGRESSING);
    }
}

static void forget_pool(pool_state *st, const char *key)
{
    wp_expect_forget(st->exp, key);
    pthread_mutex_lock(&st->mu);
    free(wp_kube_map_remove(&st->not_progressing, key));
    pthread_mutex_unlock(&st->mu);
}

/* The pool's members as fresh copies (caller decrefs each and frees). */
static json_t **list_members(pass *p, size_t *n)
{
    size_t count;
    wp_store_item **items = wp_ctl_list_index(p->r->ctl, WP_CACHE_SANDBOX, WP_INDEX_POOL_LABEL, p->v.pool_hash, &count);
    json_t **out = wp_xalloc_check(calloc(count ? count : 1, sizeof *out));
    *n = 0;
    for (size_t i = 0; i < count; i++)
        if (strcmp(wp_store_item_namespace(items[i]), p->ns) == 0) out[(*n)++] = wp_store_item_json(items[i]);
    wp_store_items_free(items, count);
    return out;
}

static void write_status(pass *p, long long replicas, long long ready)
{
    json_t *status = wp_pool_status(&p->v, replicas, ready);
    json_t *patch = wp_pool_status_patch(json_object_get(p->pool, "status"), status);
    json_decref(status);
    if (!patch) return;
    wp_kube_error err = WP_KUBE_ERROR_INIT;
    json_t *out =
        wp_ctl_patch(p->r->ctl, WP_CACHE_POOL, p->ns, obj_name(p->pool), "status", WP_KUBE_PATCH_MERGE, patch, &err);
    if (!out && err.rc != WP_KUBE_ENOTFOUND) note_error(p, &err, "could not update pool status", NULL);
    json_decref(out);
    json_decref(patch);
    wp_kube_error_clear(&err);
}

static void reconcile_pool(pass *p)
{
    size_t n;
    /* Expectations before the list, so both describe the same moment. */
    p->settled = wp_expect_satisfied(p->st->exp, p->key);
    p->deleting = wp_expect_pending_deletions(p->st->exp, p->key, &p->n_deleting);
    json_t **sandboxes = list_members(p, &n);
    member_list active = {0};
    long long terminating = filter_members(p, sandboxes, n, &active);
    free(sandboxes);
    long long held = apply_grace(p, &active, &terminating);

    long long ready = 0;
    for (size_t i = 0; i < active.n; i++) ready += wp_pool_sandbox_ready(active.items[i]);
    long long replicas = (long long)active.n;

    if (!p->hold_creation)
        create_members(p, wp_pool_to_create(p->v.desired, replicas, terminating, p->r->ctl->opts.pool_batch_cap));
    else want_requeue(p, WP_IMAGE_PINS_HOLD_RETRY);
    delete_surplus(p, &active);
    set_not_progressing(p, held);

    if (!p->errored) write_status(p, replicas, ready);
    for (size_t i = 0; i < active.n; i++) json_decref(active.items[i]);
    free(active.items);
    wp_expect_uids_free(p->deleting, p->n_deleting);
}

/* With a digest resolver configured, points the view at a copy of the
 * template whose images are pinned (caller frees *copy and *pins); the
 * hashes stay those of the template as written, as upstream computes
 * them. Returns false when --digest-failure-policy=hold and an image did
 * not resolve: then nothing is created and no member is judged by pins. */
static bool pin_images(wp_ctl *ctl, wp_pool_view *v, json_t **copy, char **pins, const char *key)
{
    *copy = NULL;
    *pins = NULL;
    if (!ctl->plugins || !v->has_template) return true;
    *copy = v->template_spec ? json_deep_copy(v->template_spec) : json_object();
    char failure[512];
    *pins = wp_image_pins_apply_spec(*copy, ctl->plugins, failure, sizeof failure);
    if (failure[0] && ctl->opts.digest_failure_hold) {
        wp_log(WP_LOG_WARN, "pool holds member creation: image digest unresolved", "pool", key, "error", failure,
               NULL);
        return false;
    }
    if (*pins) {
        v->template_spec = *copy;
        v->pins = *pins;
    }
    return true;
}

static wp_work_result reconcile(void *ctx, const char *key, double *after)
{
    wp_rec *r = ctx;
    wp_ctl *ctl = r->ctl;
    pool_state *st = r->state;
    char ns[WP_CTL_KEY_MAX], name[WP_CTL_KEY_MAX];
    if (!wp_ctl_key_split(key, ns, name)) return WP_WORK_DONE;
    json_t *pool = wp_ctl_get(ctl, WP_CACHE_POOL, ns, name);
    const json_t *deleting = json_object_get(json_object_get(pool, "metadata"), "deletionTimestamp");
    if (!pool || (deleting && !json_is_null(deleting))) {
        forget_pool(st, key);
        json_decref(pool);
        return WP_WORK_DONE;
    }
    /* Cached list items may lack these; the owner reference needs them. */
    json_object_set_new(pool, "apiVersion", json_string(WP_API_EXTENSIONS));
    json_object_set_new(pool, "kind", json_string(WP_KIND_NAME_POOL));
    const char *tname = json_string_value(
        json_object_get(json_object_get(json_object_get(pool, "spec"), "sandboxTemplateRef"), "name"));
    json_t *tmpl = tname && *tname ? wp_ctl_get(ctl, WP_CACHE_TEMPLATE, ns, tname) : NULL;

    pass p = {.r = r, .st = st, .key = key, .ns = ns, .pool = pool, .err = WP_KUBE_ERROR_INIT};
    wp_pool_view_init(&p.v, pool, tmpl, wp_ctl_now(ctl), ctl->opts.readiness_grace);
    json_t *pinned;
    char *pins;
    p.hold_creation = !pin_images(ctl, &p.v, &pinned, &pins, key);
    reconcile_pool(&p);
    json_decref(pinned);
    free(pins);

    wp_work_result res = WP_WORK_DONE;
    if (p.errored) res = WP_WORK_RETRY;
    else if (p.after > 0) {
        *after = p.after;
        res = WP_WORK_REQUEUE_AFTER;
    }
    wp_kube_error_clear(&p.err);
    json_decref(p.member_proto);
    free(p.surplus);
    json_decref(tmpl);
    json_decref(pool);
    return res;
}

/* --- watches ------------------------------------------------------------------------ */

/* The pool controlling a Sandbox ("ns/name" into key), from its controller
 * reference of group extensions.agents.x-k8s.io, kind SandboxWarmPool. */
static bool pool_of(wp_store_item *it, char key[WP_CTL_KEY_MAX])
{
    if (!it) return false;
    json_t *obj = wp_store_item_json(it);
    const json_t *ref = wp_ctl_controller_ref(obj);
    bool ours = ref && wp_ctl_controlled_by_kind(obj, WP_GROUP_EXTENSIONS, WP_KIND_NAME_POOL);
    if (ours) wp_ctl_key(wp_store_item_namespace(it), json_string_value(json_object_get(ref, "name")), key);
    json_decref(obj);
    return ours;
}

/* An orphan carrying a pool's label (upstream finds it only on the pool's
 * next pass): the pool of its namespace whose name hashes to the label.
 * Orphans are rare, so a scan of the namespace's pools is fine. */
static bool orphan_pool_of(wp_rec *r, wp_store_item *it, char key[WP_CTL_KEY_MAX])
{
    if (!it) return false;
    json_t *obj = wp_store_item_json(it);
    const char *hash = json_string_value(
        json_object_get(json_object_get(json_object_get(obj, "metadata"), "labels"), WP_LABEL_WARM_POOL_SANDBOX));
    bool found = false;
    if (hash && !wp_ctl_controller_ref(obj)) {
        size_t n;
        const char *ns = wp_store_item_namespace(it);
        wp_store_item **pools = wp_ctl_list_index(r->ctl, WP_CACHE_POOL, WP_INDEX_NAMESPACE, ns, &n);
        for (size_t i = 0; i < n && !found; i++) {
            char h[WP_NAMING_HASH_LEN];
            wp_naming_hash(wp_store_item_name(pools[i]), h);
            if (strcmp(h, hash) == 0) {
                wp_ctl_key(ns, wp_store_item_name(pools[i]), key);
                found = true;
            }
        }
        wp_store_items_free(pools, n);
    }
    json_decref(obj);
    return found;
}

/* Owned Sandbox events lower the expectations before the pool is queued, so
 * the pass a create triggers already sees it observed. An update queues both
 * the old and the new owner (a claim adopting a member takes it from the
 * pool, which must refill); an orphan with a pool's label queues that pool. */
static void on_sandbox(wp_rec *r, wp_store_item *old, wp_store_item *cur)
{
    pool_state *st = r->state;
    char old_key[WP_CTL_KEY_MAX], cur_key[WP_CTL_KEY_MAX];
    bool has_old = pool_of(old, old_key), has_cur = pool_of(cur, cur_key);
    if (!has_cur && cur && orphan_pool_of(r, cur, cur_key)) {
        if (r->queue) wp_workqueue_add(r->queue, cur_key);
        has_cur = false;
    }
    if (!old && has_cur) wp_expect_lower_creations(st->exp, cur_key, 1);
    if (!cur && has_old) wp_expect_deletion_observed(st->exp, old_key, wp_store_item_uid(old));
    if (!r->queue) return;
    if (has_cur) wp_workqueue_add(r->queue, cur_key);
    if (has_old && (!has_cur || strcmp(old_key, cur_key) != 0)) wp_workqueue_add(r->queue, old_key);
}

/* A template change queues every pool of its namespace that uses it. */
static void on_template(wp_rec *r, wp_store_item *old, wp_store_item *cur)
{
    wp_store_item *it = cur ? cur : old;
    if (!it || !r->queue) return;
    size_t n;
    wp_store_item **pools = wp_ctl_list_index(r->ctl, WP_CACHE_POOL, WP_INDEX_TEMPLATE_REF, wp_store_item_name(it), &n);
    for (size_t i = 0; i < n; i++) {
        if (strcmp(wp_store_item_namespace(pools[i]), wp_store_item_namespace(it)) != 0) continue;
        char key[WP_CTL_KEY_MAX];
        wp_ctl_key(wp_store_item_namespace(pools[i]), wp_store_item_name(pools[i]), key);
        wp_workqueue_add(r->queue, key);
    }
    wp_store_items_free(pools, n);
}

static int init(wp_rec *r, char *err, size_t err_size)
{
    (void)err;
    (void)err_size;
    pool_state *st = wp_xalloc_check(calloc(1, sizeof *st));
    st->exp = wp_expect_new(0, NULL, NULL);
    pthread_mutex_init(&st->mu, NULL);
    wp_kube_map_init(&st->not_progressing, string_key);
    st->seed = (unsigned)(uintptr_t)st ^ (unsigned)wp_ctl_now(r->ctl);
    r->state = st;
    return 0;
}

static void destroy(wp_rec *r)
{
    pool_state *st = r->state;
    if (!st) return;
    char *k;
    for (size_t i = 0; (k = wp_kube_map_next(&st->not_progressing, &i));) free(k);
    wp_kube_map_destroy(&st->not_progressing);
    pthread_mutex_destroy(&st->mu);
    wp_expect_free(st->exp);
    free(st);
    r->state = NULL;
}

static const wp_ctl_watch watches[] = {
    {WP_CACHE_POOL, wp_ctl_watch_self},
    {WP_CACHE_SANDBOX, on_sandbox},
    {WP_CACHE_TEMPLATE, on_template},
};

const wp_reconciler wp_pool_reconciler = {
    .id = WP_CTL_POOL,
    .flag_name = "pool",
    .name = WP_CONTROLLER_POOL,
    .reporter = WP_REPORTER_POOL,
    .default_workers = 1,
    .caches = WP_CACHE_BIT(WP_CACHE_POD),
    .watches = watches,
    .n_watches = sizeof watches / sizeof *watches,
    .init = init,
    .destroy = destroy,
    .reconcile = reconcile,
};
