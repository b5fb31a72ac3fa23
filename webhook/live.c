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

wp_tls_pair *wp_live_pair(wp_live *l)
{
    pthread_mutex_lock(&l->lock);
    wp_tls_pair *p = l->pair ? wp_tls_pair_ref(l->pair) : NULL;
    pthread_mutex_unlock(&l->lock);
    return p;
}

wp_tls_trust *wp_live_trust(wp_live *l)
{
    pthread_mutex_lock(&l->lock);
    wp_tls_trust *t = l->trust ? wp_tls_trust_ref(l->trust) : NULL;
    pthread_mutex_unlock(&l->lock);
    return t;
}

wp_config *wp_live_config(wp_live *l)
{
    pthread_mutex_lock(&l->lock);
    wp_config *c = l->config ? wp_config_ref(l->config) : NULL;
    pthread_mutex_unlock(&l->lock);
    return c;
}

/* The old objects are released outside the lock: freeing a pair or trust
 * list is not something readers should wait for. */
void wp_live_set_pair(wp_live *l, wp_tls_pair *p)
{
    pthread_mutex_lock(&l->lock);
    wp_tls_pair *old = l->pair;
    l->pair = p;
    pthread_mutex_unlock(&l->lock);
    wp_tls_pair_unref(old);
}

void wp_live_set_trust(wp_live *l, wp_tls_trust *t)
{
    pthread_mutex_lock(&l->lock);
    wp_tls_trust *old = l->trust;
    l->trust = t;
    pthread_mutex_unlock(&l->lock);
    wp_tls_trust_unref(old);
}

void wp_live_set_config(wp_live *l, wp_config *c)
{
    pthread_mutex_lock(&l->lock);
    wp_config *old = l->config;
    l->config = c;
    pthread_mutex_unlock(&l->lock);
    if (old) wp_config_unref(old);
}
