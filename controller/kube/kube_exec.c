/* exec credential plugins. See kube_exec.h. */
#include "controller/kube/kube_exec.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/strbuf.h"
#include "common/verdict.h"
#include "common/base64.h"
#include "controller/kube/kube_time.h"

extern char **environ;

static void errf(char *err, size_t n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void errf(char *err, size_t n, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, n, fmt, ap);
    va_end(ap);
}

void wp_kube_exec_cred_clear(wp_kube_exec_cred *c)
{
    if (c->token) explicit_bzero(c->token, strlen(c->token));
    if (c->key_pem) explicit_bzero(c->key_pem, strlen(c->key_pem));
    free(c->token);
    free(c->cert_pem);
    free(c->key_pem);
    memset(c, 0, sizeof *c);
}

static char *dup_nonempty(const json_t *obj, const char *key)
{
    const char *s = json_string_value(json_object_get(obj, key));
    return s && *s ? wp_xalloc_check(strdup(s)) : NULL;
}

int wp_kube_exec_parse(const char *output, size_t len, const char *api_version, wp_kube_exec_cred *out,
                       char *err, size_t err_size)
{
    memset(out, 0, sizeof *out);
    json_error_t jerr;
    json_t *doc = json_loadb(output, len, 0, &jerr);
    if (!doc) {
        errf(err, err_size, "output is not JSON: %s", jerr.text);
        return -1;
    }
    int rc = -1;
    const char *kind = json_string_value(json_object_get(doc, "kind"));
    const char *api = json_string_value(json_object_get(doc, "apiVersion"));
    const json_t *status = json_object_get(doc, "status");
    const char *expiry = json_string_value(json_object_get(status, "expirationTimestamp"));
    if (!json_is_object(doc) || !kind || strcmp(kind, "ExecCredential") != 0) {
        errf(err, err_size, "output is not an ExecCredential");
    } else if (!api || strcmp(api, api_version) != 0) {
        errf(err, err_size, "ExecCredential apiVersion \"%s\" does not match the configured \"%s\"", api ? api : "",
             api_version);
    } else if (!json_is_object(status)) {
        errf(err, err_size, "ExecCredential has no status");
    } else {
        out->token = dup_nonempty(status, "token");
        out->cert_pem = dup_nonempty(status, "clientCertificateData");
        out->key_pem = dup_nonempty(status, "clientKeyData");
        if (!out->token && !out->cert_pem && !out->key_pem)
            errf(err, err_size, "ExecCredential status has neither a token nor a client certificate");
        else if ((out->cert_pem != NULL) != (out->key_pem != NULL))
            errf(err, err_size, "ExecCredential status needs both clientCertificateData and clientKeyData");
        else if (expiry && !wp_kube_time_parse(expiry, &out->expires))
            errf(err, err_size, "ExecCredential expirationTimestamp \"%.40s\" is not an RFC 3339 time", expiry);
        else
            rc = 0;
    }
    json_decref(doc);
    if (rc != 0) wp_kube_exec_cred_clear(out);
    return rc;
}

/* KUBERNETES_EXEC_INFO=<ExecCredential with spec>. Caller frees. */
static char *exec_info(const wp_kube_exec_config *x, const wp_kube_exec_cluster *cluster)
{
    json_t *spec = json_pack("{s:b}", "interactive", 0);
    if (x->provide_cluster_info && cluster) {
        json_t *c = json_pack("{s:s, s:b}", "server", cluster->server ? cluster->server : "",
                              "insecure-skip-tls-verify", cluster->insecure_skip_tls_verify);
        if (cluster->ca_data) {
            char *b64 = wp_base64_encode_alloc(cluster->ca_data, cluster->ca_len);
            json_object_set_new(c, "certificate-authority-data", json_string(b64));
            free(b64);
        }
        json_object_set_new(spec, "cluster", c);
    }
    json_t *cred = json_pack("{s:s, s:s, s:o}", "apiVersion", x->api_version, "kind", "ExecCredential", "spec", spec);
    char *text = json_dumps(cred, JSON_COMPACT);
    json_decref(cred);
    size_t n = strlen(text) + 32;
    char *var = wp_xalloc_check(malloc(n));
    snprintf(var, n, "KUBERNETES_EXEC_INFO=%s", text);
    free(text);
    return var;
}

/* The child's environment: ours, minus names the config sets, plus them,
 * plus KUBERNETES_EXEC_INFO. The array is malloc'd; the strings are
 * borrowed from environ except the ones listed in *owned. */
static char **build_env(const wp_kube_exec_config *x, char *info, char ***owned, size_t *n_owned)
{
    size_t n = 0;
    while (environ[n]) n++;
    char **env = wp_xalloc_check(calloc(n + x->n_env + 2, sizeof *env));
    *owned = wp_xalloc_check(calloc(x->n_env + 1, sizeof **owned));
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        bool overridden = strncmp(environ[i], "KUBERNETES_EXEC_INFO=", 21) == 0;
        for (size_t j = 0; j < x->n_env && !overridden; j++) {
            size_t l = strlen(x->env[j].name);
            overridden = strncmp(environ[i], x->env[j].name, l) == 0 && environ[i][l] == '=';
        }
        if (!overridden) env[k++] = environ[i];
    }
    for (size_t j = 0; j < x->n_env; j++) {
        size_t l = strlen(x->env[j].name) + strlen(x->env[j].value) + 2;
        char *var = wp_xalloc_check(malloc(l));
        snprintf(var, l, "%s=%s", x->env[j].name, x->env[j].value);
        env[k++] = (*owned)[j] = var;
    }
    *n_owned = x->n_env;
    env[k++] = info;
    env[k] = NULL;
    return env;
}

/* Reads what is available on fd into b (up to the output limit). Returns
 * false at EOF or on error. */
static bool drain(int fd, wp_sb *b)
{
    char chunk[4096];
    ssize_t r = read(fd, chunk, sizeof chunk);
    if (r < 0 && (errno == EINTR || errno == EAGAIN)) return true;
    if (r <= 0) return false;
    size_t take = (size_t)r;
    if (b->len + take > WP_KUBE_EXEC_MAX_OUTPUT) take = WP_KUBE_EXEC_MAX_OUTPUT - b->len;
    wp_sb_putn(b, chunk, take);
    return true;
}

/* Collects stdout and stderr until both close or the deadline passes.
 * Returns false on timeout. */
static bool collect(int out_fd, int err_fd, double timeout, wp_sb *out, wp_sb *errb)
{
    double deadline = wp_kube_monotonic() + timeout;
    struct pollfd fds[2] = {{out_fd, POLLIN, 0}, {err_fd, POLLIN, 0}};
    while (fds[0].fd >= 0 || fds[1].fd >= 0) {
        double left = deadline - wp_kube_monotonic();
        if (left <= 0) return false;
        int r = poll(fds, 2, (int)(left * 1000) + 1);
        if (r < 0 && errno != EINTR) return false;
        for (int i = 0; i < 2 && r > 0; i++) {
            if (fds[i].fd >= 0 && fds[i].revents && !drain(fds[i].fd, i == 0 ? out : errb)) fds[i].fd = -1;
        }
    }
    return true;
}

static void first_line(const wp_sb *b, char *line, size_t n)
{
    const char *s = b->s ? b->s : "";
    while (*s == '\n' || *s == ' ') s++;
    snprintf(line, n, "%.*s", (int)strcspn(s, "\n"), s);
}

/* Starts the child with stdout/stderr on pipes. Returns its pid or -1. */
static pid_t spawn(const wp_kube_exec_config *x, char **env, int *out_fd, int *err_fd, int *spawn_errno)
{
    int out_pipe[2], err_pipe[2];
    if (pipe2(out_pipe, O_CLOEXEC) != 0) return -1;
    if (pipe2(err_pipe, O_CLOEXEC) != 0) {
        close(out_pipe[0]);
        close(out_pipe[1]);
        return -1;
    }
    char **argv = wp_xalloc_check(calloc(x->n_args + 2, sizeof *argv));
    argv[0] = x->command;
    for (size_t i = 0; i < x->n_args; i++) argv[i + 1] = x->args[i];
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&fa, out_pipe[1], 1);
    posix_spawn_file_actions_adddup2(&fa, err_pipe[1], 2);
    pid_t pid = -1;
    *spawn_errno = posix_spawnp(&pid, x->command, &fa, NULL, argv, env);
    posix_spawn_file_actions_destroy(&fa);
    free(argv);
    close(out_pipe[1]);
    close(err_pipe[1]);
    if (*spawn_errno != 0) {
        close(out_pipe[0]);
        close(err_pipe[0]);
        return -1;
    }
    *out_fd = out_pipe[0];
    *err_fd = err_pipe[0];
    return pid;
}

int wp_kube_exec_run(const wp_kube_exec_config *x, const wp_kube_exec_cluster *cluster, double timeout_seconds,
                     wp_kube_exec_cred *out, char *err, size_t err_size)
{
    memset(out, 0, sizeof *out);
    char *info = exec_info(x, cluster);
    char **owned;
    size_t n_owned;
    char **env = build_env(x, info, &owned, &n_owned);
    int out_fd = -1, err_fd = -1, spawn_errno = 0;
    pid_t pid = spawn(x, env, &out_fd, &err_fd, &spawn_errno);
    for (size_t i = 0; i < n_owned; i++) free(owned[i]);
    free(owned);
    free(env);
    free(info);
    if (pid < 0) {
        errf(err, err_size, "exec plugin %s: cannot run: %s%s%s", x->command, strerror(spawn_errno ? spawn_errno : errno),
             x->install_hint ? "; " : "", x->install_hint ? x->install_hint : "");
        return -1;
    }
    wp_sb o = WP_SB_INIT, e = WP_SB_INIT;
    bool finished = collect(out_fd, err_fd, timeout_seconds, &o, &e);
    close(out_fd);
    close(err_fd);
    if (!finished) kill(pid, SIGKILL);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    int rc = -1;
    char line[200], perr[300];
    first_line(&e, line, sizeof line);
    if (!finished) {
        errf(err, err_size, "exec plugin %s: no answer within %g s; killed", x->command, timeout_seconds);
    } else if (WIFSIGNALED(status)) {
        errf(err, err_size, "exec plugin %s: killed by signal %d%s%s", x->command, WTERMSIG(status),
             *line ? ": " : "", line);
    } else if (WEXITSTATUS(status) == 127 && x->install_hint) {
        errf(err, err_size, "exec plugin %s: not found: %s", x->command, x->install_hint);
    } else if (WEXITSTATUS(status) != 0) {
        errf(err, err_size, "exec plugin %s: exit status %d%s%s", x->command, WEXITSTATUS(status),
             *line ? ": " : "", line);
    } else if (wp_kube_exec_parse(o.s ? o.s : "", o.len, x->api_version, out, perr, sizeof perr) != 0) {
        errf(err, err_size, "exec plugin %s: %s", x->command, perr);
    } else {
        rc = 0;
    }
    if (o.s) explicit_bzero(o.s, o.len);
    wp_sb_free(&o);
    wp_sb_free(&e);
    return rc;
}
