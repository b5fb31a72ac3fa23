/* The warm pool's decisions, as pure functions (UPSTREAM.md §4): which
 * Sandboxes are members, which are stale, stuck or held, how many to create
 * or remove and in what order, the Sandbox a new member is, the status, and
 * when to look again. pool.c reads the caches, calls these, and writes.
 *
 * Nothing here does I/O or keeps state; all of it is thread-safe. Objects
 * are jansson values, borrowed unless a function says otherwise. */
#ifndef WP_CONTROLLER_POOL_PLAN_H
#define WP_CONTROLLER_POOL_PLAN_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "controller/naming.h"

/* Requeue delays (upstream's constants). */
#define WP_POOL_EXPECTATIONS_REQUEUE 30.0 /* creates/deletes held back by expectations */
#define WP_POOL_UNSCHEDULABLE_REQUEUE 60.0 /* while holding unschedulable members */
#define WP_POOL_GRACE_SLACK 2.0            /* lands the post-grace pass after the deadline */
#define WP_POOL_GRACE_JITTER 0.5           /* spreads it by up to +50% */
#define WP_POOL_BATCH_CAP_DEFAULT 300

/* One pass's view of a pool and its template. */
typedef struct {
    const json_t *pool;          /* the SandboxWarmPool */
    bool has_template;           /* false: the template is missing (no creates, no staleness) */
    const json_t *template_spec; /* its template's spec (NULL reads as empty) */
    const char *uid;             /* pool metadata.uid */
    const char *template_name;   /* spec.sandboxTemplateRef.name ("" when unset) */
    bool recreate;               /* updateStrategy.type Recreate (anything else: OnReplenish) */
    long long desired;           /* spec.replicas, 1 when unset */
    char pool_hash[WP_NAMING_HASH_LEN];          /* hash(pool name): the warm-pool-sandbox label */
    char ref_hash[WP_NAMING_HASH_LEN];           /* hash(template name) */
    char template_hash[WP_NAMING_HASH_LEN];      /* blueprint hash ("" without a template) */
    char pod_template_hash[WP_NAMING_HASH_LEN];  /* deprecated pod template hash */
    /* warmpool.io/image-digests of a member made now: the images
     * template_spec was pinned to (image_pins.h); NULL when not pinning. */
    const char *pins;
    double now;                  /* seconds since the epoch */
    double grace;                /* readiness grace, seconds */
} wp_pool_view;

/* Fills v for pool (and template, which may be NULL). */
void wp_pool_view_init(wp_pool_view *v, const json_t *pool, const json_t *template_obj, double now, double grace);

/* --- members ---------------------------------------------------------------- */

typedef enum {
    WP_MEMBER_IGNORE,      /* another controller's Sandbox, or an orphan being deleted */
    WP_MEMBER_TERMINATING, /* pool-owned and deleting (or our delete is not yet seen) */
    WP_MEMBER_STALE,       /* delete it: out of date with the template */
    WP_MEMBER_KEEP,        /* a member (after the repairs flagged below) */
} wp_member_verdict;

typedef struct {
    wp_member_verdict verdict;
    bool owned;       /* controller reference is this pool */
    bool adopt;       /* orphan: set the owner reference and launch-type, Update */
    bool set_launch;  /* pool-owned without launch-type=warm: Update */
} wp_member_plan;

/* Classifies one Sandbox carrying the pool's label. pending_delete: the
 * expectations hold a delete of its uid. */
wp_member_plan wp_pool_classify(const wp_pool_view *v, const json_t *sandbox, bool pending_delete);

/* True when the Sandbox no longer matches the template (v->has_template
 * must be true): its ref-hash label differs; or, for an orphan, the blueprint
 * differs; or, for an owned one, its template-hash label (and, when pinning,
 * its image-digests annotation) is not current and the blueprint differs. */
bool wp_pool_is_stale(const wp_pool_view *v, const json_t *sandbox);

/* True when the Sandbox's Ready condition is True. */
bool wp_pool_sandbox_ready(const json_t *sandbox);

/* True when a Pod is unschedulable: not deleting, PodScheduled False with
 * reason Unschedulable. NULL is false. */
bool wp_pool_pod_unschedulable(const json_t *pod);

/* The name of a Sandbox's pod: the pod-name annotation, else its name. */
const char *wp_pool_pod_name(const json_t *sandbox);

typedef enum {
    WP_GRACE_FINE,    /* Ready, or no creation time */
    WP_GRACE_WAIT,    /* not Ready, within the grace: look again at *after */
    WP_GRACE_HOLD,    /* not Ready past the grace, unschedulable: keep it */
    WP_GRACE_REPLACE, /* not Ready past the grace: delete it */
} wp_grace_verdict;

/* The readiness grace for one kept member. *after (WAIT only) is the
 * remaining grace plus WP_POOL_GRACE_SLACK, before jitter. */
wp_grace_verdict wp_pool_grace(const wp_pool_view *v, const json_t *sandbox, bool unschedulable, double *after);

/* The post-grace requeue: d stretched by jitter * u (u in [0,1)), as
 * wait.Jitter(d, WP_POOL_GRACE_JITTER). */
double wp_pool_jitter(double d, double u);

/* --- counts and order ---------------------------------------------------------- */

/* Members to create: min(desired - active - terminating, cap) or 0. */
long long wp_pool_to_create(long long desired, long long active, long long terminating, long long cap);
/* Surplus to delete: min(active - desired, cap) or 0. */
long long wp_pool_to_delete(long long desired, long long active, long long cap);

/* Slow-start batch sizes for `total` writes: 1, 2, 4, ... with the last one
 * cut to what remains. Writes at most max_batches sizes into sizes and
 * returns how many batches there are. */
size_t wp_pool_batches(long long total, long long *sizes, size_t max_batches);

/* Sorts Sandboxes for surplus removal: not Ready first, then newest first
 * (by creationTimestamp; name breaks ties). */
void wp_pool_surplus_order(const json_t **sandboxes, size_t n);

/* Seconds since the epoch of an RFC 3339 time member, or -1. */
double wp_pool_time(const json_t *v);

/* --- what gets written ---------------------------------------------------------- */

/* The Sandbox a new member is (v->has_template must be true): generateName
 * "<pool>-", the pool's labels (warm-pool-sandbox, ref-hash, launch-type
 * warm, both template hashes, created-by controller), annotation
 * sandbox-template-ref (and image-digests when v->pins), the controller owner
 * reference to the pool, and the template's blueprint with pod labels, safe-to-evict (when evictable) and
 * the secure defaults. New reference. */
json_t *wp_pool_member_new(const wp_pool_view *v, bool evictable);

/* The status the pass computed: replicas, readyReplicas, selector,
 * observedGeneration. New reference. */
json_t *wp_pool_status(const wp_pool_view *v, long long replicas, long long ready);

/* The merge patch {"status": {...}} taking old_status (may be NULL) to
 * new_status: changed fields only, a field that became zero as null (Go
 * omits zero values). NULL when nothing changed. New reference. */
json_t *wp_pool_status_patch(const json_t *old_status, const json_t *new_status);

/* Go's time.Duration.String for whole milliseconds: "5m0s", "1h0m0s",
 * "1.5s", "500ms", "0s". */
#define WP_POOL_DURATION_MAX 96
void wp_pool_go_duration(double seconds, char buf[WP_POOL_DURATION_MAX]);

#endif
