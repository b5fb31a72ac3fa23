/* The object cache and its indexes. See store.h. */
#include "controller/kube/store.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/strbuf.h"
#include "common/verdict.h"
#include "controller/kube/kube_map.h"

/* One object: a header, the index buckets it sits in (store-internal),
 * then "key\0namespace\0uid\0resourceVersion\0json\0" — one allocation. */
struct wp_store_item {
    atomic_uint refs;
    uint32_t epoch;        /* relist generation; written under the store's write lock */
    uint32_t json_len;
    uint16_t key_len, ns_len, uid_len, rv_len;
    uint16_t n_buckets;
    uint16_t unused;
};

/* The objects sharing one value of one index. */
typedef struct bucket {
    wp_kube_map members;   /* key -> item */
    char value[];
} bucket;

typedef struct {
    wp_store_index def;    /* strings owned */
    wp_kube_map values;    /* value -> bucket */
} index_table;

struct wp_store {
    pthread_rwlock_t lock;
    wp_kube_map items;     /* key -> item */
    index_table *indexes;
    size_t n_indexes;
    const wp_store_field *keep, *drop;
    uint32_t epoch;
};

/* --- item layout --------------------------------------------------------------- */

static bucket **item_buckets(const wp_store_item *it) { return (bucket **)(void *)(it + 1); }
static char *item_strings(const wp_store_item *it) { return (char *)(item_buckets(it) + it->n_buckets); }

const char *wp_store_item_key(const wp_store_item *it) { return item_strings(it); }
const char *wp_store_item_namespace(const wp_store_item *it) { return item_strings(it) + it->key_len + 1; }
const char *wp_store_item_name(const wp_store_item *it)
{
    return it->ns_len ? item_strings(it) + it->ns_len + 1 : item_strings(it);
}
const char *wp_store_item_uid(const wp_store_item *it) { return wp_store_item_namespace(it) + it->ns_len + 1; }
const char *wp_store_item_resource_version(const wp_store_item *it)
{
    return wp_store_item_uid(it) + it->uid_len + 1;
}
const char *wp_store_item_raw(const wp_store_item *it, size_t *len)
{
    if (len) *len = it->json_len;
    return wp_store_item_resource_version(it) + it->rv_len + 1;
}

size_t wp_store_item_size(const wp_store_item *it)
{
    return sizeof *it + it->n_buckets * sizeof(bucket *) + it->key_len + it->ns_len + it->uid_len + it->rv_len +
           it->json_len + 5;
}

json_t *wp_store_item_json(const wp_store_item *it)
{
    size_t len;
    const char *raw = wp_store_item_raw(it, &len);
    return json_loadb(raw, len, 0, NULL);
}

wp_jdoc *wp_store_item_doc(const wp_store_item *it)
{
    size_t len;
    const char *raw = wp_store_item_raw(it, &len);
    return wp_jdoc_parse(raw, len, NULL);
}

wp_store_item *wp_store_item_ref(wp_store_item *it)
{
    if (it) atomic_fetch_add_explicit(&it->refs, 1, memory_order_relaxed);
    return it;
}

void wp_store_item_unref(wp_store_item *it)
{
    if (it && atomic_fetch_sub_explicit(&it->refs, 1, memory_order_acq_rel) == 1) free(it);
}

static const char *item_key_of(const void *e) { return wp_store_item_key(e); }
static const char *bucket_key_of(const void *e) { return ((const bucket *)e)->value; }

/* --- store lifecycle ------------------------------------------------------------ */

wp_store *wp_store_new(const wp_store_config *cfg)
{
    wp_store *s = wp_xalloc_check(calloc(1, sizeof *s));
    pthread_rwlock_init(&s->lock, NULL);
    wp_kube_map_init(&s->items, item_key_of);
    s->keep = cfg ? cfg->keep : NULL;
    s->drop = cfg && cfg->drop ? cfg->drop : wp_store_drop_default;
    s->n_indexes = cfg ? cfg->n_indexes : 0;
    s->indexes = wp_xalloc_check(calloc(s->n_indexes + 1, sizeof *s->indexes));
    for (size_t i = 0; i < s->n_indexes; i++) {
        const wp_store_index *d = &cfg->indexes[i];
        s->indexes[i].def.name = wp_xalloc_check(strdup(d->name));
        s->indexes[i].def.type = d->type;
        s->indexes[i].def.arg = d->arg ? wp_xalloc_check(strdup(d->arg)) : NULL;
        wp_kube_map_init(&s->indexes[i].values, bucket_key_of);
    }
    return s;
}

void wp_store_free(wp_store *s)
{
    if (!s) return;
    wp_store_item *it;
    for (size_t i = 0; (it = wp_kube_map_next(&s->items, &i));) wp_store_item_unref(it);
    wp_kube_map_destroy(&s->items);
    for (size_t x = 0; x < s->n_indexes; x++) {
        bucket *b;
        for (size_t i = 0; (b = wp_kube_map_next(&s->indexes[x].values, &i));) {
            wp_kube_map_destroy(&b->members);
            free(b);
        }
        wp_kube_map_destroy(&s->indexes[x].values);
        free((char *)s->indexes[x].def.name);
        free((char *)s->indexes[x].def.arg);
    }
    free(s->indexes);
    pthread_rwlock_destroy(&s->lock);
    free(s);
}

/* --- index values ------------------------------------------------------------------- */

typedef struct {
    size_t index;
    const char *value; /* borrowed from the object being stored */
} index_value;

typedef struct {
    index_value *v;
    size_t n, cap;
} value_list;

static void add_value(value_list *l, size_t index, const char *value)
{
    if (!value || !*value) return;
    for (size_t i = 0; i < l->n; i++) {
        /* an object sits in a bucket once, even with two equal owner uids */
        if (l->v[i].index == index && strcmp(l->v[i].value, value) == 0) return;
    }
    if (l->n == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 8;
        l->v = wp_xalloc_check(realloc(l->v, l->cap * sizeof *l->v));
    }
    l->v[l->n++] = (index_value){index, value};
}

/* The string at a dotted path ("spec.warmPoolRef.name"), or NULL. */
static const char *field_at(const wp_jval *obj, const char *path)
{
    const wp_jval *v = obj;
    const char *p = path;
    while (v && *p) {
        size_t n = strcspn(p, ".");
        char seg[256];
        if (n >= sizeof seg) return NULL;
        memcpy(seg, p, n);
        seg[n] = '\0';
        v = wp_jval_get(v, seg);
        p += n + (p[n] == '.');
    }
    return wp_jval_str(v);
}

static void collect_values(const wp_store *s, const wp_jval *obj, value_list *out)
{
    const wp_jval *meta = wp_jval_get(obj, "metadata");
    for (size_t i = 0; i < s->n_indexes; i++) {
        const wp_store_index *d = &s->indexes[i].def;
        switch (d->type) {
        case WP_STORE_INDEX_NAMESPACE: add_value(out, i, wp_jval_str(wp_jval_get(meta, "namespace"))); break;
        case WP_STORE_INDEX_LABEL:
            add_value(out, i, wp_jval_str(wp_jval_get(wp_jval_get(meta, "labels"), d->arg)));
            break;
        case WP_STORE_INDEX_FIELD: add_value(out, i, field_at(obj, d->arg ? d->arg : "")); break;
        case WP_STORE_INDEX_OWNER_UID: {
            const wp_jval *refs = wp_jval_get(meta, "ownerReferences");
            for (size_t r = 0; r < wp_jval_size(refs) && wp_jval_is_array(refs); r++)
                add_value(out, i, wp_jval_str(wp_jval_get(wp_jval_at(refs, r), "uid")));
            break;
        }
        }
    }
}

/* Puts it into the buckets of its values (creating buckets). Caller holds
 * the write lock; it->n_buckets == vals->n. */
static void index_item(wp_store *s, wp_store_item *it, const value_list *vals)
{
    for (size_t i = 0; i < vals->n; i++) {
        wp_kube_map *values = &s->indexes[vals->v[i].index].values;
        bucket *b = wp_kube_map_get(values, vals->v[i].value);
        if (!b) {
            size_t len = strlen(vals->v[i].value);
            b = wp_xalloc_check(malloc(sizeof *b + len + 1));
            wp_kube_map_init(&b->members, item_key_of);
            memcpy(b->value, vals->v[i].value, len + 1);
            wp_kube_map_put(values, b);
        }
        wp_kube_map_put(&b->members, it);
        item_buckets(it)[i] = b;
    }
}

/* Takes it out of its buckets, freeing buckets that become empty. Caller
 * holds the write lock. */
static void unindex_item(wp_store *s, wp_store_item *it)
{
    for (size_t i = 0; i < it->n_buckets; i++) {
        bucket *b = item_buckets(it)[i];
        wp_kube_map_remove(&b->members, wp_store_item_key(it));
        if (b->members.len == 0) {
            for (size_t x = 0; x < s->n_indexes; x++) {
                if (wp_kube_map_get(&s->indexes[x].values, b->value) == b) {
                    wp_kube_map_remove(&s->indexes[x].values, b->value);
                    break;
                }
            }
            wp_kube_map_destroy(&b->members);
            free(b);
        }
    }
}

/* --- writing ---------------------------------------------------------------------- */

static wp_store_item *build_item(const wp_store *s, const wp_jval *obj, const char *key, const char *ns,
                                 const char *uid, const char *rv, const value_list *vals)
{
    wp_sb json = WP_SB_INIT;
    wp_store_filter_write(&json, obj, s->keep, s->drop);
    size_t kl = strlen(key), nl = strlen(ns), ul = strlen(uid), rl = strlen(rv);
    if (kl > UINT16_MAX || nl > UINT16_MAX || ul > UINT16_MAX || rl > UINT16_MAX || json.len > UINT32_MAX) {
        wp_sb_free(&json);
        return NULL;
    }
    size_t size = sizeof(wp_store_item) + vals->n * sizeof(bucket *) + kl + nl + ul + rl + json.len + 5;
    wp_store_item *it = wp_xalloc_check(malloc(size));
    atomic_init(&it->refs, 1);
    it->epoch = 0;
    it->json_len = (uint32_t)json.len;
    it->key_len = (uint16_t)kl;
    it->ns_len = (uint16_t)nl;
    it->uid_len = (uint16_t)ul;
    it->rv_len = (uint16_t)rl;
    it->n_buckets = (uint16_t)vals->n;
    it->unused = 0;
    char *p = item_strings(it);
    memcpy(p, key, kl + 1);
    p += kl + 1;
    memcpy(p, ns, nl + 1);
    p += nl + 1;
    memcpy(p, uid, ul + 1);
    p += ul + 1;
    memcpy(p, rv, rl + 1);
    p += rl + 1;
    memcpy(p, json.s, json.len + 1);
    wp_sb_free(&json);
    return it;
}

/* "ns/name" or "name" into buf (or a malloc'd string when long: *heap). */
static const char *make_key(const char *ns, const char *name, char *buf, size_t n, char **heap)
{
    *heap = NULL;
    if (!ns || !*ns) return name;
    size_t need = strlen(ns) + strlen(name) + 2;
    char *dst = need <= n ? buf : (*heap = wp_xalloc_check(malloc(need)));
    memcpy(dst, ns, strlen(ns));
    dst[strlen(ns)] = '/';
    memcpy(dst + strlen(ns) + 1, name, strlen(name) + 1);
    return dst;
}

/* Same resourceVersion as cached: just mark it seen by this relist. */
static bool mark_if_unchanged(wp_store *s, const char *key, const char *rv, wp_store_item **old, wp_store_item **cur)
{
    if (!*rv) return false;
    pthread_rwlock_wrlock(&s->lock);
    wp_store_item *it = wp_kube_map_get(&s->items, key);
    bool same = it && strcmp(wp_store_item_resource_version(it), rv) == 0;
    if (same) {
        it->epoch = s->epoch;
        if (old) *old = wp_store_item_ref(it);
        if (cur) *cur = wp_store_item_ref(it);
    }
    pthread_rwlock_unlock(&s->lock);
    return same;
}

/* What identifies obj: key (in buf or *heap), namespace, uid and rv, all
 * borrowed. Returns false when obj has no usable name/namespace. */
typedef struct {
    const char *key, *ns, *uid, *rv;
    char buf[512];
    char *heap;
} identity;

static bool identify(const wp_jval *obj, bool namespaced, identity *id)
{
    const wp_jval *meta = wp_jval_get(obj, "metadata");
    const char *name = wp_jval_str(wp_jval_get(meta, "name"));
    id->ns = namespaced ? wp_jval_str(wp_jval_get(meta, "namespace")) : "";
    id->heap = NULL;
    if (!name || !*name || !id->ns || (namespaced && !*id->ns)) return false;
    id->uid = wp_jval_str(wp_jval_get(meta, "uid"));
    id->rv = wp_jval_str(wp_jval_get(meta, "resourceVersion"));
    if (!id->uid) id->uid = "";
    if (!id->rv) id->rv = "";
    id->key = make_key(id->ns, name, id->buf, sizeof id->buf, &id->heap);
    return true;
}

wp_store_result wp_store_upsert(wp_store *s, const wp_jval *obj, bool namespaced, wp_store_item **old,
                                wp_store_item **cur)
{
    if (old) *old = NULL;
    if (cur) *cur = NULL;
    identity id;
    if (!identify(obj, namespaced, &id)) return WP_STORE_REJECTED;
    wp_store_result result = WP_STORE_UNCHANGED;
    if (!mark_if_unchanged(s, id.key, id.rv, old, cur)) {
        value_list vals = {0};
        collect_values(s, obj, &vals);
        wp_store_item *it = build_item(s, obj, id.key, id.ns, id.uid, id.rv, &vals);
        if (!it) {
            result = WP_STORE_REJECTED;
        } else {
            pthread_rwlock_wrlock(&s->lock);
            wp_store_item *prev = wp_kube_map_put(&s->items, it);
            if (prev) unindex_item(s, prev);
            index_item(s, it, &vals);
            it->epoch = s->epoch;
            pthread_rwlock_unlock(&s->lock);
            result = prev ? WP_STORE_UPDATED : WP_STORE_ADDED;
            if (cur) *cur = wp_store_item_ref(it);
            if (old) *old = prev;
            else wp_store_item_unref(prev);
        }
        free(vals.v);
    }
    free(id.heap);
    return result;
}

wp_store_result wp_store_upsert_json(wp_store *s, const json_t *obj, bool namespaced, wp_store_item **old,
                                     wp_store_item **cur)
{
    wp_jdoc *doc = wp_jdoc_from_json(obj);
    wp_store_result r = wp_store_upsert(s, wp_jdoc_root(doc), namespaced, old, cur);
    wp_jdoc_free(doc);
    return r;
}

wp_store_item *wp_store_delete(wp_store *s, const char *key)
{
    pthread_rwlock_wrlock(&s->lock);
    wp_store_item *it = wp_kube_map_remove(&s->items, key);
    if (it) unindex_item(s, it);
    pthread_rwlock_unlock(&s->lock);
    return it; /* the store's reference passes to the caller */
}

wp_store_item *wp_store_delete_object(wp_store *s, const wp_jval *obj, bool namespaced)
{
    identity id;
    if (!identify(obj, namespaced, &id)) return NULL;
    wp_store_item *cached = wp_store_delete(s, id.key);
    wp_store_item *last = NULL;
    if (cached) {
        value_list none = {0};
        last = build_item(s, obj, id.key, id.ns, id.uid, id.rv, &none);
        if (!last) last = wp_store_item_ref(cached);
        wp_store_item_unref(cached);
    }
    free(id.heap);
    return last;
}

void wp_store_replace_begin(wp_store *s)
{
    pthread_rwlock_wrlock(&s->lock);
    s->epoch++;
    pthread_rwlock_unlock(&s->lock);
}

wp_store_item **wp_store_replace_finish(wp_store *s, size_t *n)
{
    pthread_rwlock_wrlock(&s->lock);
    size_t count = 0;
    wp_store_item **gone = wp_xalloc_check(malloc((s->items.len + 1) * sizeof *gone));
    wp_store_item *it;
    for (size_t i = 0; (it = wp_kube_map_next(&s->items, &i));) {
        if (it->epoch != s->epoch) gone[count++] = it;
    }
    /* removed after the scan: removal moves entries of the table */
    for (size_t i = 0; i < count; i++) {
        wp_kube_map_remove(&s->items, wp_store_item_key(gone[i]));
        unindex_item(s, gone[i]);
    }
    pthread_rwlock_unlock(&s->lock);
    *n = count;
    return gone;
}

/* --- reading ---------------------------------------------------------------------- */

wp_store_item *wp_store_get(wp_store *s, const char *key)
{
    pthread_rwlock_rdlock(&s->lock);
    wp_store_item *it = wp_store_item_ref(wp_kube_map_get(&s->items, key));
    pthread_rwlock_unlock(&s->lock);
    return it;
}

wp_store_item *wp_store_get_by_name(wp_store *s, const char *ns, const char *name)
{
    char buf[512], *heap;
    const char *key = make_key(ns, name, buf, sizeof buf, &heap);
    wp_store_item *it = wp_store_get(s, key);
    free(heap);
    return it;
}

size_t wp_store_len(wp_store *s)
{
    pthread_rwlock_rdlock(&s->lock);
    size_t n = s->items.len;
    pthread_rwlock_unlock(&s->lock);
    return n;
}

/* References to every entry of m. Caller holds a lock. */
static wp_store_item **copy_refs(const wp_kube_map *m, size_t *n)
{
    wp_store_item **out = wp_xalloc_check(malloc((m->len + 1) * sizeof *out));
    size_t count = 0;
    wp_store_item *it;
    for (size_t i = 0; (it = wp_kube_map_next(m, &i));) out[count++] = wp_store_item_ref(it);
    *n = count;
    return out;
}

wp_store_item **wp_store_list(wp_store *s, size_t *n)
{
    pthread_rwlock_rdlock(&s->lock);
    wp_store_item **out = copy_refs(&s->items, n);
    pthread_rwlock_unlock(&s->lock);
    return out;
}

/* The bucket for index/value, or NULL. Caller holds a lock. */
static bucket *find_bucket(wp_store *s, const char *index, const char *value)
{
    for (size_t x = 0; x < s->n_indexes; x++) {
        if (strcmp(s->indexes[x].def.name, index) == 0) return wp_kube_map_get(&s->indexes[x].values, value);
    }
    return NULL;
}

wp_store_item **wp_store_by_index(wp_store *s, const char *index, const char *value, size_t *n)
{
    pthread_rwlock_rdlock(&s->lock);
    bucket *b = find_bucket(s, index, value);
    wp_store_item **out = b ? copy_refs(&b->members, n) : NULL;
    if (!b) *n = 0;
    pthread_rwlock_unlock(&s->lock);
    return out;
}

size_t wp_store_index_count(wp_store *s, const char *index, const char *value)
{
    pthread_rwlock_rdlock(&s->lock);
    bucket *b = find_bucket(s, index, value);
    size_t n = b ? b->members.len : 0;
    pthread_rwlock_unlock(&s->lock);
    return n;
}

void wp_store_items_free(wp_store_item **items, size_t n)
{
    for (size_t i = 0; i < n; i++) wp_store_item_unref(items[i]);
    free(items);
}
