/* Certificates: what `certs` generates (x509_gen) and how the server loads
 * and checks a pair (tls_pair) and a client CA bundle (tls_trust). */
#include <check.h>
#include <gnutls/x509.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "webhook/tls_pair.h"
#include "webhook/tls_trust.h"
#include "webhook/x509_gen.h"

static char *cert_pem(X509 *c, size_t *len)
{
    BIO *b = BIO_new(BIO_s_mem());
    PEM_write_bio_X509(b, c);
    char *data;
    *len = (size_t)BIO_get_mem_data(b, &data);
    char *out = strndup(data, *len);
    BIO_free(b);
    return out;
}

static char *key_pem(EVP_PKEY *k, size_t *len)
{
    BIO *b = BIO_new(BIO_s_mem());
    PEM_write_bio_PrivateKey(b, k, NULL, NULL, 0, NULL, NULL);
    char *data;
    *len = (size_t)BIO_get_mem_data(b, &data);
    char *out = strndup(data, *len);
    BIO_free(b);
    return out;
}

typedef struct {
    EVP_PKEY *ca_key, *key;
    X509 *ca, *leaf;
} fixture;

static void make(fixture *f, bool client)
{
    char err[256];
    f->ca_key = wp_x509_new_key();
    f->ca = wp_x509_make_ca(f->ca_key, "test-ca", 3650, err, sizeof err);
    ck_assert_msg(f->ca != NULL, "%s", err);
    f->key = wp_x509_new_key();
    const char *dns[] = {"webhook.ns.svc", "localhost"};
    const char *ips[] = {"127.0.0.1", "::1"};
    wp_x509_leaf_spec spec = {.common_name = client ? "kube-apiserver" : "webhook.ns.svc",
                              .dns_names = client ? NULL : dns, .n_dns = client ? 0 : 2,
                              .ips = client ? NULL : ips, .n_ips = client ? 0 : 2,
                              .days = 365, .client = client};
    f->leaf = wp_x509_make_leaf(f->key, f->ca, f->ca_key, &spec, err, sizeof err);
    ck_assert_msg(f->leaf != NULL, "%s", err);
}

static void unmake(fixture *f)
{
    X509_free(f->ca);
    X509_free(f->leaf);
    EVP_PKEY_free(f->ca_key);
    EVP_PKEY_free(f->key);
}

START_TEST(serving_certificate_has_the_right_extensions)
{
    fixture f;
    make(&f, false);
    /* Signed by the CA, P-256. */
    ck_assert_int_eq(X509_verify(f.leaf, f.ca_key), 1);
    ck_assert_int_eq(EVP_PKEY_get_bits(f.key), 256);
    ck_assert_str_eq(EVP_PKEY_get0_type_name(f.key), "EC");
    /* Validity: CA 10 years, leaf 1 year (within a day of it). */
    int days, secs;
    ck_assert_int_eq(ASN1_TIME_diff(&days, &secs, X509_get0_notBefore(f.leaf), X509_get0_notAfter(f.leaf)), 1);
    ck_assert_int_eq(days, 365);
    ck_assert_int_eq(ASN1_TIME_diff(&days, &secs, X509_get0_notBefore(f.ca), X509_get0_notAfter(f.ca)), 1);
    ck_assert_int_eq(days, 3650);
    /* Key usage and EKU. */
    ck_assert(X509_get_extension_flags(f.leaf) & EXFLAG_KUSAGE);
    ck_assert_uint_eq(X509_get_key_usage(f.leaf), KU_DIGITAL_SIGNATURE);
    ck_assert_uint_eq(X509_get_extended_key_usage(f.leaf), XKU_SSL_SERVER);
    ck_assert_int_eq(X509_check_ca(f.leaf), 0);
    ck_assert_int_ne(X509_check_ca(f.ca), 0);
    ck_assert_uint_eq(X509_get_key_usage(f.ca), KU_KEY_CERT_SIGN | KU_CRL_SIGN | KU_DIGITAL_SIGNATURE);
    /* SANs. */
    ck_assert_int_eq(X509_check_host(f.leaf, "webhook.ns.svc", 0, 0, NULL), 1);
    ck_assert_int_eq(X509_check_host(f.leaf, "localhost", 0, 0, NULL), 1);
    ck_assert_int_eq(X509_check_host(f.leaf, "other.example", 0, 0, NULL), 0);
    ck_assert_int_eq(X509_check_ip_asc(f.leaf, "127.0.0.1", 0), 1);
    ck_assert_int_eq(X509_check_ip_asc(f.leaf, "::1", 0), 1);
    /* SKI/AKI link the leaf to the CA. */
    const ASN1_OCTET_STRING *aki = X509_get0_authority_key_id(f.leaf);
    const ASN1_OCTET_STRING *ski = X509_get0_subject_key_id(f.ca);
    ck_assert_ptr_nonnull(aki);
    ck_assert_ptr_nonnull(ski);
    ck_assert_int_eq(ASN1_OCTET_STRING_cmp(aki, ski), 0);
    ck_assert_ptr_nonnull(X509_get0_subject_key_id(f.leaf));
    /* Random positive serials: two certificates never share one. */
    const ASN1_INTEGER *a = X509_get0_serialNumber(f.leaf), *b = X509_get0_serialNumber(f.ca);
    ck_assert_int_ne(ASN1_INTEGER_cmp(a, b), 0);
    BIGNUM *bn = ASN1_INTEGER_to_BN(a, NULL);
    ck_assert(!BN_is_negative(bn) && BN_num_bits(bn) > 64);
    BN_free(bn);
    unmake(&f);
}
END_TEST

START_TEST(client_certificate_is_for_client_auth)
{
    fixture f;
    make(&f, true);
    ck_assert_uint_eq(X509_get_extended_key_usage(f.leaf), XKU_SSL_CLIENT);
    ck_assert_int_eq(X509_verify(f.leaf, f.ca_key), 1);
    unmake(&f);
}
END_TEST

START_TEST(invalid_ip_is_refused)
{
    char err[256];
    EVP_PKEY *ca_key = wp_x509_new_key(), *key = wp_x509_new_key();
    X509 *ca = wp_x509_make_ca(ca_key, "ca", 10, err, sizeof err);
    const char *ips[] = {"300.1.2.3"};
    wp_x509_leaf_spec spec = {.common_name = "x", .ips = ips, .n_ips = 1, .days = 1};
    ck_assert_ptr_null(wp_x509_make_leaf(key, ca, ca_key, &spec, err, sizeof err));
    ck_assert_str_eq(err, "invalid IP address \"300.1.2.3\"");
    X509_free(ca);
    EVP_PKEY_free(ca_key);
    EVP_PKEY_free(key);
}
END_TEST

START_TEST(ca_bundle_is_base64_of_the_pem)
{
    fixture f;
    make(&f, false);
    char *bundle = wp_x509_ca_bundle(f.ca);
    size_t pem_len;
    char *pem = cert_pem(f.ca, &pem_len);
    unsigned char decoded[4096];
    int n = EVP_DecodeBlock(decoded, (const unsigned char *)bundle, (int)strlen(bundle));
    /* EVP_DecodeBlock counts '=' padding as zero bytes. */
    ck_assert_int_ge(n, (int)pem_len);
    ck_assert_int_eq(memcmp(decoded, pem, pem_len), 0);
    ck_assert_ptr_null(strchr(bundle, '\n'));
    free(bundle);
    free(pem);
    unmake(&f);
}
END_TEST

START_TEST(pair_loads_and_describes_the_leaf)
{
    fixture f;
    make(&f, false);
    size_t cl, kl;
    char *c = cert_pem(f.leaf, &cl), *k = key_pem(f.key, &kl);
    char err[256];
    wp_tls_pair *p = wp_tls_pair_from_pem(c, cl, k, kl, err, sizeof err);
    ck_assert_msg(p != NULL, "%s", err);
    ck_assert_uint_eq(p->chain_len, 1);
    ck_assert_str_eq(p->subject, "CN=webhook.ns.svc");
    /* Serial matches what OpenSSL wrote (as lowercase hex). */
    BIGNUM *bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(f.leaf), NULL);
    char *hex = BN_bn2hex(bn);
    for (char *h = hex; *h; h++) *h = (char)(*h >= 'A' && *h <= 'F' ? *h + 32 : *h);
    /* Both without leading zeros: BN_bn2hex pads to whole bytes. */
    const char *serial = p->serial, *expect = hex;
    while (*serial == '0') serial++;
    while (*expect == '0') expect++;
    ck_assert_str_eq(serial, expect);
    OPENSSL_free(hex);
    BN_free(bn);
    time_t now = time(NULL);
    ck_assert(p->not_before <= now && p->not_after > now + 364L * 86400 && p->not_after < now + 366L * 86400);
    /* Reference counting: the pair outlives its first owner. */
    wp_tls_pair *q = wp_tls_pair_ref(p);
    wp_tls_pair_unref(p);
    ck_assert_uint_eq(q->chain_len, 1);
    wp_tls_pair_unref(q);
    free(c);
    free(k);
    unmake(&f);
}
END_TEST

START_TEST(mismatched_key_is_refused)
{
    fixture f;
    make(&f, false);
    size_t cl, kl;
    char *c = cert_pem(f.leaf, &cl), *k = key_pem(f.ca_key, &kl); /* the CA's key, not the leaf's */
    char err[256];
    ck_assert_ptr_null(wp_tls_pair_from_pem(c, cl, k, kl, err, sizeof err));
    ck_assert_str_eq(err, "private key does not match the certificate's public key");
    free(c);
    free(k);
    unmake(&f);
}
END_TEST

START_TEST(garbage_is_refused)
{
    fixture f;
    make(&f, false);
    size_t cl, kl;
    char *c = cert_pem(f.leaf, &cl), *k = key_pem(f.key, &kl);
    char err[256];
    ck_assert_ptr_null(wp_tls_pair_from_pem("garbage", 7, k, kl, err, sizeof err));
    ck_assert(strncmp(err, "certificate: ", 13) == 0);
    ck_assert_ptr_null(wp_tls_pair_from_pem(c, cl, "garbage", 7, err, sizeof err));
    ck_assert(strncmp(err, "private key: ", 13) == 0);
    /* A certificate cut in half. */
    ck_assert_ptr_null(wp_tls_pair_from_pem(c, cl / 2, k, kl, err, sizeof err));
    ck_assert(strncmp(err, "certificate: ", 13) == 0);
    ck_assert_ptr_null(wp_tls_pair_load("/nonexistent.crt", "/nonexistent.key", err, sizeof err));
    ck_assert_str_eq(err, "/nonexistent.crt: No such file or directory");
    free(c);
    free(k);
    unmake(&f);
}
END_TEST

START_TEST(chain_with_intermediate_keeps_the_leaf_first)
{
    fixture f;
    make(&f, false);
    size_t cl, al, kl;
    char *c = cert_pem(f.leaf, &cl), *a = cert_pem(f.ca, &al), *k = key_pem(f.key, &kl);
    char *chain = malloc(cl + al);
    memcpy(chain, c, cl);
    memcpy(chain + cl, a, al);
    char err[256];
    wp_tls_pair *p = wp_tls_pair_from_pem(chain, cl + al, k, kl, err, sizeof err);
    ck_assert_msg(p != NULL, "%s", err);
    ck_assert_uint_eq(p->chain_len, 2);
    ck_assert_str_eq(p->subject, "CN=webhook.ns.svc");
    wp_tls_pair_unref(p);
    /* CA first, leaf second: the wrong certificate would be presented. */
    memcpy(chain, a, al);
    memcpy(chain + al, c, cl);
    ck_assert_ptr_null(wp_tls_pair_from_pem(chain, cl + al, k, kl, err, sizeof err));
    free(chain);
    free(c);
    free(a);
    free(k);
    unmake(&f);
}
END_TEST

START_TEST(trust_bundle_loads_and_refuses_garbage)
{
    fixture f;
    make(&f, true);
    size_t al;
    char *a = cert_pem(f.ca, &al);
    char err[256];
    wp_tls_trust *t = wp_tls_trust_from_pem(a, al, err, sizeof err);
    ck_assert_msg(t != NULL, "%s", err);
    ck_assert_uint_eq(t->n_cas, 1);
    wp_tls_trust_unref(t);
    ck_assert_ptr_null(wp_tls_trust_from_pem("no pem here", 11, err, sizeof err));
    ck_assert_str_eq(err, "No certificate was found.");
    free(a);
    unmake(&f);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("certs");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, serving_certificate_has_the_right_extensions);
    tcase_add_test(tc, client_certificate_is_for_client_auth);
    tcase_add_test(tc, invalid_ip_is_refused);
    tcase_add_test(tc, ca_bundle_is_base64_of_the_pem);
    tcase_add_test(tc, pair_loads_and_describes_the_leaf);
    tcase_add_test(tc, mismatched_key_is_refused);
    tcase_add_test(tc, garbage_is_refused);
    tcase_add_test(tc, chain_with_intermediate_keeps_the_leaf_first);
    tcase_add_test(tc, trust_bundle_loads_and_refuses_garbage);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
