/* The self-managed certificate material (webhook/selfcert.h): a CA and the
 * serving certificate it signs, as PEM text and as OpenSSL objects, and
 * their form in a Secret's data (ca.crt, ca.key, tls.crt, tls.key, base64).
 *
 * ca.crt is the CA bundle the webhook configurations trust: the CA that
 * signs now, then the previous CA while it is still valid (a CA rotation
 * keeps trusting certificates the previous CA signed until they are gone).
 *
 * Ownership: a wp_selfcert_material owns everything it points to; free it
 * with wp_selfcert_material_free. */
#ifndef WP_SELFCERT_MATERIAL_H
#define WP_SELFCERT_MATERIAL_H

#include <jansson.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <stdbool.h>
#include <stddef.h>
#include <time.h>

typedef struct {
    X509 *ca;          /* the CA that signs (first in ca_pem) */
    EVP_PKEY *ca_key;
    X509 *leaf;        /* the serving certificate */
    EVP_PKEY *leaf_key;
    char *ca_pem;      /* the bundle */
    char *ca_key_pem;
    char *leaf_pem;
    char *leaf_key_pem;
} wp_selfcert_material;

typedef struct {
    const char *const *hosts; /* SANs: DNS names or IP addresses; hosts[0] is the common name */
    size_t n_hosts;
    int cert_days;            /* serving certificate validity */
    int ca_days;              /* CA validity */
} wp_selfcert_spec;

/* A new serving certificate for spec. With prev NULL, or when new_ca, a new
 * CA too (prev's CA stays in the bundle while valid); otherwise prev's CA
 * signs. Returns a new material or NULL with err filled. */
wp_selfcert_material *wp_selfcert_material_make(const wp_selfcert_spec *spec, const wp_selfcert_material *prev,
                                                bool new_ca, char *err, size_t err_size);

/* The material in a Secret's `data` (borrowed), or NULL with err saying
 * what is missing or wrong (then the Secret is replaced). */
wp_selfcert_material *wp_selfcert_material_from_data(const json_t *data, char *err, size_t err_size);

/* A new `data` object for a Secret (caller json_decref()s). */
json_t *wp_selfcert_material_to_data(const wp_selfcert_material *m);

/* Why m must be renewed at `now` (a static string), or NULL when it is
 * fine: the serving certificate has less than a third of its validity
 * left, does not cover every host, or was not signed by the CA; the CA has
 * less than a third of its validity left (*new_ca set). */
const char *wp_selfcert_material_stale(const wp_selfcert_material *m, const wp_selfcert_spec *spec, time_t now,
                                       bool *new_ca);

void wp_selfcert_material_free(wp_selfcert_material *m);

#endif
