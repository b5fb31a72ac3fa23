/* Credentials: exec plugins (output, environment, caching until expiry,
 * re-run after a 401, failures), token files (re-read, rotation, last good
 * token kept) and static tokens. The plugins are small shell scripts that
 * count their invocations in a file. */
#include "testutil.h"

#include <jansson.h>

#include "controller/kube/kube_auth.h"
#include "controller/kube/kube_exec.h"
#include "controller/kube/kube_time.h"

static char *dir;

static void setup(void) { dir = tu_tempdir(); }
static void teardown(void) { tu_rmrf(dir); }

/* A plugin that appends a line to DIR/count per run, saves its
 * KUBERNETES_EXEC_INFO and prints an ExecCredential with `status`. */
static char *plugin(const char *status_json)
{
    char script[4096];
    snprintf(script, sizeof script,
             "#!/bin/sh\n"
             "echo run >> '%s/count'\n"
             "printf '%%s' \"$KUBERNETES_EXEC_INFO\" > '%s/info'\n"
             "cat <<EOF\n"
             "{\"apiVersion\":\"client.authentication.k8s.io/v1\",\"kind\":\"ExecCredential\",\"status\":%s}\n"
             "EOF\n",
             dir, dir, status_json);
    return tu_write(dir, "plugin.sh", script, 1);
}

static int runs(void)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/count", dir);
    char *text = tu_read(path);
    int n = 0;
    for (char *p = text; p && (p = strstr(p, "run")); p += 3) n++;
    free(text);
    return n;
}

/* A kubeconfig-equivalent struct using the plugin (fields borrowed). */
static wp_kubeconfig exec_config(wp_kube_exec_config *x, char *command)
{
    static char *args[] = {"--flag", "value"};
    memset(x, 0, sizeof *x);
    x->api_version = "client.authentication.k8s.io/v1";
    x->command = command;
    x->args = args;
    x->n_args = 2;
    wp_kubeconfig cfg = {0};
    cfg.server = "https://127.0.0.1:6443";
    cfg.exec = x;
    return cfg;
}

START_TEST(exec_token_is_cached_until_a_401)
{
    char *cmd = plugin("{\"token\":\"tok-1\"}");
    wp_kube_exec_config x;
    wp_kubeconfig cfg = exec_config(&x, cmd);
    wp_kube_auth *a = wp_kube_auth_new(&cfg, 60, 10);
    wp_kube_creds c1, c2, c3;
    char err[512];
    ck_assert_msg(wp_kube_auth_get(a, &c1, err, sizeof err) == 0, "%s", err);
    ck_assert_str_eq(c1.cred.token, "tok-1");
    ck_assert_ptr_null(c1.cred.cert_pem);
    ck_assert_int_eq(wp_kube_auth_get(a, &c2, err, sizeof err), 0);
    ck_assert_int_eq(runs(), 1); /* cached: no expiry given */
    ck_assert_uint_eq(c1.generation, c2.generation);

    /* a 401 with the current credential: the next get runs the plugin */
    wp_kube_auth_invalidate(a, c1.generation);
    ck_assert_int_eq(wp_kube_auth_get(a, &c3, err, sizeof err), 0);
    ck_assert_int_eq(runs(), 2);
    ck_assert_uint_ne(c3.generation, c1.generation);
    /* a late 401 from a request that used the old credential changes nothing */
    wp_kube_auth_invalidate(a, c2.generation);
    wp_kube_creds_clear(&c3);
    ck_assert_int_eq(wp_kube_auth_get(a, &c3, err, sizeof err), 0);
    ck_assert_int_eq(runs(), 2);
    wp_kube_creds_clear(&c1);
    wp_kube_creds_clear(&c2);
    wp_kube_creds_clear(&c3);
    wp_kube_auth_free(a);
    free(cmd);
}
END_TEST

START_TEST(exec_token_expiry_decides_reuse)
{
    char status[256], when[WP_KUBE_TIME_LEN];
    /* expires in 5 s: inside the refresh margin, so every get re-runs */
    wp_kube_time_format(wp_kube_wallclock() + 5, when);
    snprintf(status, sizeof status, "{\"token\":\"short\",\"expirationTimestamp\":\"%s\"}", when);
    char *cmd = plugin(status);
    wp_kube_exec_config x;
    wp_kubeconfig cfg = exec_config(&x, cmd);
    wp_kube_auth *a = wp_kube_auth_new(&cfg, 60, 10);
    wp_kube_creds c;
    char err[512];
    for (int i = 0; i < 3; i++) {
        ck_assert_msg(wp_kube_auth_get(a, &c, err, sizeof err) == 0, "%s", err);
        ck_assert_str_eq(c.cred.token, "short");
        wp_kube_creds_clear(&c);
    }
    ck_assert_int_eq(runs(), 3);
    wp_kube_auth_free(a);
    free(cmd);

    /* expires in an hour: one run serves every request */
    wp_kube_time_format(wp_kube_wallclock() + 3600, when);
    snprintf(status, sizeof status, "{\"token\":\"long\",\"expirationTimestamp\":\"%s\"}", when);
    cmd = plugin(status);
    cfg = exec_config(&x, cmd);
    a = wp_kube_auth_new(&cfg, 60, 10);
    for (int i = 0; i < 3; i++) {
        ck_assert_msg(wp_kube_auth_get(a, &c, err, sizeof err) == 0, "%s", err);
        ck_assert_str_eq(c.cred.token, "long");
        wp_kube_creds_clear(&c);
    }
    ck_assert_int_eq(runs(), 4);
    wp_kube_auth_free(a);
    free(cmd);
}
END_TEST

START_TEST(exec_environment_args_and_cluster_info)
{
    char script[4096];
    snprintf(script, sizeof script,
             "#!/bin/sh\n"
             "printf '%%s' \"$KUBERNETES_EXEC_INFO\" > '%s/info'\n"
             "echo '{\"apiVersion\":\"client.authentication.k8s.io/v1\",\"kind\":\"ExecCredential\","
             "\"status\":{\"token\":\"'\"$1-$2-$MY_VAR\"'\"}}'\n",
             dir);
    char *cmd = tu_write(dir, "plugin.sh", script, 1);
    wp_kube_exec_config x;
    wp_kubeconfig cfg = exec_config(&x, cmd);
    wp_kube_env_var env[] = {{"MY_VAR", "from-config"}};
    x.env = env;
    x.n_env = 1;
    x.provide_cluster_info = true;
    cfg.ca_data = "CA PEM";
    cfg.ca_len = 6;
    setenv("MY_VAR", "from-process", 1);
    wp_kube_exec_cluster cluster = {cfg.server, cfg.ca_data, cfg.ca_len, false};
    wp_kube_exec_cred cred;
    char err[512];
    ck_assert_msg(wp_kube_exec_run(&x, &cluster, 10, &cred, err, sizeof err) == 0, "%s", err);
    ck_assert_str_eq(cred.token, "--flag-value-from-config");
    ck_assert(cred.expires == 0);
    wp_kube_exec_cred_clear(&cred);

    char path[4200];
    snprintf(path, sizeof path, "%s/info", dir);
    char *info_text = tu_read(path);
    json_t *info = json_loads(info_text, 0, NULL);
    ck_assert_ptr_nonnull(info);
    ck_assert_str_eq(json_string_value(json_object_get(info, "apiVersion")), "client.authentication.k8s.io/v1");
    ck_assert_str_eq(json_string_value(json_object_get(info, "kind")), "ExecCredential");
    json_t *spec = json_object_get(info, "spec");
    ck_assert(json_is_false(json_object_get(spec, "interactive")));
    json_t *c = json_object_get(spec, "cluster");
    ck_assert_str_eq(json_string_value(json_object_get(c, "server")), "https://127.0.0.1:6443");
    ck_assert_str_eq(json_string_value(json_object_get(c, "certificate-authority-data")), "Q0EgUEVN");
    json_decref(info);
    free(info_text);
    free(cmd);
}
END_TEST

START_TEST(exec_client_certificate)
{
    char *cmd = plugin("{\"clientCertificateData\":\"CERT\",\"clientKeyData\":\"KEY\"}");
    wp_kube_exec_config x;
    wp_kubeconfig cfg = exec_config(&x, cmd);
    wp_kube_auth *a = wp_kube_auth_new(&cfg, 60, 10);
    wp_kube_creds c;
    char err[512];
    ck_assert_msg(wp_kube_auth_get(a, &c, err, sizeof err) == 0, "%s", err);
    ck_assert_ptr_null(c.cred.token);
    ck_assert_str_eq(c.cred.cert_pem, "CERT");
    ck_assert_str_eq(c.cred.key_pem, "KEY");
    wp_kube_creds_clear(&c);
    wp_kube_auth_free(a);
    free(cmd);
}
END_TEST

static void expect_run_error(const char *script_body, double timeout, const char *expect_suffix)
{
    char *cmd = tu_write(dir, "bad.sh", script_body, 1);
    wp_kube_exec_config x;
    exec_config(&x, cmd);
    wp_kube_exec_cred cred;
    char err[512], expect[4400];
    ck_assert_int_eq(wp_kube_exec_run(&x, NULL, timeout, &cred, err, sizeof err), -1);
    snprintf(expect, sizeof expect, "exec plugin %s: %s", cmd, expect_suffix);
    ck_assert_str_eq(err, expect);
    ck_assert_ptr_null(cred.token);
    free(cmd);
}

START_TEST(exec_failures_are_explained)
{
    expect_run_error("#!/bin/sh\necho 'token expired, run login' >&2\nexit 3\n", 10,
                     "exit status 3: token expired, run login");
    expect_run_error("#!/bin/sh\necho hello\n", 10, "output is not JSON: '[' or '{' expected near 'hello'");
    expect_run_error("#!/bin/sh\necho '{\"apiVersion\":\"client.authentication.k8s.io/v1beta1\","
                     "\"kind\":\"ExecCredential\",\"status\":{\"token\":\"x\"}}'\n",
                     10, "ExecCredential apiVersion \"client.authentication.k8s.io/v1beta1\" does not match the "
                         "configured \"client.authentication.k8s.io/v1\"");
    expect_run_error("#!/bin/sh\necho '{\"apiVersion\":\"client.authentication.k8s.io/v1\","
                     "\"kind\":\"ExecCredential\",\"status\":{}}'\n",
                     10, "ExecCredential status has neither a token nor a client certificate");
    expect_run_error("#!/bin/sh\necho '{\"apiVersion\":\"client.authentication.k8s.io/v1\","
                     "\"kind\":\"ExecCredential\",\"status\":{\"token\":\"x\",\"expirationTimestamp\":\"soon\"}}'\n",
                     10, "ExecCredential expirationTimestamp \"soon\" is not an RFC 3339 time");
    double t0 = wp_kube_monotonic();
    expect_run_error("#!/bin/sh\nexec sleep 30\n", 0.3, "no answer within 0.3 s; killed");
    ck_assert(wp_kube_monotonic() - t0 < 5);
}
END_TEST

START_TEST(exec_missing_command_shows_install_hint)
{
    wp_kube_exec_config x;
    char missing[4200];
    snprintf(missing, sizeof missing, "%s/does-not-exist", dir);
    exec_config(&x, missing);
    x.install_hint = "install it with: apt install cred-helper";
    wp_kube_exec_cred cred;
    char err[512], expect[4600];
    ck_assert_int_eq(wp_kube_exec_run(&x, NULL, 10, &cred, err, sizeof err), -1);
    snprintf(expect, sizeof expect,
             "exec plugin %s: cannot run: No such file or directory; install it with: apt install cred-helper",
             missing);
    ck_assert_str_eq(err, expect);
}
END_TEST

START_TEST(token_file_is_reread_after_a_period_or_a_401)
{
    char *path = tu_write(dir, "token", "first\n", 0);
    wp_kubeconfig cfg = {.server = "https://h", .token_file = path, .token = "static-ignored"};
    wp_kube_auth *a = wp_kube_auth_new(&cfg, 0.2, 10);
    wp_kube_creds c;
    char err[512];
    ck_assert_msg(wp_kube_auth_get(a, &c, err, sizeof err) == 0, "%s", err);
    ck_assert_str_eq(c.cred.token, "first"); /* the file wins; newline trimmed */
    unsigned long gen = c.generation;
    wp_kube_creds_clear(&c);

    free(tu_write(dir, "token", "second", 0)); /* rotated */
    ck_assert_int_eq(wp_kube_auth_get(a, &c, err, sizeof err), 0);
    ck_assert_str_eq(c.cred.token, "first"); /* not yet re-read */
    wp_kube_creds_clear(&c);
    wp_kube_auth_invalidate(a, gen);    /* a 401: re-read now */
    ck_assert_int_eq(wp_kube_auth_get(a, &c, err, sizeof err), 0);
    ck_assert_str_eq(c.cred.token, "second");
    wp_kube_creds_clear(&c);

    free(tu_write(dir, "token", "third", 0));
    wp_kube_sleep(0.3); /* the period passes */
    ck_assert_int_eq(wp_kube_auth_get(a, &c, err, sizeof err), 0);
    ck_assert_str_eq(c.cred.token, "third");
    wp_kube_creds_clear(&c);

    unlink(path); /* mid-rotation: keep the last good token */
    wp_kube_sleep(0.3);
    ck_assert_int_eq(wp_kube_auth_get(a, &c, err, sizeof err), 0);
    ck_assert_str_eq(c.cred.token, "third");
    wp_kube_creds_clear(&c);
    wp_kube_auth_free(a);

    a = wp_kube_auth_new(&cfg, 60, 10); /* never readable: an error */
    ck_assert_int_eq(wp_kube_auth_get(a, &c, err, sizeof err), -1);
    char expect[4400];
    snprintf(expect, sizeof expect, "token file %s: cannot open: No such file or directory", path);
    ck_assert_str_eq(err, expect);
    wp_kube_auth_free(a);
    free(path);
}
END_TEST

START_TEST(static_token_and_no_credentials)
{
    wp_kubeconfig cfg = {.server = "https://h", .token = "abc"};
    wp_kube_auth *a = wp_kube_auth_new(&cfg, 60, 10);
    wp_kube_creds c;
    char err[64];
    ck_assert_int_eq(wp_kube_auth_get(a, &c, err, sizeof err), 0);
    ck_assert_str_eq(c.cred.token, "abc");
    wp_kube_creds_clear(&c);
    wp_kube_auth_free(a);
    wp_kubeconfig none = {.server = "https://h"};
    a = wp_kube_auth_new(&none, 60, 10);
    ck_assert_int_eq(wp_kube_auth_get(a, &c, err, sizeof err), 0);
    ck_assert_ptr_null(c.cred.token);
    wp_kube_auth_free(a);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("auth");
    TCase *tc = tcase_create("credentials");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, exec_token_is_cached_until_a_401);
    tcase_add_test(tc, exec_token_expiry_decides_reuse);
    tcase_add_test(tc, exec_environment_args_and_cluster_info);
    tcase_add_test(tc, exec_client_certificate);
    tcase_add_test(tc, exec_failures_are_explained);
    tcase_add_test(tc, exec_missing_command_shows_install_hint);
    tcase_add_test(tc, token_file_is_reread_after_a_period_or_a_401);
    tcase_add_test(tc, static_token_and_no_credentials);
    suite_add_tcase(s, tc);
    return tu_run(s);
}
