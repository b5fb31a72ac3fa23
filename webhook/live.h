/* What a reload can change while the server runs: the serving certificate
 * pair, the client CA trust list and the rule configuration.
 *
 * Readers take a reference under a short mutex (so a swap can never free
 * an object between a reader loading the pointer and counting its
 * reference) and use the object unlocked; a swap releases the old one,
 * which is freed when its last reader lets go. */
#ifndef WP_LIVE_H
#define WP_LIVE_H

#include <pthread.h>

#include "common/config.h"
#include "webhook/tls_pair.h"
#include "webhook/tls_trust.h"

typedef struct {
    pthread_mutex_t lock;
    wp_tls_pair *pair;    /* NULL until the first load */
    wp_tls_trust *trust;  /* NULL: no client certificates required */
    wp_config *config;
} wp_live;

void wp_live_init(wp_live *l);
/* Releases the held references. */
void wp_live_destroy(wp_live *l);

/* New references (caller unrefs), or NULL when unset. */
wp_tls_pair *wp_live_pair(wp_live *l);
wp_tls_trust *wp_live_trust(wp_live *l);
wp_config *wp_live_config(wp_live *l);

/* Install an object, taking over the caller's reference. */
void wp_live_set_pair(wp_live *l, wp_tls_pair *p);
void wp_live_set_trust(wp_live *l, wp_tls_trust *t);
void wp_live_set_config(wp_live *l, wp_config *c);

#endif
