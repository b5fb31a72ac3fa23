/* One bounded HTTP exchange with libcurl: the headers the resolver needs
 * (Docker-Content-Digest, WWW-Authenticate) and, for GET, a body of at most
 * max_response_size bytes, all within the call's remaining time. */
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "resolver_oci.h"

/* Copies a header's value (trimmed) into out when line is "name: value". */
static void header_value(const char *line, size_t n, const char *name, char *out, size_t cap)
{
    size_t k = strlen(name);
    if (out[0] || n <= k + 1 || strncasecmp(line, name, k) != 0 || line[k] != ':') return;
    const char *v = line + k + 1, *end = line + n;
    while (v < end && (*v == ' ' || *v == '\t')) v++;
    while (end > v && (end[-1] == '\r' || end[-1] == '\n' || end[-1] == ' ')) end--;
    if ((size_t)(end - v) < cap) memcpy(out, v, (size_t)(end - v)), out[end - v] = '\0';
}

static size_t on_header(char *line, size_t size, size_t n, void *arg)
{
    oci_answer *a = arg;
    if (n > 5 && strncmp(line, "HTTP/", 5) == 0) a->digest[0] = a->challenge[0] = '\0'; /* a new answer */
    header_value(line, size * n, "Docker-Content-Digest", a->digest, sizeof a->digest);
    header_value(line, size * n, "WWW-Authenticate", a->challenge, sizeof a->challenge);
    return size * n;
}

typedef struct {
    oci_answer *a;
    uint64_t max;
} body_sink;

static size_t on_body(char *p, size_t size, size_t n, void *arg)
{
    body_sink *s = arg;
    size_t len = size * n;
    if (s->a->body_len + len > s->max) {
        s->a->body_too_big = 1;
        return 0; /* aborts the transfer */
    }
    char *grown = realloc(s->a->body, s->a->body_len + len + 1);
    if (!grown) return 0;
    memcpy(grown + s->a->body_len, p, len);
    s->a->body = grown;
    s->a->body_len += len;
    grown[s->a->body_len] = '\0';
    return len;
}

void resolver_oci_http(resolver_oci *r, const char *url, int head, const char *const *headers, oci_answer *a,
                       wp_plugin_msg msg)
{
    memset(a, 0, sizeof *a);
    CURL *c = curl_easy_init();
    if (!c) {
        a->transport_error = 1;
        snprintf(msg.ptr, msg.len, "libcurl could not start a request");
        return;
    }
    struct curl_slist *hdrs = NULL;
    for (size_t i = 0; headers && headers[i]; i++) hdrs = curl_slist_append(hdrs, headers[i]);
    body_sink sink = {a, r->max_body};
    char errbuf[CURL_ERROR_SIZE] = "";
    int64_t left = resolver_oci_left_ms(r);
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_NOBODY, head ? 1L : 0L);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, a);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &sink);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    /* Registries redirect blob and token requests; stay on http(s), a few hops. */
    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(c, CURLOPT_MAXREDIRS, 5L);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, (long)r->connect_timeout_ms);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, (long)(left > 0 ? left : 1));
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
    curl_easy_setopt(c, CURLOPT_USERAGENT, "warmpool-digest-registry/1.0");
    if (r->ca_file) curl_easy_setopt(c, CURLOPT_CAINFO, r->ca_file);
    CURLcode rc = curl_easy_perform(c);
    if (rc == CURLE_OK || (rc == CURLE_WRITE_ERROR && a->body_too_big)) {
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &a->code);
    } else {
        a->transport_error = rc == CURLE_PEER_FAILED_VERIFICATION || rc == CURLE_SSL_CACERT_BADFILE ? 2 : 1;
        snprintf(msg.ptr, msg.len, "%s %s: %s", head ? "HEAD" : "GET", url, errbuf[0] ? errbuf : curl_easy_strerror(rc));
    }
    curl_slist_free_all(hdrs);
    curl_easy_cleanup(c);
}
