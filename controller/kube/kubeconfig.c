/* kubeconfig and in-cluster configuration. See kubeconfig.h. */
#include "controller/kube/kubeconfig.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/verdict.h"
#include "common/yaml.h"
#include "common/base64.h"

#define MAX_PEM_BYTES (1u << 20)

static void errf(char *err, size_t n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void errf(char *err, size_t n, const char *fmt, ...)
{
    if (!err || n == 0) return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, n, fmt, ap);
    va_end(ap);
}

static char *xstrdup(const char *s) { return s ? wp_xalloc_check(strdup(s)) : NULL; }

char *wp_kubeconfig_read_file(const char *path, size_t max, size_t *len, char *err, size_t err_size)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        errf(err, err_size, "%s: cannot open: %s", path, strerror(errno));
        return NULL;
    }
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        errf(err, err_size, "%s: not a regular file", path);
        return NULL;
    }
    if ((size_t)st.st_size > max) {
        close(fd);
        errf(err, err_size, "%s: %lld bytes, more than the %zu-byte limit", path, (long long)st.st_size, max);
        return NULL;
    }
    char *buf = wp_xalloc_check(malloc((size_t)st.st_size + 1));
    size_t got = 0;
    for (;;) {
        ssize_t r = read(fd, buf + got, (size_t)st.st_size - got);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0 || (got += (size_t)r) == (size_t)st.st_size) break;
    }
    close(fd);
    buf[got] = '\0';
    if (len) *len = got;
    return buf;
}

/* --- merging ------------------------------------------------------------ */

typedef struct {
    json_t *clusters, *users, *contexts; /* name -> body, paths already resolved */
    char *current_context;
    char sources[1024];                  /* "a:b", for messages */
} merged;

/* dir/rel, or a copy of rel when it is absolute. Caller frees. */
static char *resolve(const char *dir, const char *rel)
{
    if (rel[0] == '/' || rel[0] == '\0') return xstrdup(rel);
    size_t n = strlen(dir) + strlen(rel) + 2;
    char *out = wp_xalloc_check(malloc(n));
    snprintf(out, n, "%s/%s", dir, rel);
    return out;
}

static void resolve_field(json_t *obj, const char *key, const char *dir, bool only_with_slash)
{
    const char *v = json_string_value(json_object_get(obj, key));
    if (!v || (only_with_slash && !strchr(v, '/'))) return;
    char *abs = resolve(dir, v);
    json_object_set_new(obj, key, json_string(abs));
    free(abs);
}

static void resolve_paths(json_t *body, const char *section, const char *dir)
{
    if (strcmp(section, "clusters") == 0) {
        resolve_field(body, "certificate-authority", dir, false);
    } else if (strcmp(section, "users") == 0) {
        resolve_field(body, "client-certificate", dir, false);
        resolve_field(body, "client-key", dir, false);
        resolve_field(body, "tokenFile", dir, false);
        json_t *exec = json_object_get(body, "exec");
        /* kubectl: a bare command name is looked up in PATH; one with a
         * separator is a path relative to the kubeconfig */
        if (json_is_object(exec)) resolve_field(exec, "command", dir, true);
    }
}

static int merge_section(merged *m, const json_t *doc, const char *section, const char *inner,
                         const char *path, const char *dir, char *err, size_t n)
{
    json_t *target = strcmp(section, "clusters") == 0 ? m->clusters
                     : strcmp(section, "users") == 0  ? m->users
                                                      : m->contexts;
    const json_t *arr = json_object_get(doc, section);
    if (!arr || json_is_null(arr)) return 0;
    if (!json_is_array(arr)) {
        errf(err, n, "kubeconfig %s: %s: expected a list, found %s", path, section, wp_yaml_type_name(arr));
        return -1;
    }
    size_t i;
    const json_t *entry;
    json_array_foreach(arr, i, entry) {
        const char *name = json_string_value(json_object_get(entry, "name"));
        if (!json_is_object(entry) || !name || !*name) {
            errf(err, n, "kubeconfig %s: %s[%zu]: an entry needs a name", path, section, i);
            return -1;
        }
        const json_t *body = json_object_get(entry, inner);
        if (body && !json_is_object(body) && !json_is_null(body)) {
            errf(err, n, "kubeconfig %s: %s \"%s\": %s: expected a mapping, found %s", path, section, name,
                 inner, wp_yaml_type_name(body));
            return -1;
        }
        if (json_object_get(target, name)) continue; /* the first file to define a name wins */
        json_t *copy = json_is_object(body) ? json_deep_copy(body) : json_object();
        resolve_paths(copy, section, dir);
        json_object_set_new(target, name, copy);
    }
    return 0;
}

/* True when buf holds nothing but whitespace and comments: kubectl treats
 * such a file as an empty config. */
static bool blank_yaml(const char *buf, size_t len)
{
    bool comment = false;
    for (const char *p = buf; p < buf + len; p++) {
        if (*p == '\n') comment = false;
        else if (*p == '#') comment = true;
        else if (!comment && *p != ' ' && *p != '\t' && *p != '\r') return false;
    }
    return true;
}

/* Merges one kubeconfig document held in buf (path names it). */
static int merge_buffer(merged *m, const char *buf, size_t len, const char *path, char *err, size_t n)
{
    size_t used = strlen(m->sources);
    snprintf(m->sources + used, sizeof m->sources - used, "%s%s", used ? ":" : "", path);
    if (blank_yaml(buf, len)) return 0;
    wp_yaml_error yerr;
    json_t *doc = wp_yaml_load_one(buf, len, &yerr);
    if (!doc) {
        if (yerr.line)
            errf(err, n, "kubeconfig %s: line %zu column %zu: %s", path, yerr.line, yerr.column, yerr.message);
        else
            errf(err, n, "kubeconfig %s: %s", path, yerr.message);
        return -1;
    }
    int rc = 0;
    if (!json_is_object(doc)) {
        errf(err, n, "kubeconfig %s: not a kubeconfig: the top level is %s, expected a mapping", path,
             wp_yaml_type_name(doc));
        rc = -1;
    }
    char *dir = xstrdup(path);
    char *slash = strrchr(dir, '/');
    if (slash == dir) dir[1] = '\0';
    else if (slash) *slash = '\0';
    else strcpy(dir, ".");
    if (rc == 0 && (merge_section(m, doc, "clusters", "cluster", path, dir, err, n) != 0 ||
                    merge_section(m, doc, "users", "user", path, dir, err, n) != 0 ||
                    merge_section(m, doc, "contexts", "context", path, dir, err, n) != 0))
        rc = -1;
    const char *cc = json_string_value(json_object_get(doc, "current-context"));
    if (rc == 0 && cc && *cc && !m->current_context) m->current_context = xstrdup(cc);
    free(dir);
    json_decref(doc);
    return rc;
}

static int merge_file(merged *m, const char *path, char *err, size_t n)
{
    char ferr[300];
    size_t len;
    char *buf = wp_kubeconfig_read_file(path, WP_KUBECONFIG_MAX_BYTES, &len, ferr, sizeof ferr);
    if (!buf) {
        errf(err, n, "kubeconfig %s", ferr);
        return -1;
    }
    int rc = merge_buffer(m, buf, len, path, err, n);
    free(buf);
    return rc;
}

/* --- building the result ------------------------------------------------ */

/* Reads body[key] as a string. Returns 0 (out NULL when absent or null), or
 * -1 with err filled when it has another type. */
static int get_string(const json_t *body, const char *key, const char *what, const char **out,
                      const merged *m, char *err, size_t n)
{
    const json_t *v = json_object_get(body, key);
    *out = NULL;
    if (!v || json_is_null(v)) return 0;
    if (!json_is_string(v)) {
        errf(err, n, "kubeconfig %s: %s: %s must be a string, found %s", m->sources, what, key,
             wp_yaml_type_name(v));
        return -1;
    }
    *out = json_string_value(v);
    if (!**out) *out = NULL;
    return 0;
}

/* Fills *data from body[data_key] (base64) or else from the file named by
 * body[file_key]; the file's path goes to *file. */
static int load_pem(const json_t *body, const char *data_key, const char *file_key, const char *what,
                    char **data, size_t *len, char **file, const merged *m, char *err, size_t n)
{
    const char *b64, *path;
    if (get_string(body, data_key, what, &b64, m, err, n) || get_string(body, file_key, what, &path, m, err, n))
        return -1;
    if (b64) {
        *data = (char *)wp_base64_decode(b64, strlen(b64), len);
        if (!*data) {
            errf(err, n, "kubeconfig %s: %s: %s is not valid base64", m->sources, what, data_key);
            return -1;
        }
        return 0;
    }
    if (!path) return 0;
    char ferr[300];
    *data = wp_kubeconfig_read_file(path, MAX_PEM_BYTES, len, ferr, sizeof ferr);
    if (!*data) {
        errf(err, n, "kubeconfig %s: %s: %s %s", m->sources, what, file_key, ferr);
        return -1;
    }
    *file = xstrdup(path);
    return 0;
}

static int build_cluster(wp_kubeconfig *cfg, const json_t *cluster, const char *name, const merged *m,
                         char *err, size_t n)
{
    char what[300];
    snprintf(what, sizeof what, "cluster \"%s\"", name);
    const char *server;
    if (get_string(cluster, "server", what, &server, m, err, n)) return -1;
    if (!server) {
        errf(err, n, "kubeconfig %s: %s has no server", m->sources, what);
        return -1;
    }
    size_t sl = strlen(server);
    while (sl > 0 && server[sl - 1] == '/') sl--;
    bool has_scheme = strncmp(server, "https://", 8) == 0 || strncmp(server, "http://", 7) == 0;
    size_t cap = sl + 9;
    cfg->server = wp_xalloc_check(malloc(cap));
    snprintf(cfg->server, cap, "%s%.*s", has_scheme ? "" : "https://", (int)sl, server);
    const json_t *insecure = json_object_get(cluster, "insecure-skip-tls-verify");
    cfg->insecure_skip_tls_verify = json_is_true(insecure);
    if (load_pem(cluster, "certificate-authority-data", "certificate-authority", what, &cfg->ca_data,
                 &cfg->ca_len, &cfg->ca_file, m, err, n))
        return -1;
    if (cfg->insecure_skip_tls_verify && cfg->ca_data) {
        errf(err, n, "kubeconfig %s: %s: a certificate authority together with insecure-skip-tls-verify is not "
             "allowed", m->sources, what);
        return -1;
    }
    return 0;
}

static int build_exec(wp_kubeconfig *cfg, const json_t *exec, const char *what, const merged *m, char *err,
                      size_t n)
{
    wp_kube_exec_config *x = cfg->exec = wp_xalloc_check(calloc(1, sizeof *x));
    const char *api, *cmd, *hint;
    if (get_string(exec, "apiVersion", what, &api, m, err, n) || get_string(exec, "command", what, &cmd, m, err, n) ||
        get_string(exec, "installHint", what, &hint, m, err, n))
        return -1;
    if (!cmd) {
        errf(err, n, "kubeconfig %s: %s: exec plugin has no command", m->sources, what);
        return -1;
    }
    if (!api || (strcmp(api, "client.authentication.k8s.io/v1") != 0 &&
                 strcmp(api, "client.authentication.k8s.io/v1beta1") != 0)) {
        errf(err, n, "kubeconfig %s: %s: exec plugin apiVersion \"%s\" is not supported (use "
             "client.authentication.k8s.io/v1)", m->sources, what, api ? api : "");
        return -1;
    }
    x->api_version = xstrdup(api);
    x->command = xstrdup(cmd);
    x->install_hint = xstrdup(hint);
    x->provide_cluster_info = json_is_true(json_object_get(exec, "provideClusterInfo"));
    const json_t *args = json_object_get(exec, "args"), *env = json_object_get(exec, "env");
    size_t i;
    const json_t *v;
    if (json_is_array(args)) {
        x->args = wp_xalloc_check(calloc(json_array_size(args) + 1, sizeof *x->args));
        json_array_foreach(args, i, v) {
            if (!json_is_string(v)) {
                errf(err, n, "kubeconfig %s: %s: exec args[%zu] must be a string", m->sources, what, i);
                return -1;
            }
            x->args[x->n_args++] = xstrdup(json_string_value(v));
        }
    }
    if (json_is_array(env)) {
        x->env = wp_xalloc_check(calloc(json_array_size(env) + 1, sizeof *x->env));
        json_array_foreach(env, i, v) {
            const char *name = json_string_value(json_object_get(v, "name"));
            const char *value = json_string_value(json_object_get(v, "value"));
            if (!name || !*name || !value) {
                errf(err, n, "kubeconfig %s: %s: exec env[%zu] needs a name and a value", m->sources, what, i);
                return -1;
            }
            x->env[x->n_env].name = xstrdup(name);
            x->env[x->n_env++].value = xstrdup(value);
        }
    }
    return 0;
}

static int build_user(wp_kubeconfig *cfg, const json_t *user, const char *name, const merged *m, char *err,
                      size_t n)
{
    char what[300];
    snprintf(what, sizeof what, "user \"%s\"", name);
    if (json_object_get(user, "auth-provider")) {
        errf(err, n, "kubeconfig %s: %s: auth-provider plugins are not supported (use an exec credential "
             "plugin)", m->sources, what);
        return -1;
    }
    if (load_pem(user, "client-certificate-data", "client-certificate", what, &cfg->cert_data, &cfg->cert_len,
                 &cfg->cert_file, m, err, n) ||
        load_pem(user, "client-key-data", "client-key", what, &cfg->key_data, &cfg->key_len, &cfg->key_file, m,
                 err, n))
        return -1;
    if ((cfg->cert_data != NULL) != (cfg->key_data != NULL)) {
        errf(err, n, "kubeconfig %s: %s: a client certificate needs a client key and vice versa", m->sources,
             what);
        return -1;
    }
    const char *token, *token_file;
    if (get_string(user, "token", what, &token, m, err, n) ||
        get_string(user, "tokenFile", what, &token_file, m, err, n))
        return -1;
    cfg->token = xstrdup(token);
    cfg->token_file = xstrdup(token_file);
    const json_t *exec = json_object_get(user, "exec");
    if (exec && !json_is_null(exec)) {
        if (!json_is_object(exec)) {
            errf(err, n, "kubeconfig %s: %s: exec must be a mapping", m->sources, what);
            return -1;
        }
        if (token || token_file) {
            errf(err, n, "kubeconfig %s: %s: more than one authentication method (token and exec); only one "
                 "is allowed", m->sources, what);
            return -1;
        }
        return build_exec(cfg, exec, what, m, err, n);
    }
    return 0;
}

static void list_names(const json_t *map, char *out, size_t n)
{
    size_t used = 0;
    const char *k;
    json_t *v;
    out[0] = '\0';
    json_object_foreach((json_t *)map, k, v) {
        int w = snprintf(out + used, n - used, "%s%s", used ? ", " : "", k);
        if (w < 0 || (size_t)w >= n - used) break;
        used += (size_t)w;
    }
}

static wp_kubeconfig *build(const merged *m, const char *context, char *err, size_t n)
{
    const char *ctx_name = context && *context ? context : m->current_context;
    if (!ctx_name) {
        errf(err, n, "kubeconfig %s: %s", m->sources,
             json_object_size(m->contexts) ? "no current-context is set; name a context (--context)"
                                           : "no contexts are defined");
        return NULL;
    }
    const json_t *ctx = json_object_get(m->contexts, ctx_name);
    if (!ctx) {
        char names[512];
        list_names(m->contexts, names, sizeof names);
        errf(err, n, "kubeconfig %s: context \"%s\" not found (have: %s)", m->sources, ctx_name,
             *names ? names : "none");
        return NULL;
    }
    char what[300];
    snprintf(what, sizeof what, "context \"%s\"", ctx_name);
    const char *cluster_name, *user_name, *ns;
    if (get_string(ctx, "cluster", what, &cluster_name, m, err, n) ||
        get_string(ctx, "user", what, &user_name, m, err, n) || get_string(ctx, "namespace", what, &ns, m, err, n))
        return NULL;
    const json_t *cluster = cluster_name ? json_object_get(m->clusters, cluster_name) : NULL;
    if (!cluster) {
        errf(err, n, "kubeconfig %s: context \"%s\" refers to cluster \"%s\", which is not defined", m->sources,
             ctx_name, cluster_name ? cluster_name : "");
        return NULL;
    }
    const json_t *user = user_name ? json_object_get(m->users, user_name) : NULL;
    if (user_name && !user) {
        errf(err, n, "kubeconfig %s: context \"%s\" refers to user \"%s\", which is not defined", m->sources,
             ctx_name, user_name);
        return NULL;
    }
    wp_kubeconfig *cfg = wp_xalloc_check(calloc(1, sizeof *cfg));
    size_t sl = strlen(m->sources) + 12;
    cfg->source = wp_xalloc_check(malloc(sl));
    snprintf(cfg->source, sl, "kubeconfig %s", m->sources);
    cfg->context = xstrdup(ctx_name);
    cfg->namespace = xstrdup(ns ? ns : "default");
    if (build_cluster(cfg, cluster, cluster_name, m, err, n) ||
        (user && build_user(cfg, user, user_name, m, err, n))) {
        wp_kubeconfig_free(cfg);
        return NULL;
    }
    return cfg;
}

static void merged_free(merged *m)
{
    json_decref(m->clusters);
    json_decref(m->users);
    json_decref(m->contexts);
    free(m->current_context);
}

wp_kubeconfig *wp_kubeconfig_load_files(const char *const *paths, size_t n_paths, const char *context,
                                        char *err, size_t err_size)
{
    merged m = {json_object(), json_object(), json_object(), NULL, ""};
    wp_kubeconfig *cfg = NULL;
    size_t i;
    for (i = 0; i < n_paths; i++) {
        if (merge_file(&m, paths[i], err, err_size) != 0) break;
    }
    if (i == n_paths) cfg = build(&m, context, err, err_size);
    merged_free(&m);
    return cfg;
}

wp_kubeconfig *wp_kubeconfig_parse(const char *buf, size_t len, const char *name, const char *context, char *err,
                                   size_t err_size)
{
    merged m = {json_object(), json_object(), json_object(), NULL, ""};
    /* the YAML reader wants a terminated buffer; callers may not have one */
    char *copy = wp_xalloc_check(malloc(len + 1));
    memcpy(copy, buf, len);
    copy[len] = '\0';
    wp_kubeconfig *cfg = NULL;
    if (merge_buffer(&m, copy, len, name, err, err_size) == 0) cfg = build(&m, context, err, err_size);
    free(copy);
    merged_free(&m);
    return cfg;
}

/* --- in cluster --------------------------------------------------------- */

wp_kubeconfig *wp_kubeconfig_in_cluster(const char *dir, char *err, size_t err_size)
{
    if (!dir) dir = WP_KUBE_SERVICEACCOUNT_DIR;
    const char *host = getenv("KUBERNETES_SERVICE_HOST"), *port = getenv("KUBERNETES_SERVICE_PORT");
    if (!host || !*host || !port || !*port) {
        errf(err, err_size, "in-cluster %s: KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT must be set", dir);
        return NULL;
    }
    char path[4096], ferr[300];
    wp_kubeconfig *cfg = wp_xalloc_check(calloc(1, sizeof *cfg));
    cfg->in_cluster = true;
    size_t sl = strlen(dir) + 16;
    cfg->source = wp_xalloc_check(malloc(sl));
    snprintf(cfg->source, sl, "in-cluster %s", dir);
    size_t cap = strlen(host) + strlen(port) + 16;
    cfg->server = wp_xalloc_check(malloc(cap));
    /* an IPv6 service address needs brackets in a URL */
    snprintf(cfg->server, cap, strchr(host, ':') ? "https://[%s]:%s" : "https://%s:%s", host, port);

    snprintf(path, sizeof path, "%s/token", dir);
    char *token = wp_kubeconfig_read_file(path, 1u << 16, NULL, ferr, sizeof ferr);
    if (!token) {
        errf(err, err_size, "in-cluster: service account token %s", ferr);
        wp_kubeconfig_free(cfg);
        return NULL;
    }
    free(token); /* readable now; the client re-reads it as it rotates */
    cfg->token_file = xstrdup(path);

    snprintf(path, sizeof path, "%s/ca.crt", dir);
    cfg->ca_data = wp_kubeconfig_read_file(path, MAX_PEM_BYTES, &cfg->ca_len, ferr, sizeof ferr);
    if (!cfg->ca_data) {
        errf(err, err_size, "in-cluster: service account CA %s", ferr);
        wp_kubeconfig_free(cfg);
        return NULL;
    }
    cfg->ca_file = xstrdup(path);

    snprintf(path, sizeof path, "%s/namespace", dir);
    char *ns = wp_kubeconfig_read_file(path, 1024, NULL, ferr, sizeof ferr);
    if (ns) {
        ns[strcspn(ns, " \t\r\n")] = '\0';
        if (*ns) cfg->namespace = ns;
        else free(ns);
    }
    if (!cfg->namespace) cfg->namespace = xstrdup("default");
    return cfg;
}

/* --- resolution order ---------------------------------------------------- */

static bool file_exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

/* $KUBECONFIG: the files that exist, in order, without duplicates. */
static wp_kubeconfig *load_env_list(const char *list, const char *context, char *err, size_t err_size)
{
    char *copy = xstrdup(list);
    const char *paths[64];
    size_t n = 0;
    char *save = NULL;
    for (char *p = strtok_r(copy, ":", &save); p && n < 64; p = strtok_r(NULL, ":", &save)) {
        bool dup = false;
        for (size_t i = 0; i < n; i++) dup = dup || strcmp(paths[i], p) == 0;
        if (!dup && file_exists(p)) paths[n++] = p;
    }
    wp_kubeconfig *cfg = NULL;
    if (n == 0)
        errf(err, err_size, "kubeconfig: none of the files in KUBECONFIG (%s) exists", list);
    else
        cfg = wp_kubeconfig_load_files(paths, n, context, err, err_size);
    free(copy);
    return cfg;
}

wp_kubeconfig *wp_kubeconfig_load(const wp_kubeconfig_opts *opts, char *err, size_t err_size)
{
    wp_kubeconfig_opts none = {0};
    if (!opts) opts = &none;
    if (opts->kubeconfig && *opts->kubeconfig)
        return wp_kubeconfig_load_files(&opts->kubeconfig, 1, opts->context, err, err_size);
    const char *env = getenv("KUBECONFIG");
    if (env && *env) return load_env_list(env, opts->context, err, err_size);
    const char *host = getenv("KUBERNETES_SERVICE_HOST");
    if (host && *host) return wp_kubeconfig_in_cluster(opts->serviceaccount_dir, err, err_size);
    const char *home = getenv("HOME");
    if (home && *home) {
        char path[4096];
        snprintf(path, sizeof path, "%s/.kube/config", home);
        if (file_exists(path)) {
            const char *p = path;
            return wp_kubeconfig_load_files(&p, 1, opts->context, err, err_size);
        }
    }
    errf(err, err_size, "no Kubernetes configuration: no --kubeconfig, KUBECONFIG is unset, not running in a "
         "cluster, and %s/.kube/config does not exist", home ? home : "$HOME");
    return NULL;
}

/* --- copy and free ------------------------------------------------------- */

static char *dup_bytes(const char *s, size_t n)
{
    if (!s) return NULL;
    char *out = wp_xalloc_check(malloc(n + 1));
    memcpy(out, s, n);
    out[n] = '\0';
    return out;
}

static wp_kube_exec_config *copy_exec(const wp_kube_exec_config *x)
{
    wp_kube_exec_config *c = wp_xalloc_check(calloc(1, sizeof *c));
    c->api_version = xstrdup(x->api_version);
    c->command = xstrdup(x->command);
    c->install_hint = xstrdup(x->install_hint);
    c->provide_cluster_info = x->provide_cluster_info;
    c->args = wp_xalloc_check(calloc(x->n_args + 1, sizeof *c->args));
    for (c->n_args = 0; c->n_args < x->n_args; c->n_args++) c->args[c->n_args] = xstrdup(x->args[c->n_args]);
    c->env = wp_xalloc_check(calloc(x->n_env + 1, sizeof *c->env));
    for (c->n_env = 0; c->n_env < x->n_env; c->n_env++) {
        c->env[c->n_env].name = xstrdup(x->env[c->n_env].name);
        c->env[c->n_env].value = xstrdup(x->env[c->n_env].value);
    }
    return c;
}

wp_kubeconfig *wp_kubeconfig_copy(const wp_kubeconfig *s)
{
    wp_kubeconfig *c = wp_xalloc_check(calloc(1, sizeof *c));
    c->source = xstrdup(s->source);
    c->context = xstrdup(s->context);
    c->server = xstrdup(s->server);
    c->namespace = xstrdup(s->namespace);
    c->insecure_skip_tls_verify = s->insecure_skip_tls_verify;
    c->ca_file = xstrdup(s->ca_file);
    c->ca_data = dup_bytes(s->ca_data, s->ca_len);
    c->ca_len = s->ca_len;
    c->cert_file = xstrdup(s->cert_file);
    c->cert_data = dup_bytes(s->cert_data, s->cert_len);
    c->cert_len = s->cert_len;
    c->key_file = xstrdup(s->key_file);
    c->key_data = dup_bytes(s->key_data, s->key_len);
    c->key_len = s->key_len;
    c->token = xstrdup(s->token);
    c->token_file = xstrdup(s->token_file);
    c->exec = s->exec ? copy_exec(s->exec) : NULL;
    c->in_cluster = s->in_cluster;
    return c;
}

static void free_exec(wp_kube_exec_config *x)
{
    if (!x) return;
    free(x->api_version);
    free(x->command);
    free(x->install_hint);
    for (size_t i = 0; i < x->n_args; i++) free(x->args[i]);
    free(x->args);
    for (size_t i = 0; i < x->n_env; i++) {
        free(x->env[i].name);
        free(x->env[i].value);
    }
    free(x->env);
    free(x);
}

void wp_kubeconfig_free(wp_kubeconfig *cfg)
{
    if (!cfg) return;
    free(cfg->source);
    free(cfg->context);
    free(cfg->server);
    free(cfg->namespace);
    free(cfg->ca_file);
    free(cfg->ca_data);
    free(cfg->cert_file);
    free(cfg->cert_data);
    free(cfg->key_file);
    /* the key is a secret: do not leave it in freed memory */
    if (cfg->key_data) explicit_bzero(cfg->key_data, cfg->key_len);
    free(cfg->key_data);
    if (cfg->token) explicit_bzero(cfg->token, strlen(cfg->token));
    free(cfg->token);
    free(cfg->token_file);
    free_exec(cfg->exec);
    free(cfg);
}
