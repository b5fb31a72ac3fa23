/* `warmpoolctl validate`: flags, then validate.c does the work and
 * output_*.c writes the report. */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/cmd_common.h"
#include "cli/crds.h"
#include "cli/input.h"
#include "cli/output.h"
#include "cli/validate.h"

static const char help[] =
    "Usage: warmpoolctl validate [flags] PATH...\n"
    "\n"
    "Checks every SandboxClaim, SandboxWarmPool and SandboxTemplate in the given\n"
    "files and directories (recursively: *.yaml, *.yml, *.json; `-` reads standard\n"
    "input) the way the cluster would on creation: the CRD schemas the API server\n"
    "enforces, the admission webhook's rules, and references across the set\n"
    "(claim -> pool -> template, env and volume policies). Other kinds are\n"
    "skipped and counted. Multi-document YAML, JSON and `kind: List` are read.\n"
    "\n"
    "Flags:\n"
    "  -o, --output FORMAT      text (default), json, junit or sarif\n"
    "  -c, --config FILE        rule configuration, the webhook's config file\n"
    "  -n, --namespace NS       namespace of objects that name none (default \"default\")\n"
    "      --warnings-as-errors exit 1 on warnings too\n"
    "      --max-file-size N    refuse files larger than N bytes (Ki/Mi/Gi suffix;\n"
    "                           default 32Mi)\n"
    "  -h, --help               show this help\n"
    "\n"
    "Exit status: 0 no errors, 1 errors found (or warnings with\n"
    "--warnings-as-errors), 2 usage or I/O problems.\n";

typedef struct {
    wp_cli_output_format format;
    const char *config_path;
    const char *namespace_;
    bool warnings_as_errors;
    size_t max_file_size;
} validate_flags;

enum { OPT_WARNINGS_AS_ERRORS = 256, OPT_MAX_FILE_SIZE };

/* Returns -1 to go on, else an exit status. */
static int parse_flags(int argc, char **argv, validate_flags *f, FILE *out, FILE *err)
{
    static const struct option options[] = {
        {"output", required_argument, NULL, 'o'},
        {"config", required_argument, NULL, 'c'},
        {"namespace", required_argument, NULL, 'n'},
        {"warnings-as-errors", no_argument, NULL, OPT_WARNINGS_AS_ERRORS},
        {"max-file-size", required_argument, NULL, OPT_MAX_FILE_SIZE},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    optind = 0; /* reset getopt: tests run several commands in one process */
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, ":o:c:n:h", options, NULL)) != -1) {
        switch (c) {
        case 'o':
            if (!wp_cli_output_parse(optarg, &f->format)) {
                fprintf(err, "warmpoolctl validate: unknown output format \"%s\" (text, json, junit, sarif)\n", optarg);
                return WP_CLI_EXIT_USAGE;
            }
            break;
        case 'c': f->config_path = optarg; break;
        case 'n': f->namespace_ = optarg; break;
        case OPT_WARNINGS_AS_ERRORS: f->warnings_as_errors = true; break;
        case OPT_MAX_FILE_SIZE:
            if (!wp_cli_size_flag("validate", optarg, &f->max_file_size, err)) return WP_CLI_EXIT_USAGE;
            break;
        case 'h': fputs(help, out); return WP_CLI_EXIT_OK;
        default: return wp_cli_flag_error("validate", c, argv, help, err);
        }
    }
    if (!wp_cli_have_operands("validate", argc, "PATH", help, err)) return WP_CLI_EXIT_USAGE;
    return -1;
}

int wp_cli_cmd_validate(int argc, char **argv, FILE *out, FILE *err)
{
    validate_flags f = {.format = WP_CLI_OUTPUT_TEXT, .namespace_ = "default",
                        .max_file_size = WP_CLI_DEFAULT_MAX_FILE_SIZE};
    int rc = parse_flags(argc, argv, &f, out, err);
    if (rc >= 0) return rc;
    wp_config *config;
    wp_cli_crds *crds;
    if (!wp_cli_load_rules("validate", f.config_path, err, &config, &crds)) return WP_CLI_EXIT_USAGE;
    wp_cli_validate_options o = {.config = config, .crds = crds, .default_namespace = f.namespace_,
                                 .max_file_size = f.max_file_size};
    clock_gettime(CLOCK_REALTIME, &o.now);
    wp_cli_report r;
    wp_cli_report_init(&r);
    for (int i = optind; i < argc; i++) wp_cli_validate_path(&o, &r, argv[i]);
    wp_cli_validate_finish(&o, &r);
    rc = wp_cli_report_exit_code(&r, f.warnings_as_errors);
    if (wp_cli_output_write(out, f.format, &r, f.warnings_as_errors) != 0) {
        fprintf(err, "warmpoolctl validate: cannot write the report\n");
        rc = WP_CLI_EXIT_USAGE;
    }
    wp_cli_report_free(&r);
    wp_cli_crds_free(crds);
    wp_config_unref(config);
    return rc;
}
