/* History records (see history.h). */
#include "controller/history.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/log.h"
#include "common/verdict.h"
#include "controller/conditions.h"
#include "controller/keys.h"
#include "controller/kube/kube_map.h"
#include "controller/kube/kube_time.h"
#ifdef WP_HAVE_PLUGINS
#include "controller/plugin/plugin_host.h"
#endif

static const char *meta_str(const json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(json_object_get(o, "metadata"), key));
    return s ? s : "";
}

bool wp_history_enabled(const wp_ctl *ctl)
{
#ifdef WP_HAVE_PLUGINS
    return ctl && ctl->plugins && wp_plugin_host_count(ctl->plugins, WP_PLUGIN_KIND_HISTORY) > 0;
#else
    (void)ctl;
    return false;
#endif
}

static void set_str(json_t *rec, const char *key, const char *value)
{
    if (value && *value) json_object_set_new(rec, key, json_string(value));
}

/* The record of e (new reference): the members of wp_plugin_history_ops. */
static json_t *record_of(const wp_history_event *e)
{
    char t[WP_KUBE_TIME_LEN], id[512];
    wp_kube_time_format_micro(wp_kube_wallclock(), t);
    snprintf(id, sizeof id, "%s:%s%s%s", e->uid ? e->uid : "", e->event, e->instance ? ":" : "",
             e->instance ? e->instance : "");
    json_t *rec = wp_xalloc_check(json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "id", id, "time", t, "namespace",
                                            e->namespace_ ? e->namespace_ : "", "kind", e->kind, "name",
                                            e->name ? e->name : "", "event", e->event));
    set_str(rec, "pool", e->pool);
    set_str(rec, "claim", e->claim);
    set_str(rec, "sandbox", e->sandbox);
    set_str(rec, "reason", e->reason);
    if (e->warm >= 0) json_object_set_new(rec, "warm", json_boolean(e->warm));
    if (e->latency_ms >= 0) json_object_set_new(rec, "latencyMs", json_integer(e->latency_ms));
    return rec;
}

/* ---- the queue ------------------------------------------------------------ */

#define WRITERS 4

/* Test-only: WP_TEST_HISTORY_WRITER_DELAY_MS=N makes each writer wait N ms
 * before each spool append, so a test can SIGKILL the controller inside the
 * queue-to-spool window deterministically. Unset (always, outside tests):
 * no delay. */
static long writer_test_delay_ms(void)
{
    const char *v = getenv("WP_TEST_HISTORY_WRITER_DELAY_MS");
    return v ? strtol(v, NULL, 10) : 0;
}

typedef struct item {
    struct item *next;
    char text[]; /* the record, compact JSON */
} item;

struct wp_history_queue {
    wp_ctl *ctl;
    pthread_mutex_t mu;
    pthread_cond_t cond;
    item *head, **tail;
    size_t len;
    bool stopping;
    long test_delay_ms; /* writer_test_delay_ms() */
    pthread_t writers[WRITERS];
    /* uids of the Sandboxes whose records were re-derived since start
     * (wp_history_sandbox_rederive): entries are malloc'd uid strings. */
    pthread_mutex_t seen_mu;
    wp_kube_map seen;
};

static const char *seen_key(const void *entry)
{
    return entry;
}

/* Spools one record; a refusal is logged (the spool is full or the disk
 * failed: the operator must look), never fatal. */
static void spool(wp_ctl *ctl, const char *text)
{
#ifdef WP_HAVE_PLUGINS
    wp_plugin_error err = {0};
    if (wp_plugin_host_history_append(ctl->plugins, text, strlen(text), &err) != WP_PLUGIN_OK)
        wp_log(WP_LOG_ERROR, "history record not spooled", "record", text, "error", err.message, NULL);
#else
    (void)ctl;
    (void)text;
#endif
}

static void *writer(void *arg)
{
    wp_history_queue *q = arg;
    pthread_mutex_lock(&q->mu);
    for (;;) {
        while (!q->head && !q->stopping) pthread_cond_wait(&q->cond, &q->mu);
        item *it = q->head;
        if (!it) break; /* stopping and drained */
        q->head = it->next;
        if (!q->head) q->tail = &q->head;
        q->len--;
        pthread_mutex_unlock(&q->mu);
        if (q->test_delay_ms > 0)
            nanosleep(&(struct timespec){q->test_delay_ms / 1000, (q->test_delay_ms % 1000) * 1000000L}, NULL);
        spool(q->ctl, it->text);
        free(it);
        pthread_mutex_lock(&q->mu);
    }
    pthread_mutex_unlock(&q->mu);
    return NULL;
}

wp_history_queue *wp_history_queue_new(wp_ctl *ctl)
{
    if (!wp_history_enabled(ctl)) return NULL;
    wp_history_queue *q = wp_xalloc_check(calloc(1, sizeof *q));
    q->ctl = ctl;
    q->tail = &q->head;
    q->test_delay_ms = writer_test_delay_ms();
    pthread_mutex_init(&q->mu, NULL);
    pthread_cond_init(&q->cond, NULL);
    pthread_mutex_init(&q->seen_mu, NULL);
    wp_kube_map_init(&q->seen, seen_key);
    for (int i = 0; i < WRITERS; i++)
        if (pthread_create(&q->writers[i], NULL, writer, q) != 0) abort();
    return q;
}

void wp_history_queue_stop(wp_history_queue *q)
{
    if (!q) return;
    pthread_mutex_lock(&q->mu);
    bool already = q->stopping;
    q->stopping = true;
    pthread_cond_broadcast(&q->cond);
    pthread_mutex_unlock(&q->mu);
    if (already) return;
    for (int i = 0; i < WRITERS; i++) pthread_join(q->writers[i], NULL);
}

void wp_history_queue_free(wp_history_queue *q)
{
    if (!q) return;
    wp_history_queue_stop(q);
    pthread_mutex_destroy(&q->mu);
    pthread_cond_destroy(&q->cond);
    for (size_t i = 0; i < q->seen.cap; i++) free(q->seen.slots[i]);
    wp_kube_map_destroy(&q->seen);
    pthread_mutex_destroy(&q->seen_mu);
    free(q);
}

/* Queues text for the writers; false when the caller must spool it itself
 * (no queue, stopping, or full). */
static bool enqueue(wp_history_queue *q, const char *text)
{
    if (!q) return false;
    size_t n = strlen(text);
    item *it = wp_xalloc_check(malloc(sizeof *it + n + 1));
    memcpy(it->text, text, n + 1);
    it->next = NULL;
    pthread_mutex_lock(&q->mu);
    bool ok = !q->stopping && q->len < WP_HISTORY_QUEUE_MAX;
    if (ok) {
        *q->tail = it;
        q->tail = &it->next;
        q->len++;
        pthread_cond_signal(&q->cond);
    }
    pthread_mutex_unlock(&q->mu);
    if (!ok) free(it);
    return ok;
}

void wp_history_record(wp_ctl *ctl, const wp_history_event *e)
{
    /* Only the leader records (a standby's informers see the same changes). */
    if (!wp_history_enabled(ctl) || !atomic_load(&ctl->writable)) return;
    json_t *rec = record_of(e);
    char *text = wp_xalloc_check(json_dumps(rec, JSON_COMPACT));
    json_decref(rec);
    if (!enqueue(ctl->history, text)) spool(ctl, text);
    free(text);
}

void wp_history_claimed(wp_ctl *ctl, const json_t *claim, const char *sandbox, const char *pool, bool warm,
                        double latency_s)
{
    if (!wp_history_enabled(ctl)) return;
    wp_history_event e = {.kind = "claim", .namespace_ = meta_str(claim, "namespace"), .name = meta_str(claim, "name"),
                          .uid = meta_str(claim, "uid"), .event = "claimed", .pool = pool,
                          .claim = meta_str(claim, "name"), .sandbox = sandbox, .warm = warm,
                          .latency_ms = latency_s > 0 ? (long long)(latency_s * 1000.0 + 0.5) : 0};
    wp_history_record(ctl, &e);
}

/* A claim's event with the fields every claim record has (warm and
 * latency not said). */
static wp_history_event claim_event_of(const json_t *claim, const char *event, const char *sandbox)
{
    const char *pool = json_string_value(
        json_object_get(json_object_get(json_object_get(claim, "spec"), "warmPoolRef"), "name"));
    return (wp_history_event){.kind = "claim", .namespace_ = meta_str(claim, "namespace"),
                              .name = meta_str(claim, "name"), .uid = meta_str(claim, "uid"), .event = event,
                              .pool = pool, .claim = meta_str(claim, "name"), .sandbox = sandbox, .warm = -1,
                              .latency_ms = -1};
}

void wp_history_claim_event(wp_ctl *ctl, const json_t *claim, const char *event, const char *sandbox)
{
    if (!wp_history_enabled(ctl)) return;
    wp_history_event e = claim_event_of(claim, event, sandbox);
    wp_history_record(ctl, &e);
}

void wp_history_claim_rederive(wp_ctl *ctl, const json_t *claim, const json_t *sandbox)
{
    if (!wp_history_enabled(ctl)) return;
    const json_t *status = json_object_get(claim, "status");
    const char *bound = json_string_value(json_object_get(json_object_get(status, "sandbox"), "name"));
    if (bound && *bound && sandbox) {
        wp_history_event e = claim_event_of(claim, "claimed", bound);
        const char *launch =
            json_string_value(json_object_get(json_object_get(json_object_get(sandbox, "metadata"), "labels"),
                                              WP_LABEL_LAUNCH_TYPE));
        e.warm = launch ? strcmp(launch, WP_LAUNCH_WARM) == 0 : strcmp(bound, meta_str(claim, "name")) != 0;
        wp_history_record(ctl, &e);
    }
    const json_t *conds = json_object_get(status, "conditions");
    if (bound && *bound && wp_conditions_is_true(conds, WP_COND_READY)) wp_history_claim_event(ctl, claim, "ready", bound);
    const json_t *ready = wp_conditions_find(conds, WP_COND_READY);
    if (ready && strcmp(wp_condition_reason(ready), WP_REASON_CLAIM_EXPIRED) == 0)
        wp_history_claim_event(ctl, claim, "expired", NULL);
}

/* The name of sb's owner of kind (a SandboxClaim or SandboxWarmPool), or NULL. */
static const char *owner_of_kind(const json_t *sb, const char *kind)
{
    const json_t *refs = json_object_get(json_object_get(sb, "metadata"), "ownerReferences");
    for (size_t i = 0; i < json_array_size(refs); i++) {
        const json_t *ref = json_array_get(refs, i);
        const char *k = json_string_value(json_object_get(ref, "kind"));
        if (k && strcmp(k, kind) == 0) return json_string_value(json_object_get(ref, "name"));
    }
    return NULL;
}

static void sandbox_event(wp_ctl *ctl, const json_t *sb, const char *event, const char *instance, const char *reason)
{
    wp_history_event e = {.kind = "sandbox", .namespace_ = meta_str(sb, "namespace"), .name = meta_str(sb, "name"),
                          .uid = meta_str(sb, "uid"), .event = event, .instance = instance,
                          .pool = owner_of_kind(sb, WP_KIND_NAME_POOL), .claim = owner_of_kind(sb, WP_KIND_NAME_CLAIM),
                          .sandbox = meta_str(sb, "name"), .warm = -1, .latency_ms = -1, .reason = reason};
    wp_history_record(ctl, &e);
}

/* The condition of type in new_status when it is True with reason (any
 * reason when NULL) there and was not so in old_status; else NULL. */
static const json_t *turned(const json_t *old_status, const json_t *new_status, const char *type, const char *reason)
{
    const json_t *now = wp_conditions_find(json_object_get(new_status, "conditions"), type);
    if (!now || !wp_conditions_is_true(json_object_get(new_status, "conditions"), type)) return NULL;
    if (reason && strcmp(wp_condition_reason(now), reason) != 0) return NULL;
    const json_t *before = wp_conditions_find(json_object_get(old_status, "conditions"), type);
    bool was = before && wp_conditions_is_true(json_object_get(old_status, "conditions"), type) &&
               (!reason || strcmp(wp_condition_reason(before), reason) == 0);
    return was ? NULL : now;
}

void wp_history_sandbox_status(wp_ctl *ctl, const json_t *sb, const json_t *old_status, const json_t *new_status)
{
    if (!wp_history_enabled(ctl)) return;
    const json_t *c = turned(old_status, new_status, WP_COND_READY, NULL);
    if (c) sandbox_event(ctl, sb, "ready", json_string_value(json_object_get(c, "lastTransitionTime")), NULL);
    c = turned(old_status, new_status, WP_COND_FINISHED, WP_REASON_POD_FAILED);
    if (c)
        sandbox_event(ctl, sb, "failed", json_string_value(json_object_get(c, "lastTransitionTime")),
                      json_string_value(json_object_get(c, "message")));
}

void wp_history_sandbox_deleted(wp_ctl *ctl, const json_t *sb)
{
    if (!wp_history_enabled(ctl)) return;
    sandbox_event(ctl, sb, "deleted", NULL, NULL);
    wp_history_queue *q = ctl->history;
    const char *uid = meta_str(sb, "uid");
    if (!q || !uid) return;
    pthread_mutex_lock(&q->seen_mu);
    free(wp_kube_map_remove(&q->seen, uid));
    pthread_mutex_unlock(&q->seen_mu);
}

/* True the first time uid is asked about since the queue started. */
static bool first_look(wp_history_queue *q, const char *uid)
{
    pthread_mutex_lock(&q->seen_mu);
    bool first = wp_kube_map_get(&q->seen, uid) == NULL;
    if (first) wp_kube_map_put(&q->seen, wp_xalloc_check(strdup(uid)));
    pthread_mutex_unlock(&q->seen_mu);
    return first;
}

void wp_history_sandbox_rederive(wp_ctl *ctl, const json_t *sb)
{
    wp_history_queue *q = ctl->history;
    const char *uid = meta_str(sb, "uid");
    if (!wp_history_enabled(ctl) || !q || !uid || !atomic_load(&ctl->writable)) return;
    if (!first_look(q, uid)) return;
    wp_history_sandbox_status(ctl, sb, NULL, json_object_get(sb, "status"));
}
