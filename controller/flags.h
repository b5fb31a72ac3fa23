/* The flags of warmpool-controller and their defaults, in one table
 * (common/flag_parser.h: `--flag value` and `--flag=value`). Defaults are
 * upstream agent-sandbox's where it has the flag (UPSTREAM.md §7). */
#ifndef WP_CONTROLLER_FLAGS_H
#define WP_CONTROLLER_FLAGS_H

#include <stdbool.h>
#include <stddef.h>

#include "common/flag_parser.h"
#include "controller/reconciler.h"

typedef struct {
    char *kubeconfig, *context;
    char *namespace;       /* "" = all namespaces */
    char *controllers;     /* comma list of sandbox,template,pool,claim */
    bool leader_elect;
    char *leader_election_namespace;
    char *leader_election_id;
    long long lease_duration_ms, renew_deadline_ms, retry_period_ms;
    char *metrics_listen, *health_listen, *history_listen;
    int workers[WP_CTL__COUNT]; /* indexed by wp_ctl_id */
    int pool_batch_cap;
    long long readiness_grace_ms;
    bool enable_warm_pool_eviction;
    bool disable_claim_observability;
    char *cluster_domain;
    char *allowed_label_domains; /* comma list; replaces the rule config's */
    char *config;                /* rule configuration file (the webhook's) */
    char *plugin_config;         /* plugin configuration file (controller/plugin/plugin_host.h) */
    char *digest_failure_policy; /* fallback | hold (validated by parse) */
    char *kube_api_qps;          /* a float; < 0 = unlimited */
    int kube_api_burst;
    char *log_format, *log_level;
    bool help, version;
} wp_ctl_flags;

extern const wp_flag_set wp_ctl_flag_set;

/* Defaults, then argv[1..]; then the cross-flag checks (known controllers,
 * log format, qps). Returns 0, or -1 with err filled ("--kube-api-qps:
 * ..."). Free with wp_flags_free(&wp_ctl_flag_set, f). */
int wp_ctl_flags_parse(wp_ctl_flags *f, int argc, char **argv, char *err, size_t err_size);

/* Which reconcilers --controllers selects (bits of wp_ctl_id). */
unsigned wp_ctl_flags_controllers(const wp_ctl_flags *f);

/* --kube-api-qps as a number (validated by parse). */
double wp_ctl_flags_qps(const wp_ctl_flags *f);

#endif
