/* Self-managed certificate material: generation, Secret data, staleness.
 * See selfcert_material.h. */
#include "webhook/selfcert_material.h"

#include <arpa/inet.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>
#include <stdlib.h>
#include <string.h>

#include "common/base64.h"
#include "common/verdict.h"
#include "webhook/x509_gen.h"

/* --- PEM in memory -------------------------------------------------------- */

/* The bytes written to a memory BIO by write, NUL-terminated (caller frees). */
static char *bio_text(BIO *bio)
{
    char *data = NULL;
    long n = BIO_get_mem_data(bio, &data);
    char *out = wp_xalloc_check(malloc((size_t)n + 1));
    memcpy(out, data, (size_t)n);
    out[n] = '\0';
    return out;
}

static char *cert_pem(X509 *cert)
{
    BIO *bio = BIO_new(BIO_s_mem());
    if (!bio || !PEM_write_bio_X509(bio, cert)) {
        BIO_free(bio);
        return NULL;
    }
    char *out = bio_text(bio);
    BIO_free(bio);
    return out;
}

static char *key_pem(EVP_PKEY *key)
{
    BIO *bio = BIO_new(BIO_s_mem());
    if (!bio || !PEM_write_bio_PrivateKey(bio, key, NULL, NULL, 0, NULL, NULL)) {
        BIO_free(bio);
        return NULL;
    }
    char *out = bio_text(bio);
    BIO_free(bio);
    return out;
}

/* The first certificate of pem, or NULL. */
static X509 *pem_cert(const char *pem)
{
    BIO *bio = BIO_new_mem_buf(pem, -1);
    X509 *cert = bio ? PEM_read_bio_X509(bio, NULL, NULL, NULL) : NULL;
    BIO_free(bio);
    return cert;
}

static EVP_PKEY *pem_key(const char *pem)
{
    BIO *bio = BIO_new_mem_buf(pem, -1);
    EVP_PKEY *key = bio ? PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL) : NULL;
    BIO_free(bio);
    return key;
}

/* Seconds from now until cert's notAfter (negative once expired). */
static long long seconds_left(X509 *cert, time_t now)
{
    int days = 0, secs = 0;
    ASN1_TIME *t = ASN1_TIME_adj(NULL, now, 0, 0);
    bool ok = t && ASN1_TIME_diff(&days, &secs, t, X509_get0_notAfter(cert));
    ASN1_TIME_free(t);
    return ok ? (long long)days * 86400 + secs : -1;
}

static long long lifetime(X509 *cert)
{
    int days = 0, secs = 0;
    if (!ASN1_TIME_diff(&days, &secs, X509_get0_notBefore(cert), X509_get0_notAfter(cert))) return 0;
    return (long long)days * 86400 + secs;
}

/* --- generation ----------------------------------------------------------- */

static bool is_ip(const char *host)
{
    unsigned char buf[16];
    return inet_pton(AF_INET, host, buf) == 1 || inet_pton(AF_INET6, host, buf) == 1;
}

void wp_selfcert_material_free(wp_selfcert_material *m)
{
    if (!m) return;
    X509_free(m->ca);
    EVP_PKEY_free(m->ca_key);
    X509_free(m->leaf);
    EVP_PKEY_free(m->leaf_key);
    free(m->ca_pem);
    free(m->ca_key_pem);
    free(m->leaf_pem);
    free(m->leaf_key_pem);
    free(m);
}

/* The bundle after a rotation: the new CA, then prev's signing CA while it
 * is still valid (older ones are dropped). Caller frees. */
static char *rotated_bundle(const char *new_ca_pem, const wp_selfcert_material *prev, time_t now)
{
    if (!prev || seconds_left(prev->ca, now) <= 0) return wp_xalloc_check(strdup(new_ca_pem));
    char *old = cert_pem(prev->ca);
    size_t a = strlen(new_ca_pem), b = old ? strlen(old) : 0;
    char *out = wp_xalloc_check(malloc(a + b + 1));
    memcpy(out, new_ca_pem, a);
    if (old) memcpy(out + a, old, b);
    out[a + b] = '\0';
    free(old);
    return out;
}

static int make_ca(wp_selfcert_material *m, const wp_selfcert_spec *spec, const wp_selfcert_material *prev,
                   char *err, size_t err_size)
{
    char cn[128];
    snprintf(cn, sizeof cn, "warmpool-webhook-ca-%ld", (long)time(NULL));
    if (!(m->ca_key = wp_x509_new_key())) {
        snprintf(err, err_size, "cannot generate a CA key");
        return -1;
    }
    if (!(m->ca = wp_x509_make_ca(m->ca_key, cn, spec->ca_days, err, err_size))) return -1;
    char *pem = cert_pem(m->ca);
    m->ca_key_pem = key_pem(m->ca_key);
    if (!pem || !m->ca_key_pem) {
        free(pem);
        snprintf(err, err_size, "cannot encode the CA");
        return -1;
    }
    m->ca_pem = rotated_bundle(pem, prev, time(NULL));
    free(pem);
    return 0;
}

static int keep_ca(wp_selfcert_material *m, const wp_selfcert_material *prev)
{
    X509_up_ref(prev->ca);
    m->ca = prev->ca;
    EVP_PKEY_up_ref(prev->ca_key);
    m->ca_key = prev->ca_key;
    m->ca_pem = wp_xalloc_check(strdup(prev->ca_pem));
    m->ca_key_pem = wp_xalloc_check(strdup(prev->ca_key_pem));
    return 0;
}

static int make_leaf(wp_selfcert_material *m, const wp_selfcert_spec *spec, char *err, size_t err_size)
{
    const char *dns[32], *ips[32];
    wp_x509_leaf_spec leaf = {.common_name = spec->hosts[0], .dns_names = dns, .ips = ips, .days = spec->cert_days};
    for (size_t i = 0; i < spec->n_hosts && i < 32; i++) {
        if (is_ip(spec->hosts[i])) ips[leaf.n_ips++] = spec->hosts[i];
        else dns[leaf.n_dns++] = spec->hosts[i];
    }
    if (!(m->leaf_key = wp_x509_new_key())) {
        snprintf(err, err_size, "cannot generate a serving key");
        return -1;
    }
    if (!(m->leaf = wp_x509_make_leaf(m->leaf_key, m->ca, m->ca_key, &leaf, err, err_size))) return -1;
    m->leaf_pem = cert_pem(m->leaf);
    m->leaf_key_pem = key_pem(m->leaf_key);
    if (!m->leaf_pem || !m->leaf_key_pem) {
        snprintf(err, err_size, "cannot encode the serving certificate");
        return -1;
    }
    return 0;
}

wp_selfcert_material *wp_selfcert_material_make(const wp_selfcert_spec *spec, const wp_selfcert_material *prev,
                                                bool new_ca, char *err, size_t err_size)
{
    if (spec->n_hosts == 0) {
        snprintf(err, err_size, "no host name for the serving certificate");
        return NULL;
    }
    wp_selfcert_material *m = wp_xalloc_check(calloc(1, sizeof *m));
    int rc = (!prev || new_ca) ? make_ca(m, spec, prev, err, err_size) : keep_ca(m, prev);
    if (rc == 0) rc = make_leaf(m, spec, err, err_size);
    if (rc != 0) {
        wp_selfcert_material_free(m);
        return NULL;
    }
    return m;
}

/* --- Secret data ---------------------------------------------------------- */

static const char *const data_keys[] = {"ca.crt", "ca.key", "tls.crt", "tls.key"};

/* data[key] base64-decoded into a NUL-terminated string (caller frees). */
static char *data_text(const json_t *data, const char *key)
{
    const char *b64 = json_string_value(json_object_get(data, key));
    if (!b64) return NULL;
    size_t n = 0;
    unsigned char *raw = wp_base64_decode(b64, strlen(b64), &n);
    if (!raw) return NULL;
    char *out = wp_xalloc_check(malloc(n + 1));
    memcpy(out, raw, n);
    out[n] = '\0';
    free(raw);
    return out;
}

wp_selfcert_material *wp_selfcert_material_from_data(const json_t *data, char *err, size_t err_size)
{
    wp_selfcert_material *m = wp_xalloc_check(calloc(1, sizeof *m));
    char **texts[] = {&m->ca_pem, &m->ca_key_pem, &m->leaf_pem, &m->leaf_key_pem};
    for (size_t i = 0; i < 4; i++) {
        if (!(*texts[i] = data_text(data, data_keys[i]))) {
            snprintf(err, err_size, "data.%s missing or not base64", data_keys[i]);
            wp_selfcert_material_free(m);
            return NULL;
        }
    }
    m->ca = pem_cert(m->ca_pem);
    m->ca_key = pem_key(m->ca_key_pem);
    m->leaf = pem_cert(m->leaf_pem);
    m->leaf_key = pem_key(m->leaf_key_pem);
    const char *bad = !m->ca ? "data.ca.crt is not a PEM certificate"
                      : !m->ca_key ? "data.ca.key is not a PEM private key"
                      : !m->leaf ? "data.tls.crt is not a PEM certificate"
                      : !m->leaf_key ? "data.tls.key is not a PEM private key"
                                     : NULL;
    if (!bad && X509_check_private_key(m->leaf, m->leaf_key) != 1) bad = "data.tls.key does not match data.tls.crt";
    if (!bad && X509_check_private_key(m->ca, m->ca_key) != 1) bad = "data.ca.key does not match data.ca.crt";
    if (bad) {
        snprintf(err, err_size, "%s", bad);
        wp_selfcert_material_free(m);
        return NULL;
    }
    return m;
}

json_t *wp_selfcert_material_to_data(const wp_selfcert_material *m)
{
    const char *texts[] = {m->ca_pem, m->ca_key_pem, m->leaf_pem, m->leaf_key_pem};
    json_t *data = json_object();
    for (size_t i = 0; i < 4; i++) {
        char *b64 = wp_base64_encode_alloc(texts[i], strlen(texts[i]));
        json_object_set_new(data, data_keys[i], json_string(b64));
        free(b64);
    }
    return data;
}

/* --- staleness ------------------------------------------------------------ */

static bool covers(X509 *leaf, const char *host)
{
    return is_ip(host) ? X509_check_ip_asc(leaf, host, 0) == 1 : X509_check_host(leaf, host, 0, 0, NULL) == 1;
}

const char *wp_selfcert_material_stale(const wp_selfcert_material *m, const wp_selfcert_spec *spec, time_t now,
                                       bool *new_ca)
{
    *new_ca = false;
    if (seconds_left(m->ca, now) < lifetime(m->ca) / 3) {
        *new_ca = true;
        return "the CA has less than a third of its validity left";
    }
    if (X509_check_issued(m->ca, m->leaf) != X509_V_OK || X509_verify(m->leaf, X509_get0_pubkey(m->ca)) != 1)
        return "the serving certificate was not issued by the CA";
    if (seconds_left(m->leaf, now) < lifetime(m->leaf) / 3)
        return "the serving certificate has less than a third of its validity left";
    for (size_t i = 0; i < spec->n_hosts; i++)
        if (!covers(m->leaf, spec->hosts[i])) return "the serving certificate does not cover every host";
    return NULL;
}
