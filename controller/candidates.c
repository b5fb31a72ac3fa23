/* Adoption candidates (candidates.h).
 *
 * Per pool: one FIFO of unscheduled members and, per node, a FIFO of the
 * members on it; every member carries a sequence number so "oldest" is a
 * comparison. A member map (ns/name → entry) makes put/remove O(1).
 * Picking scans the pool's nodes once (a pool spans tens of nodes, not
 * thousands). */
#include "controller/candidates.h"

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/verdict.h"
#include "controller/kube/kube_map.h"

typedef struct member member;
typedef struct fifo fifo;

struct fifo {
    member *head, *tail;
    size_t len;
};

typedef struct node_queue {
    char *key; /* node name */
    fifo q;
} node_queue;

typedef struct pool_queue {
    char *key;           /* "ns/pool" */
    fifo unscheduled;
    wp_kube_map nodes;   /* node name → node_queue */
    size_t len;
} pool_queue;

struct member {
    char *key;  /* "ns/name" */
    char *name;
    pool_queue *pool;
    node_queue *node; /* NULL: in pool->unscheduled */
    uint64_t seq;
    member *prev, *next;
};

struct wp_candidates {
    pthread_mutex_t mu;
    wp_kube_map pools;   /* "ns/pool" → pool_queue */
    wp_kube_map members; /* "ns/name" → member */
    uint64_t seq;
};

static const char *member_key(const void *e) { return ((const member *)e)->key; }
static const char *pool_key(const void *e) { return ((const pool_queue *)e)->key; }
static const char *node_key(const void *e) { return ((const node_queue *)e)->key; }

static char *join_key(const char *ns, const char *name)
{
    char *k = NULL;
    if (asprintf(&k, "%s/%s", ns ? ns : "", name ? name : "") < 0) k = NULL;
    return wp_xalloc_check(k);
}

wp_candidates *wp_candidates_new(void)
{
    wp_candidates *c = wp_xalloc_check(calloc(1, sizeof *c));
    pthread_mutex_init(&c->mu, NULL);
    wp_kube_map_init(&c->pools, pool_key);
    wp_kube_map_init(&c->members, member_key);
    return c;
}

/* ---- fifo ----------------------------------------------------------------- */

/* Inserts m in seq order, searching from the tail (new members are the
 * youngest, so this is O(1) but for a member changing node). */
static void fifo_insert(fifo *q, member *m)
{
    member *after = q->tail;
    while (after && after->seq > m->seq) after = after->prev;
    m->prev = after;
    m->next = after ? after->next : q->head;
    if (m->next) m->next->prev = m;
    else q->tail = m;
    if (after) after->next = m;
    else q->head = m;
    q->len++;
}

static void fifo_unlink(fifo *q, member *m)
{
    if (m->prev) m->prev->next = m->next;
    else q->head = m->next;
    if (m->next) m->next->prev = m->prev;
    else q->tail = m->prev;
    m->prev = m->next = NULL;
    q->len--;
}

/* ---- pools and nodes ------------------------------------------------------ */

static pool_queue *pool_get(wp_candidates *c, const char *key, int create)
{
    pool_queue *p = wp_kube_map_get(&c->pools, key);
    if (p || !create) return p;
    p = wp_xalloc_check(calloc(1, sizeof *p));
    p->key = wp_xalloc_check(strdup(key));
    wp_kube_map_init(&p->nodes, node_key);
    wp_kube_map_put(&c->pools, p);
    return p;
}

static node_queue *node_get(pool_queue *p, const char *node)
{
    node_queue *n = wp_kube_map_get(&p->nodes, node);
    if (n) return n;
    n = wp_xalloc_check(calloc(1, sizeof *n));
    n->key = wp_xalloc_check(strdup(node));
    wp_kube_map_put(&p->nodes, n);
    return n;
}

static void node_free(node_queue *n)
{
    free(n->key);
    free(n);
}

static void pool_free(pool_queue *p)
{
    node_queue *n;
    for (size_t i = 0; (n = wp_kube_map_next(&p->nodes, &i));) node_free(n);
    wp_kube_map_destroy(&p->nodes);
    free(p->key);
    free(p);
}

/* Links m into p, on node (NULL/"" = unscheduled). */
static void link_member(pool_queue *p, member *m, const char *node)
{
    m->pool = p;
    m->node = node && *node ? node_get(p, node) : NULL;
    fifo_insert(m->node ? &m->node->q : &p->unscheduled, m);
    p->len++;
}

/* Unlinks m from its pool; drops a node queue that became empty. */
static void unlink_member(member *m)
{
    pool_queue *p = m->pool;
    if (m->node) {
        fifo_unlink(&m->node->q, m);
        if (m->node->q.len == 0) node_free(wp_kube_map_remove(&p->nodes, m->node->key));
    } else {
        fifo_unlink(&p->unscheduled, m);
    }
    m->node = NULL;
    p->len--;
}

static void member_free(member *m)
{
    free(m->key);
    free(m->name);
    free(m);
}

/* Removes m from everything and frees it. Caller holds the lock. */
static void drop_member(wp_candidates *c, member *m)
{
    unlink_member(m);
    wp_kube_map_remove(&c->members, m->key);
    member_free(m);
}

/* ---- the API --------------------------------------------------------------- */

void wp_candidates_free(wp_candidates *c)
{
    if (!c) return;
    member *m;
    for (size_t i = 0; (m = wp_kube_map_next(&c->members, &i));) member_free(m);
    pool_queue *p;
    for (size_t i = 0; (p = wp_kube_map_next(&c->pools, &i));) pool_free(p);
    wp_kube_map_destroy(&c->members);
    wp_kube_map_destroy(&c->pools);
    pthread_mutex_destroy(&c->mu);
    free(c);
}

void wp_candidates_put(wp_candidates *c, const char *ns, const char *pool, const char *name, const char *node)
{
    char *mkey = join_key(ns, name), *pkey = join_key(ns, pool);
    const char *n = node ? node : "";
    pthread_mutex_lock(&c->mu);
    member *m = wp_kube_map_get(&c->members, mkey);
    if (m && strcmp(m->pool->key, pkey) == 0) {
        const char *cur = m->node ? m->node->key : "";
        if (strcmp(cur, n) != 0) { /* other node, same place in line (seq kept) */
            pool_queue *p = m->pool;
            unlink_member(m);
            link_member(p, m, n);
        }
    } else {
        if (m) unlink_member(m);
        else {
            m = wp_xalloc_check(calloc(1, sizeof *m));
            m->key = mkey, mkey = NULL;
            m->name = wp_xalloc_check(strdup(name));
            wp_kube_map_put(&c->members, m);
        }
        m->seq = ++c->seq;
        link_member(pool_get(c, pkey, 1), m, n);
    }
    pthread_mutex_unlock(&c->mu);
    free(mkey);
    free(pkey);
}

void wp_candidates_remove(wp_candidates *c, const char *ns, const char *name)
{
    char *key = join_key(ns, name);
    pthread_mutex_lock(&c->mu);
    member *m = wp_kube_map_get(&c->members, key);
    if (m) drop_member(c, m);
    pthread_mutex_unlock(&c->mu);
    free(key);
}

void wp_candidates_remove_pool(wp_candidates *c, const char *ns, const char *pool)
{
    char *key = join_key(ns, pool);
    pthread_mutex_lock(&c->mu);
    pool_queue *p = wp_kube_map_remove(&c->pools, key);
    if (p) {
        member *m;
        for (size_t i = 0; (m = wp_kube_map_next(&c->members, &i));)
            if (m->pool == p) m->pool = NULL;
        /* members map cannot change while iterating: collect, then free */
        member **gone = wp_xalloc_check(calloc(p->len ? p->len : 1, sizeof *gone));
        size_t n = 0;
        for (size_t i = 0; (m = wp_kube_map_next(&c->members, &i));)
            if (!m->pool) gone[n++] = m;
        for (size_t i = 0; i < n; i++) {
            wp_kube_map_remove(&c->members, gone[i]->key);
            member_free(gone[i]);
        }
        free(gone);
        pool_free(p);
    }
    pthread_mutex_unlock(&c->mu);
    free(key);
}

/* The node queue with the most members (ties: the oldest head), or NULL. */
static node_queue *busiest_node(pool_queue *p)
{
    node_queue *best = NULL, *n;
    for (size_t i = 0; (n = wp_kube_map_next(&p->nodes, &i));) {
        if (!best || n->q.len > best->q.len || (n->q.len == best->q.len && n->q.head->seq < best->q.head->seq))
            best = n;
    }
    return best;
}

char *wp_candidates_take(wp_candidates *c, const char *ns, const char *pool, char **node)
{
    char *key = join_key(ns, pool), *name = NULL;
    pthread_mutex_lock(&c->mu);
    pool_queue *p = pool_get(c, key, 0);
    if (p && p->len) {
        node_queue *nq = busiest_node(p);
        member *m = nq ? nq->q.head : p->unscheduled.head;
        if (node) *node = wp_xalloc_check(strdup(nq ? nq->key : ""));
        name = m->name, m->name = NULL;
        drop_member(c, m);
    }
    pthread_mutex_unlock(&c->mu);
    free(key);
    return name;
}

size_t wp_candidates_len(wp_candidates *c, const char *ns, const char *pool)
{
    char *key = join_key(ns, pool);
    pthread_mutex_lock(&c->mu);
    pool_queue *p = pool_get(c, key, 0);
    size_t n = p ? p->len : 0;
    pthread_mutex_unlock(&c->mu);
    free(key);
    return n;
}
