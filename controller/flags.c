/* warmpool-controller flags and defaults. See flags.h. */
#include "controller/flags.h"

#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/verdict.h"
#include "controller/keys.h"

#define OPT(field) offsetof(wp_ctl_flags, field)
#define MINUTES_MS(n) ((long long)(n) * 60000LL)

static const wp_flag_spec specs[] = {
    {"kubeconfig", WP_FLAG_STRING, NULL, "FILE",
     "kubeconfig file (default: $KUBECONFIG, in-cluster service account, ~/.kube/config)", OPT(kubeconfig), 0, 0},
    {"context", WP_FLAG_STRING, NULL, "NAME", "kubeconfig context (default: its current-context)", OPT(context), 0, 0},
    {"namespace", WP_FLAG_STRING, "", "NS", "watch only this namespace (default: all)", OPT(namespace), 0, 0},
    {"controllers", WP_FLAG_STRING, "sandbox,template,pool,claim", "LIST",
     "reconcilers to run, comma-separated: sandbox, template, pool, claim", OPT(controllers), 0, 0},
    {"leader-elect", WP_FLAG_BOOL, "true", NULL, "elect a leader on a Lease; only the leader writes",
     OPT(leader_elect), 0, 0},
    {"leader-election-namespace", WP_FLAG_STRING, "", "NS",
     "namespace of the Lease (default: $POD_NAMESPACE, else the kubeconfig's namespace)",
     OPT(leader_election_namespace), 0, 0},
    {"leader-election-id", WP_FLAG_STRING, WP_LEASE_NAME_DEFAULT, "NAME",
     "name of the Lease (upstream's is " WP_UPSTREAM_LEASE_NAME "; a different name lets both run side by side)",
     OPT(leader_election_id), 0, 0},
    {"leader-election-lease-duration", WP_FLAG_DURATION, "15s", "DURATION",
     "how long a lease is valid without renewal", OPT(lease_duration_ms), 1000, 3600000},
    {"leader-election-renew-deadline", WP_FLAG_DURATION, "10s", "DURATION",
     "the leader stops leading when it could not renew for this long", OPT(renew_deadline_ms), 500, 3600000},
    {"leader-election-retry-period", WP_FLAG_DURATION, "2s", "DURATION", "how often candidates try",
     OPT(retry_period_ms), 100, 3600000},
    {"metrics-listen", WP_FLAG_STRING, ":8080", "HOST:PORT", "Prometheus /metrics (plain HTTP; empty disables)",
     OPT(metrics_listen), 0, 0},
    {"health-listen", WP_FLAG_STRING, ":8081", "HOST:PORT",
     "/healthz and /readyz (ready once caches synced; leading or standing by); empty disables",
     OPT(health_listen), 0, 0},
    {"history-listen", WP_FLAG_STRING, "", "HOST:PORT",
     "GET /history from the history-store plugin (plain HTTP; empty disables)", OPT(history_listen), 0, 0},
    {"sandbox-concurrent-workers", WP_FLAG_INT, "100", "N", "Sandbox reconcile workers",
     OPT(workers[WP_CTL_SANDBOX]), 1, 10000},
    {"sandbox-template-concurrent-workers", WP_FLAG_INT, "1", "N", "SandboxTemplate reconcile workers",
     OPT(workers[WP_CTL_TEMPLATE]), 1, 10000},
    {"sandbox-warm-pool-concurrent-workers", WP_FLAG_INT, "1", "N", "SandboxWarmPool reconcile workers",
     OPT(workers[WP_CTL_POOL]), 1, 10000},
    {"sandbox-claim-concurrent-workers", WP_FLAG_INT, "50", "N", "SandboxClaim reconcile workers",
     OPT(workers[WP_CTL_CLAIM]), 1, 10000},
    {"sandbox-warm-pool-max-batch-size", WP_FLAG_INT, "300", "N",
     "most warm-pool sandboxes created or deleted in one pass", OPT(pool_batch_cap), 1, 100000},
    {"sandbox-warm-pool-readiness-grace-period", WP_FLAG_DURATION, "5m", "DURATION",
     "a warm sandbox not Ready after this is replaced (unless unschedulable)", OPT(readiness_grace_ms), 1000,
     MINUTES_MS(24 * 60)},
    {"enable-warm-pool-eviction", WP_FLAG_BOOL, "true", NULL,
     "mark warm sandboxes' pods safe-to-evict for the cluster autoscaler", OPT(enable_warm_pool_eviction), 0, 0},
    {"disable-claim-observability-annotations", WP_FLAG_BOOL, "false", NULL,
     "do not write controller-first-observed-at / claim-first-ready-at on claims (one API write per claim less)",
     OPT(disable_claim_observability), 0, 0},
    {"cluster-domain", WP_FLAG_STRING, "cluster.local", "DOMAIN", "cluster DNS domain for status.serviceFQDN",
     OPT(cluster_domain), 0, 0},
    {"allowed-label-domains", WP_FLAG_STRING, NULL, "LIST",
     "label domains additionalPodMetadata may use, comma-separated (replaces --config's list)",
     OPT(allowed_label_domains), 0, 0},
    {"config", WP_FLAG_STRING, NULL, "FILE", "the webhook's rule configuration (YAML/JSON)", OPT(config), 0, 0},
    {"plugin-config", WP_FLAG_STRING, NULL, "FILE",
     "plugins to load: digest resolver, post-start hooks, history store (docs/plugins.md)", OPT(plugin_config), 0, 0},
    {"digest-failure-policy", WP_FLAG_STRING, "fallback", "fallback|hold",
     "when the digest resolver fails: run the tag (fallback) or create nothing until it answers (hold)",
     OPT(digest_failure_policy), 0, 0},
    {"kube-api-qps", WP_FLAG_STRING, "-1", "QPS", "client-side API request rate; negative = unlimited",
     OPT(kube_api_qps), 0, 0},
    {"kube-api-burst", WP_FLAG_INT, "10", "N", "client-side API request burst", OPT(kube_api_burst), 1, 100000},
    {"log-format", WP_FLAG_STRING, "json", "json|text", "log line format", OPT(log_format), 0, 0},
    {"log-level", WP_FLAG_STRING, "info", "LEVEL", "debug, info, warn or error", OPT(log_level), 0, 0},
    {"help", WP_FLAG_BOOL, "false", NULL, "show this help and exit", OPT(help), 0, 0},
    {"version", WP_FLAG_BOOL, "false", NULL, "show the version and exit", OPT(version), 0, 0},
};

const wp_flag_set wp_ctl_flag_set = {specs, sizeof specs / sizeof specs[0], NULL};

/* Calls fn for each comma-separated, space-trimmed item; stops at the
 * first nonzero return and returns it. */
static int each_item(const char *list, int (*fn)(void *ctx, const char *item), void *ctx)
{
    char *copy = wp_xalloc_check(strdup(list ? list : ""));
    int rc = 0;
    char *save = NULL;
    for (char *tok = strtok_r(copy, ",", &save); tok && !rc; tok = strtok_r(NULL, ",", &save)) {
        while (*tok == ' ') tok++;
        size_t n = strlen(tok);
        while (n && tok[n - 1] == ' ') tok[--n] = '\0';
        if (*tok) rc = fn(ctx, tok);
    }
    free(copy);
    return rc;
}

typedef struct {
    unsigned bits;
    char *bad;
} controllers_acc;

/* Every name --controllers accepts, whether or not this build links that
 * reconciler (one not linked is skipped with a log line at start). */
static const char *const known_controllers[] = {"sandbox", "template", "pool", "claim"};

static int add_controller(void *ctx, const char *item)
{
    controllers_acc *a = ctx;
    bool known = false;
    for (size_t i = 0; i < sizeof known_controllers / sizeof *known_controllers; i++)
        known |= strcmp(known_controllers[i], item) == 0;
    if (!known) {
        a->bad = wp_xalloc_check(strdup(item));
        return -1;
    }
    const wp_reconciler *r = wp_reconciler_find(item);
    if (r) a->bits |= 1u << r->id;
    return 0;
}

unsigned wp_ctl_flags_controllers(const wp_ctl_flags *f)
{
    controllers_acc a = {0, NULL};
    each_item(f->controllers, add_controller, &a);
    free(a.bad);
    return a.bits;
}

double wp_ctl_flags_qps(const wp_ctl_flags *f)
{
    return strtod(f->kube_api_qps, NULL);
}

static int check(const wp_ctl_flags *f, char *err, size_t err_size)
{
    controllers_acc a = {0, NULL};
    if (each_item(f->controllers, add_controller, &a) != 0) {
        snprintf(err, err_size, "--controllers: unknown controller \"%.64s\" (known: sandbox, template, pool, claim)",
                 a.bad);
        free(a.bad);
        return -1;
    }
    if (!a.bits) {
        snprintf(err, err_size, "--controllers: no controller selected (or none of them is built in)");
        return -1;
    }
    char *end;
    errno = 0;
    double qps = strtod(f->kube_api_qps, &end);
    if (errno || end == f->kube_api_qps || *end || !isfinite(qps)) {
        snprintf(err, err_size, "--kube-api-qps: \"%.64s\" is not a number", f->kube_api_qps);
        return -1;
    }
    if (strcmp(f->digest_failure_policy, "fallback") != 0 && strcmp(f->digest_failure_policy, "hold") != 0) {
        snprintf(err, err_size, "--digest-failure-policy: \"%.64s\" is not fallback or hold", f->digest_failure_policy);
        return -1;
    }
    wp_log_format fmt;
    wp_log_level lvl;
    if (!wp_log_parse_format(f->log_format, &fmt)) {
        snprintf(err, err_size, "--log-format: \"%.64s\" is not json or text", f->log_format);
        return -1;
    }
    if (!wp_log_parse_level(f->log_level, &lvl)) {
        snprintf(err, err_size, "--log-level: \"%.64s\" is not debug, info, warn or error", f->log_level);
        return -1;
    }
    if (f->leader_elect && !(f->lease_duration_ms > f->renew_deadline_ms &&
                             f->renew_deadline_ms * 10 > f->retry_period_ms * 12)) {
        snprintf(err, err_size,
                 "--leader-election-*: need lease-duration > renew-deadline > 1.2 x retry-period");
        return -1;
    }
    if (!*f->cluster_domain) {
        snprintf(err, err_size, "--cluster-domain: must not be empty");
        return -1;
    }
    return 0;
}

int wp_ctl_flags_parse(wp_ctl_flags *f, int argc, char **argv, char *err, size_t err_size)
{
    memset(f, 0, sizeof *f);
    if (wp_flags_defaults(&wp_ctl_flag_set, f, err, err_size) != 0) return -1;
    int next;
    if (wp_flags_parse(&wp_ctl_flag_set, f, argc, argv, 1, &next, err, err_size) != 0) return -1;
    if (next < argc) {
        snprintf(err, err_size, "unexpected argument \"%.64s\" (see --help)", argv[next]);
        return -1;
    }
    if (f->help || f->version) return 0;
    return check(f, err, err_size);
}
