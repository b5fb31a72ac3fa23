/* Client-certificate verification (--client-ca-file): the CAs a client
 * certificate must chain to, immutable and reference-counted so a reload
 * can swap them while handshakes are running. */
#ifndef WP_TLS_TRUST_H
#define WP_TLS_TRUST_H

#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <stddef.h>

typedef struct wp_tls_trust {
    int refcount;                     /* atomic: wp_tls_trust_ref/unref */
    gnutls_x509_trust_list_t list;
    unsigned n_cas;
} wp_tls_trust;

/* Builds a trust list from a PEM bundle of one or more CA certificates.
 * Returns a new trust (refcount 1) or NULL with err filled. */
wp_tls_trust *wp_tls_trust_from_pem(const char *pem, size_t len, char *err, size_t err_size);

wp_tls_trust *wp_tls_trust_ref(wp_tls_trust *t);
void wp_tls_trust_unref(wp_tls_trust *t);

/* Verifies the certificate chain the peer of session sent: it must chain
 * to one of the CAs, be valid now, and allow client authentication (when
 * it has an extended key usage at all). Returns 0, or -1 with the reason
 * in err. */
int wp_tls_trust_verify_peer(const wp_tls_trust *t, gnutls_session_t session, char *err,
                             size_t err_size);

#endif
