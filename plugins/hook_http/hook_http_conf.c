/* hook-http's config: the key table and turning it into an instance. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hook_http.h"

const wp_plugin_config_key hook_http_keys[HOOK_HTTP_N_KEYS] = {
    {"port", WP_PLUGIN_CONFIG_INT, "8080", "TCP port on the pod", 0},
    {"path", WP_PLUGIN_CONFIG_STRING, "/", "request path, starting with /", 0},
    {"scheme", WP_PLUGIN_CONFIG_STRING, "http", "http or https", 0},
    {"headers", WP_PLUGIN_CONFIG_MAP, NULL, "extra request headers (name: value)", 0},
    {"ca_file", WP_PLUGIN_CONFIG_STRING, NULL, "PEM CA bundle to verify the pod's certificate (https)", 0},
    {"connect_timeout", WP_PLUGIN_CONFIG_DURATION, "2s", "TCP/TLS connect timeout per attempt", 0},
    {"retry_backoff", WP_PLUGIN_CONFIG_DURATION, "100ms", "first wait between attempts, doubling", 0},
};

static int invalid(wp_plugin_msg msg, const char *text)
{
    snprintf(msg.ptr, msg.len, "%s", text);
    return WP_PLUGIN_INVALID_CONFIG;
}

/* A header name is a token; a value has no CR/LF (no header injection). */
static int header_ok(const char *name, const char *value)
{
    if (!*name) return 0;
    for (const char *p = name; *p; p++)
        if (*p <= ' ' || *p >= 127 || strchr("()<>@,;:\\\"/[]?={}", *p)) return 0;
    return strpbrk(value, "\r\n") == NULL;
}

int hook_http_conf_load(hook_http *h, const wp_plugin_services *svc, const wp_plugin_config *cfg,
                        wp_plugin_msg msg)
{
    svc->config_int(cfg, "port", &h->port);
    if (h->port < 1 || h->port > 65535) return invalid(msg, "port must be 1-65535");
    const char *path = svc->config_string(cfg, "path");
    if (path[0] != '/' || strpbrk(path, " \r\n")) return invalid(msg, "path must start with / and contain no spaces");
    const char *scheme = svc->config_string(cfg, "scheme");
    if (strcmp(scheme, "http") != 0 && strcmp(scheme, "https") != 0)
        return invalid(msg, "scheme must be http or https");
    h->https = strcmp(scheme, "https") == 0;
    svc->config_duration_ms(cfg, "connect_timeout", &h->connect_timeout_ms);
    svc->config_duration_ms(cfg, "retry_backoff", &h->backoff_ms);
    if (h->backoff_ms < 1) h->backoff_ms = 1;
    const char *ca = svc->config_string(cfg, "ca_file");
    if (ca && !(h->ca_file = strdup(ca))) return WP_PLUGIN_FAIL;
    if (!(h->path = strdup(path))) return WP_PLUGIN_FAIL;
    size_t n = svc->config_count(cfg, "headers");
    if (!(h->headers = calloc(n + 1, sizeof *h->headers))) return WP_PLUGIN_FAIL;
    for (size_t i = 0; i < n; i++) {
        const char *name, *value;
        svc->config_item(cfg, "headers", i, &name, &value);
        if (!header_ok(name, value)) {
            snprintf(msg.ptr, msg.len, "headers: \"%.64s\" is not a valid header name or its value has a line break", name);
            return WP_PLUGIN_INVALID_CONFIG;
        }
        size_t len = strlen(name) + strlen(value) + 3;
        if (!(h->headers[i] = malloc(len))) return WP_PLUGIN_FAIL;
        snprintf(h->headers[i], len, "%s: %s", name, value);
    }
    return WP_PLUGIN_OK;
}

void hook_http_conf_free(hook_http *h)
{
    for (size_t i = 0; h->headers && h->headers[i]; i++) free(h->headers[i]);
    free(h->headers);
    free(h->path);
    free(h->ca_file);
}
