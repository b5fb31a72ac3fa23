/* history-sqlite: the embedded history store, one SQLite file in WAL mode.
 * Internal to the plugin; the ABI is include/warmpool/plugin.h. */
#ifndef WP_HISTORY_SQLITE_H
#define WP_HISTORY_SQLITE_H

#include <sqlite3.h>
#include <stdint.h>
#include <warmpool/plugin.h>

typedef struct {
    const wp_plugin_services *svc;
    wp_plugin_ctx *ctx;
    char *path;                /* the database file; owned */
    int read_only;             /* opened for queries only (warmpoolctl history --db) */
    int64_t retention_ms;      /* records older than this are deleted; 0: kept */
    int64_t retention_count;   /* at most this many records are kept; 0: no limit */
    int64_t busy_timeout_ms;   /* wait for a lock held by another connection */
    int64_t max_limit;         /* the largest "limit" a query may ask for */
    sqlite3 *db;
    sqlite3_stmt *insert;      /* prepared once (append) */
    int64_t last_prune_ms;     /* wall clock of the last retention pass */
} history_sqlite;

/* The declared config keys (history_sqlite_conf.c). */
#define HISTORY_SQLITE_N_KEYS 6
extern const wp_plugin_config_key history_sqlite_keys[HISTORY_SQLITE_N_KEYS];

/* Reads the validated config into h; INVALID_CONFIG with msg for values the
 * host's type check cannot catch. */
int history_sqlite_conf_load(history_sqlite *h, const wp_plugin_services *svc,
                             const wp_plugin_config *cfg, wp_plugin_msg msg);

/* The schema version this plugin writes (PRAGMA user_version). */
#define HISTORY_SQLITE_SCHEMA_VERSION 1

/* Opens h->path (creating it unless read-only), sets WAL mode and migrates
 * the schema to HISTORY_SQLITE_SCHEMA_VERSION. Refuses a file whose version
 * is newer than the plugin's. OK, or FAIL/RETRY with msg. */
int history_sqlite_open(history_sqlite *h, wp_plugin_msg msg);
void history_sqlite_close(history_sqlite *h);

/* The operations (history_sqlite_append.c, history_sqlite_query.c). */
int history_sqlite_append(void *instance, wp_plugin_bytes records, wp_plugin_msg msg);
int history_sqlite_query(void *instance, wp_plugin_bytes filter, wp_plugin_out *out, wp_plugin_msg msg);

/* Deletes records past the retention age and count. OK or RETRY/FAIL. */
int history_sqlite_prune(history_sqlite *h, int64_t now_ms, wp_plugin_msg msg);

/* Parses "2026-12-06T04:00:00.123Z" (RFC 3339; any fraction, Z or an
 * offset) to milliseconds since the epoch; 0 on success, -1 if malformed. */
int history_sqlite_parse_time(const char *s, int64_t *ms);

/* Maps an SQLite result code to a plugin status (BUSY/LOCKED/IOERR/FULL are
 * transient: RETRY) and writes "<what>: <sqlite message>" to msg. */
int history_sqlite_error(history_sqlite *h, const char *what, wp_plugin_msg msg);

#endif
