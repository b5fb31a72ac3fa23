/* The plugin host against the fixture plugins: every refusal with its
 * exact message, containment of misbehaving calls, deadlines, quarantine,
 * backoff, retries, the digest cache, ABI compatibility and metrics.
 * ctest-labels: tsan */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/log.h"
#include "controller/plugin/plugin_host.h"
#include "controller/plugin/plugin_instance.h"
#include "controller/plugin/plugin_lib.h"

#define FX WP_FIXTURE_DIR "/"

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Loads a plugin configuration given as YAML; returns the host or NULL
 * with the message in err. */
static wp_plugin_host *load(wp_plugin_error *err, const wp_plugin_host_options *o, const char *yaml)
{
    return wp_plugin_host_load_buffer(yaml, strlen(yaml), "plugins.yaml", WP_FIXTURE_DIR, o, err);
}

/* The refusal message for one instance of `file` (kind hook). */
static const char *refusal(const char *file, const char *extra)
{
    static wp_plugin_error err;
    char yaml[1024];
    snprintf(yaml, sizeof yaml, "plugins:\n- name: x\n  kind: hook\n  path: %s\n%s", file, extra ? extra : "");
    wp_plugin_host *h = load(&err, NULL, yaml);
    ck_assert_msg(h == NULL, "%s loaded", file);
    return err.message;
}

#define ASSERT_REFUSED(file, extra, want) ck_assert_str_eq(refusal(file, extra), "plugin x (" FX file "): " want)

START_TEST(the_no_op_plugin_loads_and_answers_an_event)
{
    wp_plugin_error err;
    wp_plugin_host *h = load(&err, NULL, "plugins:\n- name: x\n  kind: hook\n  path: no_op.so\n");
    ck_assert_msg(h != NULL, "%s", err.message);
    ck_assert_uint_eq(wp_plugin_host_count(h, WP_PLUGIN_KIND_HOOK), 1);
    ck_assert_uint_eq(wp_plugin_host_hook(h, &(wp_plugin_host_event){.event = "ready"}, NULL, NULL), 1);
    ck_assert(wp_plugin_host_hook_drain(h, 5000));
    char digest[WP_PLUGIN_DIGEST_MAX];
    ck_assert_int_eq(wp_plugin_host_resolve_digest(h, "nginx", digest, &err), WP_PLUGIN_FAIL);
    ck_assert_int_eq(err.code, WP_PLUGIN_ERR_NONE_CONFIGURED);
    ck_assert_str_eq(err.message, "no digest-resolver plugin is configured");
    wp_plugin_host_free(h);
}
END_TEST

START_TEST(each_broken_library_is_refused_with_its_reason)
{
    ASSERT_REFUSED("not_elf.so", NULL, "not an ELF shared object");
    ASSERT_REFUSED("missing_entry.so", NULL,
                   "no entry point warmpool_plugin_entry in the library (export it with WP_PLUGIN_EXPORT)");
    ASSERT_REFUSED("entry_returns_null.so", NULL,
                   "warmpool_plugin_entry returned NULL (the plugin refused to load)");
    ASSERT_REFUSED("major_mismatch.so", NULL, "ABI 2.0 but this controller supports 1.0-1.1");
    ASSERT_REFUSED("newer_minor.so", NULL, "ABI 1.2 but this controller supports 1.0-1.1");
    char want[256];
    snprintf(want, sizeof want,
             "plugin x (" FX "garbage_size.so): descriptor struct_size 3735928559 is larger than any "
             "ABI 1.x descriptor (at most %zu bytes) while declaring 1.1",
             sizeof(wp_plugin_descriptor));
    ck_assert_str_eq(refusal("garbage_size.so", NULL), want);
    snprintf(want, sizeof want,
             "plugin x (" FX "struct_too_small.so): descriptor struct_size 24 is smaller than ABI "
             "1.0's (%zu bytes)",
             offsetof(wp_plugin_descriptor, health));
    ck_assert_str_eq(refusal("struct_too_small.so", NULL), want);
    ASSERT_REFUSED("bad_default.so", NULL, "config key \"port\": default \"eighty\" is not a valid int");
    ASSERT_REFUSED("create_fails.so", NULL, "create failed: fail: cannot open /nonexistent/store.db");
    ASSERT_REFUSED("nonexistent.so", NULL, "cannot open: No such file or directory");
    const char *pin = refusal("no_op.so", "  sha256: ABABABABABABABABABABABABABABABABABABABABABABABABABABABABABABABAB\n");
    ck_assert_msg(strncmp(pin, "plugin x (" FX "no_op.so): SHA-256 is ", strlen("plugin x (" FX "no_op.so): SHA-256 is ")) == 0, "%s", pin);
    ck_assert_msg(strstr(pin, "..., the configuration pins abababababababab...") != NULL, "%s", pin);
}
END_TEST

START_TEST(files_that_are_not_safe_to_load_are_refused)
{
    char dir[] = "/tmp/wp-plugin-XXXXXX";
    ck_assert_ptr_nonnull(mkdtemp(dir));
    char path[128], cmd[512], yaml[512];
    wp_plugin_error err;
    /* A FIFO must be refused without blocking on open. */
    snprintf(path, sizeof path, "%s/fifo.so", dir);
    ck_assert_int_eq(mkfifo(path, 0600), 0);
    snprintf(yaml, sizeof yaml, "plugins:\n- {name: x, kind: hook, path: %s}\n", path);
    ck_assert_ptr_null(load(&err, NULL, yaml));
    snprintf(cmd, sizeof cmd, "plugin x (%s): a FIFO, not a regular file", path);
    ck_assert_str_eq(err.message, cmd);
    /* A directory. */
    snprintf(yaml, sizeof yaml, "plugins:\n- {name: x, kind: hook, path: %s}\n", dir);
    ck_assert_ptr_null(load(&err, NULL, yaml));
    snprintf(cmd, sizeof cmd, "plugin x (%s): a directory, not a regular file", dir);
    ck_assert_str_eq(err.message, cmd);
    /* Group-writable. */
    snprintf(path, sizeof path, "%s/gw.so", dir);
    snprintf(cmd, sizeof cmd, "cp %sno_op.so %s && chmod 0775 %s", FX, path, path);
    ck_assert_int_eq(system(cmd), 0);
    snprintf(yaml, sizeof yaml, "plugins:\n- {name: x, kind: hook, path: %s}\n", path);
    ck_assert_ptr_null(load(&err, NULL, yaml));
    snprintf(cmd, sizeof cmd, "plugin x (%s): writable by group or others (mode 0775); chmod go-w it", path);
    ck_assert_str_eq(err.message, cmd);
    /* Owned by someone else (only root can arrange that). */
    if (geteuid() == 0) {
        ck_assert_int_eq(chmod(path, 0755), 0);
        ck_assert_int_eq(chown(path, 65534, 65534), 0);
        ck_assert_ptr_null(load(&err, NULL, yaml));
        snprintf(cmd, sizeof cmd, "plugin x (%s): owned by uid 65534, neither root nor this process (uid 0)", path);
        ck_assert_str_eq(err.message, cmd);
    }
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    ck_assert_int_eq(system(cmd), 0);
}
END_TEST

START_TEST(a_matching_sha256_pin_loads)
{
    char cmd[256], sum[65] = "";
    snprintf(cmd, sizeof cmd, "sha256sum %sno_op.so", FX);
    FILE *p = popen(cmd, "r");
    ck_assert_ptr_nonnull(p);
    ck_assert_int_eq(fscanf(p, "%64s", sum), 1);
    pclose(p);
    char yaml[512];
    snprintf(yaml, sizeof yaml, "plugins:\n- {name: x, kind: hook, path: no_op.so, sha256: %s}\n", sum);
    wp_plugin_error err;
    wp_plugin_host *h = load(&err, NULL, yaml);
    ck_assert_msg(h != NULL, "%s", err.message);
    wp_plugin_host_free(h);
}
END_TEST

START_TEST(the_configuration_file_is_checked_before_anything_loads)
{
    wp_plugin_error err;
    ck_assert_ptr_null(load(&err, NULL, "plugins:\n- {name: a, kind: hook, path: no_op.so}\n- {name: a, kind: hook, path: no_op.so}\n"));
    ck_assert_str_eq(err.message, "plugins.yaml: plugins[1].name: \"a\" is already the name of plugins[0]");
    ck_assert_ptr_null(load(&err, NULL, "plugins:\n- {name: a, kind: hooks, path: no_op.so}\n"));
    ck_assert_str_eq(err.message, "plugins.yaml: plugins[0].kind: \"hooks\" is not one of hook, digest-resolver, history-store");
    ck_assert_ptr_null(load(&err, NULL, "plugins:\n- {name: a, kind: hook, path: no_op.so, deadlin: 5s}\n"));
    ck_assert_str_eq(err.message, "plugins.yaml: plugins[0]: unknown key \"deadlin\" (known: name, kind, path, sha256, deadline, cacheTTL, workers, spool, isolation, config)");
    ck_assert_ptr_null(load(&err, NULL, "plugins:\n- {name: a, kind: hook, path: no_op.so, deadline: forever}\n"));
    ck_assert_str_eq(err.message, "plugins.yaml: plugins[0].deadline: \"forever\" is not a duration between 1ms and 10m");
    ck_assert_ptr_null(load(&err, NULL, "plugins:\n- {name: A_b, kind: hook, path: no_op.so}\n"));
    ck_assert_str_eq(err.message, "plugins.yaml: plugins[0].name: \"A_b\" is not a DNS-1123 label (lowercase letters, digits, '-'; at most 63)");
    ck_assert_ptr_null(load(&err, NULL, "plugins:\n- {name: a, kind: hook, path: no_op.so, sha256: abc}\n"));
    ck_assert_str_eq(err.message, "plugins.yaml: plugins[0].sha256: \"abc\" is not 64 hexadecimal digits");
    ck_assert_ptr_null(load(&err, NULL, "plugins:\n- {name: a, kind: digest-resolver, path: no_op.so}\n"));
    ck_assert_str_eq(err.message, "plugin a (" FX "no_op.so): the configuration says kind digest-resolver but the plugin is a hook");
    ck_assert_ptr_null(load(&err, NULL, "plugins: {a: 1}\n"));
    ck_assert_str_eq(err.message, "plugins.yaml: plugins must be a list, not a mapping");
    ck_assert_ptr_null(load(&err, NULL, "plugins: [\n"));
    ck_assert_int_eq(err.code, WP_PLUGIN_ERR_CONFIG);
}
END_TEST

START_TEST(two_files_claiming_one_plugin_name_are_refused)
{
    wp_plugin_error err;
    ck_assert_ptr_null(load(&err, NULL, "plugins:\n- {name: a, kind: hook, path: no_op.so}\n- {name: b, kind: hook, path: no_op_copy.so}\n"));
    ck_assert_str_eq(err.message, "plugin b (" FX "no_op_copy.so): plugin name \"no-op\" is already taken by " FX "no_op.so (instance a)");
    /* The same file behind two instances is fine. */
    wp_plugin_host *h = load(&err, NULL, "plugins:\n- {name: a, kind: hook, path: no_op.so}\n- {name: b, kind: hook, path: no_op.so}\n");
    ck_assert_msg(h != NULL, "%s", err.message);
    ck_assert_uint_eq(wp_plugin_host_count(h, WP_PLUGIN_KIND_HOOK), 2);
    wp_plugin_host_free(h);
}
END_TEST

START_TEST(config_is_validated_against_the_declared_keys_before_create)
{
    static const char *const head = "plugins:\n- name: f\n  kind: hook\n  path: flaky_hook.so\n  config:\n";
    struct {
        const char *config, *want;
    } cases[] = {
        {"    token: t\n    tokn: x\n", "unknown config key \"tokn\" (known: ok_on_attempt, labels, targets, token, max_size)"},
        {"    ok_on_attempt: 2\n", "missing required config key \"token\" (string: required, to test the refusal)"},
        {"    token: t\n    ok_on_attempt: two\n", "config key \"ok_on_attempt\": expected an int, got a string (two)"},
        {"    token: t\n    ok_on_attempt: 1.5\n", "config key \"ok_on_attempt\": expected an int, got a number (1.5)"},
        {"    token: t\n    labels: [a]\n", "config key \"labels\": expected a mapping, got a list"},
        {"    token: t\n    targets: {a: b}\n", "config key \"targets\": expected a list, got a mapping"},
        {"    token: t\n    targets: [a, [b]]\n", "config key \"targets\": item 1 is a list, expected a string or number"},
        {"    token: t\n    max_size: lots\n", "config key \"max_size\": expected a size, got a string (lots)"},
        {"    token: [t]\n", "config key \"token\": expected a string, got a list"},
        {"    token: t\n    ok_on_attempt: 0\n", "create failed: invalid_config: ok_on_attempt must be at least 1"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char yaml[512], want[512];
        snprintf(yaml, sizeof yaml, "%s%s", head, cases[i].config);
        wp_plugin_error err;
        ck_assert_ptr_null(load(&err, NULL, yaml));
        snprintf(want, sizeof want, "plugin f (" FX "flaky_hook.so): %s", cases[i].want);
        ck_assert_str_eq(err.message, want);
    }
}
END_TEST

/* ------------------------------------------------------------ calls on one instance */

static wp_plugin_instance *start(const char *file, const char *config_yaml, int64_t deadline_ms,
                                 const wp_plugin_metrics *pm, int threshold)
{
    wp_plugin_error err;
    wp_plugin_lib *lib = wp_plugin_lib_open("t", file, NULL, false, &err);
    ck_assert_msg(lib != NULL, "%s", err.message);
    json_t *config = config_yaml ? json_loads(config_yaml, 0, NULL) : NULL;
    wp_plugin_instance_spec spec = {.name = "t", .lib = lib, .config = config, .deadline_ms = deadline_ms,
                                    .metrics = pm, .failure_threshold = threshold, .backoff_base_ms = 200};
    wp_plugin_instance *inst = wp_plugin_instance_start(&spec, &err);
    json_decref(config);
    ck_assert_msg(inst != NULL, "%s", err.message);
    return inst;
}

static int event(wp_plugin_instance *inst, const char *name, unsigned attempt, wp_plugin_call *c)
{
    *c = (wp_plugin_call){.op = WP_PLUGIN_OP_HOOK, .event = name, .namespace_ = "ns", .sandbox = "sb-1",
                          .pod_ip = "10.0.0.1", .input = "{}", .input_len = 2, .attempt = attempt};
    return wp_plugin_instance_call(inst, c);
}

START_TEST(a_hung_call_times_out_on_time_and_quarantines_the_instance)
{
    wp_plugin_instance *inst = start(FX "hangs.so", "{\"sleep\":\"400ms\"}", 50, NULL, 0);
    wp_plugin_call c;
    int64_t t0 = now_ms();
    ck_assert_int_eq(event(inst, "ready", 1, &c), WP_PLUGIN_TIMEOUT);
    int64_t took = now_ms() - t0;
    ck_assert_msg(took >= 50 && took < 300, "took %lld ms", (long long)took); /* slack: shared CI cores */
    ck_assert_str_eq(c.message, "plugin t: event did not return within its 50 ms deadline; abandoned, instance quarantined until it returns");
    t0 = now_ms();
    ck_assert_int_eq(event(inst, "ready", 1, &c), WP_PLUGIN_TIMEOUT);
    ck_assert_int_lt(now_ms() - t0, 100); /* refused up front, not after a deadline */
    ck_assert_str_eq(c.message, "plugin t: quarantined: an earlier call is still running past its deadline");
    usleep(500 * 1000); /* the hung call returns; the quarantine lifts */
    ck_assert_int_eq(event(inst, "ready", 1, &c), WP_PLUGIN_TIMEOUT);
    ck_assert_str_eq(c.message, "plugin t: event did not return within its 50 ms deadline; abandoned, instance quarantined until it returns");
    usleep(500 * 1000);
    wp_plugin_instance_stop(inst);
}
END_TEST

START_TEST(a_create_that_hangs_is_refused_and_cleaned_up_when_it_returns)
{
    wp_plugin_error err;
    int64_t t0 = now_ms();
    ck_assert_ptr_null(load(&err, NULL, "plugins:\n- {name: h, kind: hook, path: hangs.so, deadline: 50ms, config: {sleep: 300ms, hang_in_create: true}}\n"));
    ck_assert_int_lt(now_ms() - t0, 280); /* well before the 300 ms hang ends */
    ck_assert_str_eq(err.message, "plugin h (" FX "hangs.so): create failed: create did not return within its 50 ms deadline; abandoned, instance quarantined until it returns");
    usleep(400 * 1000); /* the orphaned worker frees the instance (ASan checks for leaks) */
}
END_TEST

START_TEST(misbehaving_results_are_contained)
{
    wp_plugin_call c;
    wp_plugin_instance *inst = start(FX "bad_status.so", NULL, 1000, NULL, 0);
    ck_assert_int_eq(event(inst, "ready", 1, &c), WP_PLUGIN_FAIL);
    ck_assert_str_eq(c.message, "plugin t: event returned status 77, outside the ABI (0-2 or 4); treated as FAIL");
    wp_plugin_instance_stop(inst);

    inst = start(FX "msg_overrun.so", NULL, 1000, NULL, 0);
    ck_assert_int_eq(event(inst, "ready", 1, &c), WP_PLUGIN_FAIL);
    ck_assert_str_eq(c.message, "plugin t: wrote past the end of its 512-byte message buffer; result discarded");
    wp_plugin_instance_stop(inst);
}
END_TEST

START_TEST(a_plugin_built_against_abi_1_0_still_loads_and_works)
{
    wp_plugin_instance *inst = start(FX "old_abi.so", "{\"greeting\":\"hi\"}", 1000, NULL, 0);
    ck_assert_uint_eq(wp_plugin_instance_lib(inst)->desc.abi_minor, 0);
    ck_assert_ptr_null(wp_plugin_instance_lib(inst)->desc.health); /* beyond its size: absent */
    wp_plugin_call c;
    ck_assert_int_eq(event(inst, "ready", 1, &c), WP_PLUGIN_FAIL);
    ck_assert_str_eq(c.message, "plugin t: fail: hi sb-1");
    c = (wp_plugin_call){.op = WP_PLUGIN_OP_HEALTH};
    ck_assert_int_eq(wp_plugin_instance_call(inst, &c), WP_PLUGIN_OK);
    wp_plugin_instance_stop(inst);
}
END_TEST

START_TEST(consecutive_failures_back_the_instance_off)
{
    wp_metrics *m = wp_metrics_new();
    wp_plugin_metrics pm;
    ck_assert_int_eq(wp_plugin_metrics_register(&pm, m), 0);
    wp_plugin_instance *inst = start(FX "flaky_hook.so", "{\"token\":\"t\",\"ok_on_attempt\":100}", 1000, &pm, 2);
    wp_plugin_call c;
    ck_assert_int_eq(event(inst, "ready", 1, &c), WP_PLUGIN_RETRY);
    ck_assert_str_eq(c.message, "plugin t: retry: connection refused (attempt 1)");
    ck_assert_int_eq(event(inst, "ready", 2, &c), WP_PLUGIN_RETRY);
    ck_assert_int_eq(event(inst, "ready", 3, &c), WP_PLUGIN_RETRY);
    ck_assert_str_eq(c.message, "plugin t: backed off for 200 ms more after 2 consecutive failures");
    usleep(250 * 1000);
    ck_assert_int_eq(event(inst, "ready", 100, &c), WP_PLUGIN_OK);
    ck_assert_int_eq(event(inst, "ready", 1, &c), WP_PLUGIN_RETRY); /* the count was reset */
    ck_assert_int_eq(event(inst, "ready", 1, &c), WP_PLUGIN_RETRY);
    ck_assert_int_eq(event(inst, "ready", 1, &c), WP_PLUGIN_RETRY);
    ck_assert(strstr(c.message, "backed off") != NULL);
    size_t len;
    char *text = wp_metrics_render(m, &len);
    ck_assert_msg(strstr(text, "warmpool_plugin_calls_total{plugin=\"t\",kind=\"hook\",operation=\"event\",result=\"retry\"} 4\n"), "%s", text);
    ck_assert(strstr(text, "warmpool_plugin_calls_total{plugin=\"t\",kind=\"hook\",operation=\"event\",result=\"backoff\"} 2\n"));
    ck_assert(strstr(text, "warmpool_plugin_calls_total{plugin=\"t\",kind=\"hook\",operation=\"event\",result=\"ok\"} 1\n"));
    ck_assert(strstr(text, "warmpool_plugin_custom_total{plugin=\"t\",name=\"events\"} 5\n"));
    ck_assert(strstr(text, "warmpool_plugin_custom{plugin=\"t\",name=\"t\"} 1\n")); /* instance_name (1.1) */
    char mem[128];
    snprintf(mem, sizeof mem, "warmpool_plugin_memory_bytes{plugin=\"t\"} %zu\n", 3 * sizeof(void *) + 64);
    ck_assert_msg(strstr(text, mem), "%s", text); /* the plugin's alloc, counted */
    free(text);
    wp_plugin_instance_stop(inst);
    wp_metrics_free(m);
}
END_TEST

/* ------------------------------------------------------------ hooks through the host */

typedef struct {
    pthread_mutex_t mu;
    int n;
    int status[4];
    unsigned attempts[4];
    char message[4][256];
} outcomes;

static void record(void *arg, const char *instance, int status, const char *message, unsigned attempts)
{
    outcomes *o = arg;
    (void)instance;
    pthread_mutex_lock(&o->mu);
    if (o->n < 4) {
        o->status[o->n] = status;
        o->attempts[o->n] = attempts;
        snprintf(o->message[o->n], sizeof o->message[0], "%s", message);
        o->n++;
    }
    pthread_mutex_unlock(&o->mu);
}

START_TEST(hook_events_are_retried_within_the_deadline_and_reported)
{
    char logpath[] = "/tmp/wp-plugin-log-XXXXXX";
    int fd = mkstemp(logpath);
    ck_assert_int_ge(fd, 0);
    wp_log_set_fd(fd);
    wp_plugin_error err;
    wp_plugin_host *h = load(&err, NULL, "plugins:\n- {name: f, kind: hook, path: flaky_hook.so, deadline: 2s, config: {token: t, ok_on_attempt: 3}}\n");
    ck_assert_msg(h != NULL, "%s", err.message);
    outcomes o = {.mu = PTHREAD_MUTEX_INITIALIZER};
    int64_t t0 = now_ms();
    wp_plugin_host_event ev = {.event = "claimed", .namespace_ = "ns", .sandbox = "sb-1", .pod_ip = "10.0.0.1",
                               .claim = "c-1", .json = "{}", .json_len = 2};
    ck_assert_uint_eq(wp_plugin_host_hook(h, &ev, record, &o), 1);
    ck_assert_int_lt(now_ms() - t0, 100); /* asynchronous: not 2 attempts + 50 ms backoff */
    ck_assert(wp_plugin_host_hook_drain(h, 3000));
    ck_assert_int_eq(o.n, 1);
    ck_assert_int_eq(o.status[0], WP_PLUGIN_OK);
    ck_assert_uint_eq(o.attempts[0], 3);
    ev.event = "released";
    wp_plugin_host_hook(h, &ev, record, &o);
    ck_assert(wp_plugin_host_hook_drain(h, 3000));
    ck_assert_int_eq(o.status[1], WP_PLUGIN_FAIL);
    ck_assert_uint_eq(o.attempts[1], 1);
    ck_assert_str_eq(o.message[1], "plugin f: fail: HTTP 404 from 10.0.0.1");
    wp_plugin_host_free(h);
    wp_log_set_fd(2);
    char buf[4096] = "";
    ck_assert_int_gt(pread(fd, buf, sizeof buf - 1, 0), 0);
    close(fd);
    unlink(logpath);
    ck_assert_msg(strstr(buf, "\"msg\":\"claimed attempt 2 for ns/sb-1\",\"plugin\":\"f\""), "%s", buf);
}
END_TEST

START_TEST(a_hook_that_keeps_retrying_settles_at_its_deadline)
{
    wp_plugin_error err;
    wp_plugin_host *h = load(&err, NULL, "plugins:\n- {name: f, kind: hook, path: flaky_hook.so, deadline: 300ms, config: {token: t, ok_on_attempt: 1000}}\n");
    ck_assert_msg(h != NULL, "%s", err.message);
    outcomes o = {.mu = PTHREAD_MUTEX_INITIALIZER};
    int64_t t0 = now_ms();
    wp_plugin_host_hook(h, &(wp_plugin_host_event){.event = "ready"}, record, &o);
    ck_assert(wp_plugin_host_hook_drain(h, 3000));
    int64_t took = now_ms() - t0;
    ck_assert_msg(took < 800, "took %lld ms", (long long)took); /* the 300 ms deadline, with slack */
    ck_assert_int_eq(o.status[0], WP_PLUGIN_RETRY);
    ck_assert_uint_ge(o.attempts[0], 2); /* 50 and 100 ms backoffs fit in 300 ms (slack for slow builds) */
    wp_plugin_host_free(h);
}
END_TEST

typedef struct {
    pthread_mutex_t mu;
    int64_t t0, flaky_ms, hangs_ms;
} timings;

static void timed(void *arg, const char *instance, int status, const char *message, unsigned attempts)
{
    timings *t = arg;
    (void)status, (void)message, (void)attempts;
    pthread_mutex_lock(&t->mu);
    if (strcmp(instance, "f") == 0) t->flaky_ms = now_ms() - t->t0;
    else t->hangs_ms = now_ms() - t->t0;
    pthread_mutex_unlock(&t->mu);
}

START_TEST(a_hung_hook_does_not_hold_up_the_others)
{
    wp_plugin_error err;
    wp_plugin_host *h = load(&err, NULL,
                             "plugins:\n- {name: h, kind: hook, path: hangs.so, deadline: 400ms, config: {sleep: 600ms}}\n"
                             "- {name: f, kind: hook, path: flaky_hook.so, config: {token: t, ok_on_attempt: 1}}\n");
    ck_assert_msg(h != NULL, "%s", err.message);
    timings t = {.mu = PTHREAD_MUTEX_INITIALIZER, .t0 = now_ms()};
    ck_assert_uint_eq(wp_plugin_host_hook(h, &(wp_plugin_host_event){.event = "ready"}, timed, &t), 2);
    ck_assert(wp_plugin_host_hook_drain(h, 5000));
    ck_assert_msg(t.flaky_ms < 200, "flaky settled after %lld ms", (long long)t.flaky_ms);
    ck_assert_msg(t.hangs_ms >= 350, "hangs settled after %lld ms", (long long)t.hangs_ms); /* its 400 ms deadline */
    usleep(300 * 1000); /* let the hung call return before the host goes */
    wp_plugin_host_free(h);
}
END_TEST

/* ------------------------------------------------------------ digests and history */

START_TEST(digests_are_cached_and_malformed_ones_refused)
{
    wp_plugin_error err;
    wp_metrics *m = wp_metrics_new();
    wp_plugin_host_options o = {.metrics = m};
    wp_plugin_host *h = load(&err, &o, "plugins:\n- {name: r, kind: digest-resolver, path: resolver.so}\n");
    ck_assert_msg(h != NULL, "%s", err.message);
    char d[WP_PLUGIN_DIGEST_MAX];
    for (int i = 0; i < 3; i++) {
        ck_assert_int_eq(wp_plugin_host_resolve_digest(h, "nginx:1.27", d, &err), WP_PLUGIN_OK);
        ck_assert_str_eq(d, "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef");
    }
    ck_assert_int_eq(wp_plugin_host_resolve_digest(h, "missing:tag", d, &err), WP_PLUGIN_FAIL);
    ck_assert_str_eq(err.message, "plugin r: fail: manifest unknown");
    size_t len;
    char *text = wp_metrics_render(m, &len);
    ck_assert_msg(strstr(text, "operation=\"resolve\",result=\"ok\"} 1\n"), "%s", text);
    ck_assert(strstr(text, "warmpool_plugin_digest_cache_total{result=\"hit\"} 2\n"));
    ck_assert(strstr(text, "warmpool_plugin_digest_cache_total{result=\"miss\"} 2\n")); /* nginx once, missing:tag once */
    free(text);
    wp_plugin_host_free(h);

    h = load(&err, &o, "plugins:\n- {name: r, kind: digest-resolver, path: resolver.so, config: {digest: \"sha256:ABC\"}}\n");
    ck_assert_ptr_null(h); /* the registry already holds the families */
    wp_metrics_free(m);
    h = load(&err, NULL, "plugins:\n- {name: r, kind: digest-resolver, path: resolver.so, config: {digest: \"sha256:ABC\\n\"}}\n");
    ck_assert_msg(h != NULL, "%s", err.message);
    ck_assert_int_eq(wp_plugin_host_resolve_digest(h, "nginx", d, &err), WP_PLUGIN_FAIL);
    ck_assert_str_eq(err.message, "plugin r: returned a malformed digest \"sha256:ABC\\x0a\" for nginx (want \"sha256:\" and 64 lowercase hex digits)");
    wp_plugin_host_free(h);
}
END_TEST

START_TEST(digest_validity)
{
    ck_assert(wp_plugin_digest_valid("sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"));
    ck_assert(!wp_plugin_digest_valid("sha256:0123456789ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef"));
    ck_assert(!wp_plugin_digest_valid("sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcde"));
    ck_assert(!wp_plugin_digest_valid("sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0"));
    ck_assert(!wp_plugin_digest_valid("sha512:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"));
    ck_assert(!wp_plugin_digest_valid(""));
}
END_TEST

START_TEST(history_batches_and_queries_round_trip)
{
    wp_plugin_error err;
    wp_plugin_host *h = load(&err, NULL, "plugins:\n- {name: hs, kind: history-store, path: history_memory.so}\n");
    ck_assert_msg(h != NULL, "%s", err.message);
    const char *batch = "[{\"id\":\"1\",\"event\":\"claimed\"}]";
    ck_assert_int_eq(wp_plugin_host_history_append_batch(h, batch, strlen(batch), &err), WP_PLUGIN_OK);
    char *out;
    size_t len;
    ck_assert_int_eq(wp_plugin_host_history_query(h, "{}", 2, &out, &len, &err), WP_PLUGIN_OK);
    ck_assert_str_eq(out, batch);
    ck_assert_uint_eq(len, strlen(batch));
    free(out);
    wp_plugin_host_free(h);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("plugin_host");
    TCase *tc = tcase_create("host");
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, the_no_op_plugin_loads_and_answers_an_event);
    tcase_add_test(tc, each_broken_library_is_refused_with_its_reason);
    tcase_add_test(tc, files_that_are_not_safe_to_load_are_refused);
    tcase_add_test(tc, a_matching_sha256_pin_loads);
    tcase_add_test(tc, the_configuration_file_is_checked_before_anything_loads);
    tcase_add_test(tc, two_files_claiming_one_plugin_name_are_refused);
    tcase_add_test(tc, config_is_validated_against_the_declared_keys_before_create);
    tcase_add_test(tc, a_hung_call_times_out_on_time_and_quarantines_the_instance);
    tcase_add_test(tc, a_create_that_hangs_is_refused_and_cleaned_up_when_it_returns);
    tcase_add_test(tc, misbehaving_results_are_contained);
    tcase_add_test(tc, a_plugin_built_against_abi_1_0_still_loads_and_works);
    tcase_add_test(tc, consecutive_failures_back_the_instance_off);
    tcase_add_test(tc, hook_events_are_retried_within_the_deadline_and_reported);
    tcase_add_test(tc, a_hook_that_keeps_retrying_settles_at_its_deadline);
    tcase_add_test(tc, a_hung_hook_does_not_hold_up_the_others);
    tcase_add_test(tc, digests_are_cached_and_malformed_ones_refused);
    tcase_add_test(tc, digest_validity);
    tcase_add_test(tc, history_batches_and_queries_round_trip);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
