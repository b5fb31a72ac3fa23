/* History records through the host's durable spool: nothing is lost when
 * the store is down or when the controller is killed between the state
 * change and the store's write; a torn last line is dropped; bad records
 * are refused.
 * ctest-labels: tsan */
#include <check.h>
#include <jansson.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "controller/plugin/plugin_host.h"

static char dir[64], store[128], down[140];

static void setup(void)
{
    snprintf(dir, sizeof dir, "/tmp/wp-history-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(dir));
    snprintf(store, sizeof store, "%s/store.jsonl", dir);
    snprintf(down, sizeof down, "%s.down", store);
}

static void teardown(void)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd) != 0) perror("rm");
}

static void touch(const char *path)
{
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fclose(f);
}

static wp_plugin_host *load(bool durable)
{
    char yaml[1024];
    snprintf(yaml, sizeof yaml,
             "plugins:\n- name: h\n  kind: history-store\n  path: history_file.so\n  deadline: 1s\n%s%s%s  config: {path: %s}\n",
             durable ? "  spool: " : "", durable ? dir : "", durable ? "/spool\n" : "", store);
    wp_plugin_error err;
    wp_plugin_host *h = wp_plugin_host_load_buffer(yaml, strlen(yaml), "plugins.yaml", WP_FIXTURE_DIR, NULL, &err);
    ck_assert_msg(h != NULL, "%s", err.message);
    return h;
}

/* The records the store holds, as a JSON array. */
static json_t *stored(void)
{
    json_t *all = json_array();
    FILE *f = fopen(store, "r");
    char line[4096];
    while (f && fgets(line, sizeof line, f)) {
        json_t *j = json_loads(line, 0, NULL);
        ck_assert_msg(j != NULL, "bad line %s", line);
        json_array_append_new(all, j);
    }
    if (f) fclose(f);
    return all;
}

static void append(wp_plugin_host *h, const char *record)
{
    wp_plugin_error err;
    ck_assert_msg(wp_plugin_host_history_append(h, record, strlen(record), &err) == WP_PLUGIN_OK, "%s", err.message);
}

START_TEST(records_reach_the_store_with_an_id)
{
    wp_plugin_host *h = load(true);
    append(h, "{\"namespace\":\"ns\",\"kind\":\"claim\",\"name\":\"c-1\",\"event\":\"claimed\"}");
    append(h, "{\"id\":\"mine\",\"namespace\":\"ns\",\"kind\":\"claim\",\"name\":\"c-1\",\"event\":\"released\"}");
    ck_assert(wp_plugin_host_history_drain(h, 5000));
    json_t *r = stored();
    ck_assert_uint_eq(json_array_size(r), 2);
    ck_assert_str_eq(json_string_value(json_object_get(json_array_get(r, 0), "event")), "claimed");
    ck_assert_uint_gt(strlen(json_string_value(json_object_get(json_array_get(r, 0), "id"))), 8);
    ck_assert_str_eq(json_string_value(json_object_get(json_array_get(r, 1), "id")), "mine");
    json_decref(r);
    wp_plugin_host_free(h);
}
END_TEST

START_TEST(a_store_outage_loses_nothing)
{
    touch(down);
    wp_plugin_host *h = load(false); /* even the memory-only buffer waits */
    for (int i = 0; i < 50; i++) {
        char rec[128];
        snprintf(rec, sizeof rec, "{\"name\":\"c-%d\",\"event\":\"claimed\"}", i);
        append(h, rec);
    }
    ck_assert(!wp_plugin_host_history_drain(h, 300));
    unlink(down);
    ck_assert(wp_plugin_host_history_drain(h, 10000));
    json_t *r = stored();
    ck_assert_uint_eq(json_array_size(r), 50);
    for (int i = 0; i < 50; i++) {
        char name[16];
        snprintf(name, sizeof name, "c-%d", i);
        ck_assert_str_eq(json_string_value(json_object_get(json_array_get(r, (size_t)i), "name")), name);
    }
    json_decref(r);
    wp_plugin_host_free(h);
}
END_TEST

START_TEST(records_survive_a_controller_killed_before_the_store_wrote_them)
{
    touch(down);
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        /* The "controller": records three state changes, then dies hard. */
        wp_plugin_host *h = load(true);
        for (int i = 0; i < 3; i++) {
            char rec[128];
            snprintf(rec, sizeof rec, "{\"name\":\"c-%d\",\"event\":\"claimed\"}", i);
            wp_plugin_error err;
            if (wp_plugin_host_history_append(h, rec, strlen(rec), &err) != WP_PLUGIN_OK) _exit(3);
        }
        kill(getpid(), SIGKILL);
    }
    int status;
    waitpid(pid, &status, 0);
    ck_assert(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
    json_t *r = stored();
    ck_assert_uint_eq(json_array_size(r), 0); /* the store never saw them */
    json_decref(r);
    unlink(down);
    wp_plugin_host *h = load(true); /* the restarted controller */
    ck_assert(wp_plugin_host_history_drain(h, 10000));
    r = stored();
    ck_assert_uint_eq(json_array_size(r), 3);
    ck_assert_str_eq(json_string_value(json_object_get(json_array_get(r, 2), "name")), "c-2");
    json_decref(r);
    wp_plugin_host_free(h);
    /* Delivered records are not delivered again on the next start. */
    h = load(true);
    ck_assert(wp_plugin_host_history_drain(h, 1000));
    wp_plugin_host_free(h);
    r = stored();
    ck_assert_uint_eq(json_array_size(r), 3);
    json_decref(r);
}
END_TEST

static void *append_50(void *arg)
{
    wp_plugin_host *h = arg;
    for (int i = 0; i < 50; i++) append(h, "{\"event\":\"ready\"}");
    return NULL;
}

START_TEST(concurrent_appends_share_syncs_and_lose_nothing)
{
    wp_plugin_host *h = load(true);
    pthread_t t[8];
    for (int i = 0; i < 8; i++) pthread_create(&t[i], NULL, append_50, h);
    for (int i = 0; i < 8; i++) pthread_join(t[i], NULL);
    ck_assert(wp_plugin_host_history_drain(h, 10000));
    wp_plugin_host_free(h);
    json_t *r = stored(), *ids = json_object();
    size_t i;
    json_t *rec;
    json_array_foreach(r, i, rec) json_object_set(ids, json_string_value(json_object_get(rec, "id")), json_true());
    ck_assert_uint_eq(json_array_size(r), 400);
    ck_assert_uint_eq(json_object_size(ids), 400); /* every id unique */
    json_decref(ids);
    json_decref(r);
}
END_TEST

START_TEST(a_torn_last_line_is_dropped)
{
    char spool[128], path[160];
    snprintf(spool, sizeof spool, "%s/spool", dir);
    ck_assert_int_eq(mkdir(spool, 0700), 0);
    snprintf(path, sizeof path, "%s/spool.jsonl", spool);
    FILE *f = fopen(path, "w");
    fputs("{\"id\":\"1\",\"name\":\"whole\"}\n{\"id\":\"2\",\"na", f);
    fclose(f);
    wp_plugin_host *h = load(true);
    ck_assert(wp_plugin_host_history_drain(h, 5000));
    json_t *r = stored();
    ck_assert_uint_eq(json_array_size(r), 1);
    ck_assert_str_eq(json_string_value(json_object_get(json_array_get(r, 0), "name")), "whole");
    json_decref(r);
    wp_plugin_host_free(h);
}
END_TEST

START_TEST(records_that_are_not_objects_are_refused)
{
    wp_plugin_host *h = load(true);
    wp_plugin_error err;
    ck_assert_int_eq(wp_plugin_host_history_append(h, "[1]", 3, &err), WP_PLUGIN_FAIL);
    ck_assert_str_eq(err.message, "history record must be a JSON object");
    ck_assert_int_eq(wp_plugin_host_history_append(h, "{\"a\":", 5, &err), WP_PLUGIN_FAIL);
    wp_plugin_host_free(h);
    /* No history store configured. */
    const char *yaml = "plugins: []\n";
    h = wp_plugin_host_load_buffer(yaml, strlen(yaml), "p", NULL, NULL, &err);
    ck_assert_ptr_nonnull(h);
    ck_assert_int_eq(wp_plugin_host_history_append(h, "{}", 2, &err), WP_PLUGIN_FAIL);
    ck_assert_str_eq(err.message, "no history-store plugin is configured");
    wp_plugin_host_free(h);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("history_spool");
    TCase *tc = tcase_create("spool");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, records_reach_the_store_with_an_id);
    tcase_add_test(tc, a_store_outage_loses_nothing);
    tcase_add_test(tc, records_survive_a_controller_killed_before_the_store_wrote_them);
    tcase_add_test(tc, concurrent_appends_share_syncs_and_lose_nothing);
    tcase_add_test(tc, a_torn_last_line_is_dropped);
    tcase_add_test(tc, records_that_are_not_objects_are_refused);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
