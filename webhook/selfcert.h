/* Self-managed serving certificate (--self-managed-secret): the webhook
 * keeps its own CA and serving certificate in a Secret that every replica
 * shares, and the CA bundle in both webhook configurations.
 *
 * One pass (wp_selfcert_sync):
 *   1. GET the Secret; 404 → generate a CA and a serving certificate and
 *      create it; 409 AlreadyExists → another replica won the race: GET
 *      and use theirs. So replicas that start together end up with one
 *      certificate.
 *   2. Unreadable material, or a certificate or CA with less than a third
 *      of its validity left, or hosts not covered → renew (the CA stays
 *      unless it is itself stale; a new CA joins the bundle beside the old
 *      one) and PUT under the resourceVersion read; 409 Conflict → another
 *      replica renewed first: read theirs.
 *   3. Put the bundle into every webhook of the Validating and Mutating
 *      configurations named --self-managed-webhook-configuration (GET, PUT
 *      under resourceVersion; a configuration not created yet is skipped
 *      until the next pass).
 *   4. Only then write tls.crt/tls.key (atomically) where the server's
 *      reloader reads them: the API server trusts the CA before any replica
 *      serves a certificate it signed, so a renewal never refuses a call.
 * wp_selfcert_start runs pass 1 until it succeeds (or the deadline), then
 * a thread repeats it every interval.
 *
 * Thread-safety: one thread runs the passes; start/stop from the main thread. */
#ifndef WP_SELFCERT_H
#define WP_SELFCERT_H

#include <stddef.h>

typedef struct {
    const char *kubeconfig;         /* NULL: $KUBECONFIG, in-cluster, ~/.kube/config */
    const char *context;
    const char *secret_namespace;
    const char *secret_name;
    const char *const *hosts;       /* SANs (DNS names or IPs) */
    size_t n_hosts;
    const char *webhook_configuration; /* both configurations' name; NULL/"" = none */
    const char *cert_file, *key_file;  /* written when the Secret's certificate changes */
    int cert_days, ca_days;
    long long interval_ms;
} wp_selfcert_opts;

typedef struct wp_selfcert wp_selfcert;

/* Connects, runs passes until one succeeds or deadline_ms passed, then
 * starts the renewal thread. opts and what it points to must outlive the
 * result. Returns NULL with err filled. Stop with wp_selfcert_stop. */
wp_selfcert *wp_selfcert_start(const wp_selfcert_opts *opts, long long deadline_ms, char *err, size_t err_size);

/* Stops the thread (at once, even mid-sleep) and frees s. NULL is fine. */
void wp_selfcert_stop(wp_selfcert *s);

#endif
