/* What every reconciler shares: the context (wp_ctl: client, caches,
 * options, metrics, the other reconcilers' queues) and the reconciler
 * descriptor (wp_reconciler: a struct of hooks, as an nginx module is).
 *
 * A reconciler is one file (sandbox.c, template.c, pool.c, claim.c) that
 * exports one `const wp_reconciler wp_<kind>_reconciler` and is listed in
 * reconcilers.c. The manager (manager.c) starts the caches it declares,
 * gives it a workqueue and workers, routes informer events to its watch
 * hooks (which only enqueue keys), and calls its reconcile function for each
 * key, counting controller_runtime_reconcile_* metrics around it.
 *
 * Reading: caches are read-only. wp_ctl_get returns a fresh jansson copy the
 * caller may modify (STYLE.md §3(b) item 11); wp_ctl_list_index returns the
 * store items (decode with wp_store_item_json or wp_store_item_doc).
 *
 * Writing: only through wp_ctl_create/update/patch/delete below. They refuse
 * (WP_KUBE_ECANCELED, "not the leader") whenever this replica is not the
 * leader, so a replica that loses its lease stops writing at once, and they
 * count every write by kind, verb and result (metrics.h).
 *
 * Threads: reconcile runs on the reconciler's workers, several at once for
 * different keys (never two for the same key). Watch hooks run on informer
 * threads, one at a time per cache. Everything in wp_ctl is safe to call
 * from any of them. */
#ifndef WP_CONTROLLER_RECONCILER_H
#define WP_CONTROLLER_RECONCILER_H

#include <jansson.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>

#include "controller/kube/events.h"
#include "controller/kube/informer.h"
#include "controller/kube/kube_client.h"
#include "controller/kube/store.h"
#include "controller/kube/workqueue.h"

/* --- the reconcilers ------------------------------------------------------- */
typedef enum {
    WP_CTL_SANDBOX,
    WP_CTL_TEMPLATE,
    WP_CTL_POOL,
    WP_CTL_CLAIM,
    WP_CTL__COUNT
} wp_ctl_id;

/* --- the caches ------------------------------------------------------------
 * One informer per kind, shared by every reconciler that reads it. */
typedef enum {
    WP_CACHE_SANDBOX,
    WP_CACHE_TEMPLATE,
    WP_CACHE_POOL,
    WP_CACHE_CLAIM,
    WP_CACHE_POD,
    WP_CACHE_SERVICE,
    WP_CACHE_PVC,
    WP_CACHE_NETWORK_POLICY,
    WP_CACHE__COUNT
} wp_cache_id;

#define WP_CACHE_BIT(id) (1u << (id))

/* Index names (wp_ctl_list_index). Every cache has the first two. */
#define WP_INDEX_NAMESPACE "namespace"     /* metadata.namespace */
#define WP_INDEX_OWNER "owner"             /* each ownerReferences[].uid (check `controller` yourself) */
#define WP_INDEX_POOL_LABEL "pool"         /* Sandbox: label agents.x-k8s.io/warm-pool-sandbox */
#define WP_INDEX_WARM_POOL_REF "warmPoolRef" /* SandboxClaim: spec.warmPoolRef.name */
#define WP_INDEX_TEMPLATE_REF "templateRef"  /* SandboxWarmPool: spec.sandboxTemplateRef.name */
#define WP_INDEX_NAME_HASH "nameHash"      /* Pod, Service, PVC: label agents.x-k8s.io/sandbox-name-hash */

/* --- options (flags.c fills them; zero means the default) ----------------- */
typedef struct {
    const char *cluster_domain;       /* default "cluster.local" */
    const char *namespace;            /* watched namespace; NULL/"" = all */
    long long pool_batch_cap;         /* --sandbox-warm-pool-max-batch-size, default 300 */
    double readiness_grace;           /* seconds; --sandbox-warm-pool-readiness-grace-period, default 300 */
    bool disable_warm_pool_eviction;  /* --enable-warm-pool-eviction=false */
    bool disable_claim_observability; /* --disable-claim-observability-annotations */
    bool digest_failure_hold;         /* --digest-failure-policy=hold: create nothing unpinned */
    /* The admission rules (common/rules.h) the webhook applies: allowed
     * label domains for additionalPodMetadata and the rest. Never NULL
     * once the manager runs (defaults when no --config). Borrowed.
     * (common/rules.h names wp_kind values that clash with kube_resource.h;
     * use admission_rules.h, which includes it in a file of its own.) */
    const struct wp_config *rules;
} wp_ctl_options;

typedef struct wp_ctl wp_ctl;
typedef struct wp_rec wp_rec;
typedef struct wp_ctl_metrics wp_ctl_metrics; /* metrics.h */

/* --- the descriptor --------------------------------------------------------- */

/* Maps one informer event to keys. old is NULL on add; cur is NULL on
 * delete (old then holds the last state). Items are borrowed. Runs on the
 * informer's thread: enqueue and return. */
typedef void (*wp_ctl_watch_fn)(wp_rec *r, wp_store_item *old, wp_store_item *cur);

typedef struct {
    wp_cache_id cache;
    wp_ctl_watch_fn on_event;
} wp_ctl_watch;

typedef struct wp_reconciler {
    wp_ctl_id id;
    const char *flag_name;   /* in --controllers: "sandbox", "template", "pool", "claim" */
    const char *name;        /* controller-runtime name (metrics label): "sandbox", "sandboxclaim", ... */
    const char *reporter;    /* events' reportingController: "sandbox-controller", ... */
    int default_workers;     /* upstream's default concurrency */
    unsigned caches;         /* WP_CACHE_BIT()s read besides those in watches */
    const wp_ctl_watch *watches;
    size_t n_watches;
    /* Optional. Called once before any watch or reconcile; may set r->state.
     * Returns 0, or -1 with a message in err (the program exits). */
    int (*init)(wp_rec *r, char *err, size_t err_size);
    /* Optional. After the workers stopped. */
    void (*destroy)(wp_rec *r);
    /* ctx is the wp_rec *. key is "namespace/name". */
    wp_workqueue_fn reconcile;
} wp_reconciler;

/* The table (reconcilers.c), in wp_ctl_id order, NULL-terminated. */
extern const wp_reconciler *const wp_reconcilers[];
/* The descriptor named `flag_name` ("pool"), or NULL. */
const wp_reconciler *wp_reconciler_find(const char *flag_name);

/* A reconciler at run time. */
struct wp_rec {
    wp_ctl *ctl;
    const wp_reconciler *def;
    wp_workqueue *queue;  /* NULL in unit tests without a manager */
    wp_events *recorder;  /* NULL: events are not recorded (tests) */
    int workers;
    void *state;          /* the reconciler's own (init/destroy) */
};

/* --- the context ---------------------------------------------------------- */
struct wp_ctl {
    wp_kube_client *client;            /* NULL in unit tests: writes then fail with EINVAL */
    wp_ctl_options opts;
    wp_store *stores[WP_CACHE__COUNT]; /* NULL when no running reconciler reads that kind */
    wp_informer *informers[WP_CACHE__COUNT];
    wp_rec *recs[WP_CTL__COUNT];       /* NULL when that reconciler is not running */
    wp_ctl_metrics *metrics;           /* NULL: nothing recorded */
    atomic_bool writable;              /* leading (or election off) and not shutting down */
    /* The plugin host (controller/plugin/plugin_host.h: digest resolver,
     * hooks, history), or NULL when no --plugin-config was given. */
    struct wp_plugin_host *plugins;
    /* History records on their way to the host's spool (history.h), or
     * NULL (no history store: nothing recorded). */
    struct wp_history_queue *history;
    /* Wall clock in seconds; NULL = wp_kube_wallclock. Tests pin it. */
    double (*clock)(void *clock_ctx);
    void *clock_ctx;
};

/* Sets the defaults in ctl->opts' zero fields. */
void wp_ctl_options_defaults(wp_ctl_options *o);
/* The store config (indexes, field filter) of a cache; static. */
const wp_store_config *wp_ctl_cache_config(wp_cache_id id);
/* The kind a cache holds (static). */
const wp_kube_kind *wp_ctl_cache_kind(wp_cache_id id);
/* Creates empty stores for every cache in `caches` (bits) that has none,
 * with their indexes: unit tests fill them with wp_store_upsert_json. */
void wp_ctl_stores_create(wp_ctl *ctl, unsigned caches);
/* Frees stores created by wp_ctl_stores_create (not the informers'). */
void wp_ctl_stores_free(wp_ctl *ctl);

/* Now, from ctl->clock. */
double wp_ctl_now(const wp_ctl *ctl);
/* Now as metav1.Time ("2026-01-02T03:04:05Z"). */
void wp_ctl_now_rfc3339(const wp_ctl *ctl, char buf[40]);

/* --- reading the caches ---------------------------------------------------- */

/* A deep copy of the cached object (caller decrefs; modify freely), or NULL
 * when not cached (or that cache is not running). */
json_t *wp_ctl_get(wp_ctl *ctl, wp_cache_id cache, const char *ns, const char *name);
/* The cached item (a reference: wp_store_item_unref), or NULL. */
wp_store_item *wp_ctl_get_item(wp_ctl *ctl, wp_cache_id cache, const char *ns, const char *name);
/* Items whose index has value (references; wp_store_items_free). */
wp_store_item **wp_ctl_list_index(wp_ctl *ctl, wp_cache_id cache, const char *index, const char *value,
                                  size_t *n);
/* The object as the API server has it now (one live GET, bypassing the
 * cache): a new reference, or NULL with err filled (404: err->rc is
 * WP_KUBE_ENOTFOUND). For rare confirmations only, never the hot path. */
json_t *wp_ctl_get_live(wp_ctl *ctl, wp_cache_id cache, const char *ns, const char *name, wp_kube_error *err);

/* --- owner references (jansson objects; borrowed) --------------------------- */

/* The ownerReference with controller: true, or NULL. */
const json_t *wp_ctl_controller_ref(const json_t *obj);
/* True when obj's controller reference has that uid. */
bool wp_ctl_controlled_by_uid(const json_t *obj, const char *uid);
/* True when obj's controller reference is of that group (version ignored,
 * as upstream) and kind. */
bool wp_ctl_controlled_by_kind(const json_t *obj, const char *group, const char *kind);
/* A controller ownerReference to owner: {apiVersion, kind, name, uid,
 * controller: true, blockOwnerDeletion: true} (SetControllerReference).
 * New reference. */
json_t *wp_ctl_owner_ref(const json_t *owner);

/* --- writing (leader only; counted) ----------------------------------------
 * Each returns the server's object (new reference) or NULL with err filled.
 * Object arguments are borrowed. */
json_t *wp_ctl_create(wp_ctl *ctl, wp_cache_id cache, const json_t *obj, wp_kube_error *err);
/* PUT (resourceVersion in obj makes it conditional). */
json_t *wp_ctl_update(wp_ctl *ctl, wp_cache_id cache, const json_t *obj, wp_kube_error *err);
/* PATCH the object (sub NULL) or "status". */
json_t *wp_ctl_patch(wp_ctl *ctl, wp_cache_id cache, const char *ns, const char *name, const char *sub,
                     wp_kube_patch_type type, const json_t *patch, wp_kube_error *err);
/* GET from the API server, past the cache (after a 409, to see what the
 * cache has not yet). Allowed on any replica; NULL with err (404: check
 * err->rc; no client: WP_KUBE_EINVAL). */
json_t *wp_ctl_read_live(wp_ctl *ctl, wp_cache_id cache, const char *ns, const char *name, wp_kube_error *err);
/* DELETE. opts may be NULL. Returns 0, or -1 with err (404 included: check err->rc). */
int wp_ctl_delete(wp_ctl *ctl, wp_cache_id cache, const char *ns, const char *name,
                  const wp_kube_delete_opts *opts, wp_kube_error *err);

/* --- queues ---------------------------------------------------------------- */

/* Queues key into reconciler `id`'s queue (nothing when it is not running). */
void wp_ctl_enqueue(wp_ctl *ctl, wp_ctl_id id, const char *key);
void wp_ctl_enqueue_after(wp_ctl *ctl, wp_ctl_id id, const char *key, double seconds);
/* "ns/name" into buf (size >= 2 * 254). */
#define WP_CTL_KEY_MAX 512
void wp_ctl_key(const char *ns, const char *name, char buf[WP_CTL_KEY_MAX]);
/* Splits "ns/name" into buffers of WP_CTL_KEY_MAX; false when malformed. */
bool wp_ctl_key_split(const char *key, char ns[WP_CTL_KEY_MAX], char name[WP_CTL_KEY_MAX]);

/* Ready-made watch hooks. */
/* Enqueue the object itself (its own kind's reconciler). */
void wp_ctl_watch_self(wp_rec *r, wp_store_item *old, wp_store_item *cur);
/* Enqueue the object's controller owner when the owner is of r's kind
 * (matched by the group and kind of r's primary cache). */
void wp_ctl_watch_controller(wp_rec *r, wp_store_item *old, wp_store_item *cur);

/* --- events ---------------------------------------------------------------- */

/* Records an events.k8s.io/v1 Event about obj from r's reportingController
 * (queued; never blocks; dropped when this replica does not lead).
 * type: "Normal" / "Warning". */
void wp_rec_event(wp_rec *r, const json_t *obj, const char *type, const char *reason, const char *action,
                  const char *fmt, ...) __attribute__((format(printf, 6, 7)));

#endif
