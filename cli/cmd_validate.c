/* `warmpoolctl validate`: flags, then validate.c does the work and
 * output_*.c writes the report. */
#include <errno.h>
#include <getopt.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/cmd_common.h"
#include "cli/crds.h"
#include "cli/input.h"
#include "cli/output.h"
#include "cli/validate.h"
#include "common/rules.h"
#include "common/suggest.h"
#include "common/verdict.h"

static const char help[] =
    "Usage: warmpoolctl validate [flags] PATH...\n"
    "\n"
    "Checks every SandboxClaim, SandboxWarmPool, SandboxTemplate and Sandbox in\n"
    "the given files and directories (recursively: *.yaml, *.yml, *.json; `-`\n"
    "reads standard input) the way the cluster would on creation: the CRD schemas\n"
    "the API server enforces, the admission webhook's rules, and references\n"
    "across the set (claim -> pool -> template, env and volume policies, one\n"
    "object defined twice). Other kinds are skipped and counted. Multi-document\n"
    "YAML, JSON and `kind: List` are read.\n"
    "\n"
    "Flags:\n"
    "  -o, --output FORMAT      text (default), json, junit or sarif\n"
    "  -c, --config FILE        rule configuration, the webhook's config file\n"
    "  -n, --namespace NS       namespace of objects that name none (default \"default\")\n"
    "      --warnings-as-errors exit 1 on warnings too\n"
    "      --skip KIND[,KIND]   do not check objects of these kinds (counted as\n"
    "                           skipped; any case). Repeatable\n"
    "      --ignore-rule GROUP[,GROUP]\n"
    "                           turn a group of findings off: an admission rule\n"
    "                           group as the config names it (claim.env,\n"
    "                           template.imageDigest, ...) or a check (schema,\n"
    "                           pool-not-found, template-not-found,\n"
    "                           env-injection-rejected,\n"
    "                           volume-claim-templates-rejected, duplicate-object,\n"
    "                           no-objects, yaml). Every finding ends with its\n"
    "                           [group]. Repeatable\n"
    "      --max-causes N       errors shown per object, then \"and N more errors\"\n"
    "                           (a count; default 100, 0 shows all)\n"
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
    size_t max_causes;
    char **skip, **ignore;          /* comma lists split; NULL-terminated, owned */
    size_t n_skip, n_ignore;
} validate_flags;

enum { OPT_WARNINGS_AS_ERRORS = 256, OPT_MAX_FILE_SIZE, OPT_SKIP, OPT_IGNORE_RULE, OPT_MAX_CAUSES };

/* Appends the comma-separated items of value to *list. */
static void add_list(char ***list, size_t *n, const char *value)
{
    const char *p = value;
    while (*p) {
        size_t len = strcspn(p, ",");
        if (len) {
            *list = wp_xalloc_check(realloc(*list, (*n + 2) * sizeof **list));
            (*list)[(*n)++] = wp_xalloc_check(strndup(p, len));
            (*list)[*n] = NULL;
        }
        p += len + (p[len] == ',');
    }
}

static void free_list(char **list, size_t n)
{
    for (size_t i = 0; i < n; i++) free(list[i]);
    free(list);
}

/* Every name --ignore-rule takes: the checks, then the admission groups. */
static size_t ignorable_names(const char **names, size_t cap)
{
    size_t n = 0;
    for (int i = 0; i < WP_CLI_RULE__COUNT && n < cap; i++)
        if (i != WP_CLI_RULE_IO && i != WP_CLI_RULE_ADMISSION) names[n++] = wp_cli_rule_get((wp_cli_rule)i)->id;
    for (int g = 0; g < WP_RULE__COUNT && n < cap; g++) names[n++] = wp_rule_group_name((wp_rule_group)g);
    return n;
}

static bool ignore_rule_ok(const char *name, FILE *err)
{
    const char *names[WP_CLI_RULE__COUNT + WP_RULE__COUNT];
    size_t n = ignorable_names(names, sizeof names / sizeof *names);
    for (size_t i = 0; i < n; i++)
        if (strcmp(names[i], name) == 0) return true;
    const char *guess = wp_suggest(name, names, n);
    fprintf(err, "warmpoolctl validate: --ignore-rule: unknown group \"%s\"", name);
    if (guess) fprintf(err, "; did you mean \"%s\"?", guess);
    fputs(" (groups:", err);
    for (size_t i = 0; i < n; i++) fprintf(err, " %s", names[i]);
    fputs(")\n", err);
    return false;
}

static bool count_flag(const char *flag, const char *value, size_t *out, FILE *err)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(value, &end, 10);
    if (!*value || *value == '-' || *end || errno) {
        fprintf(err, "warmpoolctl validate: %s: \"%s\" is not a count (a whole number of errors, 0 for all)\n", flag,
                value);
        return false;
    }
    *out = v == 0 ? SIZE_MAX : (size_t)v;
    return true;
}

/* Returns -1 to go on, else an exit status. */
static int parse_flags(int argc, char **argv, validate_flags *f, FILE *out, FILE *err)
{
    static const struct option options[] = {
        {"output", required_argument, NULL, 'o'},
        {"config", required_argument, NULL, 'c'},
        {"namespace", required_argument, NULL, 'n'},
        {"warnings-as-errors", no_argument, NULL, OPT_WARNINGS_AS_ERRORS},
        {"max-file-size", required_argument, NULL, OPT_MAX_FILE_SIZE},
        {"skip", required_argument, NULL, OPT_SKIP},
        {"ignore-rule", required_argument, NULL, OPT_IGNORE_RULE},
        {"max-causes", required_argument, NULL, OPT_MAX_CAUSES},
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
                static const char *const formats[] = {"text", "json", "junit", "sarif"};
                const char *guess = wp_suggest(optarg, formats, 4);
                fprintf(err, "warmpoolctl validate: --output: unknown format \"%s\"%s%s%s (text, json, junit, sarif)\n",
                        optarg, guess ? "; did you mean \"" : "", guess ? guess : "", guess ? "\"?" : "");
                return WP_CLI_EXIT_USAGE;
            }
            break;
        case 'c': f->config_path = optarg; break;
        case 'n': f->namespace_ = optarg; break;
        case OPT_WARNINGS_AS_ERRORS: f->warnings_as_errors = true; break;
        case OPT_MAX_FILE_SIZE:
            if (!wp_cli_size_flag("validate", optarg, &f->max_file_size, err)) return WP_CLI_EXIT_USAGE;
            break;
        case OPT_SKIP: add_list(&f->skip, &f->n_skip, optarg); break;
        case OPT_IGNORE_RULE: {
            size_t from = f->n_ignore;
            add_list(&f->ignore, &f->n_ignore, optarg);
            for (size_t i = from; i < f->n_ignore; i++)
                if (!ignore_rule_ok(f->ignore[i], err)) return WP_CLI_EXIT_USAGE;
            break;
        }
        case OPT_MAX_CAUSES:
            if (!count_flag("--max-causes", optarg, &f->max_causes, err)) return WP_CLI_EXIT_USAGE;
            break;
        case 'h': fputs(help, out); return WP_CLI_EXIT_OK;
        default: return wp_cli_flag_error("validate", c, argv, options, help, err);
        }
    }
    if (!wp_cli_have_operands("validate", argc, "PATH", help, err)) return WP_CLI_EXIT_USAGE;
    return -1;
}

/* --ignore-rule: an admission group goes off in the config (the engine
 * skips it, exactly as the config's `rules: {group: off}`); a check's
 * findings are dropped from the report. */
static void apply_ignores(const validate_flags *f, wp_config *config, wp_cli_report *r)
{
    for (size_t i = 0; i < f->n_ignore; i++) {
        wp_rule_group g;
        wp_cli_rule rule;
        if (wp_rule_group_parse(f->ignore[i], &g)) config->modes[g] = WP_MODE_OFF;
        else if (wp_cli_rule_parse(f->ignore[i], &rule)) r->ignored[rule] = true;
    }
}

int wp_cli_cmd_validate(int argc, char **argv, FILE *out, FILE *err)
{
    validate_flags f = {.format = WP_CLI_OUTPUT_TEXT, .namespace_ = "default",
                        .max_file_size = WP_CLI_DEFAULT_MAX_FILE_SIZE};
    int rc = parse_flags(argc, argv, &f, out, err);
    wp_config *config = NULL;
    wp_cli_crds *crds = NULL;
    if (rc < 0 && !wp_cli_load_rules("validate", f.config_path, err, &config, &crds)) rc = WP_CLI_EXIT_USAGE;
    if (rc >= 0) {
        free_list(f.skip, f.n_skip);
        free_list(f.ignore, f.n_ignore);
        return rc;
    }
    wp_cli_validate_options o = {.config = config, .crds = crds, .default_namespace = f.namespace_,
                                 .max_file_size = f.max_file_size, .max_causes = f.max_causes,
                                 .skip_kinds = f.skip, .n_skip_kinds = f.n_skip};
    clock_gettime(CLOCK_REALTIME, &o.now);
    wp_cli_report r;
    wp_cli_report_init(&r);
    apply_ignores(&f, config, &r);
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
    free_list(f.skip, f.n_skip);
    free_list(f.ignore, f.n_ignore);
    return rc;
}
