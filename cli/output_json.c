/* JSON output:
 * {"summary": {files, objects, checked, skipped, skippedByKind, errors, warnings},
 *  "findings": [{file, line, column, severity, rule, apiVersion, kind, namespace,
 *                name, field, pointer, reason, message}]}
 * Absent values are left out; line and column are absent when unknown. */
#include "cli/output.h"
#include "common/verdict.h"

static void set_string(json_t *o, const char *key, const char *value)
{
    if (value) json_object_set_new(o, key, json_string(value));
}

static json_t *finding_json(const wp_cli_report *r, const wp_cli_finding *f)
{
    json_t *o = wp_xalloc_check(json_object());
    set_string(o, "file", r->files[f->file].path);
    if (f->line) json_object_set_new(o, "line", json_integer((json_int_t)f->line));
    if (f->line && f->column) json_object_set_new(o, "column", json_integer((json_int_t)f->column));
    set_string(o, "severity", f->severity == WP_CLI_ERROR ? "error" : "warning");
    set_string(o, "rule", wp_cli_rule_get(f->rule)->id);
    wp_cli_finding_details_json(o, f);
    set_string(o, "message", f->message);
    return o;
}

int wp_cli_output_json(FILE *out, const wp_cli_report *r)
{
    json_t *findings = wp_xalloc_check(json_array());
    for (size_t i = 0; i < r->n_findings; i++) json_array_append_new(findings, finding_json(r, &r->findings[i]));
    json_t *summary = json_pack("{s:I,s:I,s:I,s:I,s:O,s:I,s:I}",
                                "files", (json_int_t)wp_cli_report_file_count(r), "objects", (json_int_t)r->documents,
                                "checked", (json_int_t)r->validated, "skipped", (json_int_t)r->skipped,
                                "skippedByKind", r->skipped_by_kind,
                                "errors", (json_int_t)r->errors, "warnings", (json_int_t)r->warnings);
    json_t *doc = json_pack("{s:o,s:o}", "summary", summary, "findings", findings);
    if (!doc) return -1; /* out of memory: the caller reports a failed write */
    int rc = json_dumpf(doc, out, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    fputc('\n', out);
    json_decref(doc);
    return rc;
}
