/* Per-pool expectations (see expectations.h). */
#include "controller/expectations.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <time.h>

#include "common/verdict.h"
#include "controller/kube/kube_map.h"

typedef struct {
    char *key;
    int creates;
    char **uids; /* pending deletes */
    size_t n_uids, cap_uids;
    double raised_at;
} record;

struct wp_expect {
    pthread_mutex_t mu;
    wp_kube_map records;
    double timeout;
    wp_expect_clock_fn clock;
    void *clock_ctx;
};

static const char *record_key(const void *r) { return ((const record *)r)->key; }

static double monotonic(void *ctx)
{
    (void)ctx;
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

wp_expect *wp_expect_new(double timeout, wp_expect_clock_fn clock, void *clock_ctx)
{
    wp_expect *e = wp_xalloc_check(calloc(1, sizeof *e));
    pthread_mutex_init(&e->mu, NULL);
    wp_kube_map_init(&e->records, record_key);
    e->timeout = timeout > 0 ? timeout : WP_EXPECT_TIMEOUT_DEFAULT;
    e->clock = clock ? clock : monotonic;
    e->clock_ctx = clock_ctx;
    return e;
}

static void record_free(record *r)
{
    if (!r) return;
    for (size_t i = 0; i < r->n_uids; i++) free(r->uids[i]);
    free(r->uids);
    free(r->key);
    free(r);
}

void wp_expect_free(wp_expect *e)
{
    if (!e) return;
    record *r;
    for (size_t i = 0; (r = wp_kube_map_next(&e->records, &i));) record_free(r);
    wp_kube_map_destroy(&e->records);
    pthread_mutex_destroy(&e->mu);
    free(e);
}

static double now(wp_expect *e) { return e->clock(e->clock_ctx); }

static void drop(wp_expect *e, const char *key) { record_free(wp_kube_map_remove(&e->records, key)); }

/* The live record for key, dropping it when fulfilled or expired. Caller
 * holds mu. */
static record *live(wp_expect *e, const char *key)
{
    record *r = wp_kube_map_get(&e->records, key);
    if (!r) return NULL;
    if ((r->creates <= 0 && r->n_uids == 0) || now(e) - r->raised_at > e->timeout) {
        drop(e, key);
        return NULL;
    }
    return r;
}

static record *get_or_add(wp_expect *e, const char *key)
{
    record *r = wp_kube_map_get(&e->records, key);
    if (r) return r;
    r = wp_xalloc_check(calloc(1, sizeof *r));
    r->key = wp_xalloc_check(strdup(key));
    wp_kube_map_put(&e->records, r);
    return r;
}

/* Drops the record when nothing is left in it. Caller holds mu. */
static void settle(wp_expect *e, record *r)
{
    if (r->creates <= 0 && r->n_uids == 0) drop(e, r->key);
}

static ssize_t find_uid(const record *r, const char *uid)
{
    for (size_t i = 0; i < r->n_uids; i++)
        if (strcmp(r->uids[i], uid) == 0) return (ssize_t)i;
    return -1;
}

bool wp_expect_satisfied(wp_expect *e, const char *key)
{
    pthread_mutex_lock(&e->mu);
    bool ok = live(e, key) == NULL;
    pthread_mutex_unlock(&e->mu);
    return ok;
}

bool wp_expect_try_creations(wp_expect *e, const char *key, int n)
{
    if (n <= 0) return false;
    pthread_mutex_lock(&e->mu);
    bool ok = live(e, key) == NULL;
    if (ok) {
        record *r = get_or_add(e, key);
        r->creates = n;
        r->raised_at = now(e);
    }
    pthread_mutex_unlock(&e->mu);
    return ok;
}

void wp_expect_lower_creations(wp_expect *e, const char *key, int n)
{
    pthread_mutex_lock(&e->mu);
    record *r = wp_kube_map_get(&e->records, key);
    if (r) {
        r->creates = r->creates > n ? r->creates - n : 0;
        settle(e, r);
    }
    pthread_mutex_unlock(&e->mu);
}

void wp_expect_deletion(wp_expect *e, const char *key, const char *uid)
{
    if (!uid || !*uid) return;
    pthread_mutex_lock(&e->mu);
    record *r = get_or_add(e, key);
    if (find_uid(r, uid) < 0) {
        if (r->n_uids == r->cap_uids) {
            r->cap_uids = r->cap_uids ? r->cap_uids * 2 : 8;
            r->uids = wp_xalloc_check(realloc(r->uids, r->cap_uids * sizeof *r->uids));
        }
        r->uids[r->n_uids++] = wp_xalloc_check(strdup(uid));
    }
    r->raised_at = now(e);
    pthread_mutex_unlock(&e->mu);
}

void wp_expect_deletion_observed(wp_expect *e, const char *key, const char *uid)
{
    if (!uid) return;
    pthread_mutex_lock(&e->mu);
    record *r = wp_kube_map_get(&e->records, key);
    ssize_t i = r ? find_uid(r, uid) : -1;
    if (i >= 0) {
        free(r->uids[i]);
        r->uids[i] = r->uids[--r->n_uids];
        settle(e, r);
    }
    pthread_mutex_unlock(&e->mu);
}

bool wp_expect_pending_deletion(wp_expect *e, const char *key, const char *uid)
{
    if (!uid || !*uid) return false;
    pthread_mutex_lock(&e->mu);
    record *r = wp_kube_map_get(&e->records, key);
    bool pending = r && now(e) - r->raised_at <= e->timeout && find_uid(r, uid) >= 0;
    pthread_mutex_unlock(&e->mu);
    return pending;
}

char **wp_expect_pending_deletions(wp_expect *e, const char *key, size_t *n)
{
    *n = 0;
    pthread_mutex_lock(&e->mu);
    record *r = live(e, key);
    char **out = NULL;
    if (r && r->n_uids) {
        out = wp_xalloc_check(calloc(r->n_uids, sizeof *out));
        for (size_t i = 0; i < r->n_uids; i++) out[i] = wp_xalloc_check(strdup(r->uids[i]));
        *n = r->n_uids;
    }
    pthread_mutex_unlock(&e->mu);
    return out;
}

bool wp_expect_uids_contain(char *const *uids, size_t n, const char *uid)
{
    for (size_t i = 0; uid && i < n; i++)
        if (strcmp(uids[i], uid) == 0) return true;
    return false;
}

void wp_expect_uids_free(char **uids, size_t n)
{
    for (size_t i = 0; i < n; i++) free(uids[i]);
    free(uids);
}

void wp_expect_pending(wp_expect *e, const char *key, int *creates, int *deletes)
{
    pthread_mutex_lock(&e->mu);
    record *r = live(e, key);
    if (creates) *creates = r ? r->creates : 0;
    if (deletes) *deletes = r ? (int)r->n_uids : 0;
    pthread_mutex_unlock(&e->mu);
}

void wp_expect_forget(wp_expect *e, const char *key)
{
    pthread_mutex_lock(&e->mu);
    drop(e, key);
    pthread_mutex_unlock(&e->mu);
}
