/* Certificate generation with OpenSSL (libcrypto): a CA and the
 * certificates it signs for the webhook (serving, and client certificates
 * for mutual TLS). ECDSA P-256 keys, SHA-256 signatures, random 127-bit
 * serials, subject and authority key identifiers. */
#ifndef WP_X509_GEN_H
#define WP_X509_GEN_H

#include <openssl/evp.h>
#include <openssl/x509.h>
#include <stdbool.h>
#include <stddef.h>

typedef struct {
    const char *common_name;
    const char *const *dns_names;  /* subjectAltName DNS entries */
    size_t n_dns;
    const char *const *ips;        /* subjectAltName IP entries (v4 or v6 text) */
    size_t n_ips;
    int days;
    bool client;                   /* clientAuth instead of serverAuth */
} wp_x509_leaf_spec;

/* A new ECDSA P-256 key, or NULL. Caller frees with EVP_PKEY_free. */
EVP_PKEY *wp_x509_new_key(void);

/* A self-signed CA certificate for key (CA:TRUE, pathlen 0, keyCertSign
 * and cRLSign). Returns a new X509 (caller frees) or NULL with err filled. */
X509 *wp_x509_make_ca(EVP_PKEY *key, const char *common_name, int days, char *err,
                      size_t err_size);

/* A certificate for key signed by ca/ca_key, as spec says (CA:FALSE,
 * digitalSignature, serverAuth or clientAuth, SANs). Returns a new X509
 * (caller frees) or NULL with err filled (e.g. an invalid IP address). */
X509 *wp_x509_make_leaf(EVP_PKEY *key, X509 *ca, EVP_PKEY *ca_key, const wp_x509_leaf_spec *spec,
                        char *err, size_t err_size);

/* Writes PEM atomically (temporary file + rename): certificates 0644,
 * keys 0600. Return 0 or -1 with err filled. */
int wp_x509_write_cert(const char *path, X509 *cert, char *err, size_t err_size);
int wp_x509_write_key(const char *path, EVP_PKEY *key, char *err, size_t err_size);

/* Reads PEM files. Return new objects (caller frees) or NULL with err. */
X509 *wp_x509_read_cert(const char *path, char *err, size_t err_size);
EVP_PKEY *wp_x509_read_key(const char *path, char *err, size_t err_size);

/* Base64 (one line, no wrapping) of the PEM encoding of cert: the form of a
 * webhook configuration's caBundle. Returns a new malloc'd string. */
char *wp_x509_ca_bundle(X509 *cert);

#endif
