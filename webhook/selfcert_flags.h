/* wp_selfcert_opts from the webhook's flags (--self-managed-*). */
#ifndef WP_SELFCERT_FLAGS_H
#define WP_SELFCERT_FLAGS_H

#include <stdbool.h>
#include <stddef.h>

#include "webhook/flags.h"
#include "webhook/selfcert.h"

/* Most hosts --self-managed-hosts may list. */
#define WP_SELFCERT_MAX_HOSTS 32

/* The options plus the strings they point into (owned). */
typedef struct {
    wp_selfcert_opts opts;
    char *secret_ref;  /* "ns\0name" */
    char *hosts_copy;  /* tokens of --self-managed-hosts */
    const char *hosts[WP_SELFCERT_MAX_HOSTS];
} wp_selfcert_config;

/* Fills c from o (checked by wp_webhook_options_check). Returns 1 when
 * self-managed mode is on, 0 when off, -1 with err (too many hosts).
 * o must outlive c. Release with wp_selfcert_config_destroy. */
int wp_selfcert_config_init(wp_selfcert_config *c, const wp_webhook_options *o, char *err, size_t err_size);
void wp_selfcert_config_destroy(wp_selfcert_config *c);

#endif
