/* Self-managed serving certificate: the API side (Secret, webhook
 * configurations) and the renewal thread. See selfcert.h. */
#include "webhook/selfcert.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/base64.h"
#include "common/file_read.h"
#include "common/file_write.h"
#include "common/log.h"
#include "common/verdict.h"
#include "controller/kube/kube_client.h"
#include "controller/kube/kubeconfig.h"
#include "webhook/selfcert_material.h"

/* The kinds this module writes (not in wpkube's table: only the webhook
 * needs them). */
static const wp_kube_kind secret_kind = {"Secret", "", "v1", "secrets", "v1", true};
static const wp_kube_kind config_kinds[] = {
    {"ValidatingWebhookConfiguration", "admissionregistration.k8s.io", "v1", "validatingwebhookconfigurations",
     "admissionregistration.k8s.io/v1", false},
    {"MutatingWebhookConfiguration", "admissionregistration.k8s.io", "v1", "mutatingwebhookconfigurations",
     "admissionregistration.k8s.io/v1", false},
};

/* Optimistic-concurrency retries of one write in one pass. */
#define WRITE_ATTEMPTS 4
/* Largest certificate or key file read back for comparison. */
#define PEM_MAX (1 << 20)

struct wp_selfcert {
    const wp_selfcert_opts *o;
    wp_selfcert_spec spec;
    wp_kube_client *client;
    wp_kube_cancel *stop;
    pthread_t thread;
    bool running;
};

/* --- the Secret ----------------------------------------------------------- */

static json_t *new_secret(const wp_selfcert *s, const wp_selfcert_material *m)
{
    return json_pack("{s:s, s:s, s:{s:s, s:s, s:{s:s}}, s:s, s:o}", "apiVersion", "v1", "kind", "Secret", "metadata",
                     "name", s->o->secret_name, "namespace", s->o->secret_namespace, "labels",
                     "app.kubernetes.io/managed-by", "warmpool-webhook", "type", "kubernetes.io/tls", "data",
                     wp_selfcert_material_to_data(m));
}

/* The Secret, created with fresh material when absent. On AlreadyExists
 * another replica created it between our GET and POST: read theirs. */
static json_t *get_or_create(wp_selfcert *s, wp_kube_error *err)
{
    json_t *secret = wp_kube_get(s->client, &secret_kind, s->o->secret_namespace, s->o->secret_name, err);
    if (secret || err->rc != WP_KUBE_ENOTFOUND) return secret;
    char why[256];
    wp_selfcert_material *m = wp_selfcert_material_make(&s->spec, NULL, true, why, sizeof why);
    if (!m) {
        wp_kube_error_set(err, WP_KUBE_EINVAL, "generating the certificate: %s", why);
        return NULL;
    }
    json_t *obj = new_secret(s, m);
    wp_selfcert_material_free(m);
    secret = wp_kube_create(s->client, &secret_kind, s->o->secret_namespace, obj, err);
    json_decref(obj);
    if (secret) {
        wp_log(WP_LOG_INFO, "self-managed certificate created", "secret", s->o->secret_name, NULL);
        return secret;
    }
    if (err->rc != WP_KUBE_EEXISTS) return NULL;
    wp_log(WP_LOG_INFO, "another replica created the certificate first; using it", "secret", s->o->secret_name,
           NULL);
    return wp_kube_get(s->client, &secret_kind, s->o->secret_namespace, s->o->secret_name, err);
}

/* Replaces the Secret's data with renewed material under the
 * resourceVersion in secret. Returns the stored Secret or NULL (err). */
static json_t *renew(wp_selfcert *s, json_t *secret, const wp_selfcert_material *prev, bool new_ca, const char *why,
                     wp_kube_error *err)
{
    char e[256];
    wp_selfcert_material *m = wp_selfcert_material_make(&s->spec, prev, new_ca, e, sizeof e);
    if (!m) {
        wp_kube_error_set(err, WP_KUBE_EINVAL, "renewing the certificate: %s", e);
        return NULL;
    }
    json_t *upd = json_deep_copy(secret);
    json_object_set_new(upd, "data", wp_selfcert_material_to_data(m));
    json_object_set_new(upd, "type", json_string("kubernetes.io/tls"));
    wp_selfcert_material_free(m);
    json_t *out = wp_kube_update(s->client, &secret_kind, upd, err);
    json_decref(upd);
    if (out) wp_log(WP_LOG_INFO, "self-managed certificate renewed", "reason", why, "newCA", new_ca ? "true" : "false", NULL);
    return out;
}

/* The current material, renewed when stale; NULL with err. */
static wp_selfcert_material *current_material(wp_selfcert *s, wp_kube_error *err)
{
    json_t *secret = get_or_create(s, err);
    for (int attempt = 0; secret && attempt < WRITE_ATTEMPTS; attempt++) {
        char why[256] = "";
        wp_selfcert_material *m = wp_selfcert_material_from_data(json_object_get(secret, "data"), why, sizeof why);
        bool new_ca = m == NULL;
        const char *stale = m ? wp_selfcert_material_stale(m, &s->spec, time(NULL), &new_ca) : why;
        if (!stale) {
            json_decref(secret);
            return m;
        }
        json_t *renewed = renew(s, secret, m, new_ca, stale, err);
        wp_selfcert_material_free(m);
        json_decref(secret);
        secret = renewed;
        if (!secret && err->rc == WP_KUBE_ECONFLICT) /* another replica renewed first */
            secret = wp_kube_get(s->client, &secret_kind, s->o->secret_namespace, s->o->secret_name, err);
    }
    if (secret) wp_kube_error_set(err, WP_KUBE_ECONFLICT, "the Secret kept changing under us");
    json_decref(secret);
    return NULL;
}

/* --- webhook configurations ---------------------------------------------- */

/* Sets caBundle on every webhook of cfg; true when one changed. */
static bool set_bundle(json_t *cfg, const char *bundle)
{
    bool changed = false;
    size_t i;
    json_t *hook;
    json_array_foreach(json_object_get(cfg, "webhooks"), i, hook) {
        json_t *cc = json_object_get(hook, "clientConfig");
        if (!json_is_object(cc)) continue;
        const char *have = json_string_value(json_object_get(cc, "caBundle"));
        if (have && strcmp(have, bundle) == 0) continue;
        json_object_set_new(cc, "caBundle", json_string(bundle));
        changed = true;
    }
    return changed;
}

/* Puts bundle (base64 PEM) into one configuration. 0 when done or the
 * configuration does not exist (yet); -1 with err. */
static int patch_configuration(wp_selfcert *s, const wp_kube_kind *kind, const char *bundle, wp_kube_error *err)
{
    for (int attempt = 0; attempt < WRITE_ATTEMPTS; attempt++) {
        json_t *cfg = wp_kube_get(s->client, kind, NULL, s->o->webhook_configuration, err);
        if (!cfg) return err->rc == WP_KUBE_ENOTFOUND ? 0 : -1;
        json_t *out = NULL;
        if (set_bundle(cfg, bundle)) {
            out = wp_kube_update(s->client, kind, cfg, err);
            if (out) wp_log(WP_LOG_INFO, "caBundle updated", "kind", kind->kind, "name", s->o->webhook_configuration, NULL);
        } else {
            out = json_incref(cfg);
        }
        json_decref(cfg);
        json_decref(out);
        if (out) return 0;
        if (err->rc != WP_KUBE_ECONFLICT) return -1;
    }
    return -1;
}

static int patch_configurations(wp_selfcert *s, const wp_selfcert_material *m, wp_kube_error *err)
{
    if (!s->o->webhook_configuration || !*s->o->webhook_configuration) return 0;
    char *bundle = wp_base64_encode_alloc(m->ca_pem, strlen(m->ca_pem));
    int rc = 0;
    for (size_t i = 0; i < sizeof config_kinds / sizeof *config_kinds && rc == 0; i++)
        rc = patch_configuration(s, &config_kinds[i], bundle, err);
    free(bundle);
    return rc;
}

/* --- files ---------------------------------------------------------------- */

static bool file_has(const char *path, const char *text)
{
    char e[128];
    size_t len = 0;
    char *have = wp_file_read_regular(path, PEM_MAX, &len, NULL, e, sizeof e);
    bool same = have && len == strlen(text) && memcmp(have, text, len) == 0;
    free(have);
    return same;
}

/* Writes the key, then the certificate (the reloader refuses a pair that
 * does not match and keeps the previous one until both are new). */
static int write_files(wp_selfcert *s, const wp_selfcert_material *m, wp_kube_error *err)
{
    if (file_has(s->o->cert_file, m->leaf_pem) && file_has(s->o->key_file, m->leaf_key_pem)) return 0;
    char e[256];
    if (wp_file_write_atomic(s->o->key_file, m->leaf_key_pem, strlen(m->leaf_key_pem), WP_WRITE_WITH_MODE, 0600, e,
                             sizeof e) != 0 ||
        wp_file_write_atomic(s->o->cert_file, m->leaf_pem, strlen(m->leaf_pem), WP_WRITE_WITH_MODE, 0644, e,
                             sizeof e) != 0) {
        wp_kube_error_set(err, WP_KUBE_EINVAL, "%s", e);
        return -1;
    }
    return 0;
}

/* --- passes and the thread ------------------------------------------------ */

/* One pass (selfcert.h). 0, or -1 with err. */
static int sync_once(wp_selfcert *s, wp_kube_error *err)
{
    wp_selfcert_material *m = current_material(s, err);
    if (!m) return -1;
    int rc = patch_configurations(s, m, err);
    if (rc == 0) rc = write_files(s, m, err);
    wp_selfcert_material_free(m);
    return rc;
}

static void *renewal_thread(void *arg)
{
    wp_selfcert *s = arg;
    while (!wp_kube_cancel_sleep(s->stop, (double)s->o->interval_ms / 1000.0)) {
        wp_kube_error err = WP_KUBE_ERROR_INIT;
        if (sync_once(s, &err) != 0)
            wp_log(WP_LOG_WARN, "self-managed certificate: pass failed; retrying next interval", "error", err.message,
                   NULL);
        wp_kube_error_clear(&err);
    }
    return NULL;
}

static wp_kube_client *connect_api(const wp_selfcert_opts *o, char *err, size_t err_size)
{
    wp_kubeconfig_opts ko = {.kubeconfig = o->kubeconfig, .context = o->context};
    wp_kubeconfig *kc = wp_kubeconfig_load(&ko, err, err_size);
    if (!kc) return NULL;
    wp_kube_error e = WP_KUBE_ERROR_INIT;
    wp_kube_client_opts co = {.request_timeout = 10, .max_retries = 3};
    wp_kube_client *c = wp_kube_client_new(kc, &co, &e);
    wp_kubeconfig_free(kc);
    if (!c) snprintf(err, err_size, "%s", e.message);
    wp_kube_error_clear(&e);
    return c;
}

void wp_selfcert_stop(wp_selfcert *s)
{
    if (!s) return;
    wp_kube_cancel_fire(s->stop);
    if (s->running) pthread_join(s->thread, NULL);
    wp_kube_cancel_free(s->stop);
    wp_kube_client_free(s->client);
    free(s);
}

/* Runs passes until one succeeds or deadline_ms passed (1 s apart). */
static int first_pass(wp_selfcert *s, long long deadline_ms, char *err, size_t err_size)
{
    for (long long waited = 0;; waited += 1000) {
        wp_kube_error e = WP_KUBE_ERROR_INIT;
        int rc = sync_once(s, &e);
        if (rc != 0) snprintf(err, err_size, "self-managed certificate: %s", e.message);
        wp_kube_error_clear(&e);
        if (rc == 0) return 0;
        if (waited >= deadline_ms || wp_kube_cancel_sleep(s->stop, 1.0)) return -1;
        wp_log(WP_LOG_WARN, "self-managed certificate not ready; retrying", "error", err, NULL);
    }
}

wp_selfcert *wp_selfcert_start(const wp_selfcert_opts *o, long long deadline_ms, char *err, size_t err_size)
{
    wp_selfcert *s = wp_xalloc_check(calloc(1, sizeof *s));
    s->o = o;
    s->spec = (wp_selfcert_spec){o->hosts, o->n_hosts, o->cert_days, o->ca_days};
    s->stop = wp_kube_cancel_new();
    if (!(s->client = connect_api(o, err, err_size)) || first_pass(s, deadline_ms, err, err_size) != 0) {
        wp_selfcert_stop(s);
        return NULL;
    }
    if (pthread_create(&s->thread, NULL, renewal_thread, s) != 0) {
        snprintf(err, err_size, "cannot start the certificate renewal thread");
        wp_selfcert_stop(s);
        return NULL;
    }
    s->running = true;
    return s;
}
