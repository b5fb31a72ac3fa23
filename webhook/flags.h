/* The flags of `warmpool-webhook` (serve) and their defaults, in one place.
 * Each flag may also be set in the file named by --flags-file (YAML/JSON,
 * keys are the flag names); the command line wins. */
#ifndef WP_WEBHOOK_FLAGS_H
#define WP_WEBHOOK_FLAGS_H

#include <stdbool.h>
#include <stddef.h>

#include "common/flag_parser.h"

typedef struct {
    char *listen;              /* admission (TLS) address, host:port */
    char *metrics_listen;      /* metrics/health (plain HTTP) address; "" disables */
    char *tls_cert_file;       /* PEM certificate (chain) */
    char *tls_key_file;        /* PEM private key */
    char *client_ca_file;      /* PEM CA bundle; set = client certificates required */
    char *tls_priorities;      /* GnuTLS priority string */
    char *config;              /* rule configuration file, reloaded on change */
    char *log_format;          /* json | text */
    char *log_level;           /* debug | info | warn | error */
    int threads;               /* event-loop threads; 0 = one per CPU we may run on */
    size_t max_body_bytes;
    size_t max_body_memory;    /* all request bodies in memory at once */
    long long read_timeout_ms; /* whole request (handshake, headers, body) */
    long long idle_timeout_ms; /* keep-alive connection without traffic */
    long long handshake_timeout_ms; /* TLS handshake + start of the first request */
    long long reload_interval_ms;
    long long shutdown_grace_ms;
    int max_connections;       /* 0 = from RLIMIT_NOFILE */
    int max_connections_per_ip;/* 0 = unlimited */
    char *flags_file;
    bool help, version;
} wp_webhook_options;

extern const wp_flag_set wp_webhook_flag_set;

/* Defaults, then --flags-file, then argv[1..]. Returns 0, or -1 with err
 * filled. Free with wp_flags_free(&wp_webhook_flag_set, opts). */
int wp_webhook_options_parse(wp_webhook_options *opts, int argc, char **argv, char *err,
                             size_t err_size);

/* Cross-flag checks after parsing (required files, known log format).
 * Returns 0 or -1 with err filled. */
int wp_webhook_options_check(const wp_webhook_options *opts, char *err, size_t err_size);

#endif
