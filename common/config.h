/* Rule configuration: what the operator controls (ADMISSION.md,
 * "Configuration the operator controls").
 *
 * A wp_config is immutable once loaded and reference-counted, so a server can
 * swap in a reloaded one while requests in flight keep using the old one:
 *   cfg = wp_config_ref(current);  ...use...;  wp_config_unref(cfg);
 *
 * File format (YAML or JSON), every key optional:
 *   allowedLabelDomains: [sandbox.users.io]
 *   maxPoolReplicas: 10000
 *   rules:                      # each group: enforce | warn | off
 *     claim.warmPoolRef: enforce
 *     template.imageDigest: warn
 * Unknown keys are an error (a typo must not silently disable a rule).
 * allowedLabelDomains, when given, replaces the default list (an empty list
 * allows no label at all). A plain YAML `off` is read as the boolean false
 * and means "off". template.imageDigest accepts only warn or off: an
 * unpinned image is never a denial. */
#ifndef WP_CONFIG_H
#define WP_CONFIG_H

#include <jansson.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>

typedef enum { WP_MODE_ENFORCE, WP_MODE_WARN, WP_MODE_OFF } wp_rule_mode;

/* Rule groups, one per numbered rule in ADMISSION.md. The config names are
 * in wp_rule_group_name(). */
typedef enum {
    WP_RULE_CLAIM_WARMPOOLREF,      /* claim.warmPoolRef */
    WP_RULE_CLAIM_LEGACY,           /* claim.legacyFields */
    WP_RULE_CLAIM_ENV,              /* claim.env */
    WP_RULE_CLAIM_VOLUMES,          /* claim.volumeClaimTemplates */
    WP_RULE_CLAIM_LIFECYCLE,        /* claim.lifecycle */
    WP_RULE_CLAIM_POD_METADATA,     /* claim.additionalPodMetadata */
    WP_RULE_CLAIM_IMMUTABLE,        /* claim.immutableOnceBound */
    WP_RULE_POOL_TEMPLATE_REF,      /* pool.sandboxTemplateRef */
    WP_RULE_POOL_REPLICAS,          /* pool.replicas */
    WP_RULE_POOL_UPDATE_STRATEGY,   /* pool.updateStrategy */
    WP_RULE_TEMPLATE_CONTAINERS,    /* template.containers */
    WP_RULE_TEMPLATE_ENUMS,         /* template.enums */
    WP_RULE_TEMPLATE_IMAGE_DIGEST,  /* template.imageDigest (a warning by nature) */
    WP_RULE__COUNT
} wp_rule_group;

typedef struct wp_config {
    atomic_int refcount;             /* use wp_config_ref/unref */
    char **allowed_label_domains;    /* owned */
    size_t n_allowed_label_domains;
    long long max_pool_replicas;
    wp_rule_mode modes[WP_RULE__COUNT];
} wp_config;

#define WP_CONFIG_DEFAULT_LABEL_DOMAIN "sandbox.users.io"
#define WP_CONFIG_DEFAULT_MAX_POOL_REPLICAS 10000

/* A new config with the defaults (refcount 1). Caller unrefs. */
wp_config *wp_config_new_default(void);

/* Builds a config from a parsed document (defaults for absent keys).
 * Returns a new config (refcount 1), or NULL with a message in err
 * naming the offending key. */
wp_config *wp_config_from_json(const json_t *doc, char *err, size_t err_size);

/* Reads and parses a YAML/JSON file. NULL with err filled on failure; the
 * message names the file. */
wp_config *wp_config_load_file(const char *path, char *err, size_t err_size);

/* The same from text[0..len) already read (the webhook's file watch reads
 * the file once, safely); errors start with name ("--config rules.yaml"). */
wp_config *wp_config_from_text(const char *name, const char *text, size_t len, char *err, size_t err_size);

wp_config *wp_config_ref(wp_config *cfg);
void wp_config_unref(wp_config *cfg);

/* "claim.env", ...: the names used in the config file. Static strings;
 * "unknown" for a value out of range. */
const char *wp_rule_group_name(wp_rule_group g);
/* The inverse of wp_rule_group_name; false for an unknown name. */
bool wp_rule_group_parse(const char *s, wp_rule_group *out);
/* "enforce" | "warn" | "off"; false for anything else. */
bool wp_rule_mode_parse(const char *s, wp_rule_mode *out);
const char *wp_rule_mode_name(wp_rule_mode m);

#endif
