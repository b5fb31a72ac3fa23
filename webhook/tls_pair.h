/* A serving certificate chain and its private key, loaded and checked
 * together, immutable and reference-counted.
 *
 * The server hands a pair to every new TLS handshake and keeps a reference
 * for the life of that connection; a reload swaps in a new pair while open
 * connections keep the one they started with. */
#ifndef WP_TLS_PAIR_H
#define WP_TLS_PAIR_H

#include <gnutls/abstract.h>
#include <gnutls/gnutls.h>
#include <stddef.h>
#include <time.h>

#define WP_TLS_MAX_CHAIN 16

typedef struct wp_tls_pair {
    int refcount;                     /* atomic: wp_tls_pair_ref/unref */
    gnutls_pcert_st chain[WP_TLS_MAX_CHAIN];
    unsigned chain_len;
    gnutls_privkey_t key;
    time_t not_before, not_after;     /* of the leaf */
    char serial[2 * 20 + 1];          /* leaf serial, lowercase hex */
    char subject[256];                /* leaf subject DN (for logs) */
} wp_tls_pair;

/* Builds a pair from PEM text: a certificate chain (leaf first) and the
 * leaf's private key. Refuses unparseable input and a key that does not
 * belong to the leaf. Returns a new pair (refcount 1) or NULL with a
 * message in err. */
wp_tls_pair *wp_tls_pair_from_pem(const char *cert_pem, size_t cert_len, const char *key_pem,
                                  size_t key_len, char *err, size_t err_size);

/* Reads both files and calls wp_tls_pair_from_pem; messages name the file. */
wp_tls_pair *wp_tls_pair_load(const char *cert_file, const char *key_file, char *err,
                              size_t err_size);

wp_tls_pair *wp_tls_pair_ref(wp_tls_pair *p);
void wp_tls_pair_unref(wp_tls_pair *p);

#endif
