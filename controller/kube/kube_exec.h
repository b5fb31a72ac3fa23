/* exec credential plugins (client.authentication.k8s.io/v1): run the
 * configured command and read the ExecCredential it prints.
 *
 * The command runs with the configured args, the process environment plus
 * the configured env, and KUBERNETES_EXEC_INFO holding an ExecCredential
 * with spec.interactive=false (and spec.cluster when provideClusterInfo is
 * set). stdin is /dev/null: a controller has no one to answer prompts.
 * Caching and re-running on 401 is the caller's (kube_auth.c). */
#ifndef WP_KUBE_EXEC_H
#define WP_KUBE_EXEC_H

#include <stdbool.h>
#include <stddef.h>

#include "controller/kube/kubeconfig.h"

#define WP_KUBE_EXEC_MAX_OUTPUT (1u << 20)

/* What the plugin returned. Strings owned; NULL when absent. */
typedef struct {
    char *token;
    char *cert_pem;   /* status.clientCertificateData (PEM text) */
    char *key_pem;    /* status.clientKeyData */
    double expires;   /* status.expirationTimestamp, wall-clock seconds; 0 = none */
} wp_kube_exec_cred;

void wp_kube_exec_cred_clear(wp_kube_exec_cred *c);

/* Cluster information passed when provideClusterInfo is set. Borrowed. */
typedef struct {
    const char *server;
    const char *ca_data;
    size_t ca_len;
    bool insecure_skip_tls_verify;
} wp_kube_exec_cluster;

/* Runs the plugin (at most timeout_seconds; then it is killed) and parses
 * its output. Returns 0 with *out filled (caller clears), or -1 with err
 * naming the command and the problem (exit status and the first line of
 * its stderr, or the install hint when the command does not exist). */
int wp_kube_exec_run(const wp_kube_exec_config *x, const wp_kube_exec_cluster *cluster,
                     double timeout_seconds, wp_kube_exec_cred *out, char *err, size_t err_size);

/* Parses a plugin's stdout (untrusted). The ExecCredential's apiVersion
 * must equal api_version. Returns 0 with *out filled (caller clears), or -1
 * with err filled. */
int wp_kube_exec_parse(const char *output, size_t len, const char *api_version, wp_kube_exec_cred *out,
                       char *err, size_t err_size);

#endif
