/* history-sqlite's append: one transaction per batch (the host's batches
 * are up to 1000 records), INSERT OR IGNORE on the record id so a batch the
 * host redelivers after RETRY or a restart never duplicates, and retention
 * applied in the same transaction. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "history_sqlite.h"

static int64_t wall_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* A member as text for a column: NULL when absent or "" (optional members). */
static const char *member(const json_t *rec, const char *key)
{
    const char *s = json_string_value(json_object_get(rec, key));
    return s && s[0] ? s : NULL;
}

/* Why the record cannot be stored, or NULL. */
static const char *record_problem(const json_t *rec, int64_t *time_ms)
{
    if (!json_is_object(rec)) return "a record is not a JSON object";
    const char *t = member(rec, "time");
    if (!t) return "a record has no \"time\"";
    if (history_sqlite_parse_time(t, time_ms) != 0) return "a record's \"time\" is not RFC 3339";
    static const char *const required[] = {"namespace", "kind", "name", "event"};
    for (size_t i = 0; i < sizeof required / sizeof *required; i++)
        if (!member(rec, required[i])) return "a record lacks namespace, kind, name or event";
    json_t *id = json_object_get(rec, "id");
    if (id && !json_is_string(id)) return "a record's \"id\" is not a string";
    return NULL;
}

/* Stores one record; text[0..len) is its JSON exactly as the host sent it
 * (answered back by queries as is: nothing re-serialised). */
static int insert_one(history_sqlite *h, const json_t *rec, int64_t time_ms, const char *text, size_t len)
{
    sqlite3_stmt *st = h->insert;
    static const char *const cols[] = {"namespace", "kind", "name", "event", "pool", "claim", "sandbox"};
    sqlite3_bind_text(st, 1, member(rec, "id"), -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, time_ms);
    for (int i = 0; i < 7; i++) sqlite3_bind_text(st, 3 + i, member(rec, cols[i]), -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 10, text, (int)len, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

int history_sqlite_prune(history_sqlite *h, int64_t now_ms, wp_plugin_msg msg)
{
    char sql[160];
    if (h->retention_ms > 0) {
        snprintf(sql, sizeof sql, "DELETE FROM records WHERE time_ms < %lld", (long long)(now_ms - h->retention_ms));
        if (sqlite3_exec(h->db, sql, NULL, NULL, NULL) != SQLITE_OK) return history_sqlite_error(h, "retention", msg);
    }
    /* seq grows with every insert, so the last max_records seqs are the
     * newest stored; O(log n) to find, O(deleted) to delete. */
    if (h->retention_count > 0) {
        snprintf(sql, sizeof sql, "DELETE FROM records WHERE seq <= (SELECT max(seq) FROM records) - %lld",
                 (long long)h->retention_count);
        if (sqlite3_exec(h->db, sql, NULL, NULL, NULL) != SQLITE_OK) return history_sqlite_error(h, "retention", msg);
    }
    return WP_PLUGIN_OK;
}

static const char *skip_space(const char *p, const char *end)
{
    while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')) p++;
    return p;
}

static int not_an_array(wp_plugin_msg msg, const char *why)
{
    snprintf(msg.ptr, msg.len, "records are not a JSON array: %s", why);
    return WP_PLUGIN_FAIL;
}

/* Walks the array one element at a time (jansson stops after each value
 * and says how many bytes it read), so each record's own bytes are stored.
 * Inserts every storable record; counts and logs the others (dropping one
 * bad record beats refusing the batch it came in). *n: records seen. */
static int insert_all(history_sqlite *h, wp_plugin_bytes records, size_t *n, wp_plugin_msg msg)
{
    const char *p = skip_space(records.ptr, records.ptr + records.len), *end = records.ptr + records.len;
    size_t rejected = 0;
    const char *why = NULL;
    if (p == end || *p != '[') return not_an_array(msg, "it does not start with [");
    p = skip_space(p + 1, end);
    for (*n = 0; p < end && *p != ']'; (*n)++) {
        json_error_t jerr;
        json_t *rec = json_loadb(p, (size_t)(end - p), JSON_DISABLE_EOF_CHECK | JSON_DECODE_ANY, &jerr);
        if (!rec) return not_an_array(msg, jerr.text);
        int64_t t;
        const char *problem = record_problem(rec, &t);
        int rc = problem ? SQLITE_OK : insert_one(h, rec, t, p, (size_t)jerr.position);
        json_decref(rec);
        if (rc != SQLITE_OK) return history_sqlite_error(h, "insert", msg);
        if (problem) rejected++, why = problem;
        p = skip_space(p + jerr.position, end);
        if (p < end && *p == ',') p = skip_space(p + 1, end);
        else if (p == end || *p != ']') return not_an_array(msg, "expected , or ] after a record");
    }
    if (p == end || skip_space(p + 1, end) != end) return not_an_array(msg, "it does not end with ]");
    if (rejected) {
        char line[200];
        snprintf(line, sizeof line, "dropped %zu unstorable record(s) of %zu: %s", rejected, *n, why);
        h->svc->log(h->ctx, WP_PLUGIN_LOG_WARN, line);
        h->svc->counter_add(h->ctx, "records_rejected", rejected);
    }
    return WP_PLUGIN_OK;
}

int history_sqlite_append(void *instance, wp_plugin_bytes records, wp_plugin_msg msg)
{
    history_sqlite *h = instance;
    if (h->read_only) {
        snprintf(msg.ptr, msg.len, "%s is open read-only", h->path);
        return WP_PLUGIN_FAIL;
    }
    int st;
    size_t n = 0;
    if (sqlite3_exec(h->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK) {
        st = history_sqlite_error(h, "begin", msg);
    } else if ((st = insert_all(h, records, &n, msg)) == WP_PLUGIN_OK &&
               (st = history_sqlite_prune(h, wall_ms(), msg)) == WP_PLUGIN_OK &&
               sqlite3_exec(h->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
        st = history_sqlite_error(h, "commit", msg);
    }
    if (st != WP_PLUGIN_OK) sqlite3_exec(h->db, "ROLLBACK", NULL, NULL, NULL);
    else h->svc->counter_add(h->ctx, "records_appended", n);
    return st;
}
