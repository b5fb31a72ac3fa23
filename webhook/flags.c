/* warmpool-webhook flags and defaults. See flags.h. */
#include "webhook/flags.h"

#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "common/log.h"
#include "webhook/listen_addr.h"

#define OPT(field) offsetof(wp_webhook_options, field)

/* AEAD ciphers only, TLS 1.2 minimum, TLS 1.3 preferred (GnuTLS tries the
 * highest enabled version first). */
#define DEFAULT_TLS_PRIORITIES \
    "NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2:-CIPHER-ALL:+AES-128-GCM:+AES-256-GCM:+CHACHA20-POLY1305"

static const wp_flag_spec specs[] = {
    {"listen", WP_FLAG_STRING, ":9443", "HOST:PORT",
     "admission endpoint (HTTPS): /validate, /mutate, /healthz", OPT(listen), 0, 0},
    {"metrics-listen", WP_FLAG_STRING, ":8080", "HOST:PORT",
     "plain-HTTP endpoint for /metrics, /healthz, /readyz (empty disables)", OPT(metrics_listen), 0, 0},
    {"tls-cert-file", WP_FLAG_STRING, NULL, "FILE",
     "serving certificate (PEM, leaf first); reloaded when it changes", OPT(tls_cert_file), 0, 0},
    {"tls-key-file", WP_FLAG_STRING, NULL, "FILE",
     "private key of the serving certificate (PEM); reloaded when it changes", OPT(tls_key_file), 0, 0},
    {"client-ca-file", WP_FLAG_STRING, NULL, "FILE",
     "require client certificates signed by these CAs (PEM); reloaded when it changes",
     OPT(client_ca_file), 0, 0},
    {"tls-priorities", WP_FLAG_STRING, DEFAULT_TLS_PRIORITIES, "STRING",
     "GnuTLS priority string (protocol versions and ciphers)", OPT(tls_priorities), 0, 0},
    {"config", WP_FLAG_STRING, NULL, "FILE",
     "rule configuration (YAML/JSON); reloaded when it changes", OPT(config), 0, 0},
    {"log-format", WP_FLAG_STRING, "json", "json|text", "log line format", OPT(log_format), 0, 0},
    {"log-level", WP_FLAG_STRING, "info", "LEVEL", "debug, info, warn or error", OPT(log_level), 0, 0},
    {"threads", WP_FLAG_INT, "0", "N",
     "event-loop threads (0: one per CPU the process may run on)", OPT(threads), 0, 256},
    {"max-body-bytes", WP_FLAG_SIZE, "7Mi", "SIZE",
     "largest request body accepted; larger gets 413", OPT(max_body_bytes), 1, 1LL << 30},
    {"max-body-memory", WP_FLAG_SIZE, "64Mi", "SIZE",
     "request bodies held in memory at once, all connections together (at least --max-body-bytes); "
     "a request that does not fit gets 503", OPT(max_body_memory), 1, 1LL << 40},
    {"read-timeout", WP_FLAG_DURATION, "10s", "DURATION",
     "time allowed for a whole request (TLS handshake, headers and body)", OPT(read_timeout_ms),
     1, 3600000},
    {"handshake-timeout", WP_FLAG_DURATION, "5s", "DURATION",
     "time a new connection has for its TLS handshake and the start of its first request, at most "
     "--read-timeout (so connections that send nothing cannot hold slots)",
     OPT(handshake_timeout_ms), 100, 600000},
    {"idle-timeout", WP_FLAG_DURATION, "120s", "DURATION",
     "close a keep-alive connection idle this long (longer than the apiserver's 90s, so the client closes first)",
     OPT(idle_timeout_ms), 1000, 86400000},
    {"reload-interval", WP_FLAG_DURATION, "2s", "DURATION",
     "how often certificate, client CA and config files are checked for changes",
     OPT(reload_interval_ms), 10, 3600000},
    {"shutdown-grace", WP_FLAG_DURATION, "20s", "DURATION",
     "on SIGTERM, how long requests in flight may take to finish", OPT(shutdown_grace_ms), 0,
     3600000},
    {"max-connections", WP_FLAG_INT, "0", "N",
     "open admission connections at most (0: as many as the open-file limit allows, up to 32768; "
     "the soft limit is raised to the hard one at start)",
     OPT(max_connections), 0, 1000000},
    {"max-connections-per-ip", WP_FLAG_INT, "256", "N",
     "open admission connections per client IP at most (0: no limit); each kube-apiserver keeps "
     "about 25 idle plus one per concurrent request",
     OPT(max_connections_per_ip), 0, 1000000},
    {"flags-file", WP_FLAG_STRING, NULL, "FILE",
     "read flags from this YAML/JSON file (keys are flag names; the command line wins)",
     OPT(flags_file), 0, 0},
    {"help", WP_FLAG_BOOL, "false", NULL, "show this help and exit", OPT(help), 0, 0},
    {"version", WP_FLAG_BOOL, "false", NULL, "show the version and exit", OPT(version), 0, 0},
};

const wp_flag_set wp_webhook_flag_set = {specs, sizeof specs / sizeof specs[0], "flags-file"};

int wp_webhook_options_parse(wp_webhook_options *opts, int argc, char **argv, char *err,
                             size_t err_size)
{
    memset(opts, 0, sizeof *opts);
    if (wp_flags_defaults(&wp_webhook_flag_set, opts, err, err_size) != 0) return -1;
    int next;
    if (wp_flags_parse(&wp_webhook_flag_set, opts, argc, argv, 1, &next, err, err_size) != 0)
        return -1;
    if (next < argc) {
        snprintf(err, err_size, "unexpected argument \"%.64s\" (see --help)", argv[next]);
        return -1;
    }
    return 0;
}

static bool all_interfaces(const char *host)
{
    return !*host || strcmp(host, "0.0.0.0") == 0 || strcmp(host, "::") == 0;
}

/* --listen and --metrics-listen must not claim the same port on an
 * overlapping address: caught here as a usage error, not later as
 * "Address already in use" after the first port is bound. */
static int check_distinct_addresses(const wp_webhook_options *o, char *err, size_t err_size)
{
    char host[256], port[16], mhost[256], mport[16], inner[256];
    if (wp_listen_split(o->listen, host, sizeof host, port, sizeof port, inner, sizeof inner) != 0) {
        snprintf(err, err_size, "--listen: %s", inner);
        return -1;
    }
    if (!o->metrics_listen || !*o->metrics_listen) return 0;
    if (wp_listen_split(o->metrics_listen, mhost, sizeof mhost, mport, sizeof mport, inner, sizeof inner) != 0) {
        snprintf(err, err_size, "--metrics-listen: %s", inner);
        return -1;
    }
    bool same_port = strcmp(port, mport) == 0 && strcmp(port, "0") != 0;
    bool overlap = strcmp(host, mhost) == 0 || all_interfaces(host) || all_interfaces(mhost);
    if (same_port && overlap) {
        snprintf(err, err_size, "--listen (%.64s) and --metrics-listen (%.64s) use the same port %s: give them "
                 "different ports", o->listen, o->metrics_listen, port);
        return -1;
    }
    return 0;
}

int wp_webhook_options_check(const wp_webhook_options *o, char *err, size_t err_size)
{
    wp_log_format format;
    wp_log_level level;
    if (!o->tls_cert_file || !*o->tls_cert_file || !o->tls_key_file || !*o->tls_key_file) {
        snprintf(err, err_size, "--tls-cert-file and --tls-key-file are required");
        return -1;
    }
    if (!wp_log_parse_format(o->log_format, &format)) {
        snprintf(err, err_size, "--log-format: expected json or text, got \"%.32s\"", o->log_format);
        return -1;
    }
    if (!wp_log_parse_level(o->log_level, &level)) {
        snprintf(err, err_size, "--log-level: expected debug, info, warn or error, got \"%.32s\"",
                 o->log_level);
        return -1;
    }
    if (!o->listen || !*o->listen) {
        snprintf(err, err_size, "--listen must not be empty");
        return -1;
    }
    if (o->max_body_memory < o->max_body_bytes) {
        snprintf(err, err_size, "--max-body-memory (%zu bytes) must be at least --max-body-bytes (%zu bytes)",
                 o->max_body_memory, o->max_body_bytes);
        return -1;
    }
    return check_distinct_addresses(o, err, err_size);
}
