/* history-sqlite's config: the key table and reading it into an instance. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "history_sqlite.h"

const wp_plugin_config_key history_sqlite_keys[HISTORY_SQLITE_N_KEYS] = {
    {"path", WP_PLUGIN_CONFIG_STRING, NULL, "the SQLite database file (created if missing)", 1},
    {"retention", WP_PLUGIN_CONFIG_DURATION, "720h", "delete records older than this; 0: keep", 0},
    {"max_records", WP_PLUGIN_CONFIG_INT, "10000000", "keep at most this many records (oldest go first); 0: no limit", 0},
    {"busy_timeout", WP_PLUGIN_CONFIG_DURATION, "2s", "wait this long for a lock another process holds", 0},
    {"max_query_limit", WP_PLUGIN_CONFIG_INT, "100000", "the largest \"limit\" a query may ask for", 0},
    {"read_only", WP_PLUGIN_CONFIG_BOOL, "false", "open for queries only (never creates or writes the file)", 0},
};

static int invalid(wp_plugin_msg msg, const char *text)
{
    snprintf(msg.ptr, msg.len, "%s", text);
    return WP_PLUGIN_INVALID_CONFIG;
}

int history_sqlite_conf_load(history_sqlite *h, const wp_plugin_services *svc,
                             const wp_plugin_config *cfg, wp_plugin_msg msg)
{
    const char *path = svc->config_string(cfg, "path");
    if (!path || !path[0]) return invalid(msg, "path must name a file");
    svc->config_duration_ms(cfg, "retention", &h->retention_ms);
    svc->config_int(cfg, "max_records", &h->retention_count);
    svc->config_duration_ms(cfg, "busy_timeout", &h->busy_timeout_ms);
    svc->config_int(cfg, "max_query_limit", &h->max_limit);
    svc->config_bool(cfg, "read_only", &h->read_only);
    if (h->retention_ms < 0) return invalid(msg, "retention must not be negative");
    if (h->retention_count < 0) return invalid(msg, "max_records must not be negative");
    if (h->max_limit < 1) return invalid(msg, "max_query_limit must be at least 1");
    if (!(h->path = strdup(path))) return WP_PLUGIN_FAIL;
    return WP_PLUGIN_OK;
}
