/* Integration test harness for warmpool-webhook. See harness.h. */
#include "harness.h"

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static const char *env_or_die(const char *name)
{
    const char *v = getenv(name);
    if (!v) {
        fprintf(stderr, "%s is not set (run through ctest)\n", name);
        abort();
    }
    return v;
}

static char *read_all(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap);
    size_t r;
    while ((r = fread(buf + n, 1, cap - n - 1, f)) > 0) {
        n += r;
        if (n + 1 == cap) buf = realloc(buf, cap *= 2);
    }
    fclose(f);
    buf[n] = '\0';
    if (len) *len = n;
    return buf;
}

char *wh_fixture(const char *name, size_t *len)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", env_or_die("WP_WEBHOOK_TESTDATA"), name);
    char *data = read_all(path, len);
    ck_assert_msg(data != NULL, "cannot read %s", path);
    return data;
}

static int run_wait(char *const argv[])
{
    pid_t pid = fork();
    if (pid == 0) {
        int null = open("/dev/null", O_WRONLY);
        dup2(null, 1);
        dup2(null, 2);
        execv(argv[0], argv);
        _exit(127);
    }
    int status;
    waitpid(pid, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

int wh_certs(const char *out_dir, ...)
{
    char *argv[32] = {(char *)env_or_die("WP_WEBHOOK_BIN"), "certs", "--out-dir", (char *)out_dir};
    int n = 4;
    va_list ap;
    va_start(ap, out_dir);
    for (char *a = va_arg(ap, char *); a && n < 31; a = va_arg(ap, char *)) argv[n++] = a;
    va_end(ap);
    argv[n] = NULL;
    return run_wait(argv);
}

void wh_make_dir(char *dir, size_t size)
{
    snprintf(dir, size, "/tmp/wp-webhook-it-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(dir));
    char certs[128];
    snprintf(certs, sizeof certs, "%s/certs", dir);
    ck_assert_int_eq(wh_certs(certs, "--dns-name", "localhost", "--ip", "127.0.0.1", "--client",
                              "kube-apiserver", NULL), 0);
}

/* Waits for the "serving" log line and reads both ports from it. */
static bool wait_serving(wh_server *s)
{
    for (int i = 0; i < 500; i++) {
        char *log = read_all(s->log_path, NULL);
        const char *line = log ? strstr(log, "\"msg\":\"serving\"") : NULL;
        if (line) {
            const char *a = strstr(line, "\"admission\":\"127.0.0.1:");
            const char *m = strstr(line, "\"metrics\":\"127.0.0.1:");
            if (a) s->port = atoi(a + strlen("\"admission\":\"127.0.0.1:"));
            if (m) s->metrics_port = atoi(m + strlen("\"metrics\":\"127.0.0.1:"));
            free(log);
            return s->port > 0;
        }
        free(log);
        int status;
        if (waitpid(s->pid, &status, WNOHANG) == s->pid) return false;
        struct timespec ts = {0, 10 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    return false;
}

void wh_start(wh_server *s, const char *dir, const char *const *extra)
{
    memset(s, 0, sizeof *s);
    snprintf(s->dir, sizeof s->dir, "%s", dir);
    snprintf(s->log_path, sizeof s->log_path, "%s/server.log", dir);
    char cert[128], key[128];
    snprintf(cert, sizeof cert, "%s/certs/tls.crt", dir);
    snprintf(key, sizeof key, "%s/certs/tls.key", dir);
    char *argv[64] = {
        (char *)env_or_die("WP_WEBHOOK_BIN"), "--tls-cert-file", cert, "--tls-key-file", key,
        "--listen", "127.0.0.1:0", "--metrics-listen", "127.0.0.1:0", "--log-level", "debug",
        "--reload-interval", "100ms", "--shutdown-grace", "5s",
    };
    int n = 15;
    for (size_t i = 0; extra && extra[i] && n < 63; i++) argv[n++] = (char *)extra[i];
    argv[n] = NULL;
    s->pid = fork();
    if (s->pid == 0) {
        int fd = open(s->log_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        dup2(fd, 2);
        execv(argv[0], argv);
        _exit(127);
    }
    ck_assert_msg(wait_serving(s), "the server did not start; see %s", s->log_path);
}

int wh_stop(wh_server *s)
{
    if (s->pid <= 0) return -1;
    kill(s->pid, SIGTERM);
    int status = 0;
    for (int i = 0; i < 1000; i++) {
        if (waitpid(s->pid, &status, WNOHANG) == s->pid) {
            s->pid = 0;
            return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        }
        struct timespec ts = {0, 10 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    kill(s->pid, SIGKILL);
    waitpid(s->pid, &status, 0);
    s->pid = 0;
    return -1;
}

char *wh_log(const wh_server *s)
{
    char *log = read_all(s->log_path, NULL);
    return log ? log : strdup("");
}

static size_t collect(char *data, size_t size, size_t n, void *arg)
{
    char **buf = ((char ***)arg)[0];
    size_t *len = ((size_t **)arg)[1];
    *buf = realloc(*buf, *len + size * n + 1);
    memcpy(*buf + *len, data, size * n);
    *len += size * n;
    (*buf)[*len] = '\0';
    return size * n;
}

CURL *wh_curl(const wh_server *s, const char *cert_dir, const char *client)
{
    CURL *c = curl_easy_init();
    char path[256];
    snprintf(path, sizeof path, "%s/certs/ca.crt", s->dir);
    curl_easy_setopt(c, CURLOPT_CAINFO, path);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 10L);
    if (client) {
        snprintf(path, sizeof path, "%s/%s.crt", cert_dir, client);
        curl_easy_setopt(c, CURLOPT_SSLCERT, path);
        snprintf(path, sizeof path, "%s/%s.key", cert_dir, client);
        curl_easy_setopt(c, CURLOPT_SSLKEY, path);
    }
    return c;
}

static void perform(CURL *c, const char *url, const char *method, struct curl_slist *headers,
                    const char *body, size_t len, wh_response *out)
{
    memset(out, 0, sizeof *out);
    size_t hlen = 0;
    void *body_sink[2] = {&out->body, &out->len};
    void *head_sink[2] = {&out->headers, &hlen};
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(c, CURLOPT_NOBODY, strcmp(method, "HEAD") == 0 ? 1L : 0L);
    if (body) {
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
    } else {
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, NULL);
        curl_easy_setopt(c, CURLOPT_HTTPGET, strcmp(method, "GET") == 0 ? 1L : 0L);
        curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
    }
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, body_sink);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, collect);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, head_sink);
    out->code = curl_easy_perform(c);
    if (out->code == CURLE_OK) curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &out->status);
    if (!out->body) out->body = strdup("");
    if (!out->headers) out->headers = strdup("");
}

void wh_request(CURL *c, const wh_server *s, const char *method, const char *path,
                const char *content_type, const char *body, size_t len,
                const char *extra_header, wh_response *out)
{
    char url[256], ct[256];
    snprintf(url, sizeof url, "https://127.0.0.1:%d%s", s->port, path);
    /* No 100-continue round trip, unless the test asks for one. */
    bool expect = extra_header && strncmp(extra_header, "Expect:", 7) == 0;
    struct curl_slist *h = curl_slist_append(NULL, expect ? extra_header : "Expect:");
    if (content_type) {
        snprintf(ct, sizeof ct, "Content-Type: %s", content_type);
        h = curl_slist_append(h, ct);
    } else {
        h = curl_slist_append(h, "Content-Type:");
    }
    if (extra_header && !expect) h = curl_slist_append(h, extra_header);
    perform(c, url, method, h, body, len, out);
    curl_slist_free_all(h);
}

void wh_post_fixture(CURL *c, const wh_server *s, const char *path, const char *fixture,
                     wh_response *out)
{
    size_t len;
    char *body = wh_fixture(fixture, &len);
    wh_request(c, s, "POST", path, "application/json", body, len, NULL, out);
    free(body);
}

void wh_get_metrics_port(const wh_server *s, const char *path, wh_response *out)
{
    char url[256];
    snprintf(url, sizeof url, "http://127.0.0.1:%d%s", s->metrics_port, path);
    CURL *c = curl_easy_init();
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 10L);
    perform(c, url, "GET", NULL, NULL, 0, out);
    curl_easy_cleanup(c);
}

void wh_response_free(wh_response *r)
{
    free(r->body);
    free(r->headers);
    memset(r, 0, sizeof *r);
}

double wh_metric(const char *scrape, const char *series)
{
    size_t n = strlen(series);
    for (const char *p = scrape; (p = strstr(p, series)) != NULL; p += n) {
        if ((p == scrape || p[-1] == '\n') && p[n] == ' ') return strtod(p + n + 1, NULL);
    }
    return 0;
}

json_t *wh_json(const wh_response *r)
{
    json_error_t e;
    json_t *j = json_loads(r->body, 0, &e);
    ck_assert_msg(j != NULL, "not JSON (%s): %s", e.text, r->body);
    return j;
}
