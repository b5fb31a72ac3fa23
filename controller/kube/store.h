/* The in-memory cache of one resource: objects keyed by "namespace/name"
 * (or "name" for cluster-scoped kinds), with secondary indexes.
 *
 * Memory is the design constraint (100,000 Pods in well under 2 KiB each):
 * an object is kept as one immutable, reference-counted block holding its
 * key, namespace, uid, resourceVersion and its compact JSON — after a field
 * filter drops what the controller never reads (managedFields always; for
 * Pods everything but a short list, see wp_store_pod_fields). Readers decode
 * the JSON when they need it (wp_store_item_json / wp_store_item_doc).
 *
 * Indexes map a value to the set of objects that have it: the namespace, an
 * owner reference's uid, a label's value, or a string field such as
 * spec.warmPoolRef.name.
 *
 * Thread-safe: a read-write lock guards the tables; items are immutable
 * after insertion, so a reader holding a reference needs no lock.
 *
 * Ownership: functions returning wp_store_item * hand over a reference
 * (wp_store_item_unref when done); arrays from wp_store_list/by_index are
 * freed with wp_store_items_free. */
#ifndef WP_STORE_H
#define WP_STORE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "common/jdoc.h"

typedef struct wp_store wp_store;
typedef struct wp_store_item wp_store_item;

/* --- field filters -------------------------------------------------------
 * A list of member names, ended by {NULL}. `fields` refines a member that is
 * an object (or a list of objects: the filter applies to each item); NULL
 * means the member's whole value. */
typedef struct wp_store_field {
    const char *name;
    const struct wp_store_field *fields;
} wp_store_field;

/* Drops metadata.managedFields and the kubectl last-applied-configuration
 * annotation (big, and no reconciler reads them). The default. */
extern const wp_store_field wp_store_drop_default[];
/* Drops nothing. */
extern const wp_store_field wp_store_drop_nothing[];
/* Keeps what the controller reads of a Pod: metadata (name, namespace, uid,
 * resourceVersion, generation, creationTimestamp, deletionTimestamp,
 * labels, annotations, ownerReferences, finalizers), spec.nodeName,
 * status.phase, status.conditions[type,status,reason], status.podIP(s),
 * status.startTime. */
extern const wp_store_field wp_store_pod_fields[];

/* Appends v to b as compact JSON keeping only `keep` (NULL: all) and
 * dropping `drop` (NULL: nothing). Exposed for benchmarks and tests. */
void wp_store_filter_write(wp_sb *b, const wp_jval *v, const wp_store_field *keep, const wp_store_field *drop);

/* --- indexes ------------------------------------------------------------- */

typedef enum {
    WP_STORE_INDEX_NAMESPACE, /* metadata.namespace */
    WP_STORE_INDEX_OWNER_UID, /* each metadata.ownerReferences[].uid */
    WP_STORE_INDEX_LABEL,     /* metadata.labels[arg] */
    WP_STORE_INDEX_FIELD,     /* the string at dotted path arg, e.g. "spec.warmPoolRef.name" */
} wp_store_index_type;

typedef struct {
    const char *name;         /* how readers ask for it: "namespace", "owner", "pool" */
    wp_store_index_type type;
    const char *arg;
} wp_store_index;

typedef struct {
    const wp_store_index *indexes; /* copied */
    size_t n_indexes;
    const wp_store_field *keep;    /* NULL: keep every field (static; borrowed) */
    const wp_store_field *drop;    /* NULL: wp_store_drop_default (static; borrowed) */
} wp_store_config;

/* A new empty store. cfg may be NULL (no indexes, default filter). Caller
 * frees with wp_store_free (items still referenced elsewhere survive). */
wp_store *wp_store_new(const wp_store_config *cfg);
void wp_store_free(wp_store *s);

/* --- writing (the informer) ---------------------------------------------- */

typedef enum {
    WP_STORE_ADDED,
    WP_STORE_UPDATED,
    WP_STORE_UNCHANGED, /* same resourceVersion as the cached copy: nothing stored */
    WP_STORE_REJECTED,  /* not an object with metadata.name (and namespace when namespaced) */
} wp_store_result;

/* Inserts or replaces obj (borrowed). On ADDED/UPDATED, *cur (if not NULL)
 * receives a reference to the stored item and *old (if not NULL) the
 * replaced one (UPDATED) or NULL. On UNCHANGED both receive the cached item
 * (two references). `namespaced` says whether the key needs a namespace. */
wp_store_result wp_store_upsert(wp_store *s, const wp_jval *obj, bool namespaced, wp_store_item **old,
                                wp_store_item **cur);
/* The same for a jansson object (tests, tools). */
wp_store_result wp_store_upsert_json(wp_store *s, const json_t *obj, bool namespaced, wp_store_item **old,
                                     wp_store_item **cur);
/* Removes the object with that key; returns its last state (a reference)
 * or NULL when absent. */
wp_store_item *wp_store_delete(wp_store *s, const char *key);
/* Removes the object obj names (a DELETED watch event's object) and returns
 * obj's state as a new item not in the store (a reference; the final state
 * is what delete handlers want), or NULL when nothing was cached. */
wp_store_item *wp_store_delete_object(wp_store *s, const wp_jval *obj, bool namespaced);

/* Relisting (after 410 Gone): begin, upsert every listed object, finish.
 * finish removes what the list did not contain and returns those items
 * (references; *n of them; free the array with wp_store_items_free). */
void wp_store_replace_begin(wp_store *s);
wp_store_item **wp_store_replace_finish(wp_store *s, size_t *n);

/* --- reading --------------------------------------------------------------- */

/* A reference to the item with key ("ns/name" or "name"), or NULL. */
wp_store_item *wp_store_get(wp_store *s, const char *key);
/* The same by namespace and name (ns NULL/"" for cluster-scoped). */
wp_store_item *wp_store_get_by_name(wp_store *s, const char *ns, const char *name);
size_t wp_store_len(wp_store *s);
/* Every item (references), in no particular order. */
wp_store_item **wp_store_list(wp_store *s, size_t *n);
/* The items whose index `index` has `value`. NULL with *n = 0 when none or
 * when the index does not exist. */
wp_store_item **wp_store_by_index(wp_store *s, const char *index, const char *value, size_t *n);
/* How many items the index holds for value (no copies made). */
size_t wp_store_index_count(wp_store *s, const char *index, const char *value);
void wp_store_items_free(wp_store_item **items, size_t n);

/* --- items (immutable) ------------------------------------------------------ */

wp_store_item *wp_store_item_ref(wp_store_item *it);
void wp_store_item_unref(wp_store_item *it);
/* Strings borrowed from the item; "" when the object had none. */
const char *wp_store_item_key(const wp_store_item *it);
const char *wp_store_item_namespace(const wp_store_item *it);
const char *wp_store_item_name(const wp_store_item *it);
const char *wp_store_item_uid(const wp_store_item *it);
const char *wp_store_item_resource_version(const wp_store_item *it);
/* The filtered object as compact JSON (borrowed, NUL-terminated). */
const char *wp_store_item_raw(const wp_store_item *it, size_t *len);
/* The filtered object decoded: a new jansson reference (caller decrefs). */
json_t *wp_store_item_json(const wp_store_item *it);
/* The filtered object as a read-only document (caller wp_jdoc_free's). */
wp_jdoc *wp_store_item_doc(const wp_store_item *it);
/* Heap bytes the item's block occupies (for memory accounting). */
size_t wp_store_item_size(const wp_store_item *it);

#endif
