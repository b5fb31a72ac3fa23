/* The claim reconciler's memory (claim_memory.h). */
#include "controller/claim_memory.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "common/verdict.h"
#include "controller/kube/kube_map.h"

typedef struct {
    char *key; /* "ns/name" */
    char *uid;
    double seen;                   /* first watch event */
    unsigned long long written_rv; /* our last write (0: none pending) */
    double written_at;
    bool replayed; /* its records were re-derived (wp_claim_memory_first_pass) */
} claim_entry;

typedef struct {
    char *key;       /* the claim's uid */
    json_t *sandbox; /* as the adoption patch returned it */
} binding_entry;

struct wp_claim_memory {
    pthread_mutex_t mu;
    wp_kube_map claims;   /* "ns/name" → claim_entry */
    wp_kube_map bindings; /* claim uid → binding_entry */
    double *samples;      /* ring of (total, own) pairs */
    size_t n_samples, next_sample;
};

static const char *claim_key(const void *e) { return ((const claim_entry *)e)->key; }
static const char *binding_key(const void *e) { return ((const binding_entry *)e)->key; }

static void claim_entry_free(claim_entry *c)
{
    if (c) free(c->key), free(c->uid), free(c);
}

static void binding_free(binding_entry *b)
{
    if (b) free(b->key), json_decref(b->sandbox), free(b);
}

wp_claim_memory *wp_claim_memory_new(void)
{
    wp_claim_memory *m = wp_xalloc_check(calloc(1, sizeof *m));
    pthread_mutex_init(&m->mu, NULL);
    wp_kube_map_init(&m->claims, claim_key);
    wp_kube_map_init(&m->bindings, binding_key);
    m->samples = wp_xalloc_check(calloc(2 * WP_CLAIM_MEMORY_SAMPLES, sizeof *m->samples));
    return m;
}

void wp_claim_memory_free(wp_claim_memory *m)
{
    if (!m) return;
    claim_entry *c;
    for (size_t i = 0; (c = wp_kube_map_next(&m->claims, &i));) claim_entry_free(c);
    binding_entry *b;
    for (size_t i = 0; (b = wp_kube_map_next(&m->bindings, &i));) binding_free(b);
    wp_kube_map_destroy(&m->claims);
    wp_kube_map_destroy(&m->bindings);
    pthread_mutex_destroy(&m->mu);
    free(m->samples);
    free(m);
}

/* ---- first observation ---------------------------------------------------- */

double wp_claim_memory_observe(wp_claim_memory *m, const char *key, const char *uid, double now)
{
    pthread_mutex_lock(&m->mu);
    claim_entry *c = wp_kube_map_get(&m->claims, key);
    if (c && strcmp(c->uid, uid) != 0) { /* deleted and created again */
        free(c->uid);
        c->uid = wp_xalloc_check(strdup(uid));
        c->seen = now;
        c->written_rv = 0;
        c->replayed = false;
    } else if (!c) {
        c = wp_xalloc_check(calloc(1, sizeof *c));
        c->key = wp_xalloc_check(strdup(key));
        c->uid = wp_xalloc_check(strdup(uid));
        c->seen = now;
        wp_kube_map_put(&m->claims, c);
    }
    double seen = c->seen;
    pthread_mutex_unlock(&m->mu);
    return seen;
}

bool wp_claim_memory_first_pass(wp_claim_memory *m, const char *key)
{
    pthread_mutex_lock(&m->mu);
    claim_entry *c = wp_kube_map_get(&m->claims, key);
    bool first = c && !c->replayed;
    if (first) c->replayed = true;
    pthread_mutex_unlock(&m->mu);
    return first;
}

void wp_claim_memory_forget(wp_claim_memory *m, const char *key)
{
    pthread_mutex_lock(&m->mu);
    claim_entry *c = wp_kube_map_remove(&m->claims, key);
    pthread_mutex_unlock(&m->mu);
    claim_entry_free(c);
}

/* ---- our own writes --------------------------------------------------------- */

/* A resourceVersion as a number; 0 when it is not one. */
static unsigned long long rv_number(const char *rv)
{
    char *end = NULL;
    unsigned long long v = rv && *rv ? strtoull(rv, &end, 10) : 0;
    return end && *end == '\0' ? v : 0;
}

void wp_claim_memory_wrote(wp_claim_memory *m, const char *key, const char *rv, double now)
{
    pthread_mutex_lock(&m->mu);
    claim_entry *c = wp_kube_map_get(&m->claims, key);
    if (c) {
        c->written_rv = rv_number(rv);
        c->written_at = now;
    }
    pthread_mutex_unlock(&m->mu);
}

bool wp_claim_memory_stale(wp_claim_memory *m, const char *key, const char *cached_rv, double now)
{
    bool stale = false;
    unsigned long long cached = rv_number(cached_rv);
    pthread_mutex_lock(&m->mu);
    claim_entry *c = wp_kube_map_get(&m->claims, key);
    if (c && c->written_rv) {
        stale = cached && cached < c->written_rv && now - c->written_at < WP_CLAIM_MEMORY_STALE_MAX;
        if (!stale) c->written_rv = 0;
    }
    pthread_mutex_unlock(&m->mu);
    return stale;
}

/* ---- bindings ------------------------------------------------------------------ */

void wp_claim_memory_bind(wp_claim_memory *m, const char *claim_uid, const json_t *sandbox)
{
    binding_entry *b = wp_xalloc_check(calloc(1, sizeof *b));
    b->key = wp_xalloc_check(strdup(claim_uid));
    b->sandbox = wp_xalloc_check(json_deep_copy(sandbox));
    pthread_mutex_lock(&m->mu);
    binding_entry *old = wp_kube_map_put(&m->bindings, b);
    pthread_mutex_unlock(&m->mu);
    binding_free(old);
}

json_t *wp_claim_memory_bound(wp_claim_memory *m, const char *claim_uid)
{
    pthread_mutex_lock(&m->mu);
    binding_entry *b = wp_kube_map_get(&m->bindings, claim_uid);
    json_t *sb = b ? json_deep_copy(b->sandbox) : NULL;
    pthread_mutex_unlock(&m->mu);
    return sb;
}

void wp_claim_memory_unbind(wp_claim_memory *m, const char *claim_uid)
{
    pthread_mutex_lock(&m->mu);
    binding_entry *b = wp_kube_map_remove(&m->bindings, claim_uid);
    pthread_mutex_unlock(&m->mu);
    binding_free(b);
}

/* ---- latency samples ------------------------------------------------------------- */

void wp_claim_memory_sample(wp_claim_memory *m, double total, double own)
{
    pthread_mutex_lock(&m->mu);
    m->samples[2 * m->next_sample] = total;
    m->samples[2 * m->next_sample + 1] = own;
    m->next_sample = (m->next_sample + 1) % WP_CLAIM_MEMORY_SAMPLES;
    if (m->n_samples < WP_CLAIM_MEMORY_SAMPLES) m->n_samples++;
    pthread_mutex_unlock(&m->mu);
}

size_t wp_claim_memory_samples(wp_claim_memory *m, double *total, double *own, size_t max)
{
    pthread_mutex_lock(&m->mu);
    size_t n = m->n_samples < max ? m->n_samples : max;
    for (size_t i = 0; i < n; i++) {
        size_t at = (m->next_sample + WP_CLAIM_MEMORY_SAMPLES - n + i) % WP_CLAIM_MEMORY_SAMPLES;
        total[i] = m->samples[2 * at];
        if (own) own[i] = m->samples[2 * at + 1];
    }
    pthread_mutex_unlock(&m->mu);
    return n;
}
