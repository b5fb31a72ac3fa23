/* The certs subcommand. See certs_cmd.h; the X.509 work is in x509_gen.c. */
#include "webhook/certs_cmd.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/flag_parser.h"
#include "webhook/x509_gen.h"

typedef struct {
    char *out_dir;
    wp_flag_list dns_names, ips;
    char *client;
    char *common_name;
    char *ca_common_name;
    int days, ca_days;
    bool help, version;
} certs_options;

#define OPT(field) offsetof(certs_options, field)

static const wp_flag_spec specs[] = {
    {"out-dir", WP_FLAG_STRING, NULL, "DIR",
     "where to write ca.crt/ca.key, tls.crt/tls.key and client.crt/client.key (an existing CA there is reused)",
     OPT(out_dir), 0, 0},
    {"dns-name", WP_FLAG_LIST, NULL, "NAME",
     "DNS subjectAltName of the serving certificate (repeatable), e.g. warmpool-webhook.warmpool-system.svc",
     OPT(dns_names), 0, 0},
    {"ip", WP_FLAG_LIST, NULL, "IP", "IP subjectAltName of the serving certificate (repeatable)",
     OPT(ips), 0, 0},
    {"client", WP_FLAG_STRING, NULL, "NAME",
     "also issue a client certificate (clientAuth) with this common name, for --client-ca-file",
     OPT(client), 0, 0},
    {"common-name", WP_FLAG_STRING, NULL, "CN",
     "subject CN of the serving certificate (default: the first DNS name or IP)", OPT(common_name), 0, 0},
    {"ca-common-name", WP_FLAG_STRING, "warmpool-webhook-ca", "CN", "subject CN of a new CA",
     OPT(ca_common_name), 0, 0},
    {"days", WP_FLAG_INT, "365", "N", "validity of the serving and client certificates",
     OPT(days), 1, 36500},
    {"ca-days", WP_FLAG_INT, "3650", "N", "validity of a new CA", OPT(ca_days), 1, 36500},
    {"help", WP_FLAG_BOOL, "false", NULL, "show this help and exit", OPT(help), 0, 0},
    {"version", WP_FLAG_BOOL, "false", NULL, "show the version and exit", OPT(version), 0, 0},
};

static const wp_flag_set certs_flags = {specs, sizeof specs / sizeof specs[0], NULL};

static void usage(FILE *out)
{
    fprintf(out,
            "Usage: warmpool-webhook certs --out-dir DIR (--dns-name NAME | --ip IP)... [--client NAME]\n\n"
            "Generates a CA and a serving certificate it signs (ECDSA P-256), writes them as PEM\n"
            "files, and prints the CA bundle in base64 for a webhook configuration's caBundle.\n\n");
    wp_flags_print_help(&certs_flags, out);
}

/* DNS names (optionally a leading "*." wildcard) of lowercase letters,
 * digits, '-' and '.', as a certificate should carry them. */
static bool valid_dns_name(const char *s)
{
    if (strncmp(s, "*.", 2) == 0) s += 2;
    size_t n = strlen(s);
    if (n == 0 || n > 253 || s[0] == '.' || s[0] == '-' || s[n - 1] == '.' || s[n - 1] == '-')
        return false;
    for (const char *p = s; *p; p++) {
        bool ok = (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '-' || *p == '.';
        if (!ok || (*p == '.' && p[1] == '.')) return false;
    }
    return true;
}

static bool valid_ip(const char *s)
{
    unsigned char buf[sizeof(struct in6_addr)];
    return inet_pton(AF_INET, s, buf) == 1 || inet_pton(AF_INET6, s, buf) == 1;
}

/* Everything that makes the command line wrong, checked before any file
 * is written (a bad --ip used to fail after the CA was already on disk).
 * Returns 0 or -1 with err filled. */
static int check_options(const certs_options *o, char *err, size_t err_size)
{
    if (!o->out_dir || !*o->out_dir || (o->dns_names.n + o->ips.n == 0 && !o->client)) {
        snprintf(err, err_size, "--out-dir and at least one --dns-name, --ip or --client are required (see --help)");
        return -1;
    }
    for (size_t i = 0; i < o->dns_names.n; i++) {
        if (!valid_dns_name(o->dns_names.items[i])) {
            snprintf(err, err_size, "--dns-name: invalid DNS name \"%.64s\": use lowercase letters, digits, '-' "
                     "and '.'", o->dns_names.items[i]);
            return -1;
        }
    }
    for (size_t i = 0; i < o->ips.n; i++) {
        if (!valid_ip(o->ips.items[i])) {
            snprintf(err, err_size, "--ip: invalid IP address \"%.64s\": expected IPv4 (10.0.0.1) or IPv6 (fd00::1)",
                     o->ips.items[i]);
            return -1;
        }
    }
    return 0;
}

static char *join(const char *dir, const char *name)
{
    size_t n = strlen(dir) + strlen(name) + 2;
    char *p = malloc(n);
    if (p) snprintf(p, n, "%s/%s", dir, name);
    return p;
}

static bool exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

/* Loads the CA in dir, or creates one. Returns 0 or -1 with err. */
static int load_or_create_ca(const certs_options *o, X509 **ca, EVP_PKEY **ca_key, char *err,
                             size_t err_size)
{
    char *crt = join(o->out_dir, "ca.crt"), *key = join(o->out_dir, "ca.key");
    int rc = -1;
    if (!crt || !key) {
        snprintf(err, err_size, "out of memory");
    } else if (exists(crt) != exists(key)) {
        snprintf(err, err_size, "%s: found only one of ca.crt and ca.key", o->out_dir);
    } else if (exists(crt)) {
        *ca = wp_x509_read_cert(crt, err, err_size);
        *ca_key = *ca ? wp_x509_read_key(key, err, err_size) : NULL;
        if (*ca_key && X509_check_private_key(*ca, *ca_key) != 1)
            snprintf(err, err_size, "%s does not match %s", key, crt);
        else if (*ca_key)
            rc = 0;
    } else {
        *ca_key = wp_x509_new_key();
        *ca = *ca_key ? wp_x509_make_ca(*ca_key, o->ca_common_name, o->ca_days, err, err_size) : NULL;
        if (!*ca_key) snprintf(err, err_size, "cannot generate a key");
        if (*ca && wp_x509_write_key(key, *ca_key, err, err_size) == 0 &&
            wp_x509_write_cert(crt, *ca, err, err_size) == 0) {
            fprintf(stderr, "wrote %s, %s\n", crt, key);
            rc = 0;
        }
    }
    free(crt);
    free(key);
    return rc;
}

/* Issues one certificate into dir/<base>.crt and dir/<base>.key. */
static int issue(const certs_options *o, X509 *ca, EVP_PKEY *ca_key, const char *base,
                 const wp_x509_leaf_spec *spec, char *err, size_t err_size)
{
    char name[32];
    snprintf(name, sizeof name, "%s.crt", base);
    char *crt = join(o->out_dir, name);
    snprintf(name, sizeof name, "%s.key", base);
    char *key_path = join(o->out_dir, name);
    EVP_PKEY *key = wp_x509_new_key();
    X509 *cert = key ? wp_x509_make_leaf(key, ca, ca_key, spec, err, err_size) : NULL;
    if (!key) snprintf(err, err_size, "cannot generate a key");
    int rc = -1;
    /* Key first: a reloader that sees the new certificate must find its key. */
    if (cert && crt && key_path && wp_x509_write_key(key_path, key, err, err_size) == 0 &&
        wp_x509_write_cert(crt, cert, err, err_size) == 0) {
        fprintf(stderr, "wrote %s, %s\n", crt, key_path);
        rc = 0;
    }
    X509_free(cert);
    EVP_PKEY_free(key);
    free(crt);
    free(key_path);
    return rc;
}

static int run(const certs_options *o, char *err, size_t err_size)
{
    if (mkdir(o->out_dir, 0755) != 0 && errno != EEXIST) {
        snprintf(err, err_size, "%s: %s", o->out_dir, strerror(errno));
        return -1;
    }
    X509 *ca = NULL;
    EVP_PKEY *ca_key = NULL;
    int rc = load_or_create_ca(o, &ca, &ca_key, err, err_size);
    if (rc == 0 && o->dns_names.n + o->ips.n > 0) {
        wp_x509_leaf_spec spec = {
            .common_name = o->common_name ? o->common_name
                           : o->dns_names.n ? o->dns_names.items[0] : o->ips.items[0],
            .dns_names = (const char *const *)o->dns_names.items, .n_dns = o->dns_names.n,
            .ips = (const char *const *)o->ips.items, .n_ips = o->ips.n,
            .days = o->days, .client = false,
        };
        rc = issue(o, ca, ca_key, "tls", &spec, err, err_size);
    }
    if (rc == 0 && o->client) {
        wp_x509_leaf_spec spec = {.common_name = o->client, .days = o->days, .client = true};
        rc = issue(o, ca, ca_key, "client", &spec, err, err_size);
    }
    if (rc == 0) {
        char *bundle = wp_x509_ca_bundle(ca);
        if (bundle) printf("%s\n", bundle);
        else { snprintf(err, err_size, "out of memory"); rc = -1; }
        free(bundle);
    }
    X509_free(ca);
    EVP_PKEY_free(ca_key);
    return rc;
}

int wp_certs_main(int argc, char **argv)
{
    certs_options o;
    char err[512];
    memset(&o, 0, sizeof o);
    int rc = 1;
    int next = argc;
    if (wp_flags_defaults(&certs_flags, &o, err, sizeof err) != 0 ||
        wp_flags_parse(&certs_flags, &o, argc, argv, 1, &next, err, sizeof err) != 0) {
        fprintf(stderr, "warmpool-webhook certs: %s\n", err);
        rc = 2;
        goto out;
    }
    if (next < argc) {
        fprintf(stderr, "warmpool-webhook certs: unexpected argument \"%s\" (see --help)\n", argv[next]);
        rc = 2;
        goto out;
    }
    if (o.help) {
        usage(stdout);
        rc = 0;
        goto out;
    }
    if (o.version) {
        printf("warmpool-webhook %s\n", WP_VERSION);
        rc = 0;
        goto out;
    }
    if (check_options(&o, err, sizeof err) != 0) {
        fprintf(stderr, "warmpool-webhook certs: %s\n", err);
        rc = 2;
        goto out;
    }
    if (run(&o, err, sizeof err) != 0) fprintf(stderr, "warmpool-webhook certs: %s\n", err);
    else rc = 0;
out:
    wp_flags_free(&certs_flags, &o);
    return rc;
}
