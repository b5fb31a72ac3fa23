/* Runs the real warmpool-webhook binary for integration tests and talks
 * HTTPS to it with libcurl.
 *
 * Environment (set by CMake): WP_WEBHOOK_BIN (the program),
 * WP_WEBHOOK_TESTDATA (the fixtures folder). */
#ifndef WP_WEBHOOK_TEST_HARNESS_H
#define WP_WEBHOOK_TEST_HARNESS_H

#include <curl/curl.h>
#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

typedef struct {
    char dir[64];         /* work folder: certs/, server.log */
    pid_t pid;
    int port, metrics_port;
    char log_path[96];
} wh_server;

typedef struct {
    long status;          /* 0 when no HTTP response arrived */
    CURLcode code;
    char *body;           /* NUL-terminated, owned */
    size_t len;
    char *headers;        /* raw response headers, owned */
} wh_response;

/* A fresh work folder with a CA and a serving certificate for 127.0.0.1
 * and localhost in dir/certs (and a client certificate "kube-apiserver"). */
void wh_make_dir(char *dir, size_t size);

/* Runs `warmpool-webhook certs --out-dir out_dir` plus the extra
 * arguments (NULL-terminated); returns the exit status. */
int wh_certs(const char *out_dir, ...) __attribute__((sentinel));

/* Starts the server with certificates from dir/certs, both ports on
 * 127.0.0.1:0, short timeouts, plus extra flags (NULL-terminated array,
 * may be NULL); waits until it serves. Aborts the test on failure. */
void wh_start(wh_server *s, const char *dir, const char *const *extra);

/* SIGTERM, then waits. Returns the exit status (or 128+signal). */
int wh_stop(wh_server *s);

/* The server's log so far (caller frees). */
char *wh_log(const wh_server *s);

/* A curl handle trusting dir/certs/ca.crt; with client set, presenting
 * client.crt/client.key from cert_dir (absolute folder). */
CURL *wh_curl(const wh_server *s, const char *cert_dir, const char *client);

/* One request on the admission port (path may carry a query). content_type
 * NULL sends none; body NULL sends none. extra_header may be NULL. */
void wh_request(CURL *c, const wh_server *s, const char *method, const char *path,
                const char *content_type, const char *body, size_t len,
                const char *extra_header, wh_response *out);
/* POST of a fixture file with Content-Type: application/json. */
void wh_post_fixture(CURL *c, const wh_server *s, const char *path, const char *fixture,
                     wh_response *out);
/* GET on the metrics port. */
void wh_get_metrics_port(const wh_server *s, const char *path, wh_response *out);
void wh_response_free(wh_response *r);

/* The fixture's bytes (caller frees). */
char *wh_fixture(const char *name, size_t *len);

/* The value of one series in a /metrics scrape ("name{labels}" exactly as
 * exposed); 0 when absent. */
double wh_metric(const char *scrape, const char *series);

/* Parses r->body as JSON (new reference); fails the test if it is not. */
json_t *wh_json(const wh_response *r);

#endif
