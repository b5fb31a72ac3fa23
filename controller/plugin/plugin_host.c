/* The plugin host: the configured instances and the calls the controller
 * makes. See plugin_host.h. */
#include "controller/plugin/plugin_host.h"

#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/verdict.h"
#include "common/yaml.h"
#include "controller/plugin/digest_cache.h"
#include "controller/plugin/history_spool.h"
#include "controller/plugin/hook_dispatch.h"
#include "controller/plugin/plugin_child.h"
#include "controller/plugin/plugin_ctx.h"
#include "controller/plugin/plugin_file.h"

#define MAX_HOOK_THREADS 8

struct wp_plugin_host {
    wp_metrics *metrics, *own_metrics;
    wp_plugin_metrics pm;
    wp_plugin_instance **v;
    size_t n;
    wp_plugin_instance *resolver, *history;
    wp_digest_cache *digests;
    wp_metric *digest_hits, *digest_misses; /* warmpool_plugin_digest_cache_total{result} */
    wp_hook_dispatch *hooks;
    wp_history_spool *spool;
    bool spool_in_memory;  /* no spool directory: deliver what is left at shutdown */
};

const char *wp_plugin_error_code_name(wp_plugin_error_code code)
{
    static const char *const names[] = {"none", "config", "file", "load", "abi", "plugin-config",
                                        "create", "call", "none-configured"};
    return code <= WP_PLUGIN_ERR_NONE_CONFIGURED ? names[code] : "unknown";
}

const char *wp_plugin_status_name(int status)
{
    static const char *const names[] = {"ok", "retry", "fail", "invalid_config", "timeout"};
    return status >= 0 && status <= WP_PLUGIN_TIMEOUT ? names[status] : "unknown";
}

static void set_error(wp_plugin_error *err, wp_plugin_error_code code, int status, const char *msg)
{
    if (!err) return;
    err->code = code;
    err->status = status;
    snprintf(err->message, sizeof err->message, "%s", msg);
}

/* Two different files may not claim one descriptor name (the same file
 * backing two instances is fine). */
static bool same_file(const char *a, const char *b)
{
    struct stat sa, sb;
    return stat(a, &sa) == 0 && stat(b, &sb) == 0 && sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

static bool check_unique_descriptor(wp_plugin_host *h, const wp_plugin_file_entry *e,
                                    const wp_plugin_lib *lib, wp_plugin_error *err)
{
    for (size_t i = 0; i < h->n; i++) {
        const wp_plugin_lib *other = h->v[i]->lib;
        if (strcmp(other->desc.name, lib->desc.name) == 0 && !same_file(other->path, lib->path)) {
            wp_plugin_error_set(err, WP_PLUGIN_ERR_ABI, e->name, e->path,
                                "plugin name \"%s\" is already taken by %s (instance %s)",
                                lib->desc.name, other->path, h->v[i]->name);
            return false;
        }
    }
    return true;
}

static bool kind_matches(const wp_plugin_file_entry *e, const wp_plugin_lib *lib, wp_plugin_error *err)
{
    if (lib->desc.kind == (int)e->kind) return true;
    wp_plugin_error_set(err, WP_PLUGIN_ERR_CONFIG, e->name, e->path,
                        "the configuration says kind %s but the plugin is a %s",
                        wp_plugin_kind_name(e->kind), wp_plugin_kind_name(lib->desc.kind));
    return false;
}

/* Loads here, or (isolation: process) in a child; checks kind and name. */
static wp_plugin_instance *start_instance(wp_plugin_host *h, const wp_plugin_file_entry *e,
                                          const wp_plugin_host_options *o, wp_plugin_error *err)
{
    wp_plugin_instance_spec spec = {
        .name = e->name, .config = e->config, .deadline_ms = e->deadline_ms,
        .workers = e->workers, .metrics = &h->pm, .failure_threshold = o->failure_threshold,
        .backoff_base_ms = o->backoff_base_ms, .backoff_max_ms = o->backoff_max_ms};
    if (e->isolated) {
        char *runner = o->runner_path ? NULL : wp_plugin_child_default_runner();
        wp_plugin_child_spec cs = {.runner = o->runner_path ? o->runner_path : runner, .path = e->path,
                                   .sha256 = e->sha256, .config = e->config,
                                   .skip_file_checks = o->skip_file_checks};
        spec.child = &cs;
        wp_plugin_instance *inst = wp_plugin_instance_start(&spec, err);
        free(runner);
        if (inst && (!kind_matches(e, wp_plugin_instance_lib(inst), err) ||
                     !check_unique_descriptor(h, e, wp_plugin_instance_lib(inst), err))) {
            wp_plugin_instance_stop(inst);
            return NULL;
        }
        return inst;
    }
    wp_plugin_lib *lib = wp_plugin_lib_open(e->name, e->path, e->sha256, o->skip_file_checks, err);
    if (!lib) return NULL;
    if (!kind_matches(e, lib, err) || !check_unique_descriptor(h, e, lib, err)) {
        wp_plugin_lib_close(lib, true);
        return NULL;
    }
    spec.lib = lib;
    return wp_plugin_instance_start(&spec, err);
}

static bool add_instance(wp_plugin_host *h, const wp_plugin_file_entry *e,
                         const wp_plugin_host_options *o, wp_plugin_error *err)
{
    wp_plugin_instance *inst = start_instance(h, e, o, err);
    if (!inst) return false;
    h->v[h->n++] = inst;
    if (e->kind == WP_PLUGIN_KIND_RESOLVER) {
        h->resolver = inst;
        h->digests = wp_digest_cache_new(e->cache_ttl_ms, 0);
    }
    if (e->kind == WP_PLUGIN_KIND_HISTORY) {
        h->history = inst;
        h->spool_in_memory = e->spool == NULL;
        if (!(h->spool = wp_history_spool_open(e->spool, inst, err))) return false;
    }
    return true;
}

static wp_plugin_host *host_from_doc(const json_t *doc, const char *origin, const char *base_dir,
                                     const wp_plugin_host_options *opts, wp_plugin_error *err)
{
    static const wp_plugin_host_options defaults = {0};
    const wp_plugin_host_options *o = opts ? opts : &defaults;
    wp_plugin_file f;
    char why[768];
    if (wp_plugin_file_parse(doc, origin, base_dir, &f, why, sizeof why) != 0) {
        set_error(err, WP_PLUGIN_ERR_CONFIG, 0, why);
        return NULL;
    }
    wp_plugin_host *h = wp_xalloc_check(calloc(1, sizeof *h));
    h->metrics = o->metrics;
    if (!h->metrics) h->metrics = h->own_metrics = wp_xalloc_check(wp_metrics_new());
    h->v = wp_xalloc_check(calloc(f.n + 1, sizeof *h->v));
    bool ok = wp_plugin_metrics_register(&h->pm, h->metrics) == 0;
    wp_metric_family *cache = ok ? wp_metrics_counter(h->metrics, "warmpool_plugin_digest_cache_total",
                                                      "Digest resolutions answered from the cache (hit) or by the resolver (miss).",
                                                      (const char *[]){"result", NULL})
                                 : NULL;
    h->digest_hits = wp_metric_with(cache, (const char *[]){"hit"});
    h->digest_misses = wp_metric_with(cache, (const char *[]){"miss"});
    if (!ok) set_error(err, WP_PLUGIN_ERR_CONFIG, 0, "plugin metrics are already registered in this registry");
    for (size_t i = 0; ok && i < f.n; i++) ok = add_instance(h, &f.v[i], o, err);
    wp_plugin_file_free(&f);
    /* One dispatcher per hook instance and one spare (at most 8), so one
     * slow hook does not hold up the others' events. */
    size_t hooks = ok ? wp_plugin_host_count(h, WP_PLUGIN_KIND_HOOK) : 0;
    if (hooks) h->hooks = wp_hook_dispatch_start(hooks + 1 > MAX_HOOK_THREADS ? MAX_HOOK_THREADS : (int)hooks + 1);
    if (!ok) {
        wp_plugin_host_free(h);
        return NULL;
    }
    if (err) *err = (wp_plugin_error){0};
    return h;
}

wp_plugin_host *wp_plugin_host_load_buffer(const char *buf, size_t len, const char *origin,
                                           const char *base_dir, const wp_plugin_host_options *opts,
                                           wp_plugin_error *err)
{
    wp_yaml_error yerr;
    json_t *doc = wp_yaml_load_one(buf, len, &yerr);
    if (!doc) {
        char msg[600];
        snprintf(msg, sizeof msg, "%s:%zu: %s", origin, yerr.line, yerr.message);
        set_error(err, WP_PLUGIN_ERR_CONFIG, 0, msg);
        return NULL;
    }
    wp_plugin_host *h = host_from_doc(doc, origin, base_dir ? base_dir : ".", opts, err);
    json_decref(doc);
    return h;
}

wp_plugin_host *wp_plugin_host_load(const char *config_path, const wp_plugin_host_options *opts,
                                    wp_plugin_error *err)
{
    wp_yaml_error yerr;
    json_t *doc = wp_yaml_load_file(config_path, WP_PLUGIN_FILE_MAX_BYTES, &yerr);
    if (!doc) {
        char msg[600];
        snprintf(msg, sizeof msg, "%s: %s", config_path, yerr.message);
        set_error(err, WP_PLUGIN_ERR_CONFIG, 0, msg);
        return NULL;
    }
    char *copy = wp_xalloc_check(strdup(config_path));
    wp_plugin_host *h = host_from_doc(doc, config_path, dirname(copy), opts, err);
    free(copy);
    json_decref(doc);
    return h;
}

void wp_plugin_host_free(wp_plugin_host *h)
{
    if (!h) return;
    wp_hook_dispatch_stop(h->hooks);
    if (h->spool && h->spool_in_memory) wp_history_spool_drain(h->spool, wp_plugin_instance_deadline_ms(h->history));
    wp_history_spool_close(h->spool);
    for (size_t i = h->n; i-- > 0;) wp_plugin_instance_stop(h->v[i]);
    wp_digest_cache_free(h->digests);
    free(h->v);
    wp_metrics_free(h->own_metrics);
    free(h);
}

wp_metrics *wp_plugin_host_metrics(wp_plugin_host *h) { return h->metrics; }

size_t wp_plugin_host_count(const wp_plugin_host *h, wp_plugin_kind kind)
{
    size_t n = 0;
    for (size_t i = 0; i < h->n; i++) n += h->v[i]->lib->desc.kind == (int)kind;
    return n;
}

/* ------------------------------------------------------------ calls */

static int none_configured(wp_plugin_error *err, const char *kind)
{
    char msg[128];
    snprintf(msg, sizeof msg, "no %s plugin is configured", kind);
    set_error(err, WP_PLUGIN_ERR_NONE_CONFIGURED, WP_PLUGIN_FAIL, msg);
    return WP_PLUGIN_FAIL;
}

static int finish_call(const wp_plugin_call *c, wp_plugin_error *err)
{
    if (c->status == WP_PLUGIN_OK) {
        if (err) *err = (wp_plugin_error){0};
    } else {
        set_error(err, WP_PLUGIN_ERR_CALL, c->status, c->message);
    }
    return c->status;
}

int wp_plugin_host_resolve_digest(wp_plugin_host *h, const char *image, char *digest, wp_plugin_error *err)
{
    if (!h || !h->resolver) return none_configured(err, "digest-resolver");
    if (wp_digest_cache_get(h->digests, image, digest, wp_plugin_now_ns())) {
        wp_counter_inc(h->digest_hits);
        if (err) err->code = WP_PLUGIN_ERR_NONE;
        return WP_PLUGIN_OK;
    }
    wp_counter_inc(h->digest_misses);
    wp_plugin_call c = {.op = WP_PLUGIN_OP_RESOLVE, .input = image, .input_len = strlen(image)};
    if (wp_plugin_instance_call(h->resolver, &c) == WP_PLUGIN_OK) {
        memcpy(digest, c.digest, WP_PLUGIN_DIGEST_MAX);
        wp_digest_cache_put(h->digests, image, c.digest, wp_plugin_now_ns());
    }
    return finish_call(&c, err);
}

void wp_plugin_host_digest_cache_clear(wp_plugin_host *h)
{
    if (h && h->digests) wp_digest_cache_clear(h->digests);
}

size_t wp_plugin_host_hook(wp_plugin_host *h, const wp_plugin_host_event *event,
                           wp_plugin_hook_done_fn done, void *arg)
{
    size_t n = 0;
    for (size_t i = 0; h && i < h->n; i++) {
        if (h->v[i]->lib->desc.kind != WP_PLUGIN_KIND_HOOK) continue;
        wp_hook_dispatch_submit(h->hooks, h->v[i], event, done, arg);
        n++;
    }
    return n;
}

bool wp_plugin_host_hook_drain(wp_plugin_host *h, int64_t timeout_ms)
{
    return !h || !h->hooks || wp_hook_dispatch_drain(h->hooks, timeout_ms);
}

int wp_plugin_host_history_append_batch(wp_plugin_host *h, const char *records, size_t len,
                                        wp_plugin_error *err)
{
    if (!h || !h->history) return none_configured(err, "history-store");
    wp_plugin_call c = {.op = WP_PLUGIN_OP_APPEND, .input = records, .input_len = len};
    wp_plugin_instance_call(h->history, &c);
    return finish_call(&c, err);
}

int wp_plugin_host_history_append(wp_plugin_host *h, const char *record, size_t len, wp_plugin_error *err)
{
    if (!h || !h->spool) return none_configured(err, "history-store");
    return wp_history_spool_append(h->spool, record, len, err);
}

bool wp_plugin_host_history_drain(wp_plugin_host *h, int64_t timeout_ms)
{
    return !h || !h->spool || wp_history_spool_drain(h->spool, timeout_ms);
}

int wp_plugin_host_history_query(wp_plugin_host *h, const char *filter, size_t len, char **out,
                                 size_t *out_len, wp_plugin_error *err)
{
    *out = NULL;
    *out_len = 0;
    if (!h || !h->history) return none_configured(err, "history-store");
    wp_plugin_call c = {.op = WP_PLUGIN_OP_QUERY, .input = filter, .input_len = len};
    if (wp_plugin_instance_call(h->history, &c) == WP_PLUGIN_OK) {
        *out = c.out;
        *out_len = c.out_len;
    }
    return finish_call(&c, err);
}
