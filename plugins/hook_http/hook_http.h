/* hook-http: a post-start hook that POSTs the event JSON to the pod.
 * Internal to the plugin; the ABI is include/warmpool/plugin.h. */
#ifndef WP_HOOK_HTTP_H
#define WP_HOOK_HTTP_H

#include <stdint.h>
#include <warmpool/plugin.h>

typedef struct {
    const wp_plugin_services *svc;
    wp_plugin_ctx *ctx;
    int https;                 /* scheme: https */
    int64_t port;
    char *path;                /* starts with '/' */
    char **headers;            /* "Name: value", NULL-terminated; owned */
    char *ca_file;             /* NULL: the system's CAs */
    int64_t connect_timeout_ms;
    int64_t backoff_ms;        /* first wait between attempts */
} hook_http;

/* The declared config keys (hook_http_conf.c). */
#define HOOK_HTTP_N_KEYS 7
extern const wp_plugin_config_key hook_http_keys[HOOK_HTTP_N_KEYS];

/* Builds the instance from its validated config; INVALID_CONFIG with msg
 * for values the host's type check cannot catch. */
int hook_http_conf_load(hook_http *h, const wp_plugin_services *svc, const wp_plugin_config *cfg,
                        wp_plugin_msg msg);
void hook_http_conf_free(hook_http *h);

#endif
