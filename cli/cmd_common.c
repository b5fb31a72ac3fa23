/* Shared flag handling. See cmd_common.h. */
#include "cli/cmd_common.h"

#include <getopt.h>

#include "cli/cli.h"

int wp_cli_flag_error(const char *command, int c, char **argv, const char *help, FILE *err)
{
    if (c == ':') fprintf(err, "warmpoolctl %s: %s needs a value\n", command, argv[optind - 1]);
    else fprintf(err, "warmpoolctl %s: unknown flag %s\n%s", command, argv[optind - 1], help);
    return WP_CLI_EXIT_USAGE;
}

bool wp_cli_size_flag(const char *command, const char *value, size_t *out, FILE *err)
{
    if (wp_cli_parse_size(value, out) && *out > 0) return true;
    fprintf(err, "warmpoolctl %s: --max-file-size: \"%s\" is not a size in bytes (a whole number above 0, "
                 "optionally with a Ki, Mi or Gi suffix)\n", command, value);
    return false;
}

bool wp_cli_have_operands(const char *command, int argc, const char *what, const char *help, FILE *err)
{
    if (optind < argc) return true;
    fprintf(err, "warmpoolctl %s: no %s given\n%s", command, what, help);
    return false;
}

bool wp_cli_load_rules(const char *command, const char *config_path, FILE *err, wp_config **cfg, wp_cli_crds **crds)
{
    char msg[512];
    *crds = NULL;
    *cfg = config_path ? wp_config_load_file(config_path, msg, sizeof msg) : wp_config_new_default();
    if (!*cfg) {
        fprintf(err, "warmpoolctl %s: %s\n", command, msg);
        return false;
    }
    *crds = wp_cli_crds_load_embedded(msg, sizeof msg);
    if (!*crds) { /* the build embeds them: this is a packaging bug */
        fprintf(err, "warmpoolctl %s: embedded CRDs: %s\n", command, msg);
        wp_config_unref(*cfg);
        *cfg = NULL;
        return false;
    }
    return true;
}
