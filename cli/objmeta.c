/* ObjectMeta checks. See objmeta.h. */
#include "cli/objmeta.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "cli/schema.h"
#include "common/names.h"

static const char *const known_fields[] = {
    "name", "generateName", "namespace", "selfLink", "uid", "resourceVersion", "generation",
    "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds", "labels", "annotations",
    "ownerReferences", "finalizers", "managedFields", NULL,
};

/* Records each problem a names.h validator finds in s, worded as the API
 * server words it: "Invalid value: \"x\": <problem>". */
static void check_format(const char *s, size_t len, const char *(*validate)(const char *, size_t, wp_name_problems *),
                         wp_path *p, wp_verdict *out)
{
    wp_name_problems problems = {0};
    if (!validate(s, len, &problems)) return;
    char *q = wp_verdict_quote_n(s, len);
    for (size_t i = 0; i < problems.n; i++)
        wp_verdict_cause(out, p, WP_CAUSE_INVALID, "Invalid value: %s: %s", q, problems.msgs[i]);
    free(q);
}

/* Labels and annotations: string maps with qualified-name keys; label
 * values have a format of their own. */
static void check_string_map(const json_t *map, bool labels, wp_path *p, wp_verdict *out)
{
    if (!json_is_object(map)) {
        wp_verdict_cause(out, p, WP_CLI_CAUSE_TYPE_INVALID, "Invalid value: must be a map of strings");
        return;
    }
    const char *key;
    json_t *v;
    json_object_foreach((json_t *)map, key, v) {
        wp_path_push_key(p, key);
        check_format(key, strlen(key), wp_name_qualified, p, out);
        if (!json_is_string(v))
            wp_verdict_cause(out, p, WP_CLI_CAUSE_TYPE_INVALID, "Invalid value: must be a string");
        else if (labels)
            check_format(json_string_value(v), json_string_length(v), wp_name_label_value, p, out);
        wp_path_pop(p);
    }
}

static void check_name(const json_t *value, const char *field, bool label, wp_path *p, wp_verdict *out)
{
    wp_path_push_field(p, field);
    if (!json_is_string(value))
        wp_verdict_cause(out, p, WP_CLI_CAUSE_TYPE_INVALID, "Invalid value: must be a string");
    else
        check_format(json_string_value(value), json_string_length(value),
                     label ? wp_name_dns1123_label : wp_name_dns1123_subdomain, p, out);
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
            check_string_map(v, strcmp(key, "labels") == 0, &p, out);
        }
        wp_path_pop(&p);
    }
}
