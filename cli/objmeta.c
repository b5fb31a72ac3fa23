/* ObjectMeta checks. See objmeta.h. */
#include "cli/objmeta.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "cli/schema.h"

static const char *const known_fields[] = {
    "name", "generateName", "namespace", "selfLink", "uid", "resourceVersion", "generation",
    "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds", "labels", "annotations",
    "ownerReferences", "finalizers", "managedFields", NULL,
};

static bool is_lower_alnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }

/* DNS-1123 label: at most 63 lowercase alphanumerics or '-', alphanumeric
 * at both ends. */
static bool dns_label(const char *s, size_t len)
{
    if (len == 0 || len > 63 || !is_lower_alnum(s[0]) || !is_lower_alnum(s[len - 1])) return false;
    for (size_t i = 0; i < len; i++)
        if (!is_lower_alnum(s[i]) && s[i] != '-') return false;
    return true;
}

/* DNS-1123 subdomain: at most 253 characters, dot-separated labels. */
static bool dns_subdomain(const char *s)
{
    size_t len = strlen(s);
    if (len == 0 || len > 253) return false;
    for (const char *p = s;;) {
        const char *dot = strchr(p, '.');
        size_t n = dot ? (size_t)(dot - p) : strlen(p);
        if (!dns_label(p, n)) return false;
        if (!dot) return true;
        p = dot + 1;
    }
}

static void check_string_map(const json_t *map, wp_path *p, wp_verdict *out)
{
    if (!json_is_object(map)) {
        wp_verdict_cause(out, p, WP_CLI_CAUSE_TYPE_INVALID, "Invalid value: must be a map of strings");
        return;
    }
    const char *key;
    json_t *v;
    json_object_foreach((json_t *)map, key, v) {
        if (json_is_string(v)) continue;
        wp_path_push_key(p, key);
        wp_verdict_cause(out, p, WP_CLI_CAUSE_TYPE_INVALID, "Invalid value: must be a string");
        wp_path_pop(p);
    }
}

static void check_name(const json_t *value, const char *field, bool label, wp_path *p, wp_verdict *out)
{
    wp_path_push_field(p, field);
    const char *s = json_string_value(value);
    if (!s) {
        wp_verdict_cause(out, p, WP_CLI_CAUSE_TYPE_INVALID, "Invalid value: must be a string");
    } else if (label ? !dns_label(s, strlen(s)) : !dns_subdomain(s)) {
        char *q = wp_verdict_quote(s);
        wp_verdict_cause(out, p, WP_CAUSE_INVALID,
                         label ? "Invalid value: %s: a lowercase RFC 1123 label must consist of lower case "
                                 "alphanumeric characters or '-', and must start and end with an alphanumeric "
                                 "character"
                               : "Invalid value: %s: a lowercase RFC 1123 subdomain must consist of lower case "
                                 "alphanumeric characters, '-' or '.', and must start and end with an "
                                 "alphanumeric character",
                         q);
        free(q);
    }
    wp_path_pop(p);
}

static bool is_known(const char *key)
{
    for (const char *const *k = known_fields; *k; k++)
        if (strcmp(*k, key) == 0) return true;
    return false;
}

void wp_cli_objmeta_validate(const json_t *obj, wp_verdict *out)
{
    wp_path p = {0};
    wp_path_push_field(&p, "metadata");
    const json_t *meta = json_object_get(obj, "metadata");
    if (!json_is_object(meta)) {
        /* A non-object metadata is a schema type error, reported there. */
        if (!meta || json_is_null(meta)) {
            wp_path_push_field(&p, "name");
            wp_verdict_cause(out, &p, WP_CAUSE_REQUIRED, "Required value: name or generateName is required");
        }
        return;
    }
    const json_t *name = json_object_get(meta, "name");
    const json_t *generate = json_object_get(meta, "generateName");
    if (name && !json_is_null(name)) check_name(name, "name", false, &p, out);
    else if (!json_is_string(generate)) {
        wp_path_push_field(&p, "name");
        wp_verdict_cause(out, &p, WP_CAUSE_REQUIRED, "Required value: name or generateName is required");
        wp_path_pop(&p);
    }
    const json_t *ns = json_object_get(meta, "namespace");
    if (ns && !json_is_null(ns)) check_name(ns, "namespace", true, &p, out);
    const char *key;
    json_t *v;
    json_object_foreach((json_t *)meta, key, v) {
        wp_path_push_field(&p, key);
        if (!is_known(key)) {
            wp_verdict_cause(out, &p, WP_CLI_CAUSE_UNKNOWN_FIELD, "unknown field \"metadata.%s\"", key);
        } else if ((strcmp(key, "labels") == 0 || strcmp(key, "annotations") == 0) && !json_is_null(v)) {
            check_string_map(v, &p, out);
        }
        wp_path_pop(&p);
    }
}
