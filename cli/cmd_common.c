/* Shared flag handling. See cmd_common.h. */
#include "cli/cmd_common.h"

#include <getopt.h>
#include <string.h>

#include "cli/cli.h"
#include "common/suggest.h"

/* The long option closest to a mistyped "--name[=value]", or NULL. */
static const char *closest_flag(const char *arg, const struct option *options)
{
    if (strncmp(arg, "--", 2) != 0) return NULL;
    char typed[64];
    snprintf(typed, sizeof typed, "%.*s", (int)strcspn(arg + 2, "="), arg + 2);
    const char *names[64];
    size_t n = 0;
    for (; options[n].name && n < 64; n++) names[n] = options[n].name;
    return wp_suggest(typed, names, n);
}

int wp_cli_flag_error(const char *command, int c, char **argv, const struct option *options, const char *help,
                      FILE *err)
{
    const char *arg = argv[optind - 1];
    if (c == ':') {
        fprintf(err, "warmpoolctl %s: %s needs a value\n", command, arg);
        return WP_CLI_EXIT_USAGE;
    }
    const char *guess = closest_flag(arg, options);
    if (guess) fprintf(err, "warmpoolctl %s: unknown flag %s; did you mean --%s?\n%s", command, arg, guess, help);
    else fprintf(err, "warmpoolctl %s: unknown flag %s\n%s", command, arg, help);
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
