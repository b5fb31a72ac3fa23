/* Rule configuration: defaults, parsing, reference counting. See config.h. */
#include "common/config.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/names.h"
#include "common/verdict.h"
#include "common/yaml.h"

/* A config file is a few lines; anything bigger is a mistake. */
#define CONFIG_MAX_BYTES (1024 * 1024)

static const char *const group_names[WP_RULE__COUNT] = {
    [WP_RULE_CLAIM_WARMPOOLREF] = "claim.warmPoolRef",
    [WP_RULE_CLAIM_LEGACY] = "claim.legacyFields",
    [WP_RULE_CLAIM_ENV] = "claim.env",
    [WP_RULE_CLAIM_VOLUMES] = "claim.volumeClaimTemplates",
    [WP_RULE_CLAIM_LIFECYCLE] = "claim.lifecycle",
    [WP_RULE_CLAIM_POD_METADATA] = "claim.additionalPodMetadata",
    [WP_RULE_CLAIM_IMMUTABLE] = "claim.immutableOnceBound",
    [WP_RULE_POOL_TEMPLATE_REF] = "pool.sandboxTemplateRef",
    [WP_RULE_POOL_REPLICAS] = "pool.replicas",
    [WP_RULE_POOL_UPDATE_STRATEGY] = "pool.updateStrategy",
    [WP_RULE_TEMPLATE_CONTAINERS] = "template.containers",
    [WP_RULE_TEMPLATE_ENUMS] = "template.enums",
    [WP_RULE_TEMPLATE_IMAGE_DIGEST] = "template.imageDigest",
};

const char *wp_rule_group_name(wp_rule_group g)
{
    return (unsigned)g < WP_RULE__COUNT ? group_names[g] : "unknown";
}

bool wp_rule_group_parse(const char *s, wp_rule_group *out)
{
    for (int g = 0; g < WP_RULE__COUNT; g++) {
        if (strcmp(s, group_names[g]) == 0) {
            *out = (wp_rule_group)g;
            return true;
        }
    }
    return false;
}

bool wp_rule_mode_parse(const char *s, wp_rule_mode *out)
{
    static const struct { const char *name; wp_rule_mode mode; } modes[] = {
        {"enforce", WP_MODE_ENFORCE}, {"warn", WP_MODE_WARN}, {"off", WP_MODE_OFF}};
    for (size_t i = 0; i < sizeof modes / sizeof modes[0]; i++) {
        if (strcmp(s, modes[i].name) == 0) {
            *out = modes[i].mode;
            return true;
        }
    }
    return false;
}

const char *wp_rule_mode_name(wp_rule_mode m)
{
    switch (m) {
    case WP_MODE_ENFORCE: return "enforce";
    case WP_MODE_WARN: return "warn";
    case WP_MODE_OFF: return "off";
    }
    return "unknown";
}

/* ---- lifecycle --------------------------------------------------------- */

static wp_config *config_alloc(void)
{
    wp_config *cfg = wp_xalloc_check(calloc(1, sizeof *cfg));
    atomic_init(&cfg->refcount, 1);
    cfg->max_pool_replicas = WP_CONFIG_DEFAULT_MAX_POOL_REPLICAS;
    for (int g = 0; g < WP_RULE__COUNT; g++) cfg->modes[g] = WP_MODE_ENFORCE;
    /* An unpinned image is worth knowing about, never worth a denial. */
    cfg->modes[WP_RULE_TEMPLATE_IMAGE_DIGEST] = WP_MODE_WARN;
    return cfg;
}

static void config_add_domain(wp_config *cfg, const char *domain, size_t len)
{
    cfg->allowed_label_domains = wp_xalloc_check(
        realloc(cfg->allowed_label_domains, (cfg->n_allowed_label_domains + 1) * sizeof(char *)));
    cfg->allowed_label_domains[cfg->n_allowed_label_domains++] = wp_xalloc_check(strndup(domain, len));
}

wp_config *wp_config_new_default(void)
{
    return wp_config_from_json(json_null(), NULL, 0);
}

wp_config *wp_config_ref(wp_config *cfg)
{
    if (cfg) atomic_fetch_add_explicit(&cfg->refcount, 1, memory_order_relaxed);
    return cfg;
}

void wp_config_unref(wp_config *cfg)
{
    if (!cfg) return;
    /* acq_rel: the thread that frees must see every other thread's reads
     * of the config finished. */
    if (atomic_fetch_sub_explicit(&cfg->refcount, 1, memory_order_acq_rel) != 1) return;
    for (size_t i = 0; i < cfg->n_allowed_label_domains; i++) free(cfg->allowed_label_domains[i]);
    free(cfg->allowed_label_domains);
    free(cfg);
}

/* ---- parsing ----------------------------------------------------------- */

static bool fail(char *err, size_t err_size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static bool fail(char *err, size_t err_size, const char *fmt, ...)
{
    if (err && err_size) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, err_size, fmt, ap);
        va_end(ap);
    }
    return false;
}

static bool parse_domains(wp_config *cfg, const json_t *list, char *err, size_t err_size)
{
    if (!json_is_array(list))
        return fail(err, err_size, "allowedLabelDomains: must be a list of domain names, got %s",
                    wp_yaml_type_name(list));
    size_t i;
    const json_t *item;
    json_array_foreach(list, i, item) {
        if (!json_is_string(item))
            return fail(err, err_size, "allowedLabelDomains[%zu]: must be a domain name, got %s", i,
                        wp_yaml_type_name(item));
        const char *d = json_string_value(item);
        size_t len = json_string_length(item);
        const char *problem = wp_name_dns1123_subdomain(d, len, NULL);
        if (problem) {
            char *shown = wp_verdict_quote(d);
            fail(err, err_size, "allowedLabelDomains[%zu]: %s is not a valid domain: %s", i, shown, problem);
            free(shown);
            return false;
        }
        config_add_domain(cfg, d, len);
    }
    return true;
}

static bool parse_max_replicas(wp_config *cfg, const json_t *v, char *err, size_t err_size)
{
    if (!json_is_integer(v) || json_integer_value(v) < 0 || json_integer_value(v) > INT32_MAX) {
        if (json_is_integer(v))
            return fail(err, err_size, "maxPoolReplicas: must be an integer from 0 to %d, got %lld",
                        INT32_MAX, (long long)json_integer_value(v));
        return fail(err, err_size, "maxPoolReplicas: must be an integer from 0 to %d, got %s", INT32_MAX,
                    wp_yaml_type_name(v));
    }
    cfg->max_pool_replicas = json_integer_value(v);
    return true;
}

static void list_group_names(char *buf, size_t size)
{
    size_t used = 0;
    buf[0] = '\0';
    for (int g = 0; g < WP_RULE__COUNT && used < size; g++) {
        int n = snprintf(buf + used, size - used, "%s%s", g ? ", " : "", group_names[g]);
        if (n < 0) break;
        used += (size_t)n;
    }
}

static bool parse_mode(const char *group, wp_rule_group g, const json_t *v, wp_rule_mode *out,
                       char *err, size_t err_size)
{
    /* YAML 1.1 reads a plain `off` as the boolean false, which is what an
     * operator who writes `claim.env: off` means. */
    if (json_is_false(v)) {
        *out = WP_MODE_OFF;
        return true;
    }
    if (!json_is_string(v) || !wp_rule_mode_parse(json_string_value(v), out)) {
        char *shown = json_is_string(v) ? wp_verdict_quote(json_string_value(v)) : NULL;
        fail(err, err_size, "rules.%s: must be enforce, warn or off, got %s", group,
             shown ? shown : wp_yaml_type_name(v));
        free(shown);
        return false;
    }
    if (g == WP_RULE_TEMPLATE_IMAGE_DIGEST && *out == WP_MODE_ENFORCE)
        return fail(err, err_size,
                    "rules.%s: must be warn or off (an unpinned image is only ever a warning)", group);
    return true;
}

static bool parse_rules(wp_config *cfg, const json_t *rules, char *err, size_t err_size)
{
    if (!json_is_object(rules))
        return fail(err, err_size, "rules: must be a mapping of rule group to enforce, warn or off, got %s",
                    wp_yaml_type_name(rules));
    const char *key;
    const json_t *v;
    json_object_foreach((json_t *)rules, key, v) {
        wp_rule_group g;
        if (!wp_rule_group_parse(key, &g)) {
            char known[512];
            list_group_names(known, sizeof known);
            char *shown = wp_verdict_quote(key);
            fail(err, err_size, "rules: unknown rule group %s (known: %s)", shown, known);
            free(shown);
            return false;
        }
        if (!parse_mode(key, g, v, &cfg->modes[g], err, err_size)) return false;
    }
    return true;
}

static bool check_known_keys(const json_t *doc, char *err, size_t err_size)
{
    const char *key;
    const json_t *v;
    json_object_foreach((json_t *)doc, key, v) {
        if (strcmp(key, "allowedLabelDomains") && strcmp(key, "maxPoolReplicas") && strcmp(key, "rules")) {
            char *shown = wp_verdict_quote(key);
            fail(err, err_size, "unknown key %s (known: allowedLabelDomains, maxPoolReplicas, rules)", shown);
            free(shown);
            return false;
        }
    }
    return true;
}

static bool parse_document(wp_config *cfg, const json_t *doc, char *err, size_t err_size)
{
    const json_t *domains = NULL;
    if (doc && !json_is_null(doc)) {
        if (!json_is_object(doc))
            return fail(err, err_size, "the configuration must be a mapping, got %s", wp_yaml_type_name(doc));
        if (!check_known_keys(doc, err, err_size)) return false;
        const json_t *max = json_object_get(doc, "maxPoolReplicas");
        if (max && !parse_max_replicas(cfg, max, err, err_size)) return false;
        const json_t *rules = json_object_get(doc, "rules");
        if (rules && !parse_rules(cfg, rules, err, err_size)) return false;
        domains = json_object_get(doc, "allowedLabelDomains");
    }
    /* Given domains replace the default; they are not merged with it. */
    if (domains) return parse_domains(cfg, domains, err, err_size);
    config_add_domain(cfg, WP_CONFIG_DEFAULT_LABEL_DOMAIN, strlen(WP_CONFIG_DEFAULT_LABEL_DOMAIN));
    return true;
}

wp_config *wp_config_from_json(const json_t *doc, char *err, size_t err_size)
{
    wp_config *cfg = config_alloc();
    if (!parse_document(cfg, doc, err, err_size)) {
        wp_config_unref(cfg);
        return NULL;
    }
    return cfg;
}

/* The config in doc (NULL when the YAML reader failed with yerr), errors
 * prefixed with name. */
static wp_config *config_from_yaml(const char *name, json_t *doc, const wp_yaml_error *yerr, char *err,
                                   size_t err_size)
{
    if (!doc) {
        if (yerr->line)
            fail(err, err_size, "%s:%zu:%zu: %s", name, yerr->line, yerr->column, yerr->message);
        else
            fail(err, err_size, "%s: %s", name, yerr->message);
        return NULL;
    }
    char detail[768];
    wp_config *cfg = wp_config_from_json(doc, detail, sizeof detail);
    json_decref(doc);
    if (!cfg) fail(err, err_size, "%s: %s", name, detail);
    return cfg;
}

wp_config *wp_config_load_file(const char *path, char *err, size_t err_size)
{
    wp_yaml_error yerr;
    json_t *doc = wp_yaml_load_file(path, CONFIG_MAX_BYTES, &yerr);
    return config_from_yaml(path, doc, &yerr, err, err_size);
}

wp_config *wp_config_from_text(const char *name, const char *text, size_t len, char *err, size_t err_size)
{
    wp_yaml_error yerr;
    json_t *doc = wp_yaml_load_one(text, len, &yerr);
    return config_from_yaml(name, doc, &yerr, err, err_size);
}
