/* digest-registry's config: the key table, the insecure list and the
 * credentials from a Docker config file ({"auths":{"<registry>":{"auth":
 * base64("user:pass")} or {"username":..,"password":..}}}). */
#include <jansson.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

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

/* Credentials read from one version of the Docker config file. */
typedef struct {
    oci_credential *items;
    size_t n;
} cred_set;

static void cred_set_free(cred_set *set)
{
    for (size_t i = 0; i < set->n; i++) {
        free(set->items[i].registry);
        free(set->items[i].username);
        free(set->items[i].password);
    }
    free(set->items);
    *set = (cred_set){0};
}

static int add_credential(cred_set *set, const char *key, json_t *entry, wp_plugin_msg msg)
{
    const char *auth = json_string_value(json_object_get(entry, "auth"));
    const char *user = json_string_value(json_object_get(entry, "username"));
    const char *pass = json_string_value(json_object_get(entry, "password"));
    oci_credential *c = &set->items[set->n];
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
    set->n++;
    return c->registry && c->username && c->password ? WP_PLUGIN_OK : WP_PLUGIN_FAIL;
}

/* Reads path into set (freed on failure). */
static int load_docker_config(const char *path, cred_set *set, wp_plugin_msg msg)
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
    } else if ((set->items = calloc(json_object_size(auths) + 1, sizeof *set->items))) {
        const char *key;
        json_t *entry;
        json_object_foreach(auths, key, entry) {
            if ((st = add_credential(set, key, entry, msg)) != WP_PLUGIN_OK) break;
        }
    } else {
        st = WP_PLUGIN_FAIL;
    }
    json_decref(doc);
    if (st != WP_PLUGIN_OK) cred_set_free(set);
    return st;
}

/* The file's mtime (ns) and size; -1 when it cannot be stat'ed. */
static int file_version(const char *path, int64_t *mtime_ns, int64_t *size)
{
    struct stat sb;
    if (stat(path, &sb) != 0) return -1;
    *mtime_ns = (int64_t)sb.st_mtim.tv_sec * 1000000000 + sb.st_mtim.tv_nsec;
    *size = (int64_t)sb.st_size;
    return 0;
}

/* Installs set as r's credentials (caller holds r->lock); frees the old. */
static void install(resolver_oci *r, cred_set *set, int64_t mtime_ns, int64_t size)
{
    cred_set old = {r->creds, r->n_creds};
    cred_set_free(&old);
    r->creds = set->items, r->n_creds = set->n;
    r->creds_mtime_ns = mtime_ns, r->creds_size = size;
}

void resolver_oci_conf_refresh(resolver_oci *r)
{
    int64_t mtime, size;
    if (!r->docker_config || file_version(r->docker_config, &mtime, &size) != 0) return;
    pthread_mutex_lock(&r->lock);
    int same = mtime == r->creds_mtime_ns && size == r->creds_size;
    pthread_mutex_unlock(&r->lock);
    if (same) return;
    char why[256] = "";
    cred_set set = {0};
    if (load_docker_config(r->docker_config, &set, (wp_plugin_msg){why, sizeof why}) != WP_PLUGIN_OK) {
        char line[320];
        snprintf(line, sizeof line, "keeping the credentials read before: %s", why);
        r->svc->log(r->ctx, WP_PLUGIN_LOG_WARN, line);
        pthread_mutex_lock(&r->lock);
        r->creds_mtime_ns = mtime, r->creds_size = size; /* do not retry until it changes again */
        pthread_mutex_unlock(&r->lock);
        return;
    }
    pthread_mutex_lock(&r->lock);
    install(r, &set, mtime, size);
    resolver_oci_tokens_clear(r); /* tokens and Basic headers of the old credentials */
    pthread_mutex_unlock(&r->lock);
    r->svc->log(r->ctx, WP_PLUGIN_LOG_INFO, "docker_config changed: credentials re-read");
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
    if (!dc) return WP_PLUGIN_OK;
    int64_t mtime = 0, size = 0;
    cred_set set = {0};
    file_version(dc, &mtime, &size); /* before reading: a change while reading is seen next time */
    int st = load_docker_config(dc, &set, msg);
    if (st == WP_PLUGIN_OK) install(r, &set, mtime, size);
    if (st == WP_PLUGIN_OK && !(r->docker_config = strdup(dc))) st = WP_PLUGIN_FAIL;
    return st;
}

void resolver_oci_conf_free(resolver_oci *r)
{
    cred_set set = {r->creds, r->n_creds};
    cred_set_free(&set);
    free(r->docker_config);
    for (size_t i = 0; r->insecure && r->insecure[i]; i++) free(r->insecure[i]);
    free(r->insecure);
    free(r->ca_file);
}

/* "Authorization: Basic base64(user:pass)"; caller frees. */
static char *basic_header(const oci_credential *c)
{
    size_t n = strlen(c->username) + strlen(c->password) + 1;
    char *plain = malloc(n + 1);
    char *line = malloc(sizeof "Authorization: Basic " + (n + 2) / 3 * 4 + 1);
    if (plain && line) {
        snprintf(plain, n + 1, "%s:%s", c->username, c->password);
        int k = snprintf(line, 64, "Authorization: Basic ");
        EVP_EncodeBlock((unsigned char *)line + k, (const unsigned char *)plain, (int)n);
    } else {
        free(line);
        line = NULL;
    }
    free(plain);
    return line;
}

char *resolver_oci_basic_header(resolver_oci *r, const char *registry)
{
    char *line = NULL;
    pthread_mutex_lock(&r->lock);
    for (size_t i = 0; i < r->n_creds && !line; i++)
        if (strcmp(r->creds[i].registry, registry) == 0) line = basic_header(&r->creds[i]);
    pthread_mutex_unlock(&r->lock);
    return line;
}

int resolver_oci_insecure(const resolver_oci *r, const char *registry)
{
    for (size_t i = 0; r->insecure[i]; i++)
        if (strcmp(r->insecure[i], registry) == 0) return 1;
    return 0;
}
