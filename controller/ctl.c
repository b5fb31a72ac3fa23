/* The shared context's helpers: clock, cache reads, owner references,
 * leader-gated and counted writes, queues, events. See reconciler.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/jdoc.h"
#include "common/verdict.h"
#include "controller/keys.h"
#include "controller/kube/kube_time.h"
#include "controller/metrics.h"
#include "controller/reconciler.h"

void wp_ctl_options_defaults(wp_ctl_options *o)
{
    if (!o->cluster_domain || !*o->cluster_domain) o->cluster_domain = "cluster.local";
    if (o->pool_batch_cap <= 0) o->pool_batch_cap = 300;
    if (o->readiness_grace <= 0) o->readiness_grace = 300;
}

double wp_ctl_now(const wp_ctl *ctl)
{
    return ctl && ctl->clock ? ctl->clock(ctl->clock_ctx) : wp_kube_wallclock();
}

void wp_ctl_now_rfc3339(const wp_ctl *ctl, char buf[40])
{
    wp_kube_time_format(wp_ctl_now(ctl), buf);
}

/* --- reading ---------------------------------------------------------------- */

wp_store_item *wp_ctl_get_item(wp_ctl *ctl, wp_cache_id cache, const char *ns, const char *name)
{
    if ((unsigned)cache >= WP_CACHE__COUNT || !ctl->stores[cache]) return NULL;
    return wp_store_get_by_name(ctl->stores[cache], ns, name);
}

json_t *wp_ctl_get(wp_ctl *ctl, wp_cache_id cache, const char *ns, const char *name)
{
    wp_store_item *it = wp_ctl_get_item(ctl, cache, ns, name);
    if (!it) return NULL;
    json_t *obj = wp_store_item_json(it);
    wp_store_item_unref(it);
    return obj;
}

wp_store_item **wp_ctl_list_index(wp_ctl *ctl, wp_cache_id cache, const char *index, const char *value,
                                  size_t *n)
{
    *n = 0;
    if ((unsigned)cache >= WP_CACHE__COUNT || !ctl->stores[cache]) return NULL;
    return wp_store_by_index(ctl->stores[cache], index, value, n);
}

/* --- owner references -------------------------------------------------------- */

const json_t *wp_ctl_controller_ref(const json_t *obj)
{
    const json_t *refs = json_object_get(json_object_get(obj, "metadata"), "ownerReferences");
    size_t i;
    const json_t *r;
    json_array_foreach(refs, i, r) {
        if (json_is_true(json_object_get(r, "controller"))) return r;
    }
    return NULL;
}

bool wp_ctl_controlled_by_uid(const json_t *obj, const char *uid)
{
    const char *have = json_string_value(json_object_get(wp_ctl_controller_ref(obj), "uid"));
    return have && uid && strcmp(have, uid) == 0;
}

bool wp_ctl_controlled_by_kind(const json_t *obj, const char *group, const char *kind)
{
    const json_t *ref = wp_ctl_controller_ref(obj);
    const char *api = json_string_value(json_object_get(ref, "apiVersion"));
    const char *k = json_string_value(json_object_get(ref, "kind"));
    if (!api || !k || strcmp(k, kind) != 0) return false;
    const char *slash = strchr(api, '/');
    size_t glen = slash ? (size_t)(slash - api) : 0; /* "v1" is the core group "" */
    return strlen(group) == glen && strncmp(api, group, glen) == 0;
}

json_t *wp_ctl_owner_ref(const json_t *owner)
{
    const json_t *meta = json_object_get(owner, "metadata");
    return wp_xalloc_check(json_pack("{s:s?, s:s?, s:s?, s:s?, s:b, s:b}", "apiVersion",
                                     json_string_value(json_object_get(owner, "apiVersion")), "kind",
                                     json_string_value(json_object_get(owner, "kind")), "name",
                                     json_string_value(json_object_get(meta, "name")), "uid",
                                     json_string_value(json_object_get(meta, "uid")), "controller", 1,
                                     "blockOwnerDeletion", 1));
}

/* --- writing ------------------------------------------------------------------ */

/* Fails the write when this replica may not write (not leading, stopping,
 * or no client). */
static bool may_write(wp_ctl *ctl, const char *verb, wp_kube_error *err)
{
    if (!ctl->client) {
        wp_kube_error_set(err, WP_KUBE_EINVAL, "%s refused: no API client", verb);
        return false;
    }
    if (!atomic_load(&ctl->writable)) {
        wp_kube_error_set(err, WP_KUBE_ECANCELED, "%s refused: not the leader", verb);
        return false;
    }
    return true;
}

static const char *plural(wp_cache_id cache)
{
    const wp_kube_kind *k = wp_ctl_cache_kind(cache);
    return k ? k->plural : "unknown";
}

json_t *wp_ctl_get_live(wp_ctl *ctl, wp_cache_id cache, const char *ns, const char *name, wp_kube_error *err)
{
    if (!ctl->client) {
        wp_kube_error_set(err, WP_KUBE_EINVAL, "get refused: no API client");
        return NULL;
    }
    return wp_kube_get(ctl->client, wp_ctl_cache_kind(cache), ns, name, err);
}

json_t *wp_ctl_create(wp_ctl *ctl, wp_cache_id cache, const json_t *obj, wp_kube_error *err)
{
    if (!may_write(ctl, "create", err)) return NULL;
    json_t *out = wp_kube_create(ctl->client, wp_ctl_cache_kind(cache), NULL, obj, err);
    wp_ctl_metrics_write(ctl->metrics, plural(cache), "create", out ? NULL : err);
    return out;
}

json_t *wp_ctl_update(wp_ctl *ctl, wp_cache_id cache, const json_t *obj, wp_kube_error *err)
{
    if (!may_write(ctl, "update", err)) return NULL;
    json_t *out = wp_kube_update(ctl->client, wp_ctl_cache_kind(cache), obj, err);
    wp_ctl_metrics_write(ctl->metrics, plural(cache), "update", out ? NULL : err);
    return out;
}

json_t *wp_ctl_patch(wp_ctl *ctl, wp_cache_id cache, const char *ns, const char *name, const char *sub,
                     wp_kube_patch_type type, const json_t *patch, wp_kube_error *err)
{
    if (!may_write(ctl, "patch", err)) return NULL;
    json_t *out = wp_kube_patch(ctl->client, wp_ctl_cache_kind(cache), ns, name, sub, type, patch, err);
    wp_ctl_metrics_write(ctl->metrics, plural(cache), "patch", out ? NULL : err);
    return out;
}

json_t *wp_ctl_read_live(wp_ctl *ctl, wp_cache_id cache, const char *ns, const char *name, wp_kube_error *err)
{
    if (!ctl->client) {
        wp_kube_error_set(err, WP_KUBE_EINVAL, "get refused: no API client");
        return NULL;
    }
    return wp_kube_get(ctl->client, wp_ctl_cache_kind(cache), ns, name, err); /* a read: not in api_writes */
}

int wp_ctl_delete(wp_ctl *ctl, wp_cache_id cache, const char *ns, const char *name,
                  const wp_kube_delete_opts *opts, wp_kube_error *err)
{
    if (!may_write(ctl, "delete", err)) return -1;
    json_t *out = wp_kube_delete(ctl->client, wp_ctl_cache_kind(cache), ns, name, opts, err);
    wp_ctl_metrics_write(ctl->metrics, plural(cache), "delete", out ? NULL : err);
    if (!out) return -1;
    json_decref(out);
    return 0;
}

/* --- queues --------------------------------------------------------------------- */

void wp_ctl_key(const char *ns, const char *name, char buf[WP_CTL_KEY_MAX])
{
    snprintf(buf, WP_CTL_KEY_MAX, "%s/%s", ns ? ns : "", name ? name : "");
}

bool wp_ctl_key_split(const char *key, char ns[WP_CTL_KEY_MAX], char name[WP_CTL_KEY_MAX])
{
    const char *slash = strchr(key, '/');
    if (!slash || slash == key || !slash[1] || strchr(slash + 1, '/')) return false;
    size_t nlen = (size_t)(slash - key);
    if (nlen >= WP_CTL_KEY_MAX || strlen(slash + 1) >= WP_CTL_KEY_MAX) return false;
    memcpy(ns, key, nlen);
    ns[nlen] = '\0';
    strcpy(name, slash + 1);
    return true;
}

void wp_ctl_enqueue(wp_ctl *ctl, wp_ctl_id id, const char *key)
{
    if ((unsigned)id < WP_CTL__COUNT && ctl->recs[id] && ctl->recs[id]->queue)
        wp_workqueue_add(ctl->recs[id]->queue, key);
}

void wp_ctl_enqueue_after(wp_ctl *ctl, wp_ctl_id id, const char *key, double seconds)
{
    if ((unsigned)id < WP_CTL__COUNT && ctl->recs[id] && ctl->recs[id]->queue)
        wp_workqueue_add_after(ctl->recs[id]->queue, key, seconds);
}

void wp_ctl_watch_self(wp_rec *r, wp_store_item *old, wp_store_item *cur)
{
    wp_store_item *it = cur ? cur : old;
    if (r->queue && it) wp_workqueue_add(r->queue, wp_store_item_key(it));
}

/* The primary kind a reconciler reconciles: its cache has the same index as
 * its id (WP_CTL_SANDBOX = WP_CACHE_SANDBOX, ...). */
static const wp_kube_kind *primary_kind(const wp_rec *r)
{
    return wp_ctl_cache_kind((wp_cache_id)r->def->id);
}

void wp_ctl_watch_controller(wp_rec *r, wp_store_item *old, wp_store_item *cur)
{
    wp_store_item *it = cur ? cur : old;
    if (!r->queue || !it) return;
    /* jdoc, not jansson: this runs for every Pod event */
    wp_jdoc *doc = wp_store_item_doc(it);
    if (!doc) return;
    const wp_kube_kind *k = primary_kind(r);
    const wp_jval *refs = wp_jval_path(wp_jdoc_root(doc), "metadata", "ownerReferences", NULL);
    for (size_t i = 0; wp_jval_is_array(refs) && i < refs->n; i++) {
        const wp_jval *ref = wp_jval_at(refs, i);
        const wp_jval *ctrl = wp_jval_get(ref, "controller");
        if (!ctrl || ctrl->type != WP_JTRUE) continue;
        const char *api = wp_jval_str(wp_jval_get(ref, "apiVersion"));
        const char *name = wp_jval_str(wp_jval_get(ref, "name"));
        size_t glen = strlen(k->group);
        bool group_ok = api && strncmp(api, k->group, glen) == 0 && api[glen] == '/';
        if (group_ok && name && wp_jval_str_eq(wp_jval_get(ref, "kind"), k->kind)) {
            char key[WP_CTL_KEY_MAX];
            wp_ctl_key(wp_store_item_namespace(it), name, key);
            wp_workqueue_add(r->queue, key);
        }
        break; /* one controller at most */
    }
    wp_jdoc_free(doc);
}

/* --- events ------------------------------------------------------------------------ */

void wp_rec_event(wp_rec *r, const json_t *obj, const char *type, const char *reason, const char *action,
                  const char *fmt, ...)
{
    if (!r->recorder || !atomic_load(&r->ctl->writable)) return; /* events are writes too: leader only */
    char note[WP_EVENTS_MAX_MESSAGE + 1];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(note, sizeof note, fmt, ap);
    va_end(ap);
    wp_events_ref ref;
    wp_events_ref_from_json(obj, &ref);
    wp_events_record_action(r->recorder, &ref, type, reason, action, "%s", note);
}
