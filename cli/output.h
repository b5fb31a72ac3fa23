/* Writing a validation report: text for people, JSON for scripts, JUnit
 * XML for CI test reports, SARIF 2.1.0 for code-scanning annotations on
 * pull requests. Each format is in its own output_*.c. */
#ifndef WP_CLI_OUTPUT_H
#define WP_CLI_OUTPUT_H

#include <stdbool.h>
#include <stdio.h>

#include "cli/report.h"

typedef enum { WP_CLI_OUTPUT_TEXT, WP_CLI_OUTPUT_JSON, WP_CLI_OUTPUT_JUNIT, WP_CLI_OUTPUT_SARIF } wp_cli_output_format;

/* Parses "text", "json", "junit" or "sarif". */
bool wp_cli_output_parse(const char *s, wp_cli_output_format *out);

/* Writes r (sorted, see wp_cli_validate_finish) to out. With
 * warnings_as_errors, formats that mark failures (JUnit) count warnings
 * as failures too. Returns 0, or -1 when writing failed. */
int wp_cli_output_write(FILE *out, wp_cli_output_format format, const wp_cli_report *r, bool warnings_as_errors);

/* The per-format writers. */
int wp_cli_output_text(FILE *out, const wp_cli_report *r);
int wp_cli_output_json(FILE *out, const wp_cli_report *r);
int wp_cli_output_junit(FILE *out, const wp_cli_report *r, bool warnings_as_errors);
int wp_cli_output_sarif(FILE *out, const wp_cli_report *r);

/* "Kind namespace/name", "Kind name" or "Kind" for a finding's subject.
 * Returns a new malloc'd string, or NULL when the finding has no kind. */
char *wp_cli_finding_subject(const wp_cli_finding *f);

/* "field: message" when the finding has a field, else the message.
 * Returns a new malloc'd string. */
char *wp_cli_finding_text(const wp_cli_finding *f);

/* Adds the finding's object and field members (apiVersion, kind,
 * namespace, name, field, pointer, reason; absent ones left out) to o. */
void wp_cli_finding_details_json(json_t *o, const wp_cli_finding *f);

#endif
