/* SARIF 2.1.0 output, for GitHub code scanning (and other SARIF viewers)
 * to annotate pull requests: one run, the warmpoolctl rules in
 * tool.driver.rules, one result per finding with a physical location
 * (relative paths resolve against %SRCROOT%, the repository root when run
 * from it) and the object as a logical location. */
#include "cli/output.h"

#include <stdlib.h>
#include <string.h>

#include "cli/arena.h"
#include "common/verdict.h"

#define SARIF_SCHEMA "https://json.schemastore.org/sarif-2.1.0.json"

static bool is_unreserved(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.'
        || c == '_' || c == '~' || c == '/';
}

/* A path as a URI reference: relative paths stay relative ("./" dropped),
 * absolute ones become file:// URIs; other bytes are percent-encoded.
 * Returns a new malloc'd string. */
static char *path_uri(const char *path)
{
    while (path[0] == '.' && path[1] == '/') path += 2;
    bool absolute = path[0] == '/';
    size_t n = strlen(path);
    char *uri = wp_xalloc_check(malloc(3 * n + 8));
    size_t len = 0;
    if (absolute) len += (size_t)sprintf(uri, "file://");
    for (const unsigned char *p = (const unsigned char *)path; *p; p++) {
        if (is_unreserved(*p)) uri[len++] = (char)*p;
        else len += (size_t)sprintf(uri + len, "%%%02X", *p);
    }
    uri[len] = '\0';
    return uri;
}

static json_t *rules_json(void)
{
    json_t *rules = wp_xalloc_check(json_array());
    for (int i = 0; i < WP_CLI_RULE__COUNT; i++) {
        const wp_cli_rule_info *info = wp_cli_rule_get((wp_cli_rule)i);
        bool warning = i == WP_CLI_RULE_POOL_NOT_FOUND || i == WP_CLI_RULE_TEMPLATE_NOT_FOUND
                    || i == WP_CLI_RULE_NO_OBJECTS || i == WP_CLI_RULE_DUPLICATE;
        json_array_append_new(rules, json_pack("{s:s,s:s,s:{s:s},s:{s:s}}", "id", info->id, "name", info->name,
                                               "shortDescription", "text", info->description,
                                               "defaultConfiguration", "level", warning ? "warning" : "error"));
    }
    return rules;
}

static json_t *location_json(const wp_cli_report *r, const wp_cli_finding *f)
{
    char *uri = path_uri(r->files[f->file].path);
    json_t *artifact = json_pack("{s:s}", "uri", uri);
    free(uri);
    if (r->files[f->file].path[0] != '/') json_object_set_new(artifact, "uriBaseId", json_string("%SRCROOT%"));
    json_t *physical = json_pack("{s:o}", "artifactLocation", artifact);
    if (f->line) {
        json_t *region = json_pack("{s:I}", "startLine", (json_int_t)f->line);
        if (f->column) json_object_set_new(region, "startColumn", json_integer((json_int_t)f->column));
        json_object_set_new(physical, "region", region);
    }
    json_t *location = json_pack("{s:o}", "physicalLocation", physical);
    char *subject = wp_cli_finding_subject(f);
    if (subject) {
        json_t *logical = json_pack("{s:s,s:s}", "fullyQualifiedName", subject, "kind", "resource");
        if (f->name) json_object_set_new(logical, "name", json_string(f->name));
        json_object_set_new(location, "logicalLocations", json_pack("[o]", logical));
        free(subject);
    }
    return location;
}

static json_t *result_json(const wp_cli_report *r, const wp_cli_finding *f)
{
    char *text = wp_cli_finding_text(f);
    char *subject = wp_cli_finding_subject(f);
    char *message = wp_cli_format("%s%s%s [%s]", subject ? subject : "", subject ? ": " : "", text,
                                  wp_cli_finding_group(f));
    json_t *properties = wp_xalloc_check(json_object());
    wp_cli_finding_details_json(properties, f);
    json_t *result = json_pack("{s:s,s:i,s:s,s:{s:s},s:[o],s:o}",
                               "ruleId", wp_cli_rule_get(f->rule)->id, "ruleIndex", (int)f->rule,
                               "level", f->severity == WP_CLI_ERROR ? "error" : "warning",
                               "message", "text", message,
                               "locations", location_json(r, f), "properties", properties);
    free(message);
    free(subject);
    free(text);
    return result;
}

int wp_cli_output_sarif(FILE *out, const wp_cli_report *r)
{
    json_t *results = wp_xalloc_check(json_array());
    for (size_t i = 0; i < r->n_findings; i++) json_array_append_new(results, result_json(r, &r->findings[i]));
    json_t *driver = json_pack("{s:s,s:s,s:s,s:o}", "name", "warmpoolctl", "version", WP_VERSION,
                               "semanticVersion", WP_VERSION, "rules", rules_json());
    json_t *run = json_pack("{s:{s:o},s:s,s:o}", "tool", "driver", driver, "columnKind", "unicodeCodePoints",
                            "results", results);
    json_t *doc = json_pack("{s:s,s:s,s:[o]}", "$schema", SARIF_SCHEMA, "version", "2.1.0", "runs", run);
    if (!doc) return -1; /* out of memory: the caller reports a failed write */
    int rc = json_dumpf(doc, out, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    fputc('\n', out);
    json_decref(doc);
    return rc;
}
