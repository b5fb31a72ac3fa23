/* hook-http against a real HTTP(S) server on loopback (server.py): the
 * exact request (path, headers, body), retries on 5xx and connection
 * errors within the deadline, 4xx as permanent, TLS with a custom CA. */
#include <check.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "controller/plugin/plugin_instance.h"
#include "controller/plugin/plugin_lib.h"

static char tmp[64];
static pid_t server_pid;
static int server_port;

static void run(const char *cmd)
{
    ck_assert_msg(system(cmd) == 0, "%s", cmd);
}

static void start_server(const char *responses, bool tls)
{
    char port_file[128], log_file[128];
    snprintf(port_file, sizeof port_file, "%s/port", tmp);
    snprintf(log_file, sizeof log_file, "%s/log", tmp);
    unlink(port_file);
    unlink(log_file);
    server_pid = fork();
    ck_assert_int_ge(server_pid, 0);
    if (server_pid == 0) {
        char cert[128], key[128];
        snprintf(cert, sizeof cert, "%s/cert.pem", tmp);
        snprintf(key, sizeof key, "%s/key.pem", tmp);
        if (tls)
            execlp("python3", "python3", WP_HOOK_HTTP_SERVER, "--port-file", port_file, "--log", log_file,
                   "--responses", responses, "--cert", cert, "--key", key, (char *)NULL);
        else
            execlp("python3", "python3", WP_HOOK_HTTP_SERVER, "--port-file", port_file, "--log", log_file,
                   "--responses", responses, (char *)NULL);
        _exit(127);
    }
    for (int i = 0; i < 500; i++) {
        FILE *f = fopen(port_file, "r");
        if (f) {
            int ok = fscanf(f, "%d", &server_port);
            fclose(f);
            if (ok == 1) return;
        }
        usleep(10000);
    }
    ck_abort_msg("server.py did not start");
}

static void stop_server(void)
{
    kill(server_pid, SIGTERM);
    waitpid(server_pid, NULL, 0);
}

/* The requests the server saw, as a JSON array. */
static json_t *requests(void)
{
    char path[128];
    snprintf(path, sizeof path, "%s/log", tmp);
    json_t *all = json_array();
    FILE *f = fopen(path, "r");
    char line[8192];
    while (f && fgets(line, sizeof line, f)) json_array_append_new(all, json_loads(line, 0, NULL));
    if (f) fclose(f);
    return all;
}

static wp_plugin_instance *start(const char *config_fmt, int64_t deadline_ms)
{
    char config[1024];
    snprintf(config, sizeof config, config_fmt, server_port, tmp);
    wp_plugin_error err;
    wp_plugin_lib *lib = wp_plugin_lib_open("notify", WP_PLUGIN_DIR "/hook_http.so", NULL, false, &err);
    ck_assert_msg(lib != NULL, "%s", err.message);
    json_error_t jerr;
    json_t *cfg = json_loads(config, 0, &jerr);
    ck_assert_msg(cfg != NULL, "%s", jerr.text);
    wp_plugin_instance_spec spec = {.name = "notify", .lib = lib, .config = cfg, .deadline_ms = deadline_ms};
    wp_plugin_instance *inst = wp_plugin_instance_start(&spec, &err);
    json_decref(cfg);
    ck_assert_msg(inst != NULL, "%s", err.message);
    return inst;
}

static const char *const event_json = "{\"event\":\"ready\",\"sandbox\":{\"metadata\":{\"name\":\"sb-1\"}}}";

static int post(wp_plugin_instance *inst, wp_plugin_call *c)
{
    *c = (wp_plugin_call){.op = WP_PLUGIN_OP_HOOK, .event = "ready", .namespace_ = "ns", .sandbox = "sb-1",
                          .pod_ip = "127.0.0.1", .input = event_json, .input_len = strlen(event_json), .attempt = 1};
    return wp_plugin_instance_call(inst, c);
}

static void setup(void)
{
    snprintf(tmp, sizeof tmp, "/tmp/wp-hook-http-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(tmp));
}

static void teardown(void)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", tmp);
    if (system(cmd) != 0) perror("rm");
}

START_TEST(posts_the_event_with_its_headers_and_body)
{
    start_server("200", false);
    wp_plugin_instance *inst = start("{\"port\":%d,\"path\":\"/warm?x=1\",\"headers\":{\"Authorization\":\"Bearer s3cret\"}}", 5000);
    wp_plugin_call c;
    ck_assert_int_eq(post(inst, &c), WP_PLUGIN_OK);
    json_t *r = requests();
    ck_assert_uint_eq(json_array_size(r), 1);
    json_t *req = json_array_get(r, 0);
    ck_assert_str_eq(json_string_value(json_object_get(req, "path")), "/warm?x=1");
    ck_assert_str_eq(json_string_value(json_object_get(req, "body")), event_json);
    json_t *h = json_object_get(req, "headers");
    ck_assert_str_eq(json_string_value(json_object_get(h, "Content-Type")), "application/json");
    ck_assert_str_eq(json_string_value(json_object_get(h, "X-Warmpool-Event")), "ready");
    ck_assert_str_eq(json_string_value(json_object_get(h, "X-Warmpool-Attempt")), "1");
    ck_assert_str_eq(json_string_value(json_object_get(h, "Authorization")), "Bearer s3cret");
    json_decref(r);
    wp_plugin_instance_stop(inst);
    stop_server();
}
END_TEST

START_TEST(retries_5xx_then_succeeds)
{
    start_server("503,502,200", false);
    wp_plugin_instance *inst = start("{\"port\":%d,\"retry_backoff\":\"20ms\"}", 5000);
    wp_plugin_call c;
    ck_assert_int_eq(post(inst, &c), WP_PLUGIN_OK);
    json_t *r = requests();
    ck_assert_uint_eq(json_array_size(r), 3);
    json_decref(r);
    wp_plugin_instance_stop(inst);
    stop_server();
}
END_TEST

START_TEST(a_4xx_is_permanent_and_not_retried)
{
    start_server("404", false);
    wp_plugin_instance *inst = start("{\"port\":%d,\"path\":\"/hook\",\"retry_backoff\":\"20ms\"}", 5000);
    wp_plugin_call c;
    ck_assert_int_eq(post(inst, &c), WP_PLUGIN_FAIL);
    char want[256];
    snprintf(want, sizeof want, "plugin notify: fail: POST http://127.0.0.1:%d/hook: HTTP 404", server_port);
    ck_assert_str_eq(c.message, want);
    json_t *r = requests();
    ck_assert_uint_eq(json_array_size(r), 1);
    json_decref(r);
    wp_plugin_instance_stop(inst);
    stop_server();
}
END_TEST

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

START_TEST(keeps_retrying_5xx_until_the_deadline_then_answers_retry)
{
    start_server("500", false);
    wp_plugin_instance *inst = start("{\"port\":%d,\"retry_backoff\":\"20ms\"}", 400);
    wp_plugin_call c;
    int64_t t0 = now_ms();
    ck_assert_int_eq(post(inst, &c), WP_PLUGIN_RETRY);
    ck_assert_int_lt(now_ms() - t0, 450);
    json_t *r = requests();
    size_t n = json_array_size(r);
    json_decref(r);
    ck_assert_uint_ge(n, 3); /* 20 + 40 + 80 + 160 ms of backoff fit in 400 */
    char want[256];
    snprintf(want, sizeof want, "plugin notify: retry: POST http://127.0.0.1:%d/: HTTP 500 (after %zu attempts)", server_port, n);
    ck_assert_str_eq(c.message, want);
    wp_plugin_instance_stop(inst);
    stop_server();
}
END_TEST

START_TEST(connection_refused_is_retried_then_retry)
{
    start_server("200", false);
    stop_server(); /* the port is now closed */
    wp_plugin_instance *inst = start("{\"port\":%d,\"retry_backoff\":\"20ms\"}", 300);
    wp_plugin_call c;
    ck_assert_int_eq(post(inst, &c), WP_PLUGIN_RETRY);
    char want[128];
    snprintf(want, sizeof want, "plugin notify: retry: POST http://127.0.0.1:%d/: ", server_port);
    ck_assert_msg(strncmp(c.message, want, strlen(want)) == 0, "%s", c.message);
    ck_assert_msg(strstr(c.message, "onnect") != NULL, "%s", c.message);
    wp_plugin_instance_stop(inst);
}
END_TEST

START_TEST(https_with_a_custom_ca)
{
    char cmd[512];
    snprintf(cmd, sizeof cmd,
             "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1 "
             "-subj /CN=pod -addext subjectAltName=IP:127.0.0.1 -keyout %s/key.pem -out %s/cert.pem 2>/dev/null",
             tmp, tmp);
    run(cmd);
    start_server("200", true);
    wp_plugin_instance *inst = start("{\"port\":%d,\"scheme\":\"https\",\"ca_file\":\"%s/cert.pem\"}", 5000);
    wp_plugin_call c;
    ck_assert_msg(post(inst, &c) == WP_PLUGIN_OK, "%s", c.message);
    wp_plugin_instance_stop(inst);
    /* Without the CA the pod's certificate is not trusted. */
    inst = start("{\"port\":%d,\"scheme\":\"https\",\"retry_backoff\":\"20ms\"}", 5000);
    ck_assert_int_eq(post(inst, &c), WP_PLUGIN_FAIL); /* not retried: configuration */
    ck_assert_msg(strstr(c.message, "certificate") != NULL, "%s", c.message);
    wp_plugin_instance_stop(inst);
    json_t *r = requests();
    ck_assert_uint_eq(json_array_size(r), 1);
    json_decref(r);
    stop_server();
}
END_TEST

START_TEST(bad_config_values_are_refused_at_create)
{
    wp_plugin_error err;
    wp_plugin_lib *lib = wp_plugin_lib_open("notify", WP_PLUGIN_DIR "/hook_http.so", NULL, false, &err);
    ck_assert_ptr_nonnull(lib);
    json_t *cfg = json_pack("{s:{s:s}}", "headers", "X-Bad", "a\r\nInjected: 1");
    wp_plugin_instance_spec spec = {.name = "notify", .lib = lib, .config = cfg, .deadline_ms = 1000};
    ck_assert_ptr_null(wp_plugin_instance_start(&spec, &err));
    ck_assert_str_eq(err.message, "plugin notify (" WP_PLUGIN_DIR "/hook_http.so): create failed: invalid_config: headers: \"X-Bad\" is not a valid header name or its value has a line break");
    json_decref(cfg);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("hook_http");
    TCase *tc = tcase_create("http");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, posts_the_event_with_its_headers_and_body);
    tcase_add_test(tc, retries_5xx_then_succeeds);
    tcase_add_test(tc, a_4xx_is_permanent_and_not_retried);
    tcase_add_test(tc, keeps_retrying_5xx_until_the_deadline_then_answers_retry);
    tcase_add_test(tc, connection_refused_is_retried_then_retry);
    tcase_add_test(tc, https_with_a_custom_ca);
    tcase_add_test(tc, bad_config_values_are_refused_at_create);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
