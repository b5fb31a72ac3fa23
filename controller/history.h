/* History records of claim and sandbox state changes (CONTROLLER.md
 * "Plugins at work"; the record's shape is include/warmpool/plugin.h's
 * wp_plugin_history_ops): claimed (warm or cold, with its latency),
 * ready, released, expired, failed, deleted.
 *
 * Each record goes to the plugin host's durable spool
 * (wp_plugin_host_history_append: fdatasync'ed, then delivered to the
 * history-store plugin by the host's flusher, replayed after a crash). The
 * reconcile thread only queues it (a copy under a mutex): a few writer
 * threads (wp_history_queue) do the spool appends, whose fdatasyncs they
 * share (the spool's group commit), so a claim never waits for a disk
 * flush, let alone for the store. The price: a crash between a state
 * change and its record's fdatasync (a few milliseconds) loses that
 * record, as a crash between the API write and the append would anyway.
 * A queue past WP_HISTORY_QUEUE_MAX makes the caller append itself
 * (backpressure, nothing dropped). Each record's id is derived from the object's uid, the event and
 * what makes that event unique (a condition's lastTransitionTime, a pod's
 * uid), so a record emitted twice (a watch replay, a second path to the
 * same transition) is one record in a store that dedupes by id
 * (history_sqlite does).
 *
 * Without a plugin host or a history-store plugin (or a build without
 * controller/plugin) every call is a no-op. Thread-safe. */
#ifndef WP_CONTROLLER_HISTORY_H
#define WP_CONTROLLER_HISTORY_H

#include <jansson.h>
#include <stdbool.h>

#include "controller/reconciler.h"

/* One state change; every string is borrowed; NULL or "" = absent. */
typedef struct {
    const char *kind;      /* "claim" | "sandbox" */
    const char *namespace_;
    const char *name;      /* the claim's or sandbox's name */
    const char *uid;       /* the object's uid (first part of the id) */
    const char *event;     /* claimed | ready | released | expired | failed | deleted */
    const char *instance;  /* what makes the event unique when it can repeat; NULL: once per object */
    const char *pool, *claim, *sandbox;
    int warm;              /* 1 warm, 0 cold, -1 not said */
    long long latency_ms;  /* < 0: not said */
    const char *reason;
} wp_history_event;

#define WP_HISTORY_QUEUE_MAX 100000

typedef struct wp_history_queue wp_history_queue;

/* The queue and its writers for ctl (ctl->plugins must be set), or NULL
 * when there is no history store. Caller frees with wp_history_queue_free. */
wp_history_queue *wp_history_queue_new(wp_ctl *ctl);
/* Spools everything queued and stops the writers (later records are
 * appended by their caller). Idempotent; NULL is a no-op. */
void wp_history_queue_stop(wp_history_queue *q);
/* Stops, then frees. NULL is a no-op. */
void wp_history_queue_free(wp_history_queue *q);

/* True when records go anywhere (a history store is configured): callers
 * skip building events otherwise. */
bool wp_history_enabled(const wp_ctl *ctl);

/* Appends the record; a spool that refuses it is logged (never fatal). */
void wp_history_record(wp_ctl *ctl, const wp_history_event *e);

/* A claim was bound to sandbox (warm: adopted from pool; cold: created for
 * it) latency_s after the controller first observed the claim. */
void wp_history_claimed(wp_ctl *ctl, const json_t *claim, const char *sandbox, const char *pool, bool warm,
                        double latency_s);

/* A claim event that happens once per claim: "ready", "expired",
 * "released" (sandbox: the claim's, or NULL). */
void wp_history_claim_event(wp_ctl *ctl, const json_t *claim, const char *event, const char *sandbox);

/* Re-derives the records claim's current state implies (the first pass
 * after a start; a record lost in a crash between the state change and its
 * spool append comes back, one already stored is dropped by id): bound
 * (sandbox: its cached Sandbox, or NULL when not cached) implies "claimed"
 * (warm from the Sandbox's launch-type label; no latencyMs: the binding
 * time is not stored on any object), Ready implies "ready", a
 * ClaimExpired Ready condition "expired". Same id and fields as the
 * original otherwise (its "time" is when re-derived). */
void wp_history_claim_rederive(wp_ctl *ctl, const json_t *claim, const json_t *sandbox);

/* A Sandbox's status was written from old_status to new_status: records
 * "ready" when Ready turned True and "failed" when its pod failed
 * (Finished turned True with reason PodFailed). */
void wp_history_sandbox_status(wp_ctl *ctl, const json_t *sb, const json_t *old_status, const json_t *new_status);

/* A Sandbox is gone (its last state from the watch). */
void wp_history_sandbox_deleted(wp_ctl *ctl, const json_t *sb);

/* The first look at Sandbox sb (cache copy) since this replica started
 * leading with a history queue: re-derives the records its status implies
 * ("ready" while Ready is True, "failed" while Finished is PodFailed), with
 * the ids the originals had (the condition's lastTransitionTime), so a
 * record lost between the state change and its spool append comes back and
 * one already stored is dropped by id. Later looks are no-ops. */
void wp_history_sandbox_rederive(wp_ctl *ctl, const json_t *sb);

#endif
