/* Fuzz target: `warmpoolctl validate` on one file's bytes, through the
 * CRD schemas, ObjectMeta checks, the admission rules, the cross-set pass,
 * finding placement and all four output formats. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli/output.h"
#include "cli/validate.h"

static wp_cli_crds *crds;
static wp_config *config;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!crds) {
        char err[256];
        crds = wp_cli_crds_load_embedded(err, sizeof err);
        config = wp_config_new_default();
        if (!crds) abort();
    }
    wp_cli_validate_options o = {.config = config, .crds = crds, .default_namespace = "default",
                                 .max_file_size = 1 << 20, .now = {1700000000, 0}};
    wp_cli_report r;
    wp_cli_report_init(&r);
    wp_cli_validate_buffer(&o, &r, "fuzz.yaml", (const char *)data, size, true);
    wp_cli_validate_finish(&o, &r);
    for (int f = WP_CLI_OUTPUT_TEXT; f <= WP_CLI_OUTPUT_SARIF; f++) {
        char *buf = NULL;
        size_t len = 0;
        FILE *out = open_memstream(&buf, &len);
        wp_cli_output_write(out, (wp_cli_output_format)f, &r, f == WP_CLI_OUTPUT_JUNIT);
        fclose(out);
        free(buf);
    }
    wp_cli_report_free(&r);
    return 0;
}
