/* `warmpoolctl history`: prints claim and sandbox history records, from
 * the controller (GET <server>/history?..., served on its health/metrics
 * port) or straight from a history-sqlite file, opened read-only through
 * the plugin itself (loaded the way the controller loads it), so the CLI
 * never needs to know the file's schema. */
#include <curl/curl.h>
#include <getopt.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/cmd_common.h"
#include "common/strbuf.h"
#include "controller/plugin/plugin_host.h"

#ifndef WP_PLUGIN_INSTALL_DIR
#define WP_PLUGIN_INSTALL_DIR "/usr/local/lib/warmpool/plugins"
#endif

static const char help[] =
    "Usage: warmpoolctl history (--server URL | --db FILE) [filters] [flags]\n"
    "\n"
    "Prints claim and sandbox history records, oldest first.\n"
    "\n"
    "Source (exactly one):\n"
    "  -s, --server URL       the controller's health/metrics address (GET URL/history)\n"
    "      --db FILE          a history-sqlite database, opened read-only\n"
    "      --plugin FILE      the history_sqlite.so to open --db with\n"
    "                         (default " WP_PLUGIN_INSTALL_DIR "/history_sqlite.so)\n"
    "Filters (all given must match):\n"
    "  -n, --namespace NS     --claim NAME   --sandbox NAME   --pool NAME\n"
    "      --since TIME       RFC 3339, inclusive    --until TIME  exclusive\n"
    "      --limit N          at most N records (default 1000)\n"
    "Flags:\n"
    "  -o, --output FORMAT    text (default) or json\n"
    "  -h, --help             show this help\n"
    "\n"
    "Exit status: 0 records printed (maybe none), 1 the query failed, 2 usage.\n";

static const char *const filter_names[] = {"namespace", "claim", "sandbox", "pool", "since", "until"};
#define N_FILTERS 6

typedef struct {
    const char *server, *db, *plugin;
    const char *filter[N_FILTERS];
    long long limit;
    bool json;
} history_flags;

static int parse_flags(int argc, char **argv, history_flags *f, FILE *out, FILE *err)
{
    static const struct option options[] = {
        {"namespace", required_argument, NULL, 0}, {"claim", required_argument, NULL, 1},
        {"sandbox", required_argument, NULL, 2},   {"pool", required_argument, NULL, 3},
        {"since", required_argument, NULL, 4},     {"until", required_argument, NULL, 5},
        {"server", required_argument, NULL, 's'},  {"db", required_argument, NULL, 'D'},
        {"plugin", required_argument, NULL, 'P'},  {"limit", required_argument, NULL, 'l'},
        {"output", required_argument, NULL, 'o'},  {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    optind = 0;
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, ":n:s:o:h", options, NULL)) != -1) {
        char *end;
        switch (c) {
        case 'n': f->filter[0] = optarg; break;
        case 0: case 1: case 2: case 3: case 4: case 5: f->filter[c] = optarg; break;
        case 's': f->server = optarg; break;
        case 'D': f->db = optarg; break;
        case 'P': f->plugin = optarg; break;
        case 'l':
            f->limit = strtoll(optarg, &end, 10);
            if (*end || f->limit < 1) {
                fprintf(err, "warmpoolctl history: --limit must be a positive integer, not \"%s\"\n", optarg);
                return WP_CLI_EXIT_USAGE;
            }
            break;
        case 'o':
            if (strcmp(optarg, "json") != 0 && strcmp(optarg, "text") != 0) {
                fprintf(err, "warmpoolctl history: --output must be text or json, not \"%s\"\n", optarg);
                return WP_CLI_EXIT_USAGE;
            }
            f->json = strcmp(optarg, "json") == 0;
            break;
        case 'h': fputs(help, out); return WP_CLI_EXIT_OK;
        default: return wp_cli_flag_error("history", c, argv, options, help, err);
        }
    }
    if (optind != argc || !f->server == !f->db) {
        fprintf(err, "warmpoolctl history: give exactly one of --server and --db\n%s", help);
        return WP_CLI_EXIT_USAGE;
    }
    return -1;
}

/* The ABI's filter object from the flags; caller json_decrefs. */
static json_t *filter_json(const history_flags *f)
{
    json_t *o = json_object();
    for (int i = 0; i < N_FILTERS; i++)
        if (f->filter[i]) json_object_set_new(o, filter_names[i], json_string(f->filter[i]));
    if (f->limit) json_object_set_new(o, "limit", json_integer(f->limit));
    return o;
}

/* Runs the query through history_sqlite.so on the file; the JSON array
 * (malloc'd, caller frees) or NULL with the reason printed. */
static char *query_db(const history_flags *f, const json_t *filter, FILE *err)
{
    json_t *conf = json_pack("{s:[{s:s,s:s,s:s,s:s,s:{s:s,s:b}}]}", "plugins", "name", "history", "kind",
                             "history-store", "path", f->plugin ? f->plugin : WP_PLUGIN_INSTALL_DIR "/history_sqlite.so",
                             "deadline", "30s", "config", "path", f->db, "read_only", 1);
    char *text = json_dumps(conf, JSON_COMPACT);
    json_decref(conf);
    wp_plugin_host_options opts = {.skip_file_checks = true};
    wp_plugin_error perr;
    wp_plugin_host *h = wp_plugin_host_load_buffer(text, strlen(text), "warmpoolctl history", NULL, &opts, &perr);
    free(text);
    if (!h) {
        fprintf(err, "warmpoolctl history: %s\n", perr.message);
        return NULL;
    }
    char *q = json_dumps(filter, JSON_COMPACT), *out = NULL;
    size_t len;
    if (wp_plugin_host_history_query(h, q, strlen(q), &out, &len, &perr) != WP_PLUGIN_OK) {
        fprintf(err, "warmpoolctl history: %s\n", perr.message);
        free(out);
        out = NULL;
    }
    free(q);
    wp_plugin_host_free(h);
    return out;
}

static size_t collect(char *p, size_t size, size_t n, void *arg)
{
    wp_sb *b = arg;
    if (b->len + size * n > (64u << 20)) return 0; /* the host's own answer limit */
    wp_sb_putn(b, p, size * n);
    return size * n;
}

/* GET <server>/history?<filter as query parameters>; body or NULL. */
static char *query_server(const history_flags *f, const json_t *filter, FILE *err)
{
    CURL *c = curl_easy_init();
    wp_sb url = WP_SB_INIT, body = WP_SB_INIT;
    wp_sb_printf(&url, "%s%shistory", f->server, f->server[strlen(f->server) - 1] == '/' ? "" : "/");
    const char *key;
    json_t *v;
    char sep = '?';
    json_object_foreach((json_t *)filter, key, v) {
        char num[32];
        snprintf(num, sizeof num, "%lld", (long long)json_integer_value(v));
        const char *s = json_is_string(v) ? json_string_value(v) : num;
        char *esc = curl_easy_escape(c, s, 0);
        wp_sb_printf(&url, "%c%s=%s", sep, key, esc);
        curl_free(esc);
        sep = '&';
    }
    char errbuf[CURL_ERROR_SIZE] = "";
    curl_easy_setopt(c, CURLOPT_URL, url.s);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &body);
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 30L);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    CURLcode rc = curl_easy_perform(c);
    long code = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
    char *out = NULL;
    if (rc != CURLE_OK) fprintf(err, "warmpoolctl history: GET %s: %s\n", url.s, errbuf[0] ? errbuf : curl_easy_strerror(rc));
    else if (code != 200) fprintf(err, "warmpoolctl history: GET %s: HTTP %ld: %.300s\n", url.s, code, body.s ? body.s : "");
    else out = wp_sb_finish(&body);
    wp_sb_free(&url);
    wp_sb_free(&body);
    curl_easy_cleanup(c);
    return out;
}

static const char *member(const json_t *r, const char *key)
{
    const char *s = json_string_value(json_object_get(r, key));
    return s && s[0] ? s : "-";
}

static void print_text(const json_t *records, FILE *out)
{
    fprintf(out, "%-24s %-16s %-8s %-24s %-9s %-16s %-5s %s\n", "TIME", "NAMESPACE", "KIND", "NAME", "EVENT", "POOL",
            "WARM", "LATENCY");
    size_t i;
    json_t *r;
    json_array_foreach(records, i, r) {
        json_t *warm = json_object_get(r, "warm"), *lat = json_object_get(r, "latencyMs");
        char latency[32] = "-";
        if (json_is_integer(lat)) snprintf(latency, sizeof latency, "%lldms", (long long)json_integer_value(lat));
        fprintf(out, "%-24s %-16s %-8s %-24s %-9s %-16s %-5s %s\n", member(r, "time"), member(r, "namespace"),
                member(r, "kind"), member(r, "name"), member(r, "event"), member(r, "pool"),
                json_is_boolean(warm) ? (json_is_true(warm) ? "yes" : "no") : "-", latency);
    }
}

int wp_cli_cmd_history(int argc, char **argv, FILE *out, FILE *err)
{
    history_flags f = {0};
    int rc = parse_flags(argc, argv, &f, out, err);
    if (rc >= 0) return rc;
    json_t *filter = filter_json(&f);
    char *text = f.db ? query_db(&f, filter, err) : query_server(&f, filter, err);
    json_decref(filter);
    if (!text) return WP_CLI_EXIT_FINDINGS;
    json_t *records = json_loads(text, 0, NULL);
    if (!json_is_array(records)) {
        fprintf(err, "warmpoolctl history: the answer is not a JSON array: %.200s\n", text);
        rc = WP_CLI_EXIT_FINDINGS;
    } else {
        if (f.json) fprintf(out, "%s\n", text);
        else print_text(records, out);
        rc = WP_CLI_EXIT_OK;
    }
    json_decref(records);
    free(text);
    return rc;
}
