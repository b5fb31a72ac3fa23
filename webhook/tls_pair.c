/* Loading and checking a certificate chain with its key. See tls_pair.h. */
#include "webhook/tls_pair.h"

#include <errno.h>
#include <gnutls/x509.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/file_read.h"
#include "webhook/file_watch.h"

static void pair_free(wp_tls_pair *p)
{
    for (unsigned i = 0; i < p->chain_len; i++) gnutls_pcert_deinit(&p->chain[i]);
    if (p->key) gnutls_privkey_deinit(p->key);
    free(p);
}

wp_tls_pair *wp_tls_pair_ref(wp_tls_pair *p)
{
    atomic_fetch_add_explicit((_Atomic int *)&p->refcount, 1, memory_order_relaxed);
    return p;
}

void wp_tls_pair_unref(wp_tls_pair *p)
{
    if (p && atomic_fetch_sub_explicit((_Atomic int *)&p->refcount, 1, memory_order_acq_rel) == 1)
        pair_free(p);
}

/* The key identifier (a hash of the public key) of a public key. */
static int pubkey_id(gnutls_pubkey_t pub, unsigned char *id, size_t *id_len)
{
    return gnutls_pubkey_get_key_id(pub, GNUTLS_KEYID_USE_SHA256, id, id_len);
}

/* True when key is the private half of the leaf's public key. */
static int key_matches_leaf(wp_tls_pair *p, char *err, size_t err_size)
{
    gnutls_pubkey_t from_key = NULL;
    unsigned char a[64], b[64];
    size_t a_len = sizeof a, b_len = sizeof b;
    int rc = gnutls_pubkey_init(&from_key);
    if (rc == 0) rc = gnutls_pubkey_import_privkey(from_key, p->key, 0, 0);
    if (rc == 0) rc = pubkey_id(from_key, a, &a_len);
    if (rc == 0) rc = pubkey_id(p->chain[0].pubkey, b, &b_len);
    if (from_key) gnutls_pubkey_deinit(from_key);
    if (rc != 0) {
        snprintf(err, err_size, "cannot compare key and certificate: %s", gnutls_strerror(rc));
        return 0;
    }
    if (a_len != b_len || memcmp(a, b, a_len) != 0) {
        snprintf(err, err_size, "private key does not match the certificate's public key");
        return 0;
    }
    return 1;
}

/* Fills the descriptive fields from the leaf. */
static int describe_leaf(wp_tls_pair *p, char *err, size_t err_size)
{
    gnutls_x509_crt_t crt;
    int rc = gnutls_x509_crt_init(&crt);
    if (rc == 0) rc = gnutls_x509_crt_import(crt, &p->chain[0].cert, GNUTLS_X509_FMT_DER);
    if (rc == 0) {
        unsigned char serial[20];
        size_t serial_len = sizeof serial;
        p->not_before = gnutls_x509_crt_get_activation_time(crt);
        p->not_after = gnutls_x509_crt_get_expiration_time(crt);
        if (gnutls_x509_crt_get_serial(crt, serial, &serial_len) == 0) {
            for (size_t i = 0; i < serial_len; i++) sprintf(p->serial + 2 * i, "%02x", serial[i]);
        }
        size_t dn_len = sizeof p->subject;
        if (gnutls_x509_crt_get_dn(crt, p->subject, &dn_len) != 0) p->subject[0] = '\0';
    }
    gnutls_x509_crt_deinit(crt);
    if (rc != 0) snprintf(err, err_size, "cannot read the certificate: %s", gnutls_strerror(rc));
    return rc == 0;
}

wp_tls_pair *wp_tls_pair_from_pem(const char *cert_pem, size_t cert_len, const char *key_pem,
                                  size_t key_len, char *err, size_t err_size)
{
    wp_tls_pair *p = calloc(1, sizeof *p);
    if (!p) {
        snprintf(err, err_size, "out of memory");
        return NULL;
    }
    p->refcount = 1;
    gnutls_datum_t cert = {(unsigned char *)cert_pem, (unsigned)cert_len};
    gnutls_datum_t key = {(unsigned char *)key_pem, (unsigned)key_len};
    unsigned n = WP_TLS_MAX_CHAIN;
    /* FAIL_IF_UNSORTED: a chain whose first entry is not the leaf would
     * present the wrong certificate. */
    int rc = gnutls_pcert_list_import_x509_raw(p->chain, &n, &cert, GNUTLS_X509_FMT_PEM,
                                               GNUTLS_X509_CRT_LIST_FAIL_IF_UNSORTED);
    if (rc < 0 || n == 0) {
        snprintf(err, err_size, "certificate: %s",
                 rc < 0 ? gnutls_strerror(rc) : "no certificate found");
        free(p);
        return NULL;
    }
    p->chain_len = n;
    rc = gnutls_privkey_init(&p->key);
    if (rc == 0) rc = gnutls_privkey_import_x509_raw(p->key, &key, GNUTLS_X509_FMT_PEM, NULL, 0);
    if (rc != 0) {
        snprintf(err, err_size, "private key: %s", gnutls_strerror(rc));
        pair_free(p);
        return NULL;
    }
    if (!key_matches_leaf(p, err, err_size) || !describe_leaf(p, err, err_size)) {
        pair_free(p);
        return NULL;
    }
    return p;
}

wp_tls_pair *wp_tls_pair_load(const char *cert_file, const char *key_file, char *err,
                              size_t err_size)
{
    size_t cert_len, key_len;
    char why[200];
    char *cert = wp_file_read_regular(cert_file, WP_WATCH_MAX_FILE_BYTES, &cert_len, NULL, why, sizeof why);
    if (!cert) {
        snprintf(err, err_size, "%s: %s", cert_file, why);
        return NULL;
    }
    char *key = wp_file_read_regular(key_file, WP_WATCH_MAX_FILE_BYTES, &key_len, NULL, why, sizeof why);
    if (!key) {
        snprintf(err, err_size, "%s: %s", key_file, why);
        free(cert);
        return NULL;
    }
    char inner[256];
    wp_tls_pair *p = wp_tls_pair_from_pem(cert, cert_len, key, key_len, inner, sizeof inner);
    if (!p) snprintf(err, err_size, "%s, %s: %s", cert_file, key_file, inner);
    free(cert);
    /* The key must not linger in freed memory. */
    explicit_bzero(key, key_len);
    free(key);
    return p;
}
