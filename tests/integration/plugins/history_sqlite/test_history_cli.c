/* warmpoolctl history: --db through history_sqlite.so (read-only), the
 * filters it sends, text and JSON output, and --server against an HTTP
 * server answering GET /history (the query string it gets). */
#include <check.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli/cli.h"
#include "controller/plugin/plugin_host.h"

static char tmp[64], db[128];

#define R1 "{\"time\":\"2026-12-06T04:00:00.100Z\",\"namespace\":\"a\",\"kind\":\"claim\",\"name\":\"c-1\",\"event\":\"claimed\",\"pool\":\"p\",\"claim\":\"c-1\",\"warm\":true,\"latencyMs\":12,\"id\":\"r1\"}"
#define R2 "{\"time\":\"2026-12-06T04:00:01.000Z\",\"namespace\":\"b\",\"kind\":\"sandbox\",\"name\":\"s-2\",\"event\":\"ready\",\"pool\":\"q\",\"sandbox\":\"s-2\",\"id\":\"r2\"}"

static void setup(void)
{
    snprintf(tmp, sizeof tmp, "/tmp/wp-history-cli-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(tmp));
    snprintf(db, sizeof db, "%s/h.db", tmp);
    char conf[512];
    snprintf(conf, sizeof conf,
             "{\"plugins\":[{\"name\":\"history\",\"kind\":\"history-store\",\"path\":\"%s/history_sqlite.so\","
             "\"config\":{\"path\":\"%s\",\"retention\":0}}]}", WP_PLUGIN_DIR, db);
    wp_plugin_error err;
    wp_plugin_host *h = wp_plugin_host_load_buffer(conf, strlen(conf), "test", NULL, NULL, &err);
    ck_assert_msg(h != NULL, "%s", err.message);
    const char *batch = "[" R1 "," R2 "]";
    ck_assert_int_eq(wp_plugin_host_history_append_batch(h, batch, strlen(batch), &err), WP_PLUGIN_OK);
    wp_plugin_host_free(h);
}

static void teardown(void)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", tmp);
    if (system(cmd) != 0) perror("rm");
}

/* Runs warmpoolctl with args; returns the exit code, *out and *err_text malloc'd. */
static int ctl(char **out, char **err_text, const char *const *args)
{
    char *argv[32] = {"warmpoolctl", "history"};
    int argc = 2;
    for (; args[argc - 2]; argc++) argv[argc] = (char *)args[argc - 2];
    size_t ol, el;
    FILE *o = open_memstream(out, &ol), *e = open_memstream(err_text, &el);
    int rc = wp_cli_main(argc, argv, o, e);
    fclose(o);
    fclose(e);
    return rc;
}

START_TEST(db_text_and_json_with_filters)
{
    char *out, *err;
    ck_assert_int_eq(ctl(&out, &err, (const char *[]){"--db", db, "--plugin", WP_PLUGIN_DIR "/history_sqlite.so", NULL}), 0);
    ck_assert_str_eq(out,
                     "TIME                     NAMESPACE        KIND     NAME                     EVENT     POOL             WARM  LATENCY\n"
                     "2026-12-06T04:00:00.100Z a                claim    c-1                      claimed   p                yes   12ms\n"
                     "2026-12-06T04:00:01.000Z b                sandbox  s-2                      ready     q                -     -\n");
    free(out), free(err);
    ck_assert_int_eq(ctl(&out, &err, (const char *[]){"--db", db, "--plugin", WP_PLUGIN_DIR "/history_sqlite.so",
                                                       "--claim", "c-1", "-n", "a", "--since", "2026-12-06T04:00:00Z",
                                                       "-o", "json", NULL}), 0);
    ck_assert_str_eq(out, "[" R1 "]\n");
    free(out), free(err);
    ck_assert_int_eq(ctl(&out, &err, (const char *[]){"--db", db, "--plugin", WP_PLUGIN_DIR "/history_sqlite.so",
                                                       "--since", "noon", NULL}), 1);
    ck_assert_msg(strstr(err, "filter: \"since\" must be an RFC 3339 time") != NULL, "%s", err);
    free(out), free(err);
}
END_TEST

START_TEST(usage_errors_exit_2)
{
    char *out, *err;
    ck_assert_int_eq(ctl(&out, &err, (const char *[]){NULL}), 2);
    ck_assert_msg(strstr(err, "give exactly one of --server and --db") != NULL, "%s", err);
    free(out), free(err);
    ck_assert_int_eq(ctl(&out, &err, (const char *[]){"--db", db, "--limit", "0", NULL}), 2);
    ck_assert_str_eq(err, "warmpoolctl history: --limit must be a positive integer, not \"0\"\n");
    free(out), free(err);
}
END_TEST

START_TEST(server_gets_history_with_the_filters_as_query_parameters)
{
    char port_file[128], body[128], log[128];
    snprintf(port_file, sizeof port_file, "%s/port", tmp);
    snprintf(body, sizeof body, "%s/body.json", tmp);
    snprintf(log, sizeof log, "%s/requests", tmp);
    FILE *f = fopen(body, "w");
    fputs("[" R2 "]", f);
    fclose(f);
    pid_t pid = fork();
    if (pid == 0) {
        execlp("python3", "python3", WP_HISTORY_SERVER, port_file, body, log, (char *)NULL);
        _exit(127);
    }
    int port = 0;
    for (int i = 0; i < 500 && !port; i++) {
        FILE *p = fopen(port_file, "r");
        if (p) {
            if (fscanf(p, "%d", &port) != 1) port = 0;
            fclose(p);
        }
        if (!port) usleep(10000);
    }
    ck_assert_int_ne(port, 0);
    char url[64];
    snprintf(url, sizeof url, "http://127.0.0.1:%d", port);
    char *out, *err;
    int rc = ctl(&out, &err, (const char *[]){"--server", url, "--pool", "q w", "--limit", "5", "-o", "json", NULL});
    kill(pid, SIGTERM);
    waitpid(pid, NULL, 0);
    ck_assert_msg(rc == 0, "%s", err);
    ck_assert_str_eq(out, "[" R2 "]\n");
    free(out), free(err);
    f = fopen(log, "r");
    char line[256] = "";
    ck_assert_ptr_nonnull(fgets(line, sizeof line, f));
    fclose(f);
    ck_assert_str_eq(line, "/history?pool=q%20w&limit=5\n");
}
END_TEST

int main(void)
{
    Suite *s = suite_create("history_cli");
    TCase *tc = tcase_create("history_cli");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, db_text_and_json_with_filters);
    tcase_add_test(tc, usage_errors_exit_2);
    tcase_add_test(tc, server_gets_history_with_the_filters_as_query_parameters);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
