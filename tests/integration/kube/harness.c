/* The test API server as a subprocess. See harness.h. */
#include "harness.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "controller/kube/kube_time.h"

extern char **environ;

static void die(const char *fmt, const char *arg)
{
    fprintf(stderr, "apiserver harness: ");
    fprintf(stderr, fmt, arg);
    fputc('\n', stderr);
    exit(2);
}

static int rm_tree(const char *dir)
{
    char cmd[1200];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    return system(cmd);
}

/* Reads the child's stdout until "READY <url>" (or 30 s). */
static void await_ready(wpt_apiserver *s, int fd)
{
    char buf[512];
    size_t len = 0;
    double deadline = wp_kube_monotonic() + 30;
    while (wp_kube_monotonic() < deadline) {
        struct pollfd p = {fd, POLLIN, 0};
        if (poll(&p, 1, 200) <= 0) continue;
        ssize_t n = read(fd, buf + len, sizeof buf - 1 - len);
        if (n <= 0) break;
        len += (size_t)n;
        buf[len] = '\0';
        char *ready = strstr(buf, "READY ");
        if (ready && strchr(ready, '\n')) {
            *strchr(ready, '\n') = '\0';
            snprintf(s->url, sizeof s->url, "%s", ready + 6);
            const char *colon = strrchr(s->url, ':');
            s->port = colon ? atoi(colon + 1) : 0;
            return;
        }
    }
    die("the server did not print READY (%s)", buf);
}

static void spawn_server(wpt_apiserver *s, const char *listen, const char *const *extra)
{
    const char *script = getenv("WP_APISERVER");
    if (!script || access(script, R_OK) != 0) die("WP_APISERVER (%s) is not readable", script ? script : "unset");
    const char *argv[32] = {"python3", script, "--listen", listen, "--kubeconfig-out", s->kubeconfig,
                            "--state-dir", s->state_dir};
    int argc = 8;
    for (size_t i = 0; extra && extra[i] && argc < 30; i++) argv[argc++] = extra[i];
    argv[argc] = NULL;
    int out[2];
    if (pipe2(out, O_CLOEXEC) != 0) die("pipe: %s", strerror(errno));
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, out[1], 1);
    if (!getenv("WP_APISERVER_VERBOSE")) posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
    int rc = posix_spawnp(&s->pid, "python3", &fa, NULL, (char *const *)argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    close(out[1]);
    if (rc != 0) die("cannot run python3: %s", strerror(rc));
    await_ready(s, out[0]);
    close(out[0]);
}

static void connect_control(wpt_apiserver *s)
{
    char err[512];
    const char *path = s->kubeconfig;
    wp_kubeconfig_free(s->cfg);
    s->cfg = wp_kubeconfig_load_files(&path, 1, NULL, err, sizeof err);
    if (!s->cfg) die("cannot load the server's kubeconfig: %s", err);
    wp_kube_client_opts o = {.qps = -1, .max_retries = -1};
    wp_kube_client_free(s->ctl);
    s->ctl = wpt_client(s, &o);
}

void wpt_apiserver_start(wpt_apiserver *s, const char *const *extra_args)
{
    memset(s, 0, sizeof *s);
    const char *tmp = getenv("TMPDIR");
    snprintf(s->dir, sizeof s->dir, "%s/wpkube-apiserver-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(s->dir)) die("mkdtemp: %s", strerror(errno));
    snprintf(s->kubeconfig, sizeof s->kubeconfig, "%s/kubeconfig", s->dir);
    snprintf(s->state_dir, sizeof s->state_dir, "%s/state", s->dir);
    spawn_server(s, "127.0.0.1:0", extra_args);
    connect_control(s);
}

void wpt_apiserver_kill(wpt_apiserver *s)
{
    if (s->pid <= 0) return;
    kill(s->pid, SIGTERM);
    int status;
    for (int i = 0; i < 200; i++) {
        if (waitpid(s->pid, &status, WNOHANG) == s->pid) {
            s->pid = 0;
            return;
        }
        wp_kube_sleep(0.05);
    }
    kill(s->pid, SIGKILL);
    waitpid(s->pid, &status, 0);
    s->pid = 0;
}

void wpt_apiserver_restart(wpt_apiserver *s)
{
    char listen[64];
    snprintf(listen, sizeof listen, "127.0.0.1:%d", s->port);
    /* the port may linger briefly in the kernel after the old process */
    for (int attempt = 0; attempt < 3; attempt++) {
        spawn_server(s, listen, NULL);
        if (s->pid > 0) break;
    }
    connect_control(s);
}

void wpt_apiserver_stop(wpt_apiserver *s)
{
    wpt_apiserver_kill(s);
    wp_kube_client_free(s->ctl);
    wp_kubeconfig_free(s->cfg);
    s->ctl = NULL;
    s->cfg = NULL;
    if (s->dir[0]) rm_tree(s->dir);
}

json_t *wpt_control(wpt_apiserver *s, const char *what, const char *body_json)
{
    char path[256];
    snprintf(path, sizeof path, "/_test/%s", what);
    const char *body = body_json ? body_json : "{}";
    wp_kube_response resp;
    wp_kube_error err = WP_KUBE_ERROR_INIT;
    wp_kube_rc rc = wp_kube_request(s->ctl, "POST", path, "application/json", body, strlen(body), &resp, &err);
    if (rc != WP_KUBE_OK) die("control request failed: %s", err.message);
    json_t *doc = json_loadb(resp.body, resp.len, 0, NULL);
    free(resp.body);
    wp_kube_error_clear(&err);
    return doc;
}

void wpt_control_do(wpt_apiserver *s, const char *what, const char *body_json)
{
    json_decref(wpt_control(s, what, body_json));
}

wp_kube_client *wpt_client(wpt_apiserver *s, const wp_kube_client_opts *opts)
{
    wp_kube_error err = WP_KUBE_ERROR_INIT;
    wp_kube_client *c = wp_kube_client_new(s->cfg, opts, &err);
    if (!c) die("client: %s", err.message);
    return c;
}

void wpt_namespace(wp_kube_client *c, const char *name)
{
    json_t *ns = json_pack("{s:s, s:s, s:{s:s}}", "apiVersion", "v1", "kind", "Namespace", "metadata", "name", name);
    wp_kube_error err = WP_KUBE_ERROR_INIT;
    json_t *made = wp_kube_create(c, wp_kube_kind_get(WP_KIND_NAMESPACE), NULL, ns, &err);
    if (!made && err.rc != WP_KUBE_EEXISTS) die("namespace: %s", err.message);
    json_decref(made);
    json_decref(ns);
    wp_kube_error_clear(&err);
}

bool wpt_eventually(double timeout, bool (*cond)(void *ctx), void *ctx)
{
    double deadline = wp_kube_monotonic() + timeout;
    for (;;) {
        if (cond(ctx)) return true;
        if (wp_kube_monotonic() > deadline) return false;
        wp_kube_sleep(0.01);
    }
}

wpt_apiserver wpt_srv;

void wpt_fixture_up(void) { wpt_apiserver_start(&wpt_srv, NULL); }
void wpt_fixture_down(void) { wpt_apiserver_stop(&wpt_srv); }

static void reset_faults(void) { wpt_control_do(&wpt_srv, "reset", NULL); }

TCase *wpt_tcase(const char *name, void (*setup)(void), void (*teardown)(void), double timeout)
{
    TCase *tc = tcase_create(name);
    tcase_add_unchecked_fixture(tc, wpt_fixture_up, wpt_fixture_down);
    tcase_add_checked_fixture(tc, reset_faults, NULL);
    if (setup || teardown) tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, timeout);
    return tc;
}

int wpt_run(Suite *s)
{
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
