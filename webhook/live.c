/* Reloadable server state. See live.h. */
#include "webhook/live.h"

#include <string.h>

void wp_live_init(wp_live *l)
{
    memset(l, 0, sizeof *l);
    pthread_mutex_init(&l->lock, NULL);
}

void wp_live_destroy(wp_live *l)
{
    wp_tls_pair_unref(l->pair);
    wp_tls_trust_unref(l->trust);
    if (l->config) wp_config_unref(l->config);
    pthread_mutex_destroy(&l->lock);
    memset(l, 0, sizeof *l);
}

/* Each reloadable object gets the same pair of accessors: a getter that
 * takes a reference under the lock, and a setter that swaps under the lock
 * and releases the old object outside it (freeing a pair or a trust list
 * is not something readers should wait for). */
#define LIVE_ACCESSORS(type, field, getter, setter, ref, unref) \
    type *getter(wp_live *l)                                      \
    {                                                             \
        pthread_mutex_lock(&l->lock);                             \
        type *v = l->field ? ref(l->field) : NULL;                \
        pthread_mutex_unlock(&l->lock);                           \
        return v;                                                 \
    }                                                             \
    void setter(wp_live *l, type *v)                              \
    {                                                             \
        pthread_mutex_lock(&l->lock);                             \
        type *old = l->field;                                     \
        l->field = v;                                             \
        pthread_mutex_unlock(&l->lock);                           \
        if (old) unref(old);                                      \
    }

LIVE_ACCESSORS(wp_tls_pair, pair, wp_live_pair, wp_live_set_pair, wp_tls_pair_ref, wp_tls_pair_unref)
LIVE_ACCESSORS(wp_tls_trust, trust, wp_live_trust, wp_live_set_trust, wp_tls_trust_ref, wp_tls_trust_unref)
LIVE_ACCESSORS(wp_config, config, wp_live_config, wp_live_set_config, wp_config_ref, wp_config_unref)
