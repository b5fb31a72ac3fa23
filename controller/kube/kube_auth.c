/* Request credentials: static token, rotating token file, exec plugin.
 * See kube_auth.h. */
#include "controller/kube/kube_auth.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/verdict.h"
#include "controller/kube/kube_time.h"

/* An exec credential is refreshed this long before it expires, so a
 * request does not leave with a token that dies in flight. */
#define EXPIRY_MARGIN_SECONDS 10.0

struct wp_kube_auth {
    pthread_mutex_t mu;
    char *static_token;
    char *token_file;
    wp_kube_exec_config *exec;       /* owned copy (inside cfg_copy) */
    wp_kubeconfig *cfg_copy;         /* for the exec plugin's cluster info */
    double reread_seconds, exec_timeout;

    /* cache, under mu */
    bool valid;
    double fetched_at;               /* monotonic */
    wp_kube_exec_cred cred;          /* token file: only .token is used */
    unsigned long generation;
};

static char *xstrdup(const char *s) { return s ? wp_xalloc_check(strdup(s)) : NULL; }

void wp_kube_creds_clear(wp_kube_creds *c)
{
    wp_kube_exec_cred_clear(&c->cred);
    c->generation = 0;
}

wp_kube_auth *wp_kube_auth_new(const wp_kubeconfig *cfg, double reread_seconds, double exec_timeout)
{
    wp_kube_auth *a = wp_xalloc_check(calloc(1, sizeof *a));
    pthread_mutex_init(&a->mu, NULL);
    a->static_token = xstrdup(cfg->token);
    a->token_file = xstrdup(cfg->token_file);
    if (cfg->exec) {
        a->cfg_copy = wp_kubeconfig_copy(cfg);
        a->exec = a->cfg_copy->exec;
    }
    a->reread_seconds = reread_seconds;
    a->exec_timeout = exec_timeout;
    return a;
}

void wp_kube_auth_free(wp_kube_auth *a)
{
    if (!a) return;
    wp_kube_exec_cred_clear(&a->cred);
    if (a->static_token) explicit_bzero(a->static_token, strlen(a->static_token));
    free(a->static_token);
    free(a->token_file);
    wp_kubeconfig_free(a->cfg_copy);
    pthread_mutex_destroy(&a->mu);
    free(a);
}

static bool cache_fresh(const wp_kube_auth *a, double now)
{
    if (!a->valid) return false;
    if (a->exec) return a->cred.expires == 0 || wp_kube_wallclock() < a->cred.expires - EXPIRY_MARGIN_SECONDS;
    return now - a->fetched_at < a->reread_seconds;
}

/* Re-reads the token file. Caller holds mu. */
static int refresh_token_file(wp_kube_auth *a, double now, char *err, size_t n)
{
    char ferr[300];
    char *text = wp_kubeconfig_read_file(a->token_file, 1u << 16, NULL, ferr, sizeof ferr);
    if (text) text[strcspn(text, "\r\n")] = '\0';
    if (!text || !*text) {
        free(text);
        if (a->cred.token) {
            /* keep the last good token (a rotation may be half-written);
             * try again on the next request rather than after a full period */
            return 0;
        }
        snprintf(err, n, "token file %s", text ? "is empty" : ferr);
        return -1;
    }
    if (!a->cred.token || strcmp(a->cred.token, text) != 0) a->generation++;
    wp_kube_exec_cred_clear(&a->cred);
    a->cred.token = text;
    a->valid = true;
    a->fetched_at = now;
    return 0;
}

/* Runs the exec plugin. Caller holds mu (one run at a time). */
static int refresh_exec(wp_kube_auth *a, double now, char *err, size_t n)
{
    wp_kube_exec_cluster cluster = {a->cfg_copy->server, a->cfg_copy->ca_data, a->cfg_copy->ca_len,
                                    a->cfg_copy->insecure_skip_tls_verify};
    wp_kube_exec_cred fresh;
    if (wp_kube_exec_run(a->exec, &cluster, a->exec_timeout, &fresh, err, n) != 0) return -1;
    wp_kube_exec_cred_clear(&a->cred);
    a->cred = fresh;
    a->valid = true;
    a->fetched_at = now;
    a->generation++;
    return 0;
}

int wp_kube_auth_get(wp_kube_auth *a, wp_kube_creds *out, char *err, size_t err_size)
{
    memset(out, 0, sizeof *out);
    pthread_mutex_lock(&a->mu);
    int rc = 0;
    double now = wp_kube_monotonic();
    if ((a->token_file || a->exec) && !cache_fresh(a, now))
        rc = a->exec ? refresh_exec(a, now, err, err_size) : refresh_token_file(a, now, err, err_size);
    if (rc == 0) {
        if (a->token_file || a->exec) {
            out->cred.token = xstrdup(a->cred.token);
            out->cred.cert_pem = xstrdup(a->cred.cert_pem);
            out->cred.key_pem = xstrdup(a->cred.key_pem);
        } else {
            out->cred.token = xstrdup(a->static_token);
        }
        out->generation = a->generation;
    }
    pthread_mutex_unlock(&a->mu);
    return rc;
}

void wp_kube_auth_invalidate(wp_kube_auth *a, unsigned long generation)
{
    pthread_mutex_lock(&a->mu);
    if (generation == a->generation) a->valid = false;
    pthread_mutex_unlock(&a->mu);
}
