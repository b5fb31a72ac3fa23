/* The services table the host gives every plugin instance (the ABI's
 * wp_plugin_services): logging with the instance name attached, metrics
 * labelled by instance, the calling thread's deadline, counted memory, the
 * config accessors and the output sink. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/log.h"
#include "common/strbuf.h"
#include "controller/plugin/plugin_ctx.h"

static _Thread_local wp_plugin_instance *tl_inst;
static _Thread_local int64_t tl_deadline_ns;

int64_t wp_plugin_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

void wp_plugin_services_enter(wp_plugin_instance *inst, int64_t deadline_ns)
{
    tl_inst = deadline_ns ? inst : NULL;
    tl_deadline_ns = deadline_ns;
}

static void svc_log(wp_plugin_ctx *ctx, int level, const char *message)
{
    static const wp_log_level levels[] = {WP_LOG_DEBUG, WP_LOG_INFO, WP_LOG_WARN, WP_LOG_ERROR};
    char line[1025];
    snprintf(line, sizeof line, "%s", message ? message : "");
    wp_log(level >= 0 && level <= 3 ? levels[level] : WP_LOG_INFO, line, "plugin", ctx->name, NULL);
}

/* Bounded copy of a plugin-given metric name (label value). */
static void metric_name(char out[64], const char *name)
{
    snprintf(out, 64, "%s", name ? name : "");
}

static void svc_counter_add(wp_plugin_ctx *ctx, const char *name, uint64_t n)
{
    char nm[64];
    metric_name(nm, name);
    if (ctx->pm) wp_counter_add(wp_metric_with(ctx->pm->custom_counter, (const char *[]){ctx->name, nm}), n);
}

static void svc_gauge_set(wp_plugin_ctx *ctx, const char *name, double value)
{
    char nm[64];
    metric_name(nm, name);
    if (ctx->pm) wp_gauge_set(wp_metric_with(ctx->pm->custom_gauge, (const char *[]){ctx->name, nm}), value);
}

static int64_t svc_remaining_ms(wp_plugin_ctx *ctx)
{
    if (tl_inst != ctx || !tl_deadline_ns) return -1;
    int64_t left = tl_deadline_ns - wp_plugin_now_ns();
    return left > 0 ? left / 1000000 : 0;
}

/* Each block carries its size in front so free can uncount it. */
typedef union {
    size_t size;
    max_align_t align;
} alloc_header;

static void *svc_alloc(wp_plugin_ctx *ctx, size_t size)
{
    if (size > SIZE_MAX - sizeof(alloc_header)) return NULL;
    alloc_header *h = malloc(sizeof *h + size);
    if (!h) return NULL;
    h->size = size;
    long long now = atomic_fetch_add(&ctx->memory_bytes, (long long)size) + (long long)size;
    wp_gauge_set(ctx->memory, (double)now);
    return h + 1;
}

static void svc_free(wp_plugin_ctx *ctx, void *ptr)
{
    if (!ptr) return;
    alloc_header *h = (alloc_header *)ptr - 1;
    long long now = atomic_fetch_sub(&ctx->memory_bytes, (long long)h->size) - (long long)h->size;
    wp_gauge_set(ctx->memory, (double)now);
    free(h);
}

static int svc_out_write(wp_plugin_out *out, const char *ptr, size_t len)
{
    if (!out || (len && !ptr) || len > out->limit - out->sb.len) return -1;
    wp_sb_putn(&out->sb, ptr, len);
    return 0;
}

static const char *svc_instance_name(wp_plugin_ctx *ctx)
{
    return ctx->name;
}

const wp_plugin_services wp_plugin_services_table = {
    .struct_size = sizeof(wp_plugin_services),
    .abi_major = WP_PLUGIN_ABI_MAJOR,
    .abi_minor = WP_PLUGIN_ABI_MINOR,
    .log = svc_log,
    .counter_add = svc_counter_add,
    .gauge_set = svc_gauge_set,
    .remaining_ms = svc_remaining_ms,
    .alloc = svc_alloc,
    .free = svc_free,
    .config_string = wp_plugin_conf_string,
    .config_int = wp_plugin_conf_int,
    .config_bool = wp_plugin_conf_bool,
    .config_duration_ms = wp_plugin_conf_duration_ms,
    .config_size = wp_plugin_conf_size,
    .config_count = wp_plugin_conf_count,
    .config_item = wp_plugin_conf_item,
    .out_write = svc_out_write,
    .instance_name = svc_instance_name,
};
