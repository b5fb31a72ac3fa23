/* Output format dispatch and the wording every format shares. */
#include "cli/output.h"

#include <stdlib.h>
#include <string.h>

#include "cli/arena.h"
#include "common/verdict.h"

bool wp_cli_output_parse(const char *s, wp_cli_output_format *out)
{
    static const struct { const char *name; wp_cli_output_format format; } formats[] = {
        {"text", WP_CLI_OUTPUT_TEXT}, {"json", WP_CLI_OUTPUT_JSON},
        {"junit", WP_CLI_OUTPUT_JUNIT}, {"sarif", WP_CLI_OUTPUT_SARIF},
    };
    for (size_t i = 0; i < sizeof formats / sizeof formats[0]; i++)
        if (strcmp(s, formats[i].name) == 0) { *out = formats[i].format; return true; }
    return false;
}

int wp_cli_output_write(FILE *out, wp_cli_output_format format, const wp_cli_report *r, bool warnings_as_errors)
{
    int rc;
    switch (format) {
    case WP_CLI_OUTPUT_JSON: rc = wp_cli_output_json(out, r); break;
    case WP_CLI_OUTPUT_JUNIT: rc = wp_cli_output_junit(out, r, warnings_as_errors); break;
    case WP_CLI_OUTPUT_SARIF: rc = wp_cli_output_sarif(out, r); break;
    default: rc = wp_cli_output_text(out, r); break;
    }
    if (fflush(out) != 0 || ferror(out)) rc = -1;
    return rc;
}

char *wp_cli_finding_subject(const wp_cli_finding *f)
{
    if (!f->kind) return NULL;
    if (f->name && f->namespace_) return wp_cli_format("%s %s/%s", f->kind, f->namespace_, f->name);
    if (f->name) return wp_cli_format("%s %s", f->kind, f->name);
    return wp_cli_format("%s", f->kind);
}

char *wp_cli_finding_text(const wp_cli_finding *f)
{
    if (f->field && f->field[0]) return wp_cli_format("%s: %s", f->field, f->message);
    return wp_cli_format("%s", f->message);
}

static void set_string(json_t *o, const char *key, const char *value)
{
    if (value) json_object_set_new(o, key, json_string(value));
}

void wp_cli_finding_details_json(json_t *o, const wp_cli_finding *f)
{
    set_string(o, "apiVersion", f->api_version);
    set_string(o, "kind", f->kind);
    set_string(o, "namespace", f->namespace_);
    set_string(o, "name", f->name);
    set_string(o, "field", f->field);
    set_string(o, "pointer", f->pointer);
    set_string(o, "reason", f->reason);
    set_string(o, "group", wp_cli_finding_group(f));
}
