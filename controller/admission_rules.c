/* See admission_rules.h. */
#include "controller/admission_rules.h"

#include <string.h>

#include "common/jdoc.h"
#include "common/rules.h"

void wp_ctl_rules_validate(const struct wp_config *cfg, const json_t *obj, wp_verdict *out)
{
    const char *api = json_string_value(json_object_get(obj, "apiVersion"));
    const char *kind = json_string_value(json_object_get(obj, "kind"));
    if (!api || !kind) return;
    const char *slash = strchr(api, '/');
    char group[128] = "";
    if (slash && (size_t)(slash - api) < sizeof group) memcpy(group, api, (size_t)(slash - api));
    wp_kind k = wp_kind_from_group_kind(group, kind);
    if (k == WP_KIND_OTHER) return;
    wp_jdoc *doc = wp_jdoc_from_json(obj);
    wp_rules_validate(cfg, k, WP_OP_CREATE, wp_jdoc_root(doc), NULL, NULL, out);
    wp_jdoc_free(doc);
}
