/* Certificate generation. See x509_gen.h. */
#include "webhook/x509_gen.h"

#include "common/file_read.h"

#include "common/file_write.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Certificates start a few minutes in the past so a peer whose clock is
 * slightly behind does not see them as not yet valid. */
#define BACKDATE_SECONDS 300

static void ssl_error(char *err, size_t err_size, const char *what)
{
    unsigned long e = ERR_get_error();
    char detail[256] = "unknown error";
    if (e) ERR_error_string_n(e, detail, sizeof detail);
    ERR_clear_error();
    snprintf(err, err_size, "%s: %s", what, detail);
}

EVP_PKEY *wp_x509_new_key(void)
{
    return EVP_EC_gen("P-256");
}

/* 16 random bytes with the top bit clear: positive, at most 20 octets
 * (RFC 5280), unpredictable. */
static int set_random_serial(X509 *cert)
{
    unsigned char raw[16];
    if (RAND_bytes(raw, sizeof raw) != 1) return -1;
    raw[0] &= 0x7f;
    raw[0] |= 0x01; /* never zero */
    BIGNUM *bn = BN_bin2bn(raw, sizeof raw, NULL);
    ASN1_INTEGER *serial = bn ? BN_to_ASN1_INTEGER(bn, NULL) : NULL;
    int ok = serial && X509_set_serialNumber(cert, serial) == 1;
    ASN1_INTEGER_free(serial);
    BN_free(bn);
    return ok ? 0 : -1;
}

static int set_name(X509_NAME *name, const char *common_name)
{
    return X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                                      (const unsigned char *)common_name, -1, -1, 0) == 1
               ? 0
               : -1;
}

/* A v3 certificate with serial, validity, subject and public key set. */
static X509 *cert_base(EVP_PKEY *key, const char *common_name, int days)
{
    X509 *cert = X509_new();
    if (!cert) return NULL;
    bool ok = X509_set_version(cert, 2) == 1 && set_random_serial(cert) == 0 &&
              X509_gmtime_adj(X509_getm_notBefore(cert), -BACKDATE_SECONDS) &&
              X509_gmtime_adj(X509_getm_notAfter(cert), (long)days * 86400) &&
              set_name(X509_get_subject_name(cert), common_name) == 0 &&
              X509_set_pubkey(cert, key) == 1;
    if (!ok) {
        X509_free(cert);
        return NULL;
    }
    return cert;
}

/* Adds an extension given in OpenSSL's config syntax; the values here are
 * fixed strings, never user input. */
static int add_ext(X509 *cert, X509 *issuer, int nid, const char *value)
{
    X509V3_CTX ctx;
    X509V3_set_ctx(&ctx, issuer, cert, NULL, NULL, 0);
    X509_EXTENSION *ext = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
    if (!ext) return -1;
    int ok = X509_add_ext(cert, ext, -1);
    X509_EXTENSION_free(ext);
    return ok == 1 ? 0 : -1;
}

X509 *wp_x509_make_ca(EVP_PKEY *key, const char *common_name, int days, char *err,
                      size_t err_size)
{
    X509 *cert = cert_base(key, common_name, days);
    bool ok = cert && X509_set_issuer_name(cert, X509_get_subject_name(cert)) == 1 &&
              add_ext(cert, cert, NID_basic_constraints, "critical,CA:TRUE,pathlen:0") == 0 &&
              add_ext(cert, cert, NID_key_usage, "critical,keyCertSign,cRLSign,digitalSignature") == 0 &&
              add_ext(cert, cert, NID_subject_key_identifier, "hash") == 0 &&
              add_ext(cert, cert, NID_authority_key_identifier, "keyid:always") == 0 &&
              X509_sign(cert, key, EVP_sha256()) > 0;
    if (!ok) {
        ssl_error(err, err_size, "cannot build the CA certificate");
        X509_free(cert);
        return NULL;
    }
    return cert;
}

/* Builds the subjectAltName list programmatically, so a name can never
 * smuggle syntax into a config string. */
static GENERAL_NAMES *alt_names(const wp_x509_leaf_spec *spec, char *err, size_t err_size)
{
    GENERAL_NAMES *names = sk_GENERAL_NAME_new_null();
    if (!names) return NULL;
    for (size_t i = 0; i < spec->n_dns; i++) {
        GENERAL_NAME *gn = GENERAL_NAME_new();
        ASN1_IA5STRING *s = ASN1_IA5STRING_new();
        if (!gn || !s || ASN1_STRING_set(s, spec->dns_names[i], -1) != 1) {
            GENERAL_NAME_free(gn);
            ASN1_IA5STRING_free(s);
            goto fail;
        }
        GENERAL_NAME_set0_value(gn, GEN_DNS, s);
        if (!sk_GENERAL_NAME_push(names, gn)) {
            GENERAL_NAME_free(gn);
            goto fail;
        }
    }
    for (size_t i = 0; i < spec->n_ips; i++) {
        ASN1_OCTET_STRING *ip = a2i_IPADDRESS(spec->ips[i]);
        if (!ip) {
            snprintf(err, err_size, "invalid IP address \"%.64s\"", spec->ips[i]);
            ERR_clear_error();
            GENERAL_NAMES_free(names);
            return NULL;
        }
        GENERAL_NAME *gn = GENERAL_NAME_new();
        if (!gn) {
            ASN1_OCTET_STRING_free(ip);
            goto fail;
        }
        GENERAL_NAME_set0_value(gn, GEN_IPADD, ip);
        if (!sk_GENERAL_NAME_push(names, gn)) {
            GENERAL_NAME_free(gn);
            goto fail;
        }
    }
    return names;
fail:
    ssl_error(err, err_size, "cannot build subjectAltName");
    GENERAL_NAMES_free(names);
    return NULL;
}

X509 *wp_x509_make_leaf(EVP_PKEY *key, X509 *ca, EVP_PKEY *ca_key, const wp_x509_leaf_spec *spec,
                        char *err, size_t err_size)
{
    err[0] = '\0';
    GENERAL_NAMES *names = NULL;
    if (spec->n_dns + spec->n_ips > 0 && !(names = alt_names(spec, err, err_size))) return NULL;
    X509 *cert = cert_base(key, spec->common_name, spec->days);
    bool ok = cert && X509_set_issuer_name(cert, X509_get_subject_name(ca)) == 1 &&
              add_ext(cert, ca, NID_basic_constraints, "critical,CA:FALSE") == 0 &&
              add_ext(cert, ca, NID_key_usage, "critical,digitalSignature") == 0 &&
              add_ext(cert, ca, NID_ext_key_usage, spec->client ? "clientAuth" : "serverAuth") == 0 &&
              add_ext(cert, ca, NID_subject_key_identifier, "hash") == 0 &&
              add_ext(cert, ca, NID_authority_key_identifier, "keyid:always") == 0 &&
              (!names || X509_add1_ext_i2d(cert, NID_subject_alt_name, names, 0, 0) == 1) &&
              X509_sign(cert, ca_key, EVP_sha256()) > 0;
    GENERAL_NAMES_free(names);
    if (!ok) {
        ssl_error(err, err_size, "cannot build the certificate");
        X509_free(cert);
        return NULL;
    }
    return cert;
}

/* PEM-encodes with write_pem into memory, then writes the file. */
static int write_pem(const char *path, mode_t mode, int (*encode)(BIO *, void *), void *obj,
                     char *err, size_t err_size)
{
    BIO *mem = BIO_new(BIO_s_mem());
    if (!mem || encode(mem, obj) != 1) {
        BIO_free(mem);
        ssl_error(err, err_size, path);
        return -1;
    }
    char *data;
    long len = BIO_get_mem_data(mem, &data);
    int rc = wp_file_write_atomic(path, data, (size_t)len, WP_WRITE_WITH_MODE, mode, err, err_size);
    BIO_free(mem);
    return rc;
}

static int pem_cert(BIO *b, void *cert) { return PEM_write_bio_X509(b, cert); }

static int pem_key(BIO *b, void *key)
{
    return PEM_write_bio_PrivateKey(b, key, NULL, NULL, 0, NULL, NULL);
}

int wp_x509_write_cert(const char *path, X509 *cert, char *err, size_t err_size)
{
    return write_pem(path, 0644, pem_cert, cert, err, err_size);
}

int wp_x509_write_key(const char *path, EVP_PKEY *key, char *err, size_t err_size)
{
    return write_pem(path, 0600, pem_key, key, err, err_size);
}

/* A CA certificate or key file is a few KiB. */
#define WP_X509_MAX_PEM_BYTES (1 << 20)

/* Reads one PEM object from path with read(bio). The file is read like
 * every file the webhook is given (file_read.h): a FIFO or device at
 * DIR/ca.key is refused, never waited on. */
static void *read_pem(const char *path, void *(*read)(BIO *), char *err, size_t err_size)
{
    size_t len;
    char why[200];
    char *text = wp_file_read_regular(path, WP_X509_MAX_PEM_BYTES, &len, NULL, why, sizeof why);
    if (!text) {
        snprintf(err, err_size, "%s: %s", path, why);
        return NULL;
    }
    BIO *bio = BIO_new_mem_buf(text, (int)len);
    void *obj = bio ? read(bio) : NULL;
    BIO_free(bio);
    OPENSSL_cleanse(text, len); /* may be a private key */
    free(text);
    if (!obj) ssl_error(err, err_size, path);
    return obj;
}

static void *pem_read_cert(BIO *b) { return PEM_read_bio_X509(b, NULL, NULL, NULL); }
static void *pem_read_key(BIO *b) { return PEM_read_bio_PrivateKey(b, NULL, NULL, NULL); }

X509 *wp_x509_read_cert(const char *path, char *err, size_t err_size)
{
    return read_pem(path, pem_read_cert, err, err_size);
}

EVP_PKEY *wp_x509_read_key(const char *path, char *err, size_t err_size)
{
    return read_pem(path, pem_read_key, err, err_size);
}

char *wp_x509_ca_bundle(X509 *cert)
{
    BIO *mem = BIO_new(BIO_s_mem());
    if (!mem || PEM_write_bio_X509(mem, cert) != 1) {
        BIO_free(mem);
        return NULL;
    }
    char *pem;
    long len = BIO_get_mem_data(mem, &pem);
    /* EVP_EncodeBlock writes 4 bytes per 3 input bytes plus a NUL. */
    char *out = malloc(((size_t)len + 2) / 3 * 4 + 1);
    if (out) EVP_EncodeBlock((unsigned char *)out, (const unsigned char *)pem, (int)len);
    BIO_free(mem);
    return out;
}
