/* Runs the project's test API server (tests/apiserver/apiserver.py) as a
 * subprocess for the kube client's integration tests and benchmarks, and
 * drives its /_test/ control API.
 *
 * The code under test only sees an ordinary kubeconfig; nothing here is a
 * fake of the API. Path of the server: $WP_APISERVER (CMake sets it). */
#ifndef WP_TEST_KUBE_HARNESS_H
#define WP_TEST_KUBE_HARNESS_H

#include <check.h>
#include <jansson.h>
#include <stdbool.h>
#include <sys/types.h>

#include "controller/kube/kube_client.h"
#include "controller/kube/kubeconfig.h"

typedef struct {
    pid_t pid;
    char url[128];
    int port;
    char dir[512];        /* scratch directory (kubeconfig, state) */
    char kubeconfig[600];
    char state_dir[600];
    wp_kubeconfig *cfg;   /* loaded from the kubeconfig the server wrote */
    wp_kube_client *ctl;  /* for /_test/ calls: unlimited rate, no retries */
} wpt_apiserver;

/* Starts the server with extra arguments (NULL-terminated list, may be
 * NULL). Keeps objects in a state directory so a restart (wpt_apiserver_
 * restart) keeps them. Aborts the test run with a message on failure. */
void wpt_apiserver_start(wpt_apiserver *s, const char *const *extra_args);
/* Stops the process (SIGTERM; it saves its objects). */
void wpt_apiserver_kill(wpt_apiserver *s);
/* Starts it again on the same port with the same state. */
void wpt_apiserver_restart(wpt_apiserver *s);
/* Stops and removes everything. */
void wpt_apiserver_stop(wpt_apiserver *s);

/* POST /_test/<what> with a JSON body (may be NULL). Returns the answer
 * (new reference); aborts on failure. */
json_t *wpt_control(wpt_apiserver *s, const char *what, const char *body_json);
/* The same, answer dropped. */
void wpt_control_do(wpt_apiserver *s, const char *what, const char *body_json);

/* A client for the server (caller frees). opts may be NULL. */
wp_kube_client *wpt_client(wpt_apiserver *s, const wp_kube_client_opts *opts);

/* Creates a namespace (ignores AlreadyExists). */
void wpt_namespace(wp_kube_client *c, const char *name);

/* --- Check scaffolding shared by the test files ---------------------------- */

/* The server of the current test case: started once per TCase in Check's
 * parent process (an unchecked fixture), its faults reset before each test. */
extern wpt_apiserver wpt_srv;
void wpt_fixture_up(void);   /* unchecked fixture: start wpt_srv */
void wpt_fixture_down(void); /* unchecked fixture: stop it */
/* A TCase with those fixtures plus `setup`/`teardown` (may be NULL) around
 * each test, which start with the server's faults reset. */
TCase *wpt_tcase(const char *name, void (*setup)(void), void (*teardown)(void), double timeout);
/* Runs the suite and returns the exit status. */
int wpt_run(Suite *s);

/* Waits up to timeout seconds for cond(ctx) to be true, polling every 10 ms. */
bool wpt_eventually(double timeout, bool (*cond)(void *ctx), void *ctx);

#endif
