/* digest-registry's config: the key table, the insecure list and the
 * credentials from a Docker config file ({"auths":{"<registry>":{"auth":
 * base64("user:pass")} or {"username":..,"password":..}}}). */
#include <jansson.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "resolver_oci.h"

const wp_plugin_config_key resolver_oci_keys[RESOLVER_OCI_N_KEYS] = {
    {"docker_config", WP_PLUGIN_CONFIG_STRING, NULL, "Docker config JSON with registry credentials (auths)", 0},
    {"ca_file", WP_PLUGIN_CONFIG_STRING, NULL, "PEM CA bundle to verify registries (default: the system's)", 0},
    {"insecure_registries", WP_PLUGIN_CONFIG_LIST, NULL, "registries (host[:port]) reached over plain HTTP", 0},
    {"connect_timeout", WP_PLUGIN_CONFIG_DURATION, "2s", "TCP/TLS connect timeout per request", 0},
    {"max_response_size", WP_PLUGIN_CONFIG_SIZE, "4Mi", "largest manifest or token answer read", 0},
};

#define DOCKER_HUB "registry-1.docker.io"

/* "https://index.docker.io/v1/" -> "registry-1.docker.io"; "https://r:5000" -> "r:5000". */
static char *normalise_registry(const char *key)
{
    const char *p = strstr(key, "://");
    p = p ? p + 3 : key;
    size_t n = strcspn(p, "/");
    char *host = strndup(p, n);
    if (host && (strcmp(host, "index.docker.io") == 0 || strcmp(host, "docker.io") == 0)) {
        free(host);
        host = strdup(DOCKER_HUB);
    }
    return host;
}

/* Decodes "user:pass" from base64 (OpenSSL's decoder: the plugin links
 * nothing of warmpool's). 0, or -1 when malformed. */
static int decode_auth(const char *b64, char **user, char **pass)
{
    size_t n = strlen(b64);
    if (n == 0 || n % 4 != 0 || n > 8192) return -1;
    unsigned char *raw = malloc(n / 4 * 3 + 1);
    int len = raw ? EVP_DecodeBlock(raw, (const unsigned char *)b64, (int)n) : -1;
    if (len < 0) {
        free(raw);
        return -1;
    }
    for (const char *p = b64 + n - 1; p >= b64 && *p == '='; p--) len--; /* DecodeBlock counts padding */
    raw[len] = '\0';
    char *colon = memchr(raw, ':', (size_t)len);
    int ok = colon && strlen((char *)raw) == (size_t)len;
    if (ok) {
        *colon = '\0';
        *user = strdup((char *)raw);
        *pass = strdup(colon + 1);
    }
    free(raw);
    return ok ? 0 : -1;
}

static int add_credential(resolver_oci *r, const char *key, json_t *entry, wp_plugin_msg msg)
{
    const char *auth = json_string_value(json_object_get(entry, "auth"));
    const char *user = json_string_value(json_object_get(entry, "username"));
    const char *pass = json_string_value(json_object_get(entry, "password"));
    oci_credential *c = &r->creds[r->n_creds];
    if (auth && auth[0]) {
        if (decode_auth(auth, &c->username, &c->password) != 0) {
            snprintf(msg.ptr, msg.len, "docker_config: auths[\"%.100s\"].auth is not base64 of user:password", key);
            return WP_PLUGIN_INVALID_CONFIG;
        }
    } else if (user && pass) {
        c->username = strdup(user), c->password = strdup(pass);
    } else {
        return WP_PLUGIN_OK; /* an entry for a credential helper: nothing to use */
    }
    c->registry = normalise_registry(key);
    r->n_creds++;
    return c->registry && c->username && c->password ? WP_PLUGIN_OK : WP_PLUGIN_FAIL;
}

static int load_docker_config(resolver_oci *r, const char *path, wp_plugin_msg msg)
{
    json_error_t jerr;
    json_t *doc = json_load_file(path, 0, &jerr);
    if (!doc) {
        snprintf(msg.ptr, msg.len, "docker_config: %s: %s", path, jerr.text);
        return WP_PLUGIN_INVALID_CONFIG;
    }
    json_t *auths = json_object_get(doc, "auths");
    int st = WP_PLUGIN_OK;
    if (auths && !json_is_object(auths)) {
        snprintf(msg.ptr, msg.len, "docker_config: %s: \"auths\" is not an object", path);
        st = WP_PLUGIN_INVALID_CONFIG;
    } else if ((r->creds = calloc(json_object_size(auths) + 1, sizeof *r->creds))) {
        const char *key;
        json_t *entry;
        json_object_foreach(auths, key, entry) {
            if ((st = add_credential(r, key, entry, msg)) != WP_PLUGIN_OK) break;
        }
    } else {
        st = WP_PLUGIN_FAIL;
    }
    json_decref(doc);
    return st;
}

int resolver_oci_conf_load(resolver_oci *r, const wp_plugin_services *svc, const wp_plugin_config *cfg,
                           wp_plugin_msg msg)
{
    svc->config_duration_ms(cfg, "connect_timeout", &r->connect_timeout_ms);
    svc->config_size(cfg, "max_response_size", &r->max_body);
    const char *ca = svc->config_string(cfg, "ca_file");
    if (ca && !(r->ca_file = strdup(ca))) return WP_PLUGIN_FAIL;
    size_t n = svc->config_count(cfg, "insecure_registries");
    if (!(r->insecure = calloc(n + 1, sizeof *r->insecure))) return WP_PLUGIN_FAIL;
    for (size_t i = 0; i < n; i++) {
        const char *name, *value;
        svc->config_item(cfg, "insecure_registries", i, &name, &value);
        if (!(r->insecure[i] = normalise_registry(value))) return WP_PLUGIN_FAIL;
    }
    const char *dc = svc->config_string(cfg, "docker_config");
    return dc ? load_docker_config(r, dc, msg) : WP_PLUGIN_OK;
}

void resolver_oci_conf_free(resolver_oci *r)
{
    for (size_t i = 0; i < r->n_creds; i++) {
        free(r->creds[i].registry);
        free(r->creds[i].username);
        free(r->creds[i].password);
    }
    free(r->creds);
    for (size_t i = 0; r->insecure && r->insecure[i]; i++) free(r->insecure[i]);
    free(r->insecure);
    free(r->ca_file);
}

const oci_credential *resolver_oci_credential(const resolver_oci *r, const char *registry)
{
    for (size_t i = 0; i < r->n_creds; i++)
        if (strcmp(r->creds[i].registry, registry) == 0) return &r->creds[i];
    return NULL;
}

int resolver_oci_insecure(const resolver_oci *r, const char *registry)
{
    for (size_t i = 0; r->insecure[i]; i++)
        if (strcmp(r->insecure[i], registry) == 0) return 1;
    return 0;
}
