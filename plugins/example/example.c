/* example: the smallest useful warmpool plugin, for authors to copy.
 *
 * A post-start hook that logs every event through the controller's logger
 * and counts them. It builds out of tree against the installed header only:
 *
 *   cc -std=c99 -Wall -Wextra -shared -fPIC -fvisibility=hidden \
 *      $(pkg-config --cflags warmpool-plugin) example.c -o example.so
 *   warmpoolctl plugin check example.so
 *
 * See docs/plugins.md for the walk-through. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <warmpool/plugin.h>

/* One instance per `plugins:` entry that names this file. */
typedef struct {
    const wp_plugin_services *svc; /* host services: keep for later calls */
    wp_plugin_ctx *ctx;            /* pass back to every service */
    char greeting[64];
    char fail_on[32];              /* an event to answer FAIL for ("" = none) */
} example;

/* The config keys: the host validates the operator's config against this
 * table (unknown keys, types, required) before create is called. */
static const wp_plugin_config_key keys[] = {
    {"greeting", WP_PLUGIN_CONFIG_STRING, "hello", "word each log line starts with", 0},
    {"fail_on", WP_PLUGIN_CONFIG_STRING, "", "event to refuse with FAIL (ready, claimed, released)", 0},
};

static int create(const wp_plugin_services *svc, wp_plugin_ctx *ctx, const wp_plugin_config *cfg,
                  void **instance, wp_plugin_msg msg)
{
    example *e = svc->alloc(ctx, sizeof *e);
    if (!e) {
        snprintf(msg.ptr, msg.len, "out of memory");
        return WP_PLUGIN_FAIL;
    }
    e->svc = svc;
    e->ctx = ctx;
    snprintf(e->greeting, sizeof e->greeting, "%s", svc->config_string(cfg, "greeting"));
    snprintf(e->fail_on, sizeof e->fail_on, "%s", svc->config_string(cfg, "fail_on"));
    *instance = e;
    return WP_PLUGIN_OK;
}

static void destroy(void *instance)
{
    example *e = instance;
    e->svc->free(e->ctx, e);
}

/* Called on a host worker thread, never concurrently for one instance
 * (the descriptor does not claim THREAD_SAFE). */
static int on_event(void *instance, const wp_plugin_hook_event *ev, wp_plugin_msg msg)
{
    example *e = instance;
    char line[256];
    snprintf(line, sizeof line, "%s: %s %s/%s (pod %s, attempt %u)", e->greeting, ev->event,
             ev->namespace_, ev->sandbox, ev->pod_ip[0] ? ev->pod_ip : "-", ev->attempt);
    e->svc->log(e->ctx, WP_PLUGIN_LOG_INFO, line);
    e->svc->counter_add(e->ctx, ev->event, 1);
    if (strcmp(ev->event, e->fail_on) == 0) {
        snprintf(msg.ptr, msg.len, "configured to refuse %s events", ev->event);
        return WP_PLUGIN_FAIL;
    }
    return WP_PLUGIN_OK;
}

static int health(void *instance, wp_plugin_msg msg)
{
    (void)instance, (void)msg;
    return WP_PLUGIN_OK;
}

static const wp_plugin_hook_ops hook_ops = {
    .struct_size = sizeof hook_ops,
    .on_event = on_event,
};

static const wp_plugin_descriptor descriptor = {
    .struct_size = sizeof descriptor,
    .abi_major = WP_PLUGIN_ABI_MAJOR,
    .abi_minor = WP_PLUGIN_ABI_MINOR,
    .kind = WP_PLUGIN_KIND_HOOK,
    .flags = 0,
    .name = "example",
    .version = "1.0.0",
    .description = "logs every post-start hook event",
    .config_keys = keys,
    .n_config_keys = sizeof keys / sizeof keys[0],
    .config_key_size = sizeof keys[0],
    .create = create,
    .destroy = destroy,
    .hook = &hook_ops,
    .health = health,
};

/* The one exported symbol. */
WP_PLUGIN_EXPORT const wp_plugin_descriptor *WP_PLUGIN_ENTRY(uint32_t host_abi_major,
                                                            uint32_t host_abi_minor)
{
    (void)host_abi_major, (void)host_abi_minor;
    return &descriptor;
}
