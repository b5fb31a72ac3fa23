/* Text output: one line per finding, compiler style, then a summary.
 *   path:line:col: error: SandboxClaim ns/name: spec.env[0].name: Invalid value ... [claim.env]
 * The bracket names the finding's group: what --ignore-rule (or, for an
 * admission rule group, the config's rules:) turns off. */
#include "cli/output.h"

#include <stdlib.h>

static void write_finding(FILE *out, const wp_cli_report *r, const wp_cli_finding *f)
{
    fputs(r->files[f->file].path, out);
    if (f->line) fprintf(out, ":%zu", f->line);
    if (f->line && f->column) fprintf(out, ":%zu", f->column);
    fprintf(out, ": %s: ", f->severity == WP_CLI_ERROR ? "error" : "warning");
    char *subject = wp_cli_finding_subject(f);
    if (subject) fprintf(out, "%s: ", subject);
    char *text = wp_cli_finding_text(f);
    fprintf(out, "%s [%s]\n", text, wp_cli_finding_group(f));
    free(text);
    free(subject);
}

static void write_summary(FILE *out, const wp_cli_report *r)
{
    size_t files = wp_cli_report_file_count(r);
    fprintf(out, "%zu file%s, %zu object%s: %zu checked, %zu skipped", files, files == 1 ? "" : "s",
            r->documents, r->documents == 1 ? "" : "s", r->validated, r->skipped);
    if (r->skipped) {
        const char *kind;
        json_t *n;
        const char *sep = " (";
        json_object_foreach(r->skipped_by_kind, kind, n) {
            fprintf(out, "%s%s: %lld", sep, kind, (long long)json_integer_value(n));
            sep = ", ";
        }
        fputs(")", out);
    }
    fprintf(out, "; %zu error%s, %zu warning%s\n", r->errors, r->errors == 1 ? "" : "s", r->warnings,
            r->warnings == 1 ? "" : "s");
}

int wp_cli_output_text(FILE *out, const wp_cli_report *r)
{
    for (size_t i = 0; i < r->n_findings; i++) write_finding(out, r, &r->findings[i]);
    write_summary(out, r);
    return 0;
}
