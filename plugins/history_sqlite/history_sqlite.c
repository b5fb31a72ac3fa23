/* history-sqlite: the embedded history store. Records go to one SQLite
 * file in WAL mode (history_sqlite_schema.c), a batch per transaction with
 * idempotent inserts (history_sqlite_append.c); queries by namespace,
 * claim, sandbox, pool, kind, event and time range come from indexes
 * (history_sqlite_query.c). Not THREAD_SAFE: the host serializes calls on
 * an instance, which is what one SQLite writer wants anyway. */
#include <stdio.h>
#include <stdlib.h>

#include "history_sqlite.h"

static void destroy(void *instance)
{
    history_sqlite *h = instance;
    history_sqlite_close(h);
    free(h->path);
    free(h);
}

static int create(const wp_plugin_services *svc, wp_plugin_ctx *ctx, const wp_plugin_config *cfg,
                  void **instance, wp_plugin_msg msg)
{
    history_sqlite *h = calloc(1, sizeof *h);
    if (!h) return WP_PLUGIN_FAIL;
    h->svc = svc, h->ctx = ctx;
    int st = history_sqlite_conf_load(h, svc, cfg, msg);
    if (st == WP_PLUGIN_OK) st = history_sqlite_open(h, msg);
    if (st != WP_PLUGIN_OK) {
        destroy(h);
        return st;
    }
    *instance = h;
    return WP_PLUGIN_OK;
}

/* Ready when the file answers a read. */
static int health(void *instance, wp_plugin_msg msg)
{
    history_sqlite *h = instance;
    if (sqlite3_exec(h->db, "SELECT seq FROM records LIMIT 1", NULL, NULL, NULL) != SQLITE_OK)
        return history_sqlite_error(h, "health", msg);
    return WP_PLUGIN_OK;
}

static const wp_plugin_history_ops ops = {
    .struct_size = sizeof ops,
    .append = history_sqlite_append,
    .query = history_sqlite_query,
};

static const wp_plugin_descriptor descriptor = {
    .struct_size = sizeof descriptor,
    .abi_major = WP_PLUGIN_ABI_MAJOR,
    .abi_minor = WP_PLUGIN_ABI_MINOR,
    .kind = WP_PLUGIN_KIND_HISTORY,
    .flags = 0,
    .name = "history-sqlite",
    .version = "1.0.0",
    .description = "stores claim and sandbox history in an SQLite file (WAL) and answers queries",
    .config_keys = history_sqlite_keys,
    .n_config_keys = HISTORY_SQLITE_N_KEYS,
    .config_key_size = sizeof(wp_plugin_config_key),
    .create = create,
    .destroy = destroy,
    .history = &ops,
    .health = health,
};

WP_PLUGIN_EXPORT const wp_plugin_descriptor *WP_PLUGIN_ENTRY(uint32_t host_abi_major,
                                                            uint32_t host_abi_minor)
{
    (void)host_abi_major, (void)host_abi_minor;
    return &descriptor;
}
