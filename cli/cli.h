/* warmpoolctl's command line: `warmpoolctl <command> [flags] ARGS`.
 * main.c only calls wp_cli_main; the commands live in cmd_*.c so tests can
 * run them in-process with their own output streams. */
#ifndef WP_CLI_CLI_H
#define WP_CLI_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* Exit statuses shared by every command. */
enum {
    WP_CLI_EXIT_OK = 0,
    WP_CLI_EXIT_FINDINGS = 1, /* errors found (validate), a denial (review), something left alone (migrate) */
    WP_CLI_EXIT_USAGE = 2,    /* bad flags or arguments, or an I/O problem */
};

/* Runs warmpoolctl with argv (argv[0] is the program name). Results go to
 * out, diagnostics to err. Returns the exit status. */
int wp_cli_main(int argc, char **argv, FILE *out, FILE *err);

/* The commands; argv[0] is the command name. */
int wp_cli_cmd_validate(int argc, char **argv, FILE *out, FILE *err);
int wp_cli_cmd_migrate(int argc, char **argv, FILE *out, FILE *err);
int wp_cli_cmd_review(int argc, char **argv, FILE *out, FILE *err);
int wp_cli_cmd_plugin(int argc, char **argv, FILE *out, FILE *err);
int wp_cli_cmd_history(int argc, char **argv, FILE *out, FILE *err);

/* Parses a byte count with an optional Ki/Mi/Gi suffix ("32Mi").
 * Returns false on anything else. */
bool wp_cli_parse_size(const char *s, size_t *out);

#endif
