/* Isolation mode: the parent side. See plugin_child.h. */
#include "controller/plugin/plugin_child.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/verdict.h"
#include "controller/plugin/plugin_ctx.h"

extern char **environ;

struct wp_plugin_child {
    char *runner, *name, *path, *sha256;
    json_t *config;
    int64_t deadline_ms;
    bool skip_file_checks;
    atomic_int pid; /* 0 when there is no live child */
    int to_child, from_child;
};

/* ------------------------------------------------------------ frames */

/* send(MSG_NOSIGNAL) on the socket to a child: a dead child is EPIPE, not
 * a SIGPIPE that would kill the controller; plain write for the runner's
 * stdout, which may be a pipe. */
static int write_full(int fd, const char *p, size_t n)
{
    while (n) {
        ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
        if (w < 0 && errno == ENOTSOCK) w = write(fd, p, n);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) return -1;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

static int read_full(int fd, char *p, size_t n, int64_t deadline_ns)
{
    while (n) {
        if (deadline_ns) {
            int64_t left = (deadline_ns - wp_plugin_now_ns()) / 1000000;
            if (left <= 0) return -1;
            struct pollfd pfd = {fd, POLLIN, 0};
            int r = poll(&pfd, 1, left > INT_MAX ? INT_MAX : (int)left);
            if (r < 0 && errno == EINTR) continue;
            if (r <= 0) return -1;
        }
        ssize_t got = read(fd, p, n);
        if (got < 0 && errno == EINTR) continue;
        if (got <= 0) return -1;
        p += got;
        n -= (size_t)got;
    }
    return 0;
}

int wp_plugin_frame_write(int fd, const json_t *j)
{
    char *s = json_dumps(j, JSON_COMPACT);
    if (!s) return -1;
    size_t n = strlen(s);
    unsigned char hdr[4] = {(unsigned char)n, (unsigned char)(n >> 8), (unsigned char)(n >> 16), (unsigned char)(n >> 24)};
    int rc = n <= WP_PLUGIN_FRAME_MAX && write_full(fd, (char *)hdr, 4) == 0 && write_full(fd, s, n) == 0 ? 0 : -1;
    free(s);
    return rc;
}

int wp_plugin_frame_read(int fd, int64_t deadline_ns, json_t **out)
{
    unsigned char hdr[4];
    *out = NULL;
    if (read_full(fd, (char *)hdr, 4, deadline_ns) != 0) return -1;
    size_t n = (size_t)hdr[0] | (size_t)hdr[1] << 8 | (size_t)hdr[2] << 16 | (size_t)hdr[3] << 24;
    if (n > WP_PLUGIN_FRAME_MAX) return -1;
    char *buf = malloc(n + 1);
    if (!buf || read_full(fd, buf, n, deadline_ns) != 0) {
        free(buf);
        return -1;
    }
    *out = json_loadb(buf, n, 0, NULL);
    free(buf);
    return *out ? 0 : -1;
}

/* ------------------------------------------------------------ the process */

char *wp_plugin_child_default_runner(void)
{
    const char *env = getenv("WARMPOOL_PLUGIN_RUNNER");
    if (env && *env) return wp_xalloc_check(strdup(env));
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n <= 0) return wp_xalloc_check(strdup("warmpool-plugin-runner"));
    exe[n] = '\0';
    char out[PATH_MAX + 32];
    snprintf(out, sizeof out, "%s/warmpool-plugin-runner", dirname(exe));
    return wp_xalloc_check(strdup(out));
}

/* "died (SIGSEGV)" / "exited with status 3"; reaps the child. */
static void reap(wp_plugin_child *c, char *how, size_t how_size)
{
    int pid = atomic_exchange(&c->pid, 0);
    if (c->to_child >= 0) close(c->to_child); /* one socket: to_child == from_child */
    c->to_child = c->from_child = -1;
    if (pid <= 0) {
        snprintf(how, how_size, "is gone");
        return;
    }
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    if (WIFSIGNALED(status)) {
        const char *sig = sigabbrev_np(WTERMSIG(status));
        snprintf(how, how_size, "died (SIG%s)", sig ? sig : "?");
    } else {
        snprintf(how, how_size, "exited with status %d", WEXITSTATUS(status));
    }
}

static int spawn(wp_plugin_child *c, json_t **hello, char *why, size_t why_size)
{
    /* One socket both ways: the child's end becomes its stdin and stdout. */
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0)
        return snprintf(why, why_size, "socketpair: %s", strerror(errno)), -1;
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, sv[1], 0);
    posix_spawn_file_actions_adddup2(&fa, sv[1], 1);
    char *argv[] = {c->runner, NULL};
    pid_t pid;
    int rc = posix_spawn(&pid, c->runner, &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    close(sv[1]);
    c->to_child = c->from_child = sv[0];
    if (rc != 0) {
        char how[64];
        reap(c, how, sizeof how);
        return snprintf(why, why_size, "cannot start %s: %s", c->runner, strerror(rc)), -1;
    }
    atomic_store(&c->pid, pid);
    json_t *init = json_pack("{sssssssIsbsO}", "name", c->name, "path", c->path, "sha256", c->sha256 ? c->sha256 : "",
                             "deadline_ms", (json_int_t)c->deadline_ms, "skip_file_checks", c->skip_file_checks,
                             "config", c->config ? c->config : json_null());
    int64_t deadline = wp_plugin_now_ns() + (c->deadline_ms + 5000) * 1000000; /* create + exec and load */
    bool ok = wp_plugin_frame_write(c->to_child, init) == 0 && wp_plugin_frame_read(c->from_child, deadline, hello) == 0;
    json_decref(init);
    if (ok) return 0;
    bool timed_out = wp_plugin_now_ns() >= deadline;
    if (timed_out) kill(pid, SIGKILL);
    char how[64];
    reap(c, how, sizeof how);
    if (timed_out)
        snprintf(why, why_size, "create did not return within %lld ms; plugin process killed",
                 (long long)c->deadline_ms);
    else
        snprintf(why, why_size, "the plugin process %s during create", how);
    return -1;
}

wp_plugin_child *wp_plugin_child_start(const wp_plugin_child_spec *spec, wp_plugin_child_info *info,
                                       wp_plugin_error *err)
{
    wp_plugin_child *c = wp_xalloc_check(calloc(1, sizeof *c));
    c->runner = wp_xalloc_check(strdup(spec->runner));
    c->name = wp_xalloc_check(strdup(spec->name));
    c->path = wp_xalloc_check(strdup(spec->path));
    c->sha256 = spec->sha256 ? wp_xalloc_check(strdup(spec->sha256)) : NULL;
    c->config = spec->config ? json_deep_copy(spec->config) : NULL;
    c->deadline_ms = spec->deadline_ms;
    c->skip_file_checks = spec->skip_file_checks;
    c->to_child = c->from_child = -1;
    json_t *hello = NULL;
    char why[600];
    if (spawn(c, &hello, why, sizeof why) != 0) {
        wp_plugin_error_set(err, WP_PLUGIN_ERR_CREATE, spec->name, spec->path, "%s", why);
        wp_plugin_child_stop(c);
        return NULL;
    }
    if (!json_is_true(json_object_get(hello, "ok"))) {
        /* The child's own refusal, already "plugin <name> (<path>): ...". */
        if (err) {
            err->code = (wp_plugin_error_code)json_integer_value(json_object_get(hello, "code"));
            err->status = (int)json_integer_value(json_object_get(hello, "status"));
            snprintf(err->message, sizeof err->message, "%s", json_string_value(json_object_get(hello, "error")));
        }
        json_decref(hello);
        wp_plugin_child_stop(c);
        return NULL;
    }
    *info = (wp_plugin_child_info){.kind = (int)json_integer_value(json_object_get(hello, "kind")),
                                   .flags = (uint32_t)json_integer_value(json_object_get(hello, "flags")),
                                   .has_health = json_is_true(json_object_get(hello, "health"))};
    snprintf(info->plugin_name, sizeof info->plugin_name, "%s", json_string_value(json_object_get(hello, "plugin")));
    snprintf(info->version, sizeof info->version, "%s", json_string_value(json_object_get(hello, "version")));
    json_decref(hello);
    return c;
}

json_t *wp_plugin_child_call(wp_plugin_child *c, const json_t *request, int64_t deadline_ns, char *why, size_t why_size)
{
    if (atomic_load(&c->pid) == 0) {
        json_t *hello = NULL;
        if (spawn(c, &hello, why, why_size) != 0) return NULL;
        bool ok = json_is_true(json_object_get(hello, "ok"));
        if (!ok) snprintf(why, why_size, "restart failed: %s", json_string_value(json_object_get(hello, "error")));
        json_decref(hello);
        if (!ok) {
            kill(atomic_load(&c->pid), SIGKILL);
            char how[64];
            reap(c, how, sizeof how);
            return NULL;
        }
    }
    json_t *resp = NULL;
    /* The child enforces the deadline itself; the grace is for its answer. */
    int64_t until = deadline_ns + 500 * 1000000LL;
    if (wp_plugin_frame_write(c->to_child, request) == 0 && wp_plugin_frame_read(c->from_child, until, &resp) == 0)
        return resp;
    bool timed_out = wp_plugin_now_ns() >= until;
    if (timed_out) wp_plugin_child_kill(c);
    char how[64];
    reap(c, how, sizeof how);
    if (timed_out) snprintf(why, why_size, "did not answer in time; plugin process killed, restarted on the next call");
    else snprintf(why, why_size, "the plugin process %s; restarted on the next call", how);
    return NULL;
}

void wp_plugin_child_restart(wp_plugin_child *c)
{
    wp_plugin_child_kill(c);
    char how[64];
    reap(c, how, sizeof how);
}

void wp_plugin_child_kill(wp_plugin_child *c)
{
    int pid = atomic_load(&c->pid);
    if (pid > 0) kill(pid, SIGKILL);
}

void wp_plugin_child_stop(wp_plugin_child *c)
{
    if (!c) return;
    if (atomic_load(&c->pid) > 0) {
        shutdown(c->to_child, SHUT_WR); /* EOF: the runner destroys its instance and exits */
        char buf[256];
        int64_t until = wp_plugin_now_ns() + (c->deadline_ms + 1000) * 1000000;
        json_t *ignored;
        while (wp_plugin_frame_read(c->from_child, until, &ignored) == 0) json_decref(ignored);
        if (wp_plugin_now_ns() >= until) wp_plugin_child_kill(c);
        reap(c, buf, sizeof buf);
    }
    free(c->runner);
    free(c->name);
    free(c->path);
    free(c->sha256);
    json_decref(c->config);
    free(c);
}
