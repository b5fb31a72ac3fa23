/* Authorisation after a 401: Basic from the Docker config's credentials,
 * or the Bearer token flow (GET <realm>?service=..&scope=.., with Basic
 * credentials when there are some; the answer's "token" or "access_token").
 * Tokens are cached per registry and repository until expires_in (default
 * 60 s, the distribution spec's minimum) less a margin. */
#include <curl/curl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "resolver_oci.h"

#define TOKEN_MARGIN_MS 5000
#define BASIC_KEEP_MS (10 * 60 * 1000)

static int64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int say(wp_plugin_msg msg, int status, int *out, const char *text)
{
    snprintf(msg.ptr, msg.len, "%s", text);
    *out = status;
    return status;
}

static void cache_key(const oci_ref *ref, char *key, size_t cap)
{
    snprintf(key, cap, "%s/%s", ref->registry, ref->repository);
}

char *resolver_oci_cached_auth(resolver_oci *r, const oci_ref *ref)
{
    char key[sizeof r->tokens[0].key];
    cache_key(ref, key, sizeof key);
    char *found = NULL;
    int64_t now = mono_ms();
    pthread_mutex_lock(&r->lock);
    for (size_t i = 0; i < OCI_TOKEN_CACHE && !found; i++)
        if (r->tokens[i].header && r->tokens[i].expires_ms > now && strcmp(r->tokens[i].key, key) == 0)
            found = strdup(r->tokens[i].header);
    pthread_mutex_unlock(&r->lock);
    return found;
}

/* Keeps header for ref until expires_ms, in the slot that expires first. */
static void cache_put(resolver_oci *r, const oci_ref *ref, const char *header, int64_t expires_ms)
{
    char *copy = strdup(header);
    if (!copy) return;
    pthread_mutex_lock(&r->lock);
    size_t slot = 0;
    for (size_t i = 0; i < OCI_TOKEN_CACHE; i++)
        if (!r->tokens[i].header || r->tokens[i].expires_ms < r->tokens[slot].expires_ms) slot = i;
    free(r->tokens[slot].header);
    cache_key(ref, r->tokens[slot].key, sizeof r->tokens[slot].key);
    r->tokens[slot].header = copy;
    r->tokens[slot].expires_ms = expires_ms;
    pthread_mutex_unlock(&r->lock);
}

void resolver_oci_tokens_clear(resolver_oci *r)
{
    for (size_t i = 0; i < OCI_TOKEN_CACHE; i++) {
        free(r->tokens[i].header);
        r->tokens[i].header = NULL;
    }
}

void resolver_oci_tokens_free(resolver_oci *r)
{
    resolver_oci_tokens_clear(r);
}

/* The token server's URL; caller frees. */
static char *token_url(const oci_challenge *ch, const oci_ref *ref)
{
    char scope[600];
    if (ch->scope[0]) snprintf(scope, sizeof scope, "%s", ch->scope);
    else snprintf(scope, sizeof scope, "repository:%s:pull", ref->repository);
    char *svc = curl_easy_escape(NULL, ch->service, 0), *sc = curl_easy_escape(NULL, scope, 0);
    size_t n = strlen(ch->realm) + (svc ? strlen(svc) : 0) + (sc ? strlen(sc) : 0) + 32;
    char *url = svc && sc ? malloc(n) : NULL;
    if (url)
        snprintf(url, n, "%s%cscope=%s%s%s", ch->realm, strchr(ch->realm, '?') ? '&' : '?', sc,
                 ch->service[0] ? "&service=" : "", ch->service[0] ? svc : "");
    curl_free(svc);
    curl_free(sc);
    return url;
}

/* The Bearer header from the token server's JSON answer. */
static char *bearer_from_answer(resolver_oci *r, const oci_ref *ref, const oci_answer *a, int *status,
                                wp_plugin_msg msg)
{
    json_t *doc = json_loadb(a->body ? a->body : "", a->body_len, 0, NULL);
    const char *tok = json_string_value(json_object_get(doc, "token"));
    if (!tok || !tok[0]) tok = json_string_value(json_object_get(doc, "access_token"));
    char *line = NULL;
    if (!tok || !tok[0] || strpbrk(tok, "\r\n")) {
        say(msg, WP_PLUGIN_RETRY, status, "the token server's answer has no token");
    } else if ((line = malloc(strlen(tok) + sizeof "Authorization: Bearer "))) {
        sprintf(line, "Authorization: Bearer %s", tok);
        json_int_t ttl = json_integer_value(json_object_get(doc, "expires_in"));
        if (ttl < 60) ttl = 60;
        cache_put(r, ref, line, mono_ms() + (int64_t)ttl * 1000 - TOKEN_MARGIN_MS);
    }
    json_decref(doc);
    return line;
}

static char *bearer(resolver_oci *r, const oci_ref *ref, const oci_challenge *ch, int *status, wp_plugin_msg msg)
{
    char *basic = resolver_oci_basic_header(r, ref->registry);
    if (strncmp(ch->realm, "https://", 8) != 0 &&
        !(strncmp(ch->realm, "http://", 7) == 0 && (!basic || resolver_oci_insecure(r, ref->registry)))) {
        free(basic);
        say(msg, WP_PLUGIN_FAIL, status, "the registry's token realm is not an https URL");
        return NULL;
    }
    char *url = token_url(ch, ref);
    const char *headers[] = {basic, NULL};
    oci_answer a;
    char *line = NULL;
    if (!url) {
        say(msg, WP_PLUGIN_FAIL, status, "out of memory");
    } else {
        resolver_oci_http(r, url, 0, headers, &a, msg);
        if (a.transport_error) *status = a.transport_error == 2 ? WP_PLUGIN_FAIL : WP_PLUGIN_RETRY;
        else if (a.code == 200) line = bearer_from_answer(r, ref, &a, status, msg);
        else {
            snprintf(msg.ptr, msg.len, "token server %s: HTTP %ld%s", ch->realm, a.code,
                     basic ? "" : " (no credentials for this registry in docker_config)");
            *status = a.code >= 500 || a.code == 429 ? WP_PLUGIN_RETRY : WP_PLUGIN_FAIL;
        }
        free(a.body);
    }
    free(url);
    free(basic);
    return line;
}

char *resolver_oci_authorize(resolver_oci *r, const oci_ref *ref, const char *challenge, int *status,
                             wp_plugin_msg msg)
{
    oci_challenge ch;
    if (oci_challenge_parse(challenge, strlen(challenge), &ch) != 0) {
        say(msg, WP_PLUGIN_FAIL, status, "HTTP 401 with a WWW-Authenticate header that cannot be read");
        return NULL;
    }
    if (strcmp(ch.scheme, "bearer") == 0) {
        if (!ch.realm[0]) {
            say(msg, WP_PLUGIN_FAIL, status, "HTTP 401: the Bearer challenge has no realm");
            return NULL;
        }
        return bearer(r, ref, &ch, status, msg);
    }
    if (strcmp(ch.scheme, "basic") != 0) {
        snprintf(msg.ptr, msg.len, "HTTP 401: unsupported authentication scheme \"%s\"", ch.scheme);
        *status = WP_PLUGIN_FAIL;
        return NULL;
    }
    char *line = resolver_oci_basic_header(r, ref->registry);
    if (!line) {
        snprintf(msg.ptr, msg.len, "HTTP 401: %s wants credentials and docker_config has none for it", ref->registry);
        *status = WP_PLUGIN_FAIL;
        return NULL;
    }
    cache_put(r, ref, line, mono_ms() + BASIC_KEEP_MS); /* skip the 401 next time */
    return line;
}
