/* Command dispatch, --help and --version. */
#include "cli/cli.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/suggest.h"

static const char usage[] =
    "Usage: warmpoolctl <command> [flags] [args]\n"
    "\n"
    "Offline tools for warmpool manifests (SandboxClaim, SandboxWarmPool,\n"
    "SandboxTemplate), using the same rules as the admission webhook.\n"
    "\n"
    "Commands:\n"
    "  validate PATH...   check manifests against the CRD schemas, the admission\n"
    "                     rules and each other\n"
    "  migrate PATH...    rewrite legacy claims and v1alpha1 objects to v1beta1\n"
    "  review FILE        show the AdmissionReview response the webhook would send\n"
    "  plugin check FILE  load a controller plugin (.so) and report its problems\n"
    "  history            print claim and sandbox history (controller or SQLite file)\n"
    "\n"
    "Flags:\n"
    "  -h, --help         show this help (`warmpoolctl <command> --help` for a command)\n"
    "      --version      print the version (also: warmpoolctl version)\n"
    "\n"
    "Exit status: 0 success, 1 findings, 2 usage or I/O problems.\n";

int wp_cli_main(int argc, char **argv, FILE *out, FILE *err)
{
    if (argc < 2) {
        fputs(usage, err);
        return WP_CLI_EXIT_USAGE;
    }
    const char *cmd = argv[1];
    if (strcmp(cmd, "-h") == 0 || strcmp(cmd, "--help") == 0 || strcmp(cmd, "help") == 0) {
        if (strcmp(cmd, "help") == 0 && argc > 2)
            return wp_cli_main(3, (char *[]){argv[0], argv[2], "--help", NULL}, out, err);
        fputs(usage, out);
        return WP_CLI_EXIT_OK;
    }
    if (strcmp(cmd, "--version") == 0 || strcmp(cmd, "version") == 0) {
        fprintf(out, "warmpoolctl %s\n", WP_VERSION);
        return WP_CLI_EXIT_OK;
    }
    if (strcmp(cmd, "plugin") == 0) return wp_cli_cmd_plugin(argc - 1, argv + 1, out, err);
    if (strcmp(cmd, "history") == 0) return wp_cli_cmd_history(argc - 1, argv + 1, out, err);
    if (strcmp(cmd, "validate") == 0) return wp_cli_cmd_validate(argc - 1, argv + 1, out, err);
    if (strcmp(cmd, "migrate") == 0) return wp_cli_cmd_migrate(argc - 1, argv + 1, out, err);
    if (strcmp(cmd, "review") == 0) return wp_cli_cmd_review(argc - 1, argv + 1, out, err);
    static const char *const commands[] = {"validate", "migrate", "review", "plugin", "help", "version"};
    const char *guess = wp_suggest(cmd, commands, sizeof commands / sizeof *commands);
    if (guess) fprintf(err, "warmpoolctl: unknown command \"%s\"; did you mean \"%s\"?\n\n%s", cmd, guess, usage);
    else fprintf(err, "warmpoolctl: unknown command \"%s\"\n\n%s", cmd, usage);
    return WP_CLI_EXIT_USAGE;
}

bool wp_cli_parse_size(const char *s, size_t *out)
{
    if (!s || !*s || *s == '-' || *s == '+') return false;
    errno = 0;
    char *end;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || end == s) return false;
    unsigned shift = 0;
    if (strcmp(end, "Ki") == 0) shift = 10;
    else if (strcmp(end, "Mi") == 0) shift = 20;
    else if (strcmp(end, "Gi") == 0) shift = 30;
    else if (*end) return false;
    if (v > ((unsigned long long)SIZE_MAX >> shift)) return false;
    *out = (size_t)(v << shift);
    return true;
}
