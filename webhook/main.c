/* warmpool-webhook: the admission webhook program.
 *
 *   warmpool-webhook [flags]          serve (see --help)
 *   warmpool-webhook certs [flags]    generate certificates
 *
 * The main thread only waits for signals: SIGTERM/SIGINT (graceful
 * shutdown) or SIGHUP (reload now). Reloads run on their own thread, so a
 * file read that hangs can never keep the process from stopping. */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "common/log.h"
#include "common/suggest.h"
#include "webhook/certs_cmd.h"
#include "webhook/flags.h"
#include "webhook/live.h"
#include "webhook/metrics_server.h"
#include "webhook/reloader.h"
#include "webhook/server.h"
#include "webhook/webhook_metrics.h"

static void usage(FILE *out)
{
    fprintf(out,
            "Usage: warmpool-webhook --tls-cert-file FILE --tls-key-file FILE [flags]\n"
            "       warmpool-webhook certs --out-dir DIR --dns-name NAME... (see certs --help)\n"
            "       warmpool-webhook version\n\n"
            "The warmpool admission webhook: validates and mutates SandboxClaims, SandboxWarmPools\n"
            "and SandboxTemplates over HTTPS (POST /validate, POST /mutate, GET /healthz), with\n"
            "metrics and probes on a plain-HTTP port (GET /metrics, /healthz, /readyz).\n"
            "Certificates, the client CA and the rule configuration reload when their files change.\n\n"
            "Flags:\n");
    wp_flags_print_help(&wp_webhook_flag_set, out);
}

static struct timespec ms_to_timespec(long long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000};
    return ts;
}

/* Blocks the signals the main loop waits for in every thread (threads
 * started later inherit the mask) and ignores SIGPIPE. */
static void block_signals(sigset_t *set)
{
    sigemptyset(set);
    sigaddset(set, SIGTERM);
    sigaddset(set, SIGINT);
    sigaddset(set, SIGHUP);
    pthread_sigmask(SIG_BLOCK, set, NULL);
    signal(SIGPIPE, SIG_IGN);
}

/* Waits for a shutdown signal; SIGHUP wakes the reloader. Returns the
 * signal that ended the wait. */
static int run_until_signal(const sigset_t *set, wp_reloader *reloader)
{
    for (;;) {
        int sig = sigwaitinfo(set, NULL);
        if (sig == SIGTERM || sig == SIGINT) return sig;
        if (sig == SIGHUP) {
            wp_log(WP_LOG_INFO, "SIGHUP: checking files now", NULL);
            wp_reloader_wake(reloader);
        }
        if (sig < 0 && errno != EINTR) return 0;
    }
}

/* How long shutdown waits for a reload in progress. */
#define RELOAD_STOP_WAIT_MS 1000

/* Stops accepting and lets requests in flight finish, up to the grace
 * period. */
static void drain(wp_server *server, long long grace_ms)
{
    wp_server_quiesce(server);
    struct timespec step = ms_to_timespec(10);
    for (long long waited = 0; wp_server_in_flight(server) > 0 && waited < grace_ms; waited += 10)
        nanosleep(&step, NULL);
    int left = wp_server_in_flight(server);
    if (left > 0) {
        char n[16];
        snprintf(n, sizeof n, "%d", left);
        wp_log(WP_LOG_WARN, "shutdown grace period over; closing requests still in flight",
               "requests", n, NULL);
    }
}

static int serve(const wp_webhook_options *o)
{
    wp_log_format format;
    wp_log_level level;
    wp_log_parse_format(o->log_format, &format);
    wp_log_parse_level(o->log_level, &level);
    wp_log_init(format, level);
    sigset_t signals;
    block_signals(&signals);

    char err[512];
    int rc = 1;
    wp_webhook_metrics metrics;
    wp_live live;
    wp_reloader reloader;
    wp_server *server = NULL;
    wp_metrics_server *ops = NULL;
    wp_live_init(&live);
    if (wp_webhook_metrics_init(&metrics) != 0) {
        wp_log(WP_LOG_ERROR, "cannot register metrics", NULL);
        wp_live_destroy(&live);
        return 1;
    }
    if (wp_reloader_init(&reloader, o, &live, &metrics, err, sizeof err) != 0) {
        wp_log(WP_LOG_ERROR, "cannot load startup files", "error", err, NULL);
        goto out;
    }
    if (o->metrics_listen && *o->metrics_listen &&
        !(ops = wp_metrics_server_start(o->metrics_listen, metrics.registry, err, sizeof err))) {
        wp_log(WP_LOG_ERROR, "cannot start the metrics server", "error", err, NULL);
        goto out;
    }
    if (!(server = wp_server_start(o, &live, &metrics, err, sizeof err))) {
        wp_log(WP_LOG_ERROR, "cannot start the admission server", "error", err, NULL);
        goto out;
    }
    if (wp_reloader_start(&reloader, o->reload_interval_ms) != 0) {
        wp_log(WP_LOG_ERROR, "cannot start the reload thread", NULL);
        goto out;
    }
    if (ops) wp_metrics_server_set_ready(ops, true);
    char max_conns[16];
    snprintf(max_conns, sizeof max_conns, "%u", wp_server_max_connections(server));
    wp_log(WP_LOG_INFO, "serving", "version", WP_VERSION, "admission", wp_server_address(server),
           "metrics", ops ? wp_metrics_server_address(ops) : "off",
           "clientCertificates", o->client_ca_file && *o->client_ca_file ? "required" : "off",
           "maxConnections", max_conns, NULL);

    int sig = run_until_signal(&signals, &reloader);
    wp_log(WP_LOG_INFO, "shutting down", "signal", sig > 0 ? strsignal(sig) : "error", NULL);
    if (ops) wp_metrics_server_set_ready(ops, false);
    drain(server, o->shutdown_grace_ms);
    rc = sig > 0 ? 0 : 1;
out:
    wp_server_stop(server);
    wp_metrics_server_stop(ops);
    if (!wp_reloader_stop(&reloader, RELOAD_STOP_WAIT_MS)) {
        /* The thread still uses live and metrics: leave them to exit. */
        wp_log(WP_LOG_WARN, "a reload is still reading a file; exiting without waiting for it", NULL);
        if (rc == 0) wp_log(WP_LOG_INFO, "stopped", NULL);
        return rc;
    }
    wp_reloader_free(&reloader);
    wp_live_destroy(&live);
    wp_webhook_metrics_free(&metrics);
    if (rc == 0) wp_log(WP_LOG_INFO, "stopped", NULL);
    return rc;
}

static const char *const COMMANDS[] = {"certs", "version"};

/* A first argument that is not a flag names a command. Returns the exit
 * code, or -1 when argv[1] is a flag (serve). */
static int run_command(int argc, char **argv)
{
    if (argc < 2 || argv[1][0] == '-') return -1;
    if (strcmp(argv[1], "certs") == 0) return wp_certs_main(argc - 1, argv + 1);
    if (strcmp(argv[1], "version") == 0 && argc == 2) {
        printf("warmpool-webhook %s\n", WP_VERSION);
        return 0;
    }
    if (strcmp(argv[1], "version") == 0) {
        fprintf(stderr, "warmpool-webhook: version takes no arguments\n");
        return 2;
    }
    char msg[256], flag[80];
    snprintf(msg, sizeof msg, "unknown command \"%.64s\"", argv[1]);
    if (wp_suggest(argv[1], COMMANDS, sizeof COMMANDS / sizeof COMMANDS[0]))
        wp_suggest_append(msg, sizeof msg, "", argv[1], COMMANDS, sizeof COMMANDS / sizeof COMMANDS[0]);
    else if (wp_flags_suggest(&wp_webhook_flag_set, argv[1], flag, sizeof flag) == 0) {
        /* A flag without its dashes ("listen :9443"). */
        size_t used = strlen(msg);
        snprintf(msg + used, sizeof msg - used, " (did you mean %s?)", flag);
    }
    fprintf(stderr, "warmpool-webhook: %s; commands: certs, version (see --help)\n", msg);
    return 2;
}

int main(int argc, char **argv)
{
    int command_rc = run_command(argc, argv);
    if (command_rc >= 0) return command_rc;
    wp_webhook_options o;
    char err[512];
    int rc;
    if (wp_webhook_options_parse(&o, argc, argv, err, sizeof err) != 0) {
        fprintf(stderr, "warmpool-webhook: %s\n", err);
        rc = 2;
    } else if (o.help) {
        usage(stdout);
        rc = 0;
    } else if (o.version) {
        printf("warmpool-webhook %s\n", WP_VERSION);
        rc = 0;
    } else if (wp_webhook_options_check(&o, err, sizeof err) != 0) {
        fprintf(stderr, "warmpool-webhook: %s\n", err);
        rc = 2;
    } else {
        rc = serve(&o);
    }
    wp_flags_free(&wp_webhook_flag_set, &o);
    return rc;
}
