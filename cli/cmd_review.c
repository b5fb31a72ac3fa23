/* `warmpoolctl review FILE`: wraps one object in an AdmissionReview (v1,
 * CREATE), runs the webhook's decision locally (wp_review_handle, both
 * the validating and the mutating side) and prints what the webhook would
 * answer, with the JSON Patch decoded. */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "cli/cli.h"
#include "cli/cmd_common.h"
#include "cli/crds.h"
#include "cli/input.h"
#include "common/base64.h"
#include "common/review.h"
#include "common/yaml.h"

static const char help[] =
    "Usage: warmpoolctl review [flags] FILE\n"
    "\n"
    "Wraps the one object in FILE (`-` for standard input) in an AdmissionReview\n"
    "(admission.k8s.io/v1, operation CREATE), runs the webhook's validating and\n"
    "mutating rules locally and prints both responses the webhook would send, as\n"
    "JSON: {\"validate\": AdmissionReview, \"mutate\": AdmissionReview, \"patch\":\n"
    "the mutating response's JSON Patch decoded, or null}.\n"
    "\n"
    "Flags:\n"
    "  -c, --config FILE        rule configuration, the webhook's config file\n"
    "  -n, --namespace NS       namespace of an object that names none (default \"default\")\n"
    "  -h, --help               show this help\n"
    "\n"
    "Exit status: 0 allowed, 1 denied, 2 usage or I/O problems.\n";

typedef struct {
    const char *config_path;
    const char *namespace_;
} review_flags;

static int parse_flags(int argc, char **argv, review_flags *f, FILE *out, FILE *err)
{
    static const struct option options[] = {
        {"config", required_argument, NULL, 'c'},
        {"namespace", required_argument, NULL, 'n'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    optind = 0;
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, ":c:n:h", options, NULL)) != -1) {
        switch (c) {
        case 'c': f->config_path = optarg; break;
        case 'n': f->namespace_ = optarg; break;
        case 'h': fputs(help, out); return WP_CLI_EXIT_OK;
        default: return wp_cli_flag_error("review", c, argv, options, help, err);
        }
    }
    if (argc - optind != 1) {
        fprintf(err, "warmpoolctl review: expected exactly one FILE\n%s", help);
        return WP_CLI_EXIT_USAGE;
    }
    return -1;
}

/* A random (version 4) UUID, as the API server gives every request. */
static void new_uid(char out[37])
{
    unsigned char b[16] = {0};
    if (getrandom(b, sizeof b, 0) != (ssize_t)sizeof b) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        for (size_t i = 0; i < sizeof b; i++) b[i] = (unsigned char)(ts.tv_nsec >> (i % 4 * 8)) ^ (unsigned char)i;
    }
    b[6] = (unsigned char)((b[6] & 0x0F) | 0x40);
    b[8] = (unsigned char)((b[8] & 0x3F) | 0x80);
    snprintf(out, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[0], b[1], b[2], b[3],
             b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]);
}

/* The AdmissionReview the API server would send for creating obj
 * (borrowed). Returns a new reference, NULL when memory ran out. */
static json_t *wrap(const json_t *obj, const char *plural_hint, const char *default_ns)
{
    const char *api_version = json_string_value(json_object_get(obj, "apiVersion"));
    const char *kind = json_string_value(json_object_get(obj, "kind"));
    const json_t *meta = json_object_get(obj, "metadata");
    const char *ns = json_string_value(json_object_get(meta, "namespace"));
    const char *slash = strchr(api_version, '/');
    char group[256];
    snprintf(group, sizeof group, "%.*s", slash ? (int)(slash - api_version) : 0, slash ? api_version : "");
    const char *version = slash ? slash + 1 : api_version;
    char plural[300];
    if (plural_hint) snprintf(plural, sizeof plural, "%s", plural_hint);
    else {
        snprintf(plural, sizeof plural, "%ss", kind);
        for (char *p = plural; *p; p++) *p = (char)(*p >= 'A' && *p <= 'Z' ? *p - 'A' + 'a' : *p);
    }
    char uid[37];
    new_uid(uid);
    json_t *gvk = wp_xalloc_check(json_pack("{s:s,s:s,s:s}", "group", group, "version", version, "kind", kind));
    json_t *gvr = wp_xalloc_check(json_pack("{s:s,s:s,s:s}", "group", group, "version", version, "resource", plural));
    json_t *request = json_pack("{s:s,s:O,s:O,s:o,s:o,s:s,s:s,s:{s:s},s:O,s:n,s:b,s:{s:s,s:s}}",
                                "uid", uid, "kind", gvk, "resource", gvr, "requestKind", gvk,
                                "requestResource", gvr, "namespace", ns ? ns : default_ns, "operation", "CREATE",
                                "userInfo", "username", "warmpoolctl", "object", obj, "oldObject", "dryRun", 1,
                                "options", "apiVersion", "meta.k8s.io/v1", "kind", "CreateOptions");
    if (!request) return NULL;
    const char *name = json_string_value(json_object_get(meta, "name"));
    if (name) json_object_set_new(request, "name", json_string(name));
    return json_pack("{s:s,s:s,s:o}", "apiVersion", "admission.k8s.io/v1", "kind", "AdmissionReview",
                     "request", request);
}

/* Runs one side of the webhook. Returns the response body (new reference)
 * or NULL with a message printed. */
static json_t *decide(const wp_config *cfg, wp_review_mode mode, const char *body, FILE *err, bool *allowed)
{
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    wp_review_result r;
    wp_review_handle(cfg, mode, body, strlen(body), &now, &r);
    json_t *response = NULL;
    if (r.http_status != 200) {
        fprintf(err, "warmpoolctl review: the webhook would answer HTTP %d: %s\n", r.http_status,
                r.error ? r.error : r.body);
    } else {
        response = json_loadb(r.body, r.body_len, 0, NULL);
        if (!response) fprintf(err, "warmpoolctl review: the webhook's answer is not JSON\n");
        *allowed = r.allowed;
    }
    wp_review_result_free(&r);
    return response;
}

/* The mutating response's patch, decoded (new reference), or JSON null. */
static json_t *decoded_patch(const json_t *review)
{
    const char *b64 = json_string_value(json_object_get(json_object_get(review, "response"), "patch"));
    size_t len;
    unsigned char *raw = b64 ? wp_base64_decode(b64, strlen(b64), &len) : NULL;
    json_t *patch = raw ? json_loadb((const char *)raw, len, 0, NULL) : NULL;
    free(raw);
    return patch ? patch : json_null();
}

static json_t *load_object(const char *path, FILE *err)
{
    char msg[512];
    size_t len;
    char *data = wp_cli_read_file(path, WP_CLI_DEFAULT_MAX_FILE_SIZE, &len, msg, sizeof msg);
    if (!data) {
        fprintf(err, "warmpoolctl review: %s\n", msg);
        return NULL;
    }
    wp_yaml_error yerr;
    json_t *obj = wp_yaml_load_one(data, len, &yerr);
    free(data);
    if (!obj) {
        if (yerr.line) fprintf(err, "warmpoolctl review: %s:%zu:%zu: %s\n", path, yerr.line, yerr.column, yerr.message);
        else fprintf(err, "warmpoolctl review: %s: %s\n", path, yerr.message);
        return NULL;
    }
    if (!json_is_object(obj) || !json_is_string(json_object_get(obj, "apiVersion"))
        || !json_is_string(json_object_get(obj, "kind"))) {
        fprintf(err, "warmpoolctl review: %s: not a Kubernetes object (an object with apiVersion and kind)\n", path);
        json_decref(obj);
        return NULL;
    }
    return obj;
}

/* Memory ran out (the input is bounded, so this is a small machine):
 * say so and exit like any I/O problem, rather than crash. */
static int out_of_memory(FILE *err, const char *what)
{
    fprintf(err, "warmpoolctl review: out of memory while writing %s\n", what);
    return WP_CLI_EXIT_USAGE;
}

static int run(const wp_config *cfg, const wp_cli_crds *crds, json_t *obj, const char *ns, FILE *out, FILE *err)
{
    const char *api_version = json_string_value(json_object_get(obj, "apiVersion"));
    const char *slash = strchr(api_version, '/');
    char group[256];
    snprintf(group, sizeof group, "%.*s", slash ? (int)(slash - api_version) : 0, slash ? api_version : "");
    json_t *review = wrap(obj, wp_cli_crds_plural(crds, group, json_string_value(json_object_get(obj, "kind"))), ns);
    char *body = review ? json_dumps(review, JSON_COMPACT) : NULL;
    json_decref(review);
    if (!body) return out_of_memory(err, "the AdmissionReview request");
    bool allowed = false, mutate_allowed = false;
    json_t *validated = decide(cfg, WP_REVIEW_VALIDATE, body, err, &allowed);
    json_t *mutated = validated ? decide(cfg, WP_REVIEW_MUTATE, body, err, &mutate_allowed) : NULL;
    free(body);
    if (!validated || !mutated) {
        json_decref(validated);
        json_decref(mutated);
        return WP_CLI_EXIT_USAGE;
    }
    json_t *patch = decoded_patch(mutated);
    json_t *result = json_pack("{s:o,s:o,s:o}", "validate", validated, "mutate", mutated, "patch", patch);
    if (!result) return out_of_memory(err, "the output");
    int written = json_dumpf(result, out, JSON_INDENT(2));
    fputc('\n', out);
    json_decref(result);
    if (written != 0) return out_of_memory(err, "the output");
    return allowed ? WP_CLI_EXIT_OK : WP_CLI_EXIT_FINDINGS;
}

int wp_cli_cmd_review(int argc, char **argv, FILE *out, FILE *err)
{
    review_flags f = {.namespace_ = "default"};
    int rc = parse_flags(argc, argv, &f, out, err);
    if (rc >= 0) return rc;
    wp_config *cfg;
    wp_cli_crds *crds;
    if (!wp_cli_load_rules("review", f.config_path, err, &cfg, &crds)) return WP_CLI_EXIT_USAGE;
    json_t *obj = load_object(argv[optind], err);
    rc = obj ? run(cfg, crds, obj, f.namespace_, out, err) : WP_CLI_EXIT_USAGE;
    if (fflush(out) != 0) rc = WP_CLI_EXIT_USAGE;
    json_decref(obj);
    wp_cli_crds_free(crds);
    wp_config_unref(cfg);
    return rc;
}
