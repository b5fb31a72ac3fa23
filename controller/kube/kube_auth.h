/* Credentials for each request, kept fresh.
 *
 * Sources, from the configuration: a static bearer token; a token file
 * (service-account tokens rotate: the file is re-read at most every
 * `reread_seconds`, and at once after a 401); an exec plugin (its
 * credential is cached until expirationTimestamp, and re-run after a 401).
 * A static client certificate is the transport's business, not this one's;
 * an exec plugin's certificate comes through here because it can change.
 *
 * Thread-safe. Each credential snapshot has a generation number: after a
 * 401 the caller invalidates the generation it used, so when many requests
 * fail with the same stale token only one refresh happens. */
#ifndef WP_KUBE_AUTH_H
#define WP_KUBE_AUTH_H

#include <stddef.h>

#include "controller/kube/kube_exec.h"
#include "controller/kube/kubeconfig.h"

typedef struct wp_kube_auth wp_kube_auth;

/* One request's credentials: cred.token, cred.cert_pem and cred.key_pem
 * (NULL when not used; owned: clear with wp_kube_creds_clear) and the
 * generation they belong to. */
typedef struct {
    wp_kube_exec_cred cred;
    unsigned long generation;
} wp_kube_creds;

void wp_kube_creds_clear(wp_kube_creds *c);

/* A provider for cfg (copied what it needs; cfg is borrowed for the call).
 * exec_timeout: seconds a plugin may run. Caller frees. */
wp_kube_auth *wp_kube_auth_new(const wp_kubeconfig *cfg, double reread_seconds, double exec_timeout);
void wp_kube_auth_free(wp_kube_auth *a);

/* Current credentials. Returns 0 with *out filled (caller clears), or -1
 * with err filled when none can be obtained (the token file is unreadable
 * and was never read, or the plugin fails). A token file that cannot be
 * re-read keeps the last good token. */
int wp_kube_auth_get(wp_kube_auth *a, wp_kube_creds *out, char *err, size_t err_size);

/* The server rejected credentials of `generation`: refresh them on the next
 * get (no-op when they were refreshed since). */
void wp_kube_auth_invalidate(wp_kube_auth *a, unsigned long generation);

#endif
