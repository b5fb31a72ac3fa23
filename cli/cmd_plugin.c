/* `warmpoolctl plugin check FILE.so`: loads a plugin the way the
 * controller does (the host's own code, wpplugin's wp_plugin_probe) in a
 * child process, so a plugin that crashes or hangs is reported rather than
 * fatal, and prints its descriptor, its config key table and every check. */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/cmd_common.h"
#include "common/flag_parser.h"
#include "common/yaml.h"
#include "controller/plugin/plugin_probe.h"

static const char help[] =
    "Usage: warmpoolctl plugin check [flags] FILE.so\n"
    "\n"
    "Loads the plugin the way warmpool-controller does (file and ABI checks,\n"
    "config validated against the keys the plugin declares), creates an\n"
    "instance, runs its health probe and a sample call, and destroys it, all\n"
    "in a child process: a plugin that crashes or hangs is reported, not fatal.\n"
    "Prints the plugin's config keys. A sample call answering RETRY or FAIL is\n"
    "a warning (it depends on what the plugin can reach from here).\n"
    "\n"
    "Flags:\n"
    "  -c, --config FILE      the plugin's config: a YAML/JSON mapping of its keys\n"
    "                         (what goes under `config:` in the plugin configuration)\n"
    "  -o, --output FORMAT    text (default) or json\n"
    "      --deadline DUR     per-call deadline (default 5s)\n"
    "      --pod-ip IP        pod IP of the sample hook event (default 127.0.0.1)\n"
    "      --image REF        image of the sample resolution (default busybox)\n"
    "  -h, --help             show this help\n"
    "\n"
    "Exit status: 0 usable, 1 problems found, 2 usage or I/O problems.\n";

typedef struct {
    const char *config_path, *pod_ip, *image;
    bool json;
    long long deadline_ms;
} check_flags;

static int parse_flags(int argc, char **argv, check_flags *f, FILE *out, FILE *err)
{
    static const struct option options[] = {
        {"config", required_argument, NULL, 'c'}, {"output", required_argument, NULL, 'o'},
        {"deadline", required_argument, NULL, 'd'}, {"pod-ip", required_argument, NULL, 'p'},
        {"image", required_argument, NULL, 'i'}, {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    optind = 0;
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, ":c:o:h", options, NULL)) != -1) {
        switch (c) {
        case 'c': f->config_path = optarg; break;
        case 'p': f->pod_ip = optarg; break;
        case 'i': f->image = optarg; break;
        case 'o':
            if (strcmp(optarg, "json") != 0 && strcmp(optarg, "text") != 0) {
                fprintf(err, "warmpoolctl plugin check: --output must be text or json, not \"%s\"\n", optarg);
                return WP_CLI_EXIT_USAGE;
            }
            f->json = strcmp(optarg, "json") == 0;
            break;
        case 'd':
            if (wp_flag_parse_duration_ms(optarg, &f->deadline_ms) != 0 || f->deadline_ms < 1) {
                fprintf(err, "warmpoolctl plugin check: --deadline \"%s\" is not a duration such as 5s\n", optarg);
                return WP_CLI_EXIT_USAGE;
            }
            break;
        case 'h': fputs(help, out); return WP_CLI_EXIT_OK;
        default: return wp_cli_flag_error("plugin check", c, argv, options, help, err);
        }
    }
    if (argc - optind != 1) {
        fprintf(err, "warmpoolctl plugin check: expected exactly one FILE.so\n%s", help);
        return WP_CLI_EXIT_USAGE;
    }
    return -1;
}

static const char *str(const json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    return s ? s : "";
}

static void print_keys(const json_t *keys, FILE *out)
{
    if (json_array_size(keys) == 0) {
        fputs("config keys: none\n", out);
        return;
    }
    fputs("config keys:\n", out);
    fprintf(out, "  %-20s %-9s %-16s %-20s %s\n", "KEY", "TYPE", "DEFAULT", "VALUE", "DESCRIPTION");
    size_t i;
    json_t *k;
    json_array_foreach(keys, i, k) {
        const char *def = json_is_true(json_object_get(k, "required")) ? "(required)" : str(k, "default");
        const char *value = json_object_get(k, "value") && !json_is_null(json_object_get(k, "value")) ? str(k, "value") : "-";
        fprintf(out, "  %-20s %-9s %-16s %-20s %s\n", str(k, "name"), str(k, "type"), def[0] ? def : "-",
                value, str(k, "description"));
    }
}

static void print_text(const json_t *r, FILE *out)
{
    const json_t *d = json_object_get(r, "descriptor");
    fprintf(out, "plugin %s\n", str(r, "file"));
    if (json_is_object(d)) {
        fprintf(out, "  %s %s: %s (ABI %s)\n  %s\n", str(d, "name"), str(d, "version"), str(d, "kind"),
                str(d, "abi"), str(d, "description"));
        const json_t *flags = json_object_get(d, "flags");
        if (json_array_size(flags)) {
            fputs("  flags:", out);
            size_t i;
            json_t *fl;
            json_array_foreach(flags, i, fl) fprintf(out, " %s", json_string_value(fl));
            fputc('\n', out);
        }
        print_keys(json_object_get(r, "configKeys"), out);
    }
    fputs("checks:\n", out);
    size_t i;
    json_t *c;
    json_array_foreach(json_object_get(r, "checks"), i, c)
        fprintf(out, "  %-8s %-15s %s\n", str(c, "result"), str(c, "step"), str(c, "message"));
    fprintf(out, "result: %s\n", json_is_true(json_object_get(r, "usable")) ? "usable" : "NOT usable");
}

static int cmd_check(int argc, char **argv, FILE *out, FILE *err)
{
    check_flags f = {0};
    int rc = parse_flags(argc, argv, &f, out, err);
    if (rc >= 0) return rc;
    json_t *config = NULL;
    if (f.config_path) {
        wp_yaml_error yerr;
        config = wp_yaml_load_file(f.config_path, 1 << 20, &yerr);
        if (!config) {
            fprintf(err, "warmpoolctl plugin check: %s: %s\n", f.config_path, yerr.message);
            return WP_CLI_EXIT_USAGE;
        }
    }
    wp_plugin_probe_options o = {.path = argv[optind], .config = config, .deadline_ms = f.deadline_ms,
                                 .pod_ip = f.pod_ip, .image = f.image};
    json_t *report = wp_plugin_probe(&o);
    if (f.json) {
        json_dumpf(report, out, JSON_INDENT(2));
        fputc('\n', out);
    } else {
        print_text(report, out);
    }
    rc = json_is_true(json_object_get(report, "usable")) ? WP_CLI_EXIT_OK : WP_CLI_EXIT_FINDINGS;
    json_decref(report);
    json_decref(config);
    return rc;
}

int wp_cli_cmd_plugin(int argc, char **argv, FILE *out, FILE *err)
{
    if (argc >= 2 && strcmp(argv[1], "check") == 0) return cmd_check(argc - 1, argv + 1, out, err);
    if (argc >= 2 && (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0)) {
        fputs(help, out);
        return WP_CLI_EXIT_OK;
    }
    fprintf(err, "warmpoolctl plugin: expected the subcommand \"check\"\n%s", help);
    return WP_CLI_EXIT_USAGE;
}
