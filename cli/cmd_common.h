/* Pieces every command's flag handling shares. */
#ifndef WP_CLI_CMD_COMMON_H
#define WP_CLI_CMD_COMMON_H

#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>

#include "cli/crds.h"
#include "common/config.h"

/* For getopt_long's ':' (a flag without its value) and '?' (an unknown
 * flag): prints the problem (for an unknown flag, the closest of options'
 * names, "did you mean", and help) to err and returns WP_CLI_EXIT_USAGE.
 * Call right after getopt_long returned c. */
int wp_cli_flag_error(const char *command, int c, char **argv, const struct option *options, const char *help,
                      FILE *err);

/* Parses the value of --max-file-size into *out. Returns true, or prints
 * the problem and returns false. */
bool wp_cli_size_flag(const char *command, const char *value, size_t *out, FILE *err);

/* True when argv has operands left after the flags; otherwise prints that
 * `what` is missing, and help, to err. */
bool wp_cli_have_operands(const char *command, int argc, const char *what, const char *help, FILE *err);

/* Loads the rule configuration (config_path NULL: the defaults) and the
 * embedded CRDs. On failure prints why to err and returns false; on
 * success the caller owns *cfg (wp_config_unref) and *crds
 * (wp_cli_crds_free). */
bool wp_cli_load_rules(const char *command, const char *config_path, FILE *err, wp_config **cfg, wp_cli_crds **crds);

#endif
