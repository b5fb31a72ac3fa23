/* Where the API server is and how to authenticate: kubeconfig files or the
 * in-cluster service account, resolved the way kubectl and controller-runtime
 * resolve them.
 *
 * Order (wp_kubeconfig_load):
 *   1. opts.kubeconfig (--kubeconfig): exactly that file; it must exist.
 *   2. $KUBECONFIG: a ':'-separated list; missing files are skipped (as
 *      kubectl does), the rest are merged: for clusters, users and contexts
 *      the first file that defines a name wins; current-context comes from
 *      the first file that sets one.
 *   3. In cluster, when KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT
 *      are set: the service account's token, ca.crt and namespace under
 *      opts.serviceaccount_dir (default WP_KUBE_SERVICEACCOUNT_DIR).
 *   4. ~/.kube/config ($HOME).
 * Relative paths in a file (certificate-authority, client-certificate,
 * client-key, tokenFile, an exec command containing '/') are relative to
 * that file's directory. CA, certificate and key files are read at load
 * time (so a bad path is reported now, naming the file); token files are
 * re-read by the client while it runs, because they rotate.
 *
 * Errors: functions return NULL and write one line into err naming the file
 * (or files) and the problem, e.g.
 *   kubeconfig /home/a/.kube/config: context "prod" not found (have: dev, kind-kind)
 */
#ifndef WP_KUBECONFIG_H
#define WP_KUBECONFIG_H

#include <stdbool.h>
#include <stddef.h>

#define WP_KUBE_SERVICEACCOUNT_DIR "/var/run/secrets/kubernetes.io/serviceaccount"
#define WP_KUBECONFIG_MAX_BYTES (4u << 20)

typedef struct {
    char *name;
    char *value;
} wp_kube_env_var;

/* users[].user.exec: a client.authentication.k8s.io credential plugin. */
typedef struct {
    char *api_version;  /* client.authentication.k8s.io/v1 (or v1beta1) */
    char *command;      /* absolute when the file gave a relative path with '/' */
    char **args;
    size_t n_args;
    wp_kube_env_var *env;
    size_t n_env;
    char *install_hint; /* may be NULL */
    bool provide_cluster_info;
} wp_kube_exec_config;

/* Everything a client needs. Every pointer is owned by the struct; NULL
 * when not configured. */
typedef struct {
    char *source;     /* "kubeconfig a:b" or "in-cluster <dir>": for messages */
    char *context;    /* context used; NULL in cluster */
    char *server;     /* "https://host:port" (no trailing slash) */
    char *namespace;  /* the context's namespace, else "default" */
    bool insecure_skip_tls_verify;
    char *ca_file;    /* where ca_data came from, if a file */
    char *ca_data;    /* PEM, NUL-terminated; ca_len bytes */
    size_t ca_len;
    char *cert_file;
    char *cert_data;  /* client certificate PEM */
    size_t cert_len;
    char *key_file;
    char *key_data;   /* client key PEM */
    size_t key_len;
    char *token;      /* static bearer token */
    char *token_file; /* re-read while running; wins over token */
    wp_kube_exec_config *exec;
    bool in_cluster;
} wp_kubeconfig;

typedef struct {
    const char *kubeconfig;        /* explicit file (--kubeconfig), or NULL */
    const char *context;           /* explicit context (--context), or NULL */
    const char *serviceaccount_dir;/* NULL: WP_KUBE_SERVICEACCOUNT_DIR */
} wp_kubeconfig_opts;

/* Resolves the configuration in the order above. Returns a new config
 * (caller frees with wp_kubeconfig_free) or NULL with err filled. opts may
 * be NULL. */
wp_kubeconfig *wp_kubeconfig_load(const wp_kubeconfig_opts *opts, char *err, size_t err_size);

/* Merges the given files (in order, kubectl's rules) and selects context
 * (NULL: current-context). Every file must exist. */
wp_kubeconfig *wp_kubeconfig_load_files(const char *const *paths, size_t n, const char *context,
                                        char *err, size_t err_size);

/* Parses one kubeconfig held in memory (untrusted), as if read from the
 * file `name` (used in messages and to resolve relative paths), and
 * selects context (NULL: current-context). */
wp_kubeconfig *wp_kubeconfig_parse(const char *buf, size_t len, const char *name, const char *context, char *err,
                                   size_t err_size);

/* The in-cluster configuration from dir (NULL: the default) and
 * KUBERNETES_SERVICE_HOST/PORT. */
wp_kubeconfig *wp_kubeconfig_in_cluster(const char *dir, char *err, size_t err_size);

/* A deep copy (caller frees). */
wp_kubeconfig *wp_kubeconfig_copy(const wp_kubeconfig *cfg);
void wp_kubeconfig_free(wp_kubeconfig *cfg);

/* Reads a whole small file (at most max bytes) into a NUL-terminated
 * malloc'd buffer (caller frees); NULL with err naming the path on failure.
 * Shared by the loaders and the token-file re-reader. */
char *wp_kubeconfig_read_file(const char *path, size_t max, size_t *len, char *err, size_t err_size);

#endif
