/* history-sqlite's file: opening it, WAL mode, and the schema versions.
 *
 * PRAGMA user_version holds the schema version. migrations[v] takes a file
 * from version v to v+1; open runs the missing ones in one transaction, so
 * a file is never left half-migrated. A file from a newer plugin is refused
 * rather than guessed at. */
#include <stdio.h>
#include <string.h>

#include "history_sqlite.h"

/* Version 0 -> 1: the records table and its query indexes. seq orders
 * records that share a millisecond; id (the host's record id) is unique so
 * a redelivered record is ignored. Every indexed filter ends in time_ms so
 * a claim's records come out of the index already ordered. */
static const char *const migrations[HISTORY_SQLITE_SCHEMA_VERSION] = {
    "CREATE TABLE records ("
    " seq INTEGER PRIMARY KEY,"
    " id TEXT UNIQUE,"
    " time_ms INTEGER NOT NULL,"
    " namespace TEXT NOT NULL, kind TEXT NOT NULL, name TEXT NOT NULL, event TEXT NOT NULL,"
    " pool TEXT, claim TEXT, sandbox TEXT,"
    " json TEXT NOT NULL);"
    "CREATE INDEX records_time ON records(time_ms);"
    "CREATE INDEX records_namespace ON records(namespace, time_ms);"
    "CREATE INDEX records_claim ON records(claim, time_ms) WHERE claim IS NOT NULL;"
    "CREATE INDEX records_sandbox ON records(sandbox, time_ms) WHERE sandbox IS NOT NULL;"
    "CREATE INDEX records_pool ON records(pool, time_ms) WHERE pool IS NOT NULL;",
};

int history_sqlite_error(history_sqlite *h, const char *what, wp_plugin_msg msg)
{
    int code = h->db ? sqlite3_extended_errcode(h->db) & 0xff : SQLITE_CANTOPEN;
    snprintf(msg.ptr, msg.len, "%s: %s: %s", h->path, what, h->db ? sqlite3_errmsg(h->db) : "cannot open");
    switch (code) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
    case SQLITE_IOERR:
    case SQLITE_FULL:
        return WP_PLUGIN_RETRY;
    default:
        return WP_PLUGIN_FAIL;
    }
}

static int user_version(history_sqlite *h, int *out)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(h->db, "PRAGMA user_version", -1, &st, NULL) != SQLITE_OK) return -1;
    int rc = sqlite3_step(st);
    *out = rc == SQLITE_ROW ? sqlite3_column_int(st, 0) : 0;
    sqlite3_finalize(st);
    return rc == SQLITE_ROW ? 0 : -1;
}

/* Runs the migrations from `from` up, in one immediate transaction (so two
 * processes opening a new file do not both migrate it). */
static int migrate(history_sqlite *h, wp_plugin_msg msg)
{
    if (sqlite3_exec(h->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
        return history_sqlite_error(h, "begin migration", msg);
    int from;
    if (user_version(h, &from) != 0) goto fail;
    for (int v = from; v < HISTORY_SQLITE_SCHEMA_VERSION; v++)
        if (sqlite3_exec(h->db, migrations[v], NULL, NULL, NULL) != SQLITE_OK) goto fail;
    char set[64];
    snprintf(set, sizeof set, "PRAGMA user_version = %d", HISTORY_SQLITE_SCHEMA_VERSION);
    if (sqlite3_exec(h->db, set, NULL, NULL, NULL) != SQLITE_OK) goto fail;
    if (sqlite3_exec(h->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) goto fail;
    return WP_PLUGIN_OK;
fail:;
    int st = history_sqlite_error(h, "migrating the schema", msg);
    sqlite3_exec(h->db, "ROLLBACK", NULL, NULL, NULL);
    return st;
}

static int check_version(history_sqlite *h, wp_plugin_msg msg)
{
    int v;
    if (user_version(h, &v) != 0) return history_sqlite_error(h, "reading the schema version", msg);
    if (v > HISTORY_SQLITE_SCHEMA_VERSION) {
        snprintf(msg.ptr, msg.len, "%s: schema version %d is newer than this plugin's (%d); upgrade the plugin",
                 h->path, v, HISTORY_SQLITE_SCHEMA_VERSION);
        return WP_PLUGIN_FAIL;
    }
    if (v < HISTORY_SQLITE_SCHEMA_VERSION && h->read_only) {
        snprintf(msg.ptr, msg.len, "%s: schema version %d needs migrating to %d; open it read-write once",
                 h->path, v, HISTORY_SQLITE_SCHEMA_VERSION);
        return WP_PLUGIN_FAIL;
    }
    return v < HISTORY_SQLITE_SCHEMA_VERSION ? migrate(h, msg) : WP_PLUGIN_OK;
}

int history_sqlite_open(history_sqlite *h, wp_plugin_msg msg)
{
    int flags = h->read_only ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
    /* NOMUTEX: the host serializes calls on an instance (no THREAD_SAFE). */
    if (sqlite3_open_v2(h->path, &h->db, flags | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK)
        return history_sqlite_error(h, "open", msg);
    sqlite3_busy_timeout(h->db, (int)h->busy_timeout_ms);
    /* WAL: readers (warmpoolctl history --db) never block the writer.
     * synchronous=NORMAL is durable across a process crash in WAL mode; an
     * OS crash may lose the last commits, which the host's spool redelivers. */
    if (!h->read_only && (sqlite3_exec(h->db, "PRAGMA journal_mode=WAL", NULL, NULL, NULL) != SQLITE_OK ||
                          sqlite3_exec(h->db, "PRAGMA synchronous=NORMAL", NULL, NULL, NULL) != SQLITE_OK))
        return history_sqlite_error(h, "setting WAL mode", msg);
    /* 32 MiB of page cache: the indexes of a large file stay in memory. */
    sqlite3_exec(h->db, "PRAGMA cache_size=-32768", NULL, NULL, NULL);
    int st = check_version(h, msg);
    if (st != WP_PLUGIN_OK || h->read_only) return st;
    static const char insert[] =
        "INSERT OR IGNORE INTO records(id, time_ms, namespace, kind, name, event, pool, claim, sandbox, json)"
        " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)";
    if (sqlite3_prepare_v3(h->db, insert, -1, SQLITE_PREPARE_PERSISTENT, &h->insert, NULL) != SQLITE_OK)
        return history_sqlite_error(h, "preparing the insert", msg);
    return WP_PLUGIN_OK;
}

void history_sqlite_close(history_sqlite *h)
{
    sqlite3_finalize(h->insert);
    h->insert = NULL;
    sqlite3_close(h->db); /* a NULL db is a no-op */
    h->db = NULL;
}
