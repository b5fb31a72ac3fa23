/* The client: connection pool, credentials, rate limit, one exchange with
 * retries. See kube_client.h for the policy and kube_transport.h for the
 * internal interface. */
#include <curl/curl.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/strbuf.h"
#include "common/verdict.h"
#include "controller/kube/kube_auth.h"
#include "controller/kube/kube_time.h"
#include "controller/kube/kube_transport.h"
#include "controller/kube/ratelimit.h"

/* A pooled handle. Each has its own multi handle: transfers run through
 * curl_multi_poll so a cancel token can wake them, and the multi holds the
 * handle's persistent connection between requests. */
typedef struct slot {
    CURL *easy;
    CURLM *multi;
    struct slot *next;
} slot;

struct wp_kube_client {
    wp_kubeconfig *cfg;
    wp_kube_auth *auth;
    bool refreshable_auth; /* token file or exec: a 401 is worth one refresh */
    wp_kube_client_opts opts;
    char user_agent[128];
    wp_kube_ratelimit rl;

    /* DNS results are shared by all handles. TLS sessions are not: with
     * libcurl 7.88 and OpenSSL 3, a session freed from the shared cache on
     * one thread raced its copy into a handshake on another (ThreadSanitizer,
     * 100 workers creating pods); connections are persistent, so a full
     * handshake is rare. Connections are not shared either: libcurl does not
     * support sharing them across threads. */
    CURLSH *share;
    pthread_mutex_t share_locks[CURL_LOCK_DATA_LAST];

    pthread_mutex_t pool_mu;
    slot *idle;
    int n_idle;

    pthread_mutex_t stats_mu;
    wp_kube_client_stats stats;
};

/* --- setup ---------------------------------------------------------------- */

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static void curl_init_once(void) { curl_global_init(CURL_GLOBAL_DEFAULT); }

static void share_lock(CURL *h, curl_lock_data data, curl_lock_access access, void *ud)
{
    (void)h;
    (void)access;
    wp_kube_client *c = ud;
    pthread_mutex_lock(&c->share_locks[data]);
}

static void share_unlock(CURL *h, curl_lock_data data, void *ud)
{
    (void)h;
    wp_kube_client *c = ud;
    pthread_mutex_unlock(&c->share_locks[data]);
}

static void apply_defaults(wp_kube_client_opts *o)
{
    if (o->qps == 0) o->qps = 5;
    if (o->burst <= 0) o->burst = 10;
    if (o->connect_timeout <= 0) o->connect_timeout = 10;
    if (o->request_timeout <= 0) o->request_timeout = 60;
    if (o->max_retries == 0) o->max_retries = 10;
    if (o->max_retries < 0) o->max_retries = 0;
    if (o->retry_base <= 0) o->retry_base = 0.2;
    if (o->retry_max <= 0) o->retry_max = 5;
    if (o->retry_after_max <= 0) o->retry_after_max = 60;
    if (o->token_reread <= 0) o->token_reread = 60;
    if (o->exec_timeout <= 0) o->exec_timeout = 60;
    if (o->max_response_bytes == 0) o->max_response_bytes = 512u << 20;
    if (o->max_idle_handles <= 0) o->max_idle_handles = 64;
}

wp_kube_client *wp_kube_client_new(const wp_kubeconfig *cfg, const wp_kube_client_opts *opts, wp_kube_error *err)
{
    if (!cfg || !cfg->server) {
        wp_kube_error_set(err, WP_KUBE_ECONFIG, "no server configured");
        return NULL;
    }
    if (strncmp(cfg->server, "https://", 8) != 0 && strncmp(cfg->server, "http://", 7) != 0) {
        wp_kube_error_set(err, WP_KUBE_ECONFIG, "%s: server \"%s\" is not an http(s) URL", cfg->source, cfg->server);
        return NULL;
    }
    pthread_once(&curl_once, curl_init_once);
    wp_kube_client *c = wp_xalloc_check(calloc(1, sizeof *c));
    c->cfg = wp_kubeconfig_copy(cfg);
    if (opts) c->opts = *opts;
    apply_defaults(&c->opts);
    snprintf(c->user_agent, sizeof c->user_agent, "%s",
             c->opts.user_agent ? c->opts.user_agent : "warmpool/" WP_VERSION);
    c->opts.user_agent = NULL; /* borrowed from the caller: not kept */
    c->auth = wp_kube_auth_new(c->cfg, c->opts.token_reread, c->opts.exec_timeout);
    c->refreshable_auth = c->cfg->token_file || c->cfg->exec;
    wp_kube_ratelimit_init(&c->rl, c->opts.qps, c->opts.burst);
    for (int i = 0; i < CURL_LOCK_DATA_LAST; i++) pthread_mutex_init(&c->share_locks[i], NULL);
    c->share = curl_share_init();
    curl_share_setopt(c->share, CURLSHOPT_LOCKFUNC, share_lock);
    curl_share_setopt(c->share, CURLSHOPT_UNLOCKFUNC, share_unlock);
    curl_share_setopt(c->share, CURLSHOPT_USERDATA, c);
    curl_share_setopt(c->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS);
    pthread_mutex_init(&c->pool_mu, NULL);
    pthread_mutex_init(&c->stats_mu, NULL);
    if (err) wp_kube_error_clear(err);
    return c;
}

static void slot_free(slot *s)
{
    curl_multi_cleanup(s->multi);
    curl_easy_cleanup(s->easy);
    free(s);
}

void wp_kube_client_free(wp_kube_client *c)
{
    if (!c) return;
    for (slot *s = c->idle, *next; s; s = next) {
        next = s->next;
        slot_free(s);
    }
    curl_share_cleanup(c->share);
    for (int i = 0; i < CURL_LOCK_DATA_LAST; i++) pthread_mutex_destroy(&c->share_locks[i]);
    pthread_mutex_destroy(&c->pool_mu);
    pthread_mutex_destroy(&c->stats_mu);
    wp_kube_ratelimit_destroy(&c->rl);
    wp_kube_auth_free(c->auth);
    wp_kubeconfig_free(c->cfg);
    free(c);
}

const char *wp_kube_client_namespace(const wp_kube_client *c) { return c->cfg->namespace; }
const char *wp_kube_client_server(const wp_kube_client *c) { return c->cfg->server; }

void wp_kube_client_set_rate(wp_kube_client *c, double qps, int burst)
{
    wp_kube_ratelimit_set(&c->rl, qps, burst);
}

void wp_kube_client_stats_get(wp_kube_client *c, wp_kube_client_stats *out)
{
    pthread_mutex_lock(&c->stats_mu);
    *out = c->stats;
    pthread_mutex_unlock(&c->stats_mu);
}

/* --- the pool ------------------------------------------------------------- */

/* Most recently used first: the hottest connection is reused. */
static slot *pool_take(wp_kube_client *c)
{
    pthread_mutex_lock(&c->pool_mu);
    slot *s = c->idle;
    if (s) {
        c->idle = s->next;
        c->n_idle--;
    }
    pthread_mutex_unlock(&c->pool_mu);
    if (!s) {
        s = wp_xalloc_check(calloc(1, sizeof *s));
        s->easy = wp_xalloc_check(curl_easy_init());
        s->multi = wp_xalloc_check(curl_multi_init());
    }
    return s;
}

static void pool_give(wp_kube_client *c, slot *s)
{
    pthread_mutex_lock(&c->pool_mu);
    bool keep = c->n_idle < c->opts.max_idle_handles;
    if (keep) {
        s->next = c->idle;
        c->idle = s;
        c->n_idle++;
    }
    pthread_mutex_unlock(&c->pool_mu);
    if (!keep) slot_free(s);
}

/* --- one transfer --------------------------------------------------------- */

typedef struct {
    wp_kube_client *c;
    const wp_kube_http_request *rq;
    CURL *easy;
    wp_sb body;
    bool streamed;     /* the sink received data: never retry */
    bool sink_stopped;
    bool too_large;
    double retry_after; /* from the Retry-After header; < 0 = none */
    char errbuf[CURL_ERROR_SIZE];
} transfer;

static size_t on_write(char *data, size_t size, size_t nmemb, void *ud)
{
    transfer *t = ud;
    size_t n = size * nmemb;
    if (t->rq->sink) {
        long code = 0;
        curl_easy_getinfo(t->easy, CURLINFO_RESPONSE_CODE, &code);
        if (code >= 200 && code < 300) {
            t->streamed = true;
            if (!t->rq->sink(t->rq->sink_ctx, data, n)) {
                t->sink_stopped = true;
                return 0;
            }
            return n;
        }
    }
    if (t->body.len + n > t->c->opts.max_response_bytes) {
        t->too_large = true;
        return 0;
    }
    wp_sb_putn(&t->body, data, n);
    return n;
}

static size_t on_header(char *buf, size_t size, size_t nitems, void *ud)
{
    transfer *t = ud;
    size_t n = size * nitems;
    static const char name[] = "retry-after:";
    if (n > sizeof name - 1 && strncasecmp(buf, name, sizeof name - 1) == 0) {
        char value[32];
        size_t vl = n - (sizeof name - 1);
        if (vl >= sizeof value) vl = sizeof value - 1;
        memcpy(value, buf + sizeof name - 1, vl);
        value[vl] = '\0';
        char *end;
        double secs = strtod(value, &end);
        /* delay-seconds only; an HTTP-date form counts as "1 second" */
        t->retry_after = end != value && secs >= 0 ? secs : 1;
    }
    return n;
}

static struct curl_slist *add_header(struct curl_slist *h, const char *line)
{
    return wp_xalloc_check(curl_slist_append(h, line));
}

static void set_blob(CURL *e, CURLoption opt, const char *data, size_t len)
{
    struct curl_blob blob = {(void *)data, len, CURL_BLOB_COPY};
    curl_easy_setopt(e, opt, &blob);
}

static void setup_tls(wp_kube_client *c, CURL *e, const wp_kube_creds *cr)
{
    const wp_kubeconfig *cfg = c->cfg;
    if (cfg->insecure_skip_tls_verify) {
        curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 0L);
        curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 0L);
    } else if (cfg->ca_data) {
        set_blob(e, CURLOPT_CAINFO_BLOB, cfg->ca_data, cfg->ca_len);
    }
    const char *cert = cr->cred.cert_pem ? cr->cred.cert_pem : cfg->cert_data;
    const char *key = cr->cred.cert_pem ? cr->cred.key_pem : cfg->key_data;
    if (cert && key) {
        set_blob(e, CURLOPT_SSLCERT_BLOB, cert, cr->cred.cert_pem ? strlen(cert) : cfg->cert_len);
        curl_easy_setopt(e, CURLOPT_SSLCERTTYPE, "PEM");
        set_blob(e, CURLOPT_SSLKEY_BLOB, key, cr->cred.cert_pem ? strlen(key) : cfg->key_len);
        curl_easy_setopt(e, CURLOPT_SSLKEYTYPE, "PEM");
    }
}

static void setup_method(CURL *e, const wp_kube_http_request *rq)
{
    if (rq->body) {
        curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)rq->body_len);
        curl_easy_setopt(e, CURLOPT_POSTFIELDS, rq->body);
        if (strcmp(rq->method, "POST") != 0) curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, rq->method);
    } else if (strcmp(rq->method, "GET") != 0) {
        curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, rq->method);
    }
}

/* Configures the handle for one attempt. Returns the header list (caller
 * frees after the transfer). */
static struct curl_slist *setup(wp_kube_client *c, CURL *e, const wp_kube_http_request *rq,
                                const wp_kube_creds *cr, transfer *t, const char *url)
{
    curl_easy_reset(e); /* keeps the live connection and session caches */
    curl_easy_setopt(e, CURLOPT_URL, url);
    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "https,http");
    curl_easy_setopt(e, CURLOPT_SHARE, c->share);
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_1_1);
    curl_easy_setopt(e, CURLOPT_USERAGENT, c->user_agent);
    curl_easy_setopt(e, CURLOPT_TCP_KEEPALIVE, 1L);
    curl_easy_setopt(e, CURLOPT_TCP_KEEPIDLE, 30L);
    curl_easy_setopt(e, CURLOPT_TCP_KEEPINTVL, 10L);
    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, (long)(c->opts.connect_timeout * 1000));
    if (rq->idle_timeout > 0) {
        /* a watch: no total limit, but a silent connection is dead */
        curl_easy_setopt(e, CURLOPT_LOW_SPEED_LIMIT, 1L);
        curl_easy_setopt(e, CURLOPT_LOW_SPEED_TIME, (long)ceil(rq->idle_timeout));
    } else {
        double limit = rq->timeout > 0 ? rq->timeout : c->opts.request_timeout;
        curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, (long)ceil(limit * 1000));
        /* big lists shrink several-fold; the API server gzips only large answers */
        if (!c->opts.disable_compression) curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, "gzip");
    }
    curl_easy_setopt(e, CURLOPT_ERRORBUFFER, t->errbuf);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_write);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, t);
    curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(e, CURLOPT_HEADERDATA, t);
    setup_tls(c, e, cr);
    setup_method(e, rq);

    struct curl_slist *h = add_header(NULL, "Accept: application/json");
    h = add_header(h, "Expect:"); /* no 100-continue round trip for large bodies */
    if (rq->body && rq->content_type) {
        char line[128];
        snprintf(line, sizeof line, "Content-Type: %s", rq->content_type);
        h = add_header(h, line);
    }
    if (cr->cred.token) {
        size_t n = strlen(cr->cred.token) + 32;
        char *line = wp_xalloc_check(malloc(n));
        snprintf(line, n, "Authorization: Bearer %s", cr->cred.token);
        h = add_header(h, line);
        explicit_bzero(line, n);
        free(line);
    }
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, h);
    return h;
}

/* Runs the transfer through the slot's multi handle so that a cancel token
 * can interrupt it at once. */
static CURLcode run_transfer(slot *s, wp_kube_cancel *cancel, bool *cancelled)
{
    *cancelled = false;
    if (cancel && !wp_kube_cancel_attach(cancel, s->multi)) {
        *cancelled = true;
        return CURLE_ABORTED_BY_CALLBACK;
    }
    curl_multi_add_handle(s->multi, s->easy);
    CURLcode result = CURLE_OK;
    for (;;) {
        int running = 0;
        if (curl_multi_perform(s->multi, &running) != CURLM_OK) {
            result = CURLE_OUT_OF_MEMORY;
            break;
        }
        if (!running) break;
        if (wp_kube_cancel_fired(cancel)) {
            *cancelled = true;
            break;
        }
        curl_multi_poll(s->multi, NULL, 0, 1000, NULL);
    }
    CURLMsg *msg;
    int queued;
    while ((msg = curl_multi_info_read(s->multi, &queued))) {
        if (msg->msg == CURLMSG_DONE) result = msg->data.result;
    }
    curl_multi_remove_handle(s->multi, s->easy);
    if (cancel) wp_kube_cancel_detach(cancel, s->multi);
    return *cancelled ? CURLE_ABORTED_BY_CALLBACK : result;
}

/* --- retry policy ----------------------------------------------------------- */

/* Nothing reached the server: any verb may be retried. */
static bool never_sent(CURLcode cc)
{
    return cc == CURLE_COULDNT_CONNECT || cc == CURLE_COULDNT_RESOLVE_HOST || cc == CURLE_COULDNT_RESOLVE_PROXY;
}

static void count(wp_kube_client *c, bool retry, long new_connections, double throttled)
{
    pthread_mutex_lock(&c->stats_mu);
    c->stats.requests++;
    if (retry) c->stats.retries++;
    c->stats.connections += (unsigned long)new_connections;
    if (throttled > 0) {
        c->stats.throttled++;
        c->stats.throttled_seconds += throttled;
    }
    pthread_mutex_unlock(&c->stats_mu);
}

static void fill_http_error(const wp_kube_http_request *rq, long status, const char *body, size_t len,
                            wp_kube_error *err)
{
    wp_kube_status st;
    bool has = wp_kube_status_parse(body, len, &st);
    wp_kube_rc rc = wp_kube_rc_from_http(status, has ? st.reason : NULL);
    wp_kube_error_set(err, rc, "%s %s: %ld %s: %s", rq->method, rq->path, status,
                      has && st.reason ? st.reason : "", has && st.message ? st.message : "(no Status in the body)");
    if (err) {
        err->http_status = status;
        err->has_status = has;
        if (has) err->status = st;
    } else if (has) {
        wp_kube_status_clear(&st);
    }
}

/* Seconds to wait before retrying an HTTP error, or < 0: do not retry. */
static double retry_delay(const wp_kube_client *c, const wp_kube_http_request *rq, const transfer *t, long status,
                          int attempt)
{
    bool is_get = strcmp(rq->method, "GET") == 0 && !rq->sink;
    double d = -1;
    if (status == 429) {
        wp_kube_status st;
        d = t->retry_after >= 0 ? t->retry_after : 1;
        if (t->retry_after < 0 && wp_kube_status_parse(t->body.s, t->body.len, &st)) {
            if (st.retry_after_seconds > 0) d = st.retry_after_seconds;
            wp_kube_status_clear(&st);
        }
    } else if (status >= 500 && status < 600) {
        if (t->retry_after >= 0) d = t->retry_after;
        else if (is_get) d = wp_kube_backoff_exp(c->opts.retry_base, c->opts.retry_max, (unsigned)attempt);
    }
    return d > c->opts.retry_after_max ? c->opts.retry_after_max : d;
}

typedef enum { DONE, RETRY, RETRY_NOW } verdict;

/* Classifies a finished attempt; fills resp/err for a final answer. */
static verdict classify(wp_kube_client *c, const wp_kube_http_request *rq, transfer *t, CURLcode cc, long status,
                        int attempt, const wp_kube_creds *cr, bool *refreshed, double *delay,
                        wp_kube_response *resp, wp_kube_error *err, wp_kube_rc *rc)
{
    bool can_retry = attempt < c->opts.max_retries && !t->streamed && !rq->no_retry;
    if (cc != CURLE_OK && !t->sink_stopped) {
        /* a watch that broke or went silent is the informer's to resume */
        bool is_get = strcmp(rq->method, "GET") == 0 && !rq->sink;
        if (t->too_large) {
            *rc = wp_kube_error_set(err, WP_KUBE_EPROTOCOL, "%s %s: response larger than %zu bytes", rq->method,
                                    rq->path, c->opts.max_response_bytes);
            return DONE;
        }
        *rc = wp_kube_error_set(err, cc == CURLE_OPERATION_TIMEDOUT ? WP_KUBE_ETIMEOUT : WP_KUBE_ETRANSPORT,
                                "%s %s: %s%s%s", rq->method, rq->path, curl_easy_strerror(cc),
                                t->errbuf[0] ? ": " : "", t->errbuf);
        if (can_retry && (never_sent(cc) || is_get)) {
            *delay = wp_kube_backoff_exp(c->opts.retry_base, c->opts.retry_max, (unsigned)attempt);
            return RETRY;
        }
        return DONE;
    }
    if (status == 401 && c->refreshable_auth && !*refreshed && !t->streamed) {
        /* the token may have rotated or expired: fetch fresh credentials once */
        wp_kube_auth_invalidate(c->auth, cr->generation);
        *refreshed = true;
        return RETRY_NOW;
    }
    if ((status < 200 || status >= 300) && !t->sink_stopped) {
        *delay = can_retry ? retry_delay(c, rq, t, status, attempt) : -1;
        if (*delay >= 0) return RETRY;
        fill_http_error(rq, status, t->body.s, t->body.len, err);
        *rc = err ? err->rc : wp_kube_rc_from_http(status, NULL);
    } else {
        *rc = WP_KUBE_OK;
    }
    resp->status = status;
    resp->len = t->body.len;
    resp->body = wp_sb_finish(&t->body);
    return DONE;
}

wp_kube_rc wp_kube_http(wp_kube_client *c, const wp_kube_http_request *rq, wp_kube_response *resp,
                        wp_kube_error *err)
{
    memset(resp, 0, sizeof *resp);
    if (err) wp_kube_error_clear(err);
    size_t url_len = strlen(c->cfg->server) + strlen(rq->path) + 1;
    char *url = wp_xalloc_check(malloc(url_len));
    snprintf(url, url_len, "%s%s", c->cfg->server, rq->path);
    bool refreshed = false;
    wp_kube_rc rc = WP_KUBE_OK;
    for (int attempt = 0;; attempt++) {
        double wait = wp_kube_ratelimit_reserve(&c->rl, wp_kube_monotonic());
        if (wait > 0 && wp_kube_cancel_sleep(rq->cancel, wait)) {
            rc = wp_kube_error_set(err, WP_KUBE_ECANCELED, "%s %s: cancelled", rq->method, rq->path);
            break;
        }
        wp_kube_creds cr;
        char aerr[400];
        if (wp_kube_auth_get(c->auth, &cr, aerr, sizeof aerr) != 0) {
            rc = wp_kube_error_set(err, WP_KUBE_ECONFIG, "%s %s: credentials: %s", rq->method, rq->path, aerr);
            break;
        }
        transfer t = {.c = c, .rq = rq, .retry_after = -1};
        slot *s = pool_take(c);
        t.easy = s->easy;
        struct curl_slist *headers = setup(c, s->easy, rq, &cr, &t, url);
        bool cancelled;
        CURLcode cc = run_transfer(s, rq->cancel, &cancelled);
        long status = 0, connects = 0;
        curl_easy_getinfo(s->easy, CURLINFO_RESPONSE_CODE, &status);
        curl_easy_getinfo(s->easy, CURLINFO_NUM_CONNECTS, &connects);
        curl_easy_setopt(s->easy, CURLOPT_HTTPHEADER, NULL);
        pool_give(c, s);
        curl_slist_free_all(headers);
        count(c, attempt > 0, connects, wait);

        verdict v = DONE;
        double delay = 0;
        if (cancelled)
            rc = wp_kube_error_set(err, WP_KUBE_ECANCELED, "%s %s: cancelled", rq->method, rq->path);
        else
            v = classify(c, rq, &t, cc, status, attempt, &cr, &refreshed, &delay, resp, err, &rc);
        wp_kube_creds_clear(&cr);
        wp_sb_free(&t.body);
        if (v == DONE) break;
        if (v == RETRY && wp_kube_cancel_sleep(rq->cancel, delay)) {
            rc = wp_kube_error_set(err, WP_KUBE_ECANCELED, "%s %s: cancelled", rq->method, rq->path);
            break;
        }
    }
    free(url);
    return rc;
}

wp_kube_rc wp_kube_request(wp_kube_client *c, const char *method, const char *path, const char *content_type,
                           const char *body, size_t body_len, wp_kube_response *resp, wp_kube_error *err)
{
    wp_kube_http_request rq = {.method = method, .path = path, .content_type = content_type, .body = body,
                               .body_len = body_len};
    return wp_kube_http(c, &rq, resp, err);
}
