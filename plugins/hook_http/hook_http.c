/* hook-http: POSTs each post-start hook event as JSON to
 * http(s)://<pod IP>:<port><path>. Connection errors and 5xx answers are
 * retried with a doubling backoff while the call's deadline allows (then
 * RETRY, so the host may try again later); 4xx is permanent (FAIL); 2xx is
 * OK; redirects are not followed (3xx is FAIL). Uses libcurl; one easy
 * handle per call, so calls may run concurrently (THREAD_SAFE). */
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hook_http.h"

static size_t discard(char *p, size_t size, size_t n, void *arg)
{
    (void)p, (void)arg;
    return size * n; /* the answer's body is not needed */
}

static void sleep_ms(int64_t ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000};
    while (nanosleep(&ts, &ts) != 0) {
    }
}

static int create(const wp_plugin_services *svc, wp_plugin_ctx *ctx, const wp_plugin_config *cfg,
                  void **instance, wp_plugin_msg msg)
{
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        snprintf(msg.ptr, msg.len, "libcurl failed to initialise");
        return WP_PLUGIN_FAIL;
    }
    hook_http *h = calloc(1, sizeof *h);
    if (!h) return WP_PLUGIN_FAIL;
    h->svc = svc, h->ctx = ctx;
    int st = hook_http_conf_load(h, svc, cfg, msg);
    if (st != WP_PLUGIN_OK) {
        hook_http_conf_free(h);
        free(h);
        return st;
    }
    *instance = h;
    return WP_PLUGIN_OK;
}

static void destroy(void *instance)
{
    hook_http *h = instance;
    hook_http_conf_free(h);
    free(h);
}

/* One POST; returns the HTTP status, 0 with the curl error in msg (worth
 * retrying), or -1 for a TLS verification failure (a configuration
 * problem: retrying cannot help). */
static long post_once(hook_http *h, CURL *c, const char *url, const wp_plugin_hook_event *ev,
                      struct curl_slist *hdrs, int64_t timeout_ms, wp_plugin_msg msg)
{
    char errbuf[CURL_ERROR_SIZE] = "";
    curl_easy_reset(c);
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, ev->json.ptr);
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)ev->json.len);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, discard);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, (long)h->connect_timeout_ms);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, (long)(timeout_ms > 0 ? timeout_ms : 1));
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
    if (h->ca_file) curl_easy_setopt(c, CURLOPT_CAINFO, h->ca_file);
    CURLcode rc = curl_easy_perform(c);
    if (rc != CURLE_OK) {
        snprintf(msg.ptr, msg.len, "POST %s: %s", url, errbuf[0] ? errbuf : curl_easy_strerror(rc));
        return rc == CURLE_PEER_FAILED_VERIFICATION || rc == CURLE_SSL_CACERT_BADFILE ? -1 : 0;
    }
    long code = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
    return code;
}

static struct curl_slist *request_headers(hook_http *h, const wp_plugin_hook_event *ev)
{
    char line[160];
    struct curl_slist *l = curl_slist_append(NULL, "Content-Type: application/json");
    snprintf(line, sizeof line, "X-Warmpool-Event: %.100s", ev->event);
    l = curl_slist_append(l, line);
    snprintf(line, sizeof line, "X-Warmpool-Attempt: %u", ev->attempt);
    l = curl_slist_append(l, line);
    l = curl_slist_append(l, "Expect:"); /* no 100-continue round trip */
    for (size_t i = 0; h->headers[i]; i++) l = curl_slist_append(l, h->headers[i]);
    return l;
}

static int on_event(void *instance, const wp_plugin_hook_event *ev, wp_plugin_msg msg)
{
    hook_http *h = instance;
    if (!ev->pod_ip[0]) {
        snprintf(msg.ptr, msg.len, "the pod has no IP yet");
        return WP_PLUGIN_RETRY;
    }
    char url[512];
    int v6 = strchr(ev->pod_ip, ':') != NULL;
    snprintf(url, sizeof url, "%s://%s%s%s:%lld%s", h->https ? "https" : "http", v6 ? "[" : "",
             ev->pod_ip, v6 ? "]" : "", (long long)h->port, h->path);
    CURL *c = curl_easy_init();
    struct curl_slist *hdrs = request_headers(h, ev);
    int status = WP_PLUGIN_RETRY;
    int64_t wait = h->backoff_ms;
    for (unsigned attempt = 1;; attempt++) {
        /* Leave a tenth of what is left to answer before the host gives up. */
        int64_t left = h->svc->remaining_ms(h->ctx);
        long code = c ? post_once(h, c, url, ev, hdrs, left < 0 ? 10000 : left - left / 10, msg) : 0;
        if (code < 0) {
            status = WP_PLUGIN_FAIL;
            break;
        }
        if (code >= 200 && code < 300) {
            status = WP_PLUGIN_OK;
            break;
        }
        if (code >= 300 && code < 500) {
            snprintf(msg.ptr, msg.len, "POST %s: HTTP %ld", url, code);
            status = WP_PLUGIN_FAIL;
            break;
        }
        if (code >= 500) snprintf(msg.ptr, msg.len, "POST %s: HTTP %ld (after %u attempts)", url, code, attempt);
        left = h->svc->remaining_ms(h->ctx);
        if (left >= 0 && left <= wait) break; /* no time for another attempt: RETRY */
        sleep_ms(wait);
        wait *= 2;
    }
    curl_slist_free_all(hdrs);
    if (c) curl_easy_cleanup(c);
    h->svc->counter_add(h->ctx, status == WP_PLUGIN_OK ? "posted" : "failed", 1);
    return status;
}

static const wp_plugin_hook_ops ops = {.struct_size = sizeof ops, .on_event = on_event};

static const wp_plugin_descriptor descriptor = {
    .struct_size = sizeof descriptor,
    .abi_major = WP_PLUGIN_ABI_MAJOR,
    .abi_minor = WP_PLUGIN_ABI_MINOR,
    .kind = WP_PLUGIN_KIND_HOOK,
    /* libcurl and its TLS library keep process-wide state: never unload. */
    .flags = WP_PLUGIN_FLAG_THREAD_SAFE | WP_PLUGIN_FLAG_NO_UNLOAD,
    .name = "hook-http",
    .version = "1.0.0",
    .description = "POSTs post-start hook events as JSON to the pod over HTTP(S)",
    .config_keys = hook_http_keys,
    .n_config_keys = HOOK_HTTP_N_KEYS,
    .config_key_size = sizeof(wp_plugin_config_key),
    .create = create,
    .destroy = destroy,
    .hook = &ops,
};

WP_PLUGIN_EXPORT const wp_plugin_descriptor *WP_PLUGIN_ENTRY(uint32_t host_abi_major,
                                                            uint32_t host_abi_minor)
{
    (void)host_abi_major, (void)host_abi_minor;
    return &descriptor;
}
