/* digest-registry: resolves an image reference to the digest of the
 * manifest (or index) its registry serves now.
 *
 * HEAD /v2/<repository>/manifests/<tag> with the Accept types of an OCI
 * index, OCI manifest, Docker manifest list and Docker v2 manifest; the
 * answer's Docker-Content-Digest is the digest (trusted as the registry's
 * word: verifying it would cost the GET the HEAD exists to avoid). Without
 * that header (or with a non-sha256 one), or when HEAD is refused (405), GET
 * the manifest (bounded) and hash its bytes. A 401 starts the WWW-Authenticate flow (Basic or Bearer,
 * resolver_oci_auth.c) once per call. A reference already pinned with
 * @sha256: is answered as is, without a request. THREAD_SAFE: one curl
 * handle per request, the token cache under a mutex. */
#include <curl/curl.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "resolver_oci.h"

static const char accept_header[] =
    "Accept: application/vnd.oci.image.index.v1+json, application/vnd.oci.image.manifest.v1+json, "
    "application/vnd.docker.distribution.manifest.list.v2+json, "
    "application/vnd.docker.distribution.manifest.v2+json";

int64_t resolver_oci_left_ms(const resolver_oci *r)
{
    int64_t left = r->svc->remaining_ms(r->ctx);
    if (left < 0) return 10000;
    return left - left / 10; /* leave a tenth to answer before the host gives up */
}

static int create(const wp_plugin_services *svc, wp_plugin_ctx *ctx, const wp_plugin_config *cfg,
                  void **instance, wp_plugin_msg msg)
{
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        snprintf(msg.ptr, msg.len, "libcurl failed to initialise");
        return WP_PLUGIN_FAIL;
    }
    resolver_oci *r = calloc(1, sizeof *r);
    if (!r) return WP_PLUGIN_FAIL;
    r->svc = svc, r->ctx = ctx;
    pthread_mutex_init(&r->lock, NULL);
    int st = resolver_oci_conf_load(r, svc, cfg, msg);
    if (st != WP_PLUGIN_OK) {
        resolver_oci_conf_free(r);
        pthread_mutex_destroy(&r->lock);
        free(r);
        return st;
    }
    *instance = r;
    return WP_PLUGIN_OK;
}

static void destroy(void *instance)
{
    resolver_oci *r = instance;
    resolver_oci_tokens_free(r);
    resolver_oci_conf_free(r);
    pthread_mutex_destroy(&r->lock);
    free(r);
}

/* Status for an answer that is neither 200 nor 401. */
static int answer_status(const oci_answer *a, const char *what, wp_plugin_msg msg)
{
    if (a->transport_error) return a->transport_error == 2 ? WP_PLUGIN_FAIL : WP_PLUGIN_RETRY;
    if (a->code == 404) snprintf(msg.ptr, msg.len, "%s: no such repository or tag (HTTP 404)", what);
    else if (a->code == 401 || a->code == 403)
        snprintf(msg.ptr, msg.len, "%s: HTTP %ld with the configured credentials", what, a->code);
    else snprintf(msg.ptr, msg.len, "%s: HTTP %ld", what, a->code);
    return a->code == 429 || a->code >= 500 ? WP_PLUGIN_RETRY : WP_PLUGIN_FAIL;
}

/* GETs the manifest and writes sha256 of its bytes to digest. */
static int hash_manifest(resolver_oci *r, const char *url, const char *const *headers, const char *what,
                         wp_plugin_msg digest, wp_plugin_msg msg)
{
    oci_answer a;
    resolver_oci_http(r, url, 0, headers, &a, msg);
    int st = WP_PLUGIN_OK;
    if (a.body_too_big) {
        snprintf(msg.ptr, msg.len, "%s: the manifest is larger than max_response_size", what);
        st = WP_PLUGIN_FAIL;
    } else if (a.code != 200) {
        st = answer_status(&a, what, msg);
    } else {
        unsigned char md[32];
        unsigned int n = 0;
        EVP_Digest(a.body ? a.body : "", a.body_len, md, &n, EVP_sha256(), NULL);
        int k = snprintf(digest.ptr, digest.len, "sha256:");
        for (unsigned i = 0; i < n; i++) k += snprintf(digest.ptr + k, digest.len - (size_t)k, "%02x", md[i]);
    }
    free(a.body);
    return st;
}

/* HEAD (then GET if needed) with auth, answering one 401 by authorising. */
static int lookup(resolver_oci *r, const oci_ref *ref, const char *url, const char *what, wp_plugin_msg digest,
                  wp_plugin_msg msg)
{
    char *auth = resolver_oci_cached_auth(r, ref);
    int st = WP_PLUGIN_FAIL;
    for (int attempt = 0; attempt < 2; attempt++) {
        const char *headers[] = {accept_header, auth, NULL};
        oci_answer a;
        resolver_oci_http(r, url, 1, headers, &a, msg);
        if (a.code == 401 && attempt == 0) {
            free(auth);
            if (!(auth = resolver_oci_authorize(r, ref, a.challenge, &st, msg))) break;
            continue;
        }
        if (a.code == 200 && oci_digest_valid(a.digest)) {
            snprintf(digest.ptr, digest.len, "%s", a.digest);
            st = WP_PLUGIN_OK;
        } else if (a.code == 200 || a.code == 405) { /* no digest header, or no HEAD at all */
            st = hash_manifest(r, url, headers, what, digest, msg);
        } else {
            st = answer_status(&a, what, msg);
        }
        break;
    }
    free(auth);
    return st;
}

static int resolve(void *instance, wp_plugin_bytes image, wp_plugin_msg digest, wp_plugin_msg msg)
{
    resolver_oci *r = instance;
    oci_ref ref;
    char why[160];
    if (oci_ref_parse(image.ptr, image.len, &ref, why, sizeof why) != 0) {
        snprintf(msg.ptr, msg.len, "\"%.200s\": %s", image.ptr, why);
        return WP_PLUGIN_FAIL;
    }
    if (ref.digest[0]) { /* already pinned */
        snprintf(digest.ptr, digest.len, "%s", ref.digest);
        return WP_PLUGIN_OK;
    }
    resolver_oci_conf_refresh(r);
    char url[1024], what[700];
    snprintf(url, sizeof url, "%s://%s/v2/%s/manifests/%s", resolver_oci_insecure(r, ref.registry) ? "http" : "https",
             ref.registry, ref.repository, ref.tag);
    snprintf(what, sizeof what, "%s/%s:%s", ref.registry, ref.repository, ref.tag);
    int st = lookup(r, &ref, url, what, digest, msg);
    r->svc->counter_add(r->ctx, st == WP_PLUGIN_OK ? "resolved" : "failed", 1);
    return st;
}

static const wp_plugin_resolver_ops ops = {.struct_size = sizeof ops, .resolve = resolve};

static const wp_plugin_descriptor descriptor = {
    .struct_size = sizeof descriptor,
    .abi_major = WP_PLUGIN_ABI_MAJOR,
    .abi_minor = WP_PLUGIN_ABI_MINOR,
    .kind = WP_PLUGIN_KIND_RESOLVER,
    /* libcurl and its TLS library keep process-wide state: never unload. */
    .flags = WP_PLUGIN_FLAG_THREAD_SAFE | WP_PLUGIN_FLAG_NO_UNLOAD,
    .name = "digest-registry",
    .version = "1.0.0",
    .description = "resolves image tags to sha256 digests with the OCI distribution API",
    .config_keys = resolver_oci_keys,
    .n_config_keys = RESOLVER_OCI_N_KEYS,
    .config_key_size = sizeof(wp_plugin_config_key),
    .create = create,
    .destroy = destroy,
    .resolver = &ops,
};

WP_PLUGIN_EXPORT const wp_plugin_descriptor *WP_PLUGIN_ENTRY(uint32_t host_abi_major,
                                                            uint32_t host_abi_minor)
{
    (void)host_abi_major, (void)host_abi_minor;
    return &descriptor;
}
