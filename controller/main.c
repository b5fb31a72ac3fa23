/* warmpool-controller: reconciles Sandboxes, SandboxTemplates,
 * SandboxWarmPools and SandboxClaims (docs/controller.md).
 *
 * The main thread owns signals: every thread blocks SIGTERM/SIGINT and the
 * main thread waits for them (sigtimedwait), updating /readyz meanwhile.
 * On a signal: stop the manager (reconciles in hand finish, the Lease is
 * released so a standby takes over at once), exit 0. On a lost lease: exit 1
 * at once (writes already stopped), as controller-runtime does. */
#include <errno.h>
#include <malloc.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/config.h"
#include "common/log.h"
#include "common/metrics.h"
#include "common/verdict.h"
#include "controller/flags.h"
#include "controller/history_server.h"
#include "controller/keys.h"
#include "controller/kube/kube_client.h"
#include "controller/kube/kubeconfig.h"
#include "controller/manager.h"
#include "webhook/metrics_server.h"
#ifdef WP_HAVE_PLUGINS
#include "controller/plugin/plugin_host.h"
#endif

#define PROGRAM "warmpool-controller"

static atomic_bool lease_lost;

static void on_lost_lease(void *ctx)
{
    (void)ctx;
    atomic_store(&lease_lost, true);
}

static void block_signals(sigset_t *set)
{
    sigemptyset(set);
    sigaddset(set, SIGTERM);
    sigaddset(set, SIGINT);
    pthread_sigmask(SIG_BLOCK, set, NULL);
    signal(SIGPIPE, SIG_IGN);
}

static void usage(FILE *out)
{
    fprintf(out, "Usage: %s [flags]\n\nReconciles agent-sandbox Sandboxes, SandboxTemplates, SandboxWarmPools and "
                 "SandboxClaims.\n\nFlags (--flag value or --flag=value):\n", PROGRAM);
    wp_flags_print_help(&wp_ctl_flag_set, out);
}

/* The rule configuration: --config, with --allowed-label-domains replacing
 * its list. Returns a reference (caller unrefs) or NULL with err. */
static wp_config *load_rules(const wp_ctl_flags *f, char *err, size_t err_size)
{
    wp_config *cfg = f->config ? wp_config_load_file(f->config, err, err_size) : wp_config_new_default();
    if (!cfg) return NULL;
    if (f->allowed_label_domains) {
        for (size_t i = 0; i < cfg->n_allowed_label_domains; i++) free(cfg->allowed_label_domains[i]);
        cfg->n_allowed_label_domains = 0;
        char *copy = wp_xalloc_check(strdup(f->allowed_label_domains)), *save = NULL;
        size_t cap = 1;
        for (const char *p = copy; *p; p++) cap += *p == ',';
        cfg->allowed_label_domains = wp_xalloc_check(realloc(cfg->allowed_label_domains, cap * sizeof(char *)));
        for (char *t = strtok_r(copy, ", ", &save); t; t = strtok_r(NULL, ", ", &save))
            cfg->allowed_label_domains[cfg->n_allowed_label_domains++] = wp_xalloc_check(strdup(t));
        free(copy);
    }
    return cfg;
}

/* Fails fast with a clear message when the API server cannot be reached
 * or refuses our credentials. */
static int check_server(wp_kube_client *c, char *err, size_t err_size)
{
    wp_kube_response resp = {0};
    wp_kube_error e = WP_KUBE_ERROR_INIT;
    wp_kube_rc rc = wp_kube_request(c, "GET", "/version", NULL, NULL, 0, &resp, &e);
    free(resp.body);
    if (rc != WP_KUBE_OK)
        snprintf(err, err_size, "cannot reach the API server at %s: %s", wp_kube_client_server(c), e.message);
    wp_kube_error_clear(&e);
    return rc == WP_KUBE_OK ? 0 : -1;
}

static wp_kube_client *connect_client(const wp_ctl_flags *f, char *err, size_t err_size)
{
    wp_kubeconfig_opts ko = {.kubeconfig = f->kubeconfig, .context = f->context};
    wp_kubeconfig *kc = wp_kubeconfig_load(&ko, err, err_size);
    if (!kc) return NULL;
    double qps = wp_ctl_flags_qps(f);
    wp_kube_client_opts co = {.qps = qps < 0 ? -1 : qps, .burst = f->kube_api_burst, .max_retries = 3,
                              .user_agent = PROGRAM "/" WP_VERSION};
    wp_kube_error e = WP_KUBE_ERROR_INIT;
    wp_kube_client *c = wp_kube_client_new(kc, &co, &e);
    wp_kubeconfig_free(kc);
    if (!c) snprintf(err, err_size, "%s", e.message);
    wp_kube_error_clear(&e);
    if (c && check_server(c, err, err_size) != 0) {
        wp_kube_client_free(c);
        return NULL;
    }
    return c;
}

/* Loads --plugin-config. *host stays NULL without the flag. Returns 0, or
 * -1 with err: a plugin the operator asked for is never silently skipped. */
static int load_plugins(const wp_ctl_flags *f, wp_metrics *reg, struct wp_plugin_host **host, char *err,
                        size_t err_size)
{
    *host = NULL;
    if (!f->plugin_config) return 0;
#ifdef WP_HAVE_PLUGINS
    wp_plugin_host_options po = {.metrics = reg};
    wp_plugin_error pe = {0};
    *host = wp_plugin_host_load(f->plugin_config, &po, &pe);
    if (!*host) snprintf(err, err_size, "--plugin-config %s: %s", f->plugin_config, pe.message);
    return *host ? 0 : -1;
#else
    (void)reg;
    snprintf(err, err_size, "--plugin-config: this build has no plugin host (controller/plugin/)");
    return -1;
#endif
}

static void free_plugins(struct wp_plugin_host *host)
{
#ifdef WP_HAVE_PLUGINS
    if (host) wp_plugin_host_free(host);
#else
    (void)host;
#endif
}

static const char *lease_namespace(const wp_ctl_flags *f, wp_kube_client *c)
{
    if (*f->leader_election_namespace) return f->leader_election_namespace;
    const char *env = getenv("POD_NAMESPACE");
    return env && *env ? env : wp_kube_client_namespace(c);
}

/* Serves /metrics, /healthz and /readyz on addr (both servers answer all
 * three; the flags say which one operators point at). NULL when addr is "". */
static wp_metrics_server *serve(const char *flag, const char *addr, wp_metrics *reg, char *err, size_t err_size)
{
    if (!addr || !*addr) return NULL;
    char e[256];
    wp_metrics_server *s = wp_metrics_server_start(addr, reg, e, sizeof e);
    if (!s) snprintf(err, err_size, "--%s %s: %s", flag, addr, e);
    else wp_log(WP_LOG_INFO, "listening", "flag", flag, "addr", wp_metrics_server_address(s), NULL);
    return s;
}

/* GET /history on --history-listen (nothing when empty). */
static int serve_history(const wp_ctl_flags *f, struct wp_plugin_host *plugins, wp_history_server **out, char *err,
                         size_t err_size)
{
    *out = NULL;
    if (!*f->history_listen) return 0;
    if (!plugins) {
        snprintf(err, err_size, "--history-listen needs --plugin-config with a history-store plugin");
        return -1;
    }
    char e[256];
    *out = wp_history_server_start(f->history_listen, plugins, e, sizeof e);
    if (!*out) {
        snprintf(err, err_size, "--history-listen %s: %s", f->history_listen, e);
        return -1;
    }
    wp_log(WP_LOG_INFO, "listening", "flag", "history-listen", "addr", wp_history_server_address(*out), NULL);
    return 0;
}

/* Waits for SIGTERM/SIGINT or a lost lease, keeping /readyz current. */
static int wait_for_end(const sigset_t *set, wp_manager *m, wp_metrics_server *health, wp_metrics_server *metrics)
{
    struct timespec tick = {0, 100 * 1000 * 1000};
    for (;;) {
        bool ready = wp_manager_ready(m);
        if (health) wp_metrics_server_set_ready(health, ready);
        if (metrics) wp_metrics_server_set_ready(metrics, ready);
        if (atomic_load(&lease_lost)) return -1;
        int sig = sigtimedwait(set, NULL, &tick);
        if (sig > 0) return sig;
    }
}

static int run(const wp_ctl_flags *f, const sigset_t *set)
{
    char err[1024] = "";
    wp_config *rules = load_rules(f, err, sizeof err);
    if (!rules) {
        fprintf(stderr, PROGRAM ": --config: %s\n", err);
        return 2;
    }
    wp_kube_client *client = connect_client(f, err, sizeof err);
    if (!client) {
        fprintf(stderr, PROGRAM ": %s\n", err);
        wp_config_unref(rules);
        return 1;
    }
    wp_metrics *reg = wp_metrics_new();
    struct wp_plugin_host *plugins = NULL;
    if (load_plugins(f, reg, &plugins, err, sizeof err) != 0) {
        fprintf(stderr, PROGRAM ": %s\n", err);
        wp_metrics_free(reg);
        wp_kube_client_free(client);
        wp_config_unref(rules);
        return 1;
    }
    wp_manager_config mc = {
        .client = client,
        .opts = {.cluster_domain = f->cluster_domain,
                 .namespace = f->namespace,
                 .pool_batch_cap = f->pool_batch_cap,
                 .readiness_grace = (double)f->readiness_grace_ms / 1000.0,
                 .disable_warm_pool_eviction = !f->enable_warm_pool_eviction,
                 .disable_claim_observability = f->disable_claim_observability,
                 .digest_failure_hold = strcmp(f->digest_failure_policy, "hold") == 0,
                 .rules = rules},
        .controllers = wp_ctl_flags_controllers(f),
        .leader_elect = f->leader_elect,
        .lease_namespace = lease_namespace(f, client),
        .lease_name = f->leader_election_id,
        .lease_duration = (double)f->lease_duration_ms / 1000.0,
        .renew_deadline = (double)f->renew_deadline_ms / 1000.0,
        .retry_period = (double)f->retry_period_ms / 1000.0,
        .registry = reg,
        .plugins = plugins,
        .on_lost_lease = on_lost_lease,
    };
    memcpy(mc.workers, f->workers, sizeof mc.workers);
    int rc = 1;
    wp_metrics_server *metrics = NULL, *health = NULL;
    wp_history_server *history = NULL;
    wp_manager *m = wp_manager_new(&mc, err, sizeof err);
    if (m) wp_metrics_register_process(reg);
    if (m && (metrics = serve("metrics-listen", f->metrics_listen, reg, err, sizeof err), !*err) &&
        (health = serve("health-listen", f->health_listen, reg, err, sizeof err), !*err) &&
        serve_history(f, plugins, &history, err, sizeof err) == 0 && wp_manager_start(m, err, sizeof err) == 0) {
        wp_log(WP_LOG_INFO, "started", "version", WP_VERSION, "server", wp_kube_client_server(client), "controllers",
               f->controllers, "leader-elect", f->leader_elect ? "true" : "false", NULL);
        int sig = wait_for_end(set, m, health, metrics);
        if (sig < 0) {
            wp_log(WP_LOG_ERROR, "leader election lost; exiting", NULL);
            fprintf(stderr, PROGRAM ": leader election lost\n");
            _exit(1); /* writes already stopped; a fresh process campaigns again */
        }
        wp_log(WP_LOG_INFO, "shutting down", "signal", sig == SIGINT ? "SIGINT" : "SIGTERM", NULL);
        rc = 0;
    } else {
        fprintf(stderr, PROGRAM ": %s\n", err);
    }
    if (health) wp_metrics_server_set_ready(health, false);
    if (m) wp_manager_stop(m); /* releases the Lease; caches stay readable */
    /* the servers go before the manager's memory: a scrape reads its caches */
    if (metrics) wp_metrics_server_stop(metrics);
    if (health) wp_metrics_server_stop(health);
    wp_history_server_stop(history);
    free_plugins(plugins); /* workers stopped; no hook calls back after this */
    wp_manager_free(m);
    wp_metrics_free(reg);
    wp_kube_client_free(client);
    wp_config_unref(rules);
    return rc;
}

/* glibc gives each thread that allocates its own arena; with ~150 workers
 * that is most of the resident memory (measured: 78 MiB → 58 MiB for 10,000
 * cached Sandboxes after a 1,000-claim burst, same speed). MALLOC_ARENA_MAX
 * in the environment still wins. */
static void limit_malloc_arenas(void)
{
    if (!getenv("MALLOC_ARENA_MAX")) mallopt(M_ARENA_MAX, 2);
}

int main(int argc, char **argv)
{
    limit_malloc_arenas();
    sigset_t set;
    block_signals(&set);
    wp_ctl_flags f;
    char err[512];
    if (wp_ctl_flags_parse(&f, argc, argv, err, sizeof err) != 0) {
        fprintf(stderr, PROGRAM ": %s\n", err);
        wp_flags_free(&wp_ctl_flag_set, &f);
        return 2;
    }
    int rc = 0;
    if (f.help) {
        usage(stdout);
    } else if (f.version) {
        printf(PROGRAM " %s\n", WP_VERSION);
    } else {
        wp_log_format fmt;
        wp_log_level lvl;
        wp_log_parse_format(f.log_format, &fmt);
        wp_log_parse_level(f.log_level, &lvl);
        wp_log_init(fmt, lvl);
        rc = run(&f, &set);
    }
    wp_flags_free(&wp_ctl_flag_set, &f);
    return rc;
}
