/* Client-certificate verification. See tls_trust.h. */
#include "webhook/tls_trust.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Longest client chain we look at; the apiserver sends one certificate. */
#define MAX_PEER_CHAIN 8

wp_tls_trust *wp_tls_trust_from_pem(const char *pem, size_t len, char *err, size_t err_size)
{
    wp_tls_trust *t = calloc(1, sizeof *t);
    if (!t) {
        snprintf(err, err_size, "out of memory");
        return NULL;
    }
    t->refcount = 1;
    int rc = gnutls_x509_trust_list_init(&t->list, 0);
    if (rc != 0) {
        snprintf(err, err_size, "%s", gnutls_strerror(rc));
        free(t);
        return NULL;
    }
    gnutls_datum_t data = {(unsigned char *)pem, (unsigned)len};
    rc = gnutls_x509_trust_list_add_trust_mem(t->list, &data, NULL, GNUTLS_X509_FMT_PEM, 0, 0);
    if (rc <= 0) {
        snprintf(err, err_size, "%s", rc < 0 ? gnutls_strerror(rc) : "no CA certificate found");
        wp_tls_trust_unref(t);
        return NULL;
    }
    t->n_cas = (unsigned)rc;
    return t;
}

wp_tls_trust *wp_tls_trust_ref(wp_tls_trust *t)
{
    atomic_fetch_add_explicit((_Atomic int *)&t->refcount, 1, memory_order_relaxed);
    return t;
}

void wp_tls_trust_unref(wp_tls_trust *t)
{
    if (!t || atomic_fetch_sub_explicit((_Atomic int *)&t->refcount, 1, memory_order_acq_rel) != 1)
        return;
    gnutls_x509_trust_list_deinit(t->list, 1);
    free(t);
}

int wp_tls_trust_verify_peer(const wp_tls_trust *t, gnutls_session_t session, char *err,
                             size_t err_size)
{
    unsigned n = 0;
    const gnutls_datum_t *certs = gnutls_certificate_get_peers(session, &n);
    if (!certs || n == 0) {
        snprintf(err, err_size, "no client certificate");
        return -1;
    }
    if (n > MAX_PEER_CHAIN) n = MAX_PEER_CHAIN;
    gnutls_x509_crt_t chain[MAX_PEER_CHAIN];
    unsigned imported = 0;
    int rc = 0;
    for (; imported < n && rc == 0; imported++) {
        rc = gnutls_x509_crt_init(&chain[imported]);
        if (rc != 0) break;
        rc = gnutls_x509_crt_import(chain[imported], &certs[imported], GNUTLS_X509_FMT_DER);
    }
    unsigned status = 0;
    if (rc == 0) {
        gnutls_typed_vdata_st purpose = {GNUTLS_DT_KEY_PURPOSE_OID,
                                         (unsigned char *)GNUTLS_KP_TLS_WWW_CLIENT, 0};
        rc = gnutls_x509_trust_list_verify_crt2(t->list, chain, n, &purpose, 1, 0, &status, NULL);
    }
    for (unsigned i = 0; i < imported; i++) gnutls_x509_crt_deinit(chain[i]);
    if (rc != 0) {
        snprintf(err, err_size, "client certificate: %s", gnutls_strerror(rc));
        return -1;
    }
    if (status != 0) {
        gnutls_datum_t why = {0};
        if (gnutls_certificate_verification_status_print(status, GNUTLS_CRT_X509, &why, 0) == 0) {
            snprintf(err, err_size, "client certificate: %s", (const char *)why.data);
            gnutls_free(why.data);
        } else {
            snprintf(err, err_size, "client certificate not trusted (status 0x%x)", status);
        }
        return -1;
    }
    return 0;
}
