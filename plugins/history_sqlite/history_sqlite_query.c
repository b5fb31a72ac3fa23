/* history-sqlite's query: the ABI's filter object turned into one bound
 * SELECT (never text pasted into SQL), answered from the indexes, written
 * to the host's sink as a JSON array, oldest first. */
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "history_sqlite.h"

#define DEFAULT_LIMIT 1000

/* The string-valued filter members and their columns. */
static const char *const text_filters[] = {"namespace", "claim", "sandbox", "pool", "kind", "event"};
#define N_TEXT_FILTERS (sizeof text_filters / sizeof *text_filters)

typedef struct {
    const char *text[N_TEXT_FILTERS]; /* NULL: not filtered */
    int64_t since, until;             /* ms; since inclusive, until exclusive */
    int has_since, has_until;
    int64_t limit;
} query_filter;

static int refuse(wp_plugin_msg msg, const char *fmt, const char *what)
{
    snprintf(msg.ptr, msg.len, fmt, what);
    return WP_PLUGIN_FAIL;
}

static int parse_member(history_sqlite *h, const char *key, json_t *v, query_filter *f, wp_plugin_msg msg)
{
    for (size_t i = 0; i < N_TEXT_FILTERS; i++) {
        if (strcmp(key, text_filters[i]) != 0) continue;
        if (!json_is_string(v)) return refuse(msg, "filter: \"%s\" must be a string", key);
        f->text[i] = json_string_value(v);
        return WP_PLUGIN_OK;
    }
    if (strcmp(key, "since") == 0 || strcmp(key, "until") == 0) {
        int since = key[0] == 's';
        if (!json_is_string(v) || history_sqlite_parse_time(json_string_value(v), since ? &f->since : &f->until) != 0)
            return refuse(msg, "filter: \"%s\" must be an RFC 3339 time", key);
        *(since ? &f->has_since : &f->has_until) = 1;
        return WP_PLUGIN_OK;
    }
    if (strcmp(key, "limit") == 0) {
        if (!json_is_integer(v) || json_integer_value(v) < 1 || json_integer_value(v) > h->max_limit) {
            snprintf(msg.ptr, msg.len, "filter: \"limit\" must be an integer from 1 to %lld", (long long)h->max_limit);
            return WP_PLUGIN_FAIL;
        }
        f->limit = json_integer_value(v);
        return WP_PLUGIN_OK;
    }
    return refuse(msg, "filter: unknown member \"%.64s\"", key);
}

/* On OK, *owner holds the parsed filter f's strings point into (the caller
 * json_decrefs it). */
static int parse_filter(history_sqlite *h, wp_plugin_bytes filter, query_filter *f, json_t **owner,
                        wp_plugin_msg msg)
{
    *f = (query_filter){.limit = DEFAULT_LIMIT};
    json_error_t jerr;
    json_t *obj = filter.len ? json_loadb(filter.ptr, filter.len, 0, &jerr) : json_object();
    if (!json_is_object(obj)) {
        snprintf(msg.ptr, msg.len, "filter is not a JSON object: %s", obj ? "another JSON value" : jerr.text);
        json_decref(obj);
        return WP_PLUGIN_FAIL;
    }
    const char *key;
    json_t *v;
    int st = WP_PLUGIN_OK;
    json_object_foreach(obj, key, v) {
        if ((st = parse_member(h, key, v, f, msg)) != WP_PLUGIN_OK) break;
    }
    if (st != WP_PLUGIN_OK) json_decref(obj);
    else *owner = obj; /* f's strings point into it */
    return st;
}

/* "SELECT json FROM records WHERE namespace = ?1 AND ... ORDER BY ..." */
static void build_sql(const query_filter *f, char *sql, size_t len)
{
    size_t n = (size_t)snprintf(sql, len, "SELECT json FROM records WHERE 1");
    for (size_t i = 0; i < N_TEXT_FILTERS; i++)
        if (f->text[i]) n += (size_t)snprintf(sql + n, len - n, " AND %s = ?%zu", text_filters[i], i + 1);
    if (f->has_since) n += (size_t)snprintf(sql + n, len - n, " AND time_ms >= ?%zu", N_TEXT_FILTERS + 1);
    if (f->has_until) n += (size_t)snprintf(sql + n, len - n, " AND time_ms < ?%zu", N_TEXT_FILTERS + 2);
    snprintf(sql + n, len - n, " ORDER BY time_ms, seq LIMIT ?%zu", N_TEXT_FILTERS + 3);
}

static int write_rows(history_sqlite *h, sqlite3_stmt *st, wp_plugin_out *out, wp_plugin_msg msg)
{
    int rc, first = 1;
    if (h->svc->out_write(out, "[", 1) != 0) goto too_big;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        const char *row = (const char *)sqlite3_column_text(st, 0);
        if ((!first && h->svc->out_write(out, ",", 1) != 0) ||
            h->svc->out_write(out, row, (size_t)sqlite3_column_bytes(st, 0)) != 0)
            goto too_big;
        first = 0;
    }
    if (rc != SQLITE_DONE) return history_sqlite_error(h, "query", msg);
    if (h->svc->out_write(out, "]", 1) != 0) goto too_big;
    return WP_PLUGIN_OK;
too_big:
    snprintf(msg.ptr, msg.len, "the answer is larger than the host accepts; ask for a smaller limit");
    return WP_PLUGIN_FAIL;
}

int history_sqlite_query(void *instance, wp_plugin_bytes filter, wp_plugin_out *out, wp_plugin_msg msg)
{
    history_sqlite *h = instance;
    query_filter f;
    json_t *owner;
    int status = parse_filter(h, filter, &f, &owner, msg);
    if (status != WP_PLUGIN_OK) return status;
    char sql[512];
    build_sql(&f, sql, sizeof sql);
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(h->db, sql, -1, &st, NULL) != SQLITE_OK) {
        json_decref(owner);
        return history_sqlite_error(h, "query", msg);
    }
    for (size_t i = 0; i < N_TEXT_FILTERS; i++)
        if (f.text[i]) sqlite3_bind_text(st, (int)i + 1, f.text[i], -1, SQLITE_STATIC);
    if (f.has_since) sqlite3_bind_int64(st, N_TEXT_FILTERS + 1, f.since);
    if (f.has_until) sqlite3_bind_int64(st, N_TEXT_FILTERS + 2, f.until);
    sqlite3_bind_int64(st, N_TEXT_FILTERS + 3, f.limit);
    status = write_rows(h, st, out, msg);
    sqlite3_finalize(st);
    json_decref(owner);
    return status;
}
