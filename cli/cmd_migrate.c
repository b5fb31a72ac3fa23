/* `warmpoolctl migrate`: flags, then migrate.c does the work; this file
 * prints what happened. */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/cli.h"
#include "cli/cmd_common.h"
#include "cli/input.h"
#include "cli/migrate.h"
#include "common/verdict.h"

static const char help[] =
    "Usage: warmpoolctl migrate [flags] PATH...\n"
    "\n"
    "Rewrites manifests in place for the v1beta1 API:\n"
    "  - legacy claims (spec.sandboxTemplateRef + spec.warmpool) get\n"
    "    spec.warmPoolRef: a named pool stays; \"none\" becomes\n"
    "    shadow-pool-<template>, written next to the claims with replicas 0\n"
    "    (every such claim cold-starts); \"default\" (or empty) becomes the one\n"
    "    pool of that template in the namespace, found in the PATHs or under\n"
    "    --repo-root. With no such pool, or several, the claim is left alone\n"
    "    and the candidates named: choose with --pool-for. Never a guess;\n"
    "  - a claim whose new pool's template disallows its env (or\n"
    "    volumeClaimTemplates) is left alone: validate would reject it;\n"
    "  - v1alpha1 SandboxClaim, SandboxWarmPool, SandboxTemplate and Sandbox become\n"
    "    v1beta1 (a Sandbox's spec.replicas 0/1 becomes spec.operatingMode\n"
    "    Suspended/Running).\n"
    "Only the changed lines differ: comments, key order, quoting and indentation\n"
    "stay. What cannot be edited safely (anchors, aliases, merge keys, block\n"
    "scalars on the fields involved) is reported and left alone. Running it again\n"
    "changes nothing. Files are replaced atomically, keeping their mode.\n"
    "\n"
    "Flags:\n"
    "      --dry-run            print a unified diff instead of writing files\n"
    "      --pool-for [NS/]TEMPLATE=POOL\n"
    "                           the pool for \"default\" claims of TEMPLATE (in\n"
    "                           namespace NS only, with NS/); POOL \"none\": its\n"
    "                           shadow pool. Repeatable\n"
    "      --repo-root DIR      also look for pools (and templates) under DIR,\n"
    "                           e.g. the repository root; nothing there changes\n"
    "  -n, --namespace NS       namespace of objects that name none (default \"default\")\n"
    "      --max-file-size N    refuse files larger than N bytes (default 32Mi)\n"
    "  -h, --help               show this help\n"
    "\n"
    "Exit status: 0 done (or nothing to do), 1 something was left alone,\n"
    "2 usage or I/O problems.\n";

enum { OPT_DRY_RUN = 256, OPT_MAX_FILE_SIZE, OPT_POOL_FOR, OPT_REPO_ROOT };

/* --repo-root must be a directory, checked before anything is read. */
static bool repo_root_ok(const char *dir, FILE *err)
{
    struct stat st;
    if (stat(dir, &st) == 0 && S_ISDIR(st.st_mode)) return true;
    fprintf(err, "warmpoolctl migrate: --repo-root: \"%s\" is not a directory\n", dir);
    return false;
}

static int parse_flags(int argc, char **argv, wp_cli_migrate_options *o, char **pool_for, FILE *out, FILE *err)
{
    static const struct option options[] = {
        {"dry-run", no_argument, NULL, OPT_DRY_RUN},
        {"namespace", required_argument, NULL, 'n'},
        {"max-file-size", required_argument, NULL, OPT_MAX_FILE_SIZE},
        {"pool-for", required_argument, NULL, OPT_POOL_FOR},
        {"repo-root", required_argument, NULL, OPT_REPO_ROOT},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    optind = 0;
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, ":n:h", options, NULL)) != -1) {
        switch (c) {
        case OPT_DRY_RUN: o->dry_run = true; break;
        case 'n': o->default_namespace = optarg; break;
        case OPT_MAX_FILE_SIZE:
            if (!wp_cli_size_flag("migrate", optarg, &o->max_file_size, err)) return WP_CLI_EXIT_USAGE;
            break;
        case OPT_POOL_FOR: {
            char why[512];
            if (!wp_cli_migrate_pool_for_ok(optarg, why, sizeof why)) {
                fprintf(err, "warmpoolctl migrate: --pool-for: %s\n", why);
                return WP_CLI_EXIT_USAGE;
            }
            pool_for[o->n_pool_for++] = optarg; /* argc bounds the count */
            break;
        }
        case OPT_REPO_ROOT:
            if (!repo_root_ok(optarg, err)) return WP_CLI_EXIT_USAGE;
            o->repo_root = optarg;
            break;
        case 'h': fputs(help, out); return WP_CLI_EXIT_OK;
        default: return wp_cli_flag_error("migrate", c, argv, options, help, err);
        }
    }
    if (!wp_cli_have_operands("migrate", argc, "PATH", help, err)) return WP_CLI_EXIT_USAGE;
    for (int i = optind; i < argc; i++) {
        if (strcmp(argv[i], "-") == 0) {
            fprintf(err, "warmpoolctl migrate: edits files in place; standard input (-) is not supported\n");
            return WP_CLI_EXIT_USAGE;
        }
    }
    return -1;
}

static void print_note(FILE *f, const wp_cli_note *n)
{
    fputs(n->path, f);
    if (n->line) fprintf(f, ":%zu", n->line);
    if (n->line && n->column) fprintf(f, ":%zu", n->column);
    fputs(": ", f);
    if (n->subject) fprintf(f, "%s: ", n->subject);
    fprintf(f, "%s\n", n->message);
}

int wp_cli_cmd_migrate(int argc, char **argv, FILE *out, FILE *err)
{
    char **pool_for = wp_xalloc_check(calloc((size_t)argc + 1, sizeof *pool_for));
    wp_cli_migrate_options o = {.default_namespace = "default", .max_file_size = WP_CLI_DEFAULT_MAX_FILE_SIZE,
                                .pool_for = pool_for};
    int rc = parse_flags(argc, argv, &o, pool_for, out, err);
    if (rc >= 0) {
        free(pool_for);
        return rc;
    }
    wp_cli_migrate_result res;
    wp_cli_migrate_run(&o, argv + optind, (size_t)(argc - optind), out, &res);
    /* A dry run's stdout is the diff; the notes go to stderr then. */
    FILE *notes = o.dry_run ? err : out;
    for (size_t i = 0; i < res.n_notes; i++) {
        const wp_cli_note *n = &res.notes[i];
        print_note(n->kind == WP_CLI_NOTE_LEFT_ALONE || n->kind == WP_CLI_NOTE_IO ? err : notes, n);
    }
    fprintf(notes, "%s%zu object%s migrated, %zu file%s changed, %zu file%s created\n", o.dry_run ? "dry run: " : "",
            res.objects_migrated, res.objects_migrated == 1 ? "" : "s", res.files_changed,
            res.files_changed == 1 ? "" : "s", res.files_created, res.files_created == 1 ? "" : "s");
    rc = wp_cli_migrate_exit_code(&res);
    wp_cli_migrate_result_free(&res);
    free(pool_for);
    if (fflush(out) != 0) rc = WP_CLI_EXIT_USAGE;
    return rc;
}
