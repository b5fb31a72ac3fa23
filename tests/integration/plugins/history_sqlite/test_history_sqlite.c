/* history-sqlite loaded the way the controller loads it (the plugin
 * configuration file through wp_plugin_host_load_buffer), against a real
 * SQLite file: exact query answers for each filter, idempotent redelivery,
 * retention by age and count, WAL and the schema version on disk, a newer
 * schema refused, bad filters and bad records, read-only opening. */
#include <check.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "controller/plugin/plugin_host.h"

static char tmp[64], db_path[128];

static void setup(void)
{
    snprintf(tmp, sizeof tmp, "/tmp/wp-history-sqlite-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(tmp));
    snprintf(db_path, sizeof db_path, "%s/history.db", tmp);
}

static void teardown(void)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", tmp);
    if (system(cmd) != 0) perror("rm");
}

/* A host with one history-store instance "history"; extra: more config
 * keys (",\"k\":v"). NULL with err when loading failed. */
static wp_plugin_host *load(const char *extra, wp_plugin_error *err)
{
    char conf[1024];
    snprintf(conf, sizeof conf,
             "{\"plugins\":[{\"name\":\"history\",\"kind\":\"history-store\",\"path\":\"%s/history_sqlite.so\","
             "\"deadline\":\"10s\",\"config\":{\"path\":\"%s\"%s}}]}",
             WP_PLUGIN_DIR, db_path, extra ? extra : "");
    return wp_plugin_host_load_buffer(conf, strlen(conf), "test", NULL, NULL, err);
}

static wp_plugin_host *load_ok(const char *extra)
{
    wp_plugin_error err;
    wp_plugin_host *h = load(extra, &err);
    ck_assert_msg(h != NULL, "%s", err.message);
    return h;
}

static void append(wp_plugin_host *h, const char *records)
{
    wp_plugin_error err;
    ck_assert_msg(wp_plugin_host_history_append_batch(h, records, strlen(records), &err) == WP_PLUGIN_OK, "%s",
                  err.message);
}

/* The query's answer; caller frees. */
static char *query(wp_plugin_host *h, const char *filter)
{
    wp_plugin_error err;
    char *out = NULL;
    size_t len;
    ck_assert_msg(wp_plugin_host_history_query(h, filter, strlen(filter), &out, &len, &err) == WP_PLUGIN_OK, "%s",
                  err.message);
    ck_assert_uint_eq(strlen(out), len);
    return out;
}

static void assert_query(wp_plugin_host *h, const char *filter, const char *want)
{
    char *got = query(h, filter);
    ck_assert_str_eq(got, want);
    free(got);
}

#define R1 "{\"time\":\"2026-12-06T04:00:00.100Z\",\"namespace\":\"a\",\"kind\":\"claim\",\"name\":\"c-1\",\"event\":\"claimed\",\"pool\":\"p\",\"claim\":\"c-1\",\"sandbox\":\"s-1\",\"warm\":true,\"latencyMs\":12,\"id\":\"r1\"}"
#define R2 "{\"time\":\"2026-12-06T04:00:01.000Z\",\"namespace\":\"a\",\"kind\":\"sandbox\",\"name\":\"s-2\",\"event\":\"ready\",\"pool\":\"q\",\"sandbox\":\"s-2\",\"id\":\"r2\"}"
#define R3 "{\"time\":\"2026-12-06T05:00:00+01:00\",\"namespace\":\"b\",\"kind\":\"claim\",\"name\":\"c-1\",\"event\":\"released\",\"pool\":\"p\",\"claim\":\"c-1\",\"sandbox\":\"s-9\",\"future\":{\"x\":1},\"id\":\"r3\"}"
#define R4 "{\"time\":\"2026-12-06T04:00:02.000Z\",\"namespace\":\"a\",\"kind\":\"claim\",\"name\":\"c-1\",\"event\":\"released\",\"pool\":\"p\",\"claim\":\"c-1\",\"sandbox\":\"s-1\",\"id\":\"r4\"}"

START_TEST(answers_each_filter_with_the_matching_records_oldest_first)
{
    wp_plugin_host *h = load_ok(",\"retention\":0");
    append(h, "[" R4 "," R2 "]");
    append(h, "[" R1 "," R3 "]");
    /* R3 is 04:00:00Z (05:00 at +01:00): the oldest of all. */
    assert_query(h, "{}", "[" R3 "," R1 "," R2 "," R4 "]");
    assert_query(h, "{\"namespace\":\"a\",\"claim\":\"c-1\"}", "[" R1 "," R4 "]");
    assert_query(h, "{\"claim\":\"c-1\"}", "[" R3 "," R1 "," R4 "]");
    assert_query(h, "{\"sandbox\":\"s-2\"}", "[" R2 "]");
    assert_query(h, "{\"pool\":\"p\",\"limit\":2}", "[" R3 "," R1 "]");
    assert_query(h, "{\"since\":\"2026-12-06T04:00:00.100Z\",\"until\":\"2026-12-06T04:00:02Z\"}", "[" R1 "," R2 "]");
    assert_query(h, "{\"namespace\":\"zzz\"}", "[]");
    wp_plugin_host_free(h);
}
END_TEST

START_TEST(a_redelivered_batch_is_stored_once)
{
    wp_plugin_host *h = load_ok(",\"retention\":0");
    append(h, "[" R1 "," R2 "]");
    append(h, "[" R1 "," R2 "," R4 "]");
    wp_plugin_host_free(h);
    h = load_ok(",\"retention\":0"); /* and after a restart */
    append(h, "[" R4 "]");
    assert_query(h, "{}", "[" R1 "," R2 "," R4 "]");
    wp_plugin_host_free(h);
}
END_TEST

START_TEST(records_through_the_spool_reach_the_file)
{
    wp_plugin_host *h = load_ok(",\"retention\":0");
    wp_plugin_error err;
    const char *recs[] = {R1, R2};
    for (int i = 0; i < 2; i++)
        ck_assert_msg(wp_plugin_host_history_append(h, recs[i], strlen(recs[i]), &err) == WP_PLUGIN_OK, "%s", err.message);
    ck_assert(wp_plugin_host_history_drain(h, 5000));
    assert_query(h, "{}", "[" R1 "," R2 "]");
    wp_plugin_host_free(h);
}
END_TEST

START_TEST(retention_by_count_keeps_the_newest_stored)
{
    wp_plugin_host *h = load_ok(",\"retention\":0,\"max_records\":2");
    append(h, "[" R1 "," R2 "]");
    append(h, "[" R4 "]");
    assert_query(h, "{}", "[" R2 "," R4 "]");
    wp_plugin_host_free(h);
}
END_TEST

START_TEST(retention_by_age_drops_old_records)
{
    wp_plugin_host *h = load_ok(",\"retention\":\"1h\"");
    const char *old = "{\"time\":\"2020-01-01T00:00:00Z\",\"namespace\":\"a\",\"kind\":\"claim\",\"name\":\"c\","
                      "\"event\":\"claimed\",\"id\":\"old\"}";
    const char *fresh = "{\"time\":\"2999-01-01T00:00:00Z\",\"namespace\":\"a\",\"kind\":\"claim\",\"name\":\"c\","
                        "\"event\":\"claimed\",\"id\":\"new\"}";
    char batch[1024];
    snprintf(batch, sizeof batch, "[%s,%s]", old, fresh);
    append(h, batch);
    char want[512];
    snprintf(want, sizeof want, "[%s]", fresh);
    assert_query(h, "{}", want);
    wp_plugin_host_free(h);
}
END_TEST

/* Column col of the first row of sql on the file (created if missing). */
static void sql_text(const char *sql, int col, char *out, size_t len)
{
    sqlite3 *db;
    ck_assert_int_eq(sqlite3_open_v2(db_path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL), SQLITE_OK);
    sqlite3_stmt *st;
    ck_assert_int_eq(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
    int rc = sqlite3_step(st);
    snprintf(out, len, "%s", rc == SQLITE_ROW ? (const char *)sqlite3_column_text(st, col) : "");
    sqlite3_finalize(st);
    sqlite3_close(db);
}

START_TEST(the_file_is_wal_with_schema_version_1_and_query_indexes)
{
    wp_plugin_host *h = load_ok(NULL);
    wp_plugin_host_free(h);
    char v[64];
    sql_text("PRAGMA journal_mode", 0, v, sizeof v);
    ck_assert_str_eq(v, "wal");
    sql_text("PRAGMA user_version", 0, v, sizeof v);
    ck_assert_str_eq(v, "1");
    sql_text("EXPLAIN QUERY PLAN SELECT json FROM records WHERE claim = 'x' ORDER BY time_ms, seq", 3, v, sizeof v);
    ck_assert_msg(strstr(v, "records_claim") != NULL, "%s", v);
}
END_TEST

START_TEST(a_file_with_a_newer_schema_is_refused)
{
    char v[64];
    sql_text("PRAGMA user_version = 7", 0, v, sizeof v); /* sqlite creates the file */
    wp_plugin_error err;
    ck_assert_ptr_null(load(NULL, &err));
    char want[512];
    snprintf(want, sizeof want, "%s: schema version 7 is newer than this plugin's (1); upgrade the plugin", db_path);
    ck_assert_msg(strstr(err.message, want) != NULL, "%s", err.message);
}
END_TEST

START_TEST(bad_filters_fail_with_the_reason)
{
    wp_plugin_host *h = load_ok(NULL);
    static const char *const cases[][2] = {
        {"{\"color\":\"red\"}", "filter: unknown member \"color\""},
        {"{\"claim\":3}", "filter: \"claim\" must be a string"},
        {"{\"since\":\"yesterday\"}", "filter: \"since\" must be an RFC 3339 time"},
        {"{\"limit\":0}", "filter: \"limit\" must be an integer from 1 to 100000"},
        {"[1]", "filter is not a JSON object: another JSON value"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        wp_plugin_error err;
        char *out = NULL;
        size_t len;
        ck_assert_int_eq(wp_plugin_host_history_query(h, cases[i][0], strlen(cases[i][0]), &out, &len, &err),
                         WP_PLUGIN_FAIL);
        ck_assert_msg(strstr(err.message, cases[i][1]) != NULL, "%s: %s", cases[i][0], err.message);
        free(out);
    }
    wp_plugin_host_free(h);
}
END_TEST

START_TEST(unstorable_records_are_dropped_and_the_rest_kept)
{
    wp_plugin_host *h = load_ok(",\"retention\":0");
    append(h, "[" R1 ",{\"time\":\"noon\",\"namespace\":\"a\",\"kind\":\"claim\",\"name\":\"x\",\"event\":\"claimed\"},"
              "{\"namespace\":\"a\"},7]");
    assert_query(h, "{}", "[" R1 "]");
    wp_plugin_error err;
    ck_assert_int_eq(wp_plugin_host_history_append_batch(h, "{}", 2, &err), WP_PLUGIN_FAIL);
    ck_assert_msg(strstr(err.message, "records are not a JSON array") != NULL, "%s", err.message);
    wp_plugin_host_free(h);
}
END_TEST

START_TEST(read_only_queries_while_a_writer_has_the_file_open)
{
    wp_plugin_error err;
    ck_assert_ptr_null(load(",\"read_only\":true", &err)); /* no file yet: not created */
    ck_assert_msg(strstr(err.message, "unable to open database file") != NULL, "%s", err.message);
    ck_assert_int_ne(access(db_path, F_OK), 0);
    wp_plugin_host *w = load_ok(",\"retention\":0");
    append(w, "[" R1 "]");
    wp_plugin_host *r = load_ok(",\"read_only\":true");
    assert_query(r, "{\"claim\":\"c-1\"}", "[" R1 "]");
    ck_assert_int_eq(wp_plugin_host_history_append_batch(r, "[" R2 "]", strlen("[" R2 "]"), &err), WP_PLUGIN_FAIL);
    wp_plugin_host_free(r);
    wp_plugin_host_free(w);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("history_sqlite");
    TCase *tc = tcase_create("history_sqlite");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, answers_each_filter_with_the_matching_records_oldest_first);
    tcase_add_test(tc, a_redelivered_batch_is_stored_once);
    tcase_add_test(tc, records_through_the_spool_reach_the_file);
    tcase_add_test(tc, retention_by_count_keeps_the_newest_stored);
    tcase_add_test(tc, retention_by_age_drops_old_records);
    tcase_add_test(tc, the_file_is_wal_with_schema_version_1_and_query_indexes);
    tcase_add_test(tc, a_file_with_a_newer_schema_is_refused);
    tcase_add_test(tc, bad_filters_fail_with_the_reason);
    tcase_add_test(tc, unstorable_records_are_dropped_and_the_rest_kept);
    tcase_add_test(tc, read_only_queries_while_a_writer_has_the_file_open);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
