/* kubeconfig loading: merging, contexts, data vs files, relative paths,
 * exec settings, in-cluster, resolution order, and the error messages. */
#include "testutil.h"

#include "common/base64.h"
#include "controller/kube/kubeconfig.h"

static char *dir;

static void setup(void)
{
    dir = tu_tempdir();
    unsetenv("KUBECONFIG");
    unsetenv("KUBERNETES_SERVICE_HOST");
    unsetenv("KUBERNETES_SERVICE_PORT");
    setenv("HOME", dir, 1);
}

static void teardown(void) { tu_rmrf(dir); }

static wp_kubeconfig *load_one(const char *path, const char *context, char *err, size_t n)
{
    const char *paths[] = {path};
    return wp_kubeconfig_load_files(paths, 1, context, err, n);
}

/* The two contexts "dev" (token, CA data) and "ops" (namespace, cert files). */
static const char *basic_config =
    "apiVersion: v1\n"
    "kind: Config\n"
    "current-context: dev\n"
    "clusters:\n"
    "- name: c1\n"
    "  cluster:\n"
    "    server: https://10.0.0.1:6443/\n"
    "    certificate-authority-data: LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCkNBCg==\n"
    "- name: c2\n"
    "  cluster:\n"
    "    server: 10.0.0.2:443\n"
    "    certificate-authority: pki/ca.pem\n"
    "users:\n"
    "- name: u1\n"
    "  user:\n"
    "    token: s3cret\n"
    "- name: u2\n"
    "  user:\n"
    "    client-certificate: pki/client.pem\n"
    "    client-key: pki/client.key\n"
    "    tokenFile: token\n"
    "contexts:\n"
    "- name: dev\n"
    "  context: {cluster: c1, user: u1}\n"
    "- name: ops\n"
    "  context: {cluster: c2, user: u2, namespace: sandboxes}\n";

static void write_pki(void)
{
    char pki[4200];
    snprintf(pki, sizeof pki, "%s/pki", dir);
    ck_assert_int_eq(mkdir(pki, 0700), 0);
    free(tu_write(dir, "pki/ca.pem", "CA FROM FILE\n", 0));
    free(tu_write(dir, "pki/client.pem", "CERT FROM FILE\n", 0));
    free(tu_write(dir, "pki/client.key", "KEY FROM FILE\n", 0));
    free(tu_write(dir, "token", "file-token\n", 0));
}

START_TEST(current_context_with_token_and_ca_data)
{
    char *path = tu_write(dir, "config", basic_config, 0), err[512];
    wp_kubeconfig *cfg = load_one(path, NULL, err, sizeof err);
    ck_assert_msg(cfg != NULL, "%s", err);
    ck_assert_str_eq(cfg->context, "dev");
    ck_assert_str_eq(cfg->server, "https://10.0.0.1:6443");
    ck_assert_str_eq(cfg->namespace, "default");
    ck_assert_str_eq(cfg->token, "s3cret");
    ck_assert_ptr_null(cfg->token_file);
    ck_assert_str_eq(cfg->ca_data, "-----BEGIN CERTIFICATE-----\nCA\n");
    ck_assert_uint_eq(cfg->ca_len, strlen("-----BEGIN CERTIFICATE-----\nCA\n"));
    ck_assert_ptr_null(cfg->ca_file);
    ck_assert_ptr_null(cfg->exec);
    ck_assert(!cfg->insecure_skip_tls_verify);
    ck_assert(!cfg->in_cluster);
    wp_kubeconfig_free(cfg);
    free(path);
}
END_TEST

START_TEST(explicit_context_reads_files_relative_to_the_kubeconfig)
{
    write_pki();
    char *path = tu_write(dir, "config", basic_config, 0), err[512], expect[4200];
    wp_kubeconfig *cfg = load_one(path, "ops", err, sizeof err);
    ck_assert_msg(cfg != NULL, "%s", err);
    ck_assert_str_eq(cfg->context, "ops");
    ck_assert_str_eq(cfg->server, "https://10.0.0.2:443"); /* no scheme: https */
    ck_assert_str_eq(cfg->namespace, "sandboxes");
    ck_assert_str_eq(cfg->ca_data, "CA FROM FILE\n");
    snprintf(expect, sizeof expect, "%s/pki/ca.pem", dir);
    ck_assert_str_eq(cfg->ca_file, expect);
    ck_assert_str_eq(cfg->cert_data, "CERT FROM FILE\n");
    ck_assert_str_eq(cfg->key_data, "KEY FROM FILE\n");
    snprintf(expect, sizeof expect, "%s/token", dir);
    ck_assert_str_eq(cfg->token_file, expect);
    ck_assert_ptr_null(cfg->token);

    wp_kubeconfig *copy = wp_kubeconfig_copy(cfg);
    wp_kubeconfig_free(cfg);
    ck_assert_str_eq(copy->key_data, "KEY FROM FILE\n");
    ck_assert_str_eq(copy->token_file, expect);
    ck_assert_str_eq(copy->source + strlen(copy->source) - 6, "config");
    wp_kubeconfig_free(copy);
    free(path);
}
END_TEST

START_TEST(unknown_context_names_the_file_and_the_contexts)
{
    char *path = tu_write(dir, "config", basic_config, 0), err[512], expect[4400];
    ck_assert_ptr_null(load_one(path, "prod", err, sizeof err));
    snprintf(expect, sizeof expect, "kubeconfig %s: context \"prod\" not found (have: dev, ops)", path);
    ck_assert_str_eq(err, expect);
    free(path);
}
END_TEST

START_TEST(missing_file_is_named)
{
    char err[512], expect[4400], path[4200];
    snprintf(path, sizeof path, "%s/nope", dir);
    ck_assert_ptr_null(load_one(path, NULL, err, sizeof err));
    snprintf(expect, sizeof expect, "kubeconfig %s: cannot open: No such file or directory", path);
    ck_assert_str_eq(err, expect);
}
END_TEST

/* Writes yaml to dir/name, loads it with context, and expects the message
 * "kubeconfig <path>: <message>" (a prefix when message ends with '*'). */
static void expect_load_error(const char *name, const char *yaml, const char *context, const char *message)
{
    char *path = tu_write(dir, name, yaml, 0), err[512], expect[4800];
    ck_assert_ptr_null(load_one(path, context, err, sizeof err));
    snprintf(expect, sizeof expect, "kubeconfig %s: %s", path, message);
    size_t n = strlen(expect);
    if (expect[n - 1] == '*')
        ck_assert_msg(strncmp(err, expect, n - 1) == 0, "%s", err);
    else
        ck_assert_str_eq(err, expect);
    free(path);
}

#define ONE_CLUSTER "clusters:\n- name: c\n  cluster: {server: 'https://h'}\n"
#define USER_CONTEXT "contexts:\n- name: x\n  context: {cluster: c, user: u}\ncurrent-context: x\n"

START_TEST(malformed_yaml_names_file_and_line)
{
    expect_load_error("config", "clusters:\n- name: a\n  cluster: {server: [x\n", NULL, "line *");
    expect_load_error("list", "- a\n- b\n", NULL, "not a kubeconfig: the top level is a list, expected a mapping");
    expect_load_error("badsec", "clusters: {a: b}\n", NULL, "clusters: expected a list, found a mapping");
    expect_load_error("noname", "users:\n- user: {token: x}\n", NULL, "users[0]: an entry needs a name");
    expect_load_error("badtype", ONE_CLUSTER "contexts:\n- name: x\n  context: {cluster: [c]}\n", "x",
                      "context \"x\": cluster must be a string, found a list");
}
END_TEST

START_TEST(broken_references_and_values)
{
    expect_load_error("a", "current-context: x\ncontexts:\n- name: x\n  context: {cluster: gone, user: u}\n", NULL,
                      "context \"x\" refers to cluster \"gone\", which is not defined");
    expect_load_error("a2", ONE_CLUSTER USER_CONTEXT, NULL,
                      "context \"x\" refers to user \"u\", which is not defined");
    const char *no_server = "clusters:\n- name: c\n  cluster: {}\ncontexts:\n- name: x\n  context: {cluster: c}\n";
    expect_load_error("b", no_server, "x", "cluster \"c\" has no server");
    expect_load_error("b", no_server, NULL, "no current-context is set; name a context (--context)");
    expect_load_error("c",
                      "clusters:\n- name: c\n  cluster: {server: 'https://h', insecure-skip-tls-verify: true,"
                      " certificate-authority-data: QQ==}\n"
                      "contexts:\n- name: x\n  context: {cluster: c}\ncurrent-context: x\n",
                      NULL, "cluster \"c\": a certificate authority together with insecure-skip-tls-verify is not "
                            "allowed");
    expect_load_error("d", ONE_CLUSTER "users:\n- name: u\n  user: {client-key-data: 'not base64!'}\n" USER_CONTEXT,
                      NULL, "user \"u\": client-key-data is not valid base64");
    expect_load_error("e", ONE_CLUSTER "users:\n- name: u\n  user: {auth-provider: {name: gcp}}\n" USER_CONTEXT, NULL,
                      "user \"u\": auth-provider plugins are not supported (use an exec credential plugin)");
    expect_load_error("f",
                      ONE_CLUSTER "users:\n- name: u\n  user: {client-certificate-data: QQ==, client-key: "
                                  "/nonexistent/key}\n" USER_CONTEXT,
                      NULL, "user \"u\": client-key /nonexistent/key: cannot open: No such file or directory");
    expect_load_error("g", ONE_CLUSTER "users:\n- name: u\n  user: {client-certificate-data: QQ==}\n" USER_CONTEXT,
                      NULL, "user \"u\": a client certificate needs a client key and vice versa");
    expect_load_error("h",
                      ONE_CLUSTER "users:\n- name: u\n  user: {token: t, exec: {apiVersion: "
                                  "client.authentication.k8s.io/v1, command: x}}\n" USER_CONTEXT,
                      NULL, "user \"u\": more than one authentication method (token and exec); only one is allowed");
    expect_load_error("i",
                      ONE_CLUSTER "users:\n- name: u\n  user:\n    exec: {apiVersion: client.authentication.k8s.io/v1,"
                                  " command: x, env: [{name: A}]}\n" USER_CONTEXT,
                      NULL, "user \"u\": exec env[0] needs a name and a value");
}
END_TEST

START_TEST(data_wins_over_file)
{
    char err[512];
    char *path = tu_write(dir, "config",
                          "clusters:\n- name: c\n  cluster:\n    server: https://h\n"
                          "    certificate-authority: /nonexistent\n    certificate-authority-data: QUJD\n"
                          "contexts:\n- name: x\n  context: {cluster: c}\ncurrent-context: x\n", 0);
    wp_kubeconfig *cfg = load_one(path, NULL, err, sizeof err);
    ck_assert_msg(cfg != NULL, "%s", err);
    ck_assert_str_eq(cfg->ca_data, "ABC");
    ck_assert_ptr_null(cfg->ca_file);
    wp_kubeconfig_free(cfg);
    free(path);
}
END_TEST

START_TEST(exec_settings_and_relative_command)
{
    char err[512], expect[4300];
    char *path = tu_write(dir, "config",
                          "clusters:\n- name: c\n  cluster: {server: https://h}\n"
                          "users:\n- name: u\n  user:\n    exec:\n"
                          "      apiVersion: client.authentication.k8s.io/v1\n"
                          "      command: ./bin/cred\n      args: [get, --quiet]\n"
                          "      env: [{name: A, value: '1'}, {name: B, value: two}]\n"
                          "      installHint: install cred\n      provideClusterInfo: true\n"
                          "contexts:\n- name: x\n  context: {cluster: c, user: u}\ncurrent-context: x\n", 0);
    wp_kubeconfig *cfg = load_one(path, NULL, err, sizeof err);
    ck_assert_msg(cfg != NULL, "%s", err);
    ck_assert_ptr_nonnull(cfg->exec);
    snprintf(expect, sizeof expect, "%s/./bin/cred", dir);
    ck_assert_str_eq(cfg->exec->command, expect);
    ck_assert_uint_eq(cfg->exec->n_args, 2);
    ck_assert_str_eq(cfg->exec->args[1], "--quiet");
    ck_assert_uint_eq(cfg->exec->n_env, 2);
    ck_assert_str_eq(cfg->exec->env[1].name, "B");
    ck_assert_str_eq(cfg->exec->env[1].value, "two");
    ck_assert_str_eq(cfg->exec->install_hint, "install cred");
    ck_assert(cfg->exec->provide_cluster_info);
    wp_kubeconfig *copy = wp_kubeconfig_copy(cfg);
    ck_assert_str_eq(copy->exec->env[0].value, "1");
    ck_assert_str_eq(copy->exec->args[0], "get");
    wp_kubeconfig_free(copy);
    wp_kubeconfig_free(cfg);
    free(path);

    /* a bare command name stays a PATH lookup */
    path = tu_write(dir, "config2",
                    "clusters:\n- name: c\n  cluster: {server: https://h}\n"
                    "users:\n- name: u\n  user:\n    exec: {apiVersion: client.authentication.k8s.io/v1beta1,"
                    " command: gke-gcloud-auth-plugin}\n"
                    "contexts:\n- name: x\n  context: {cluster: c, user: u}\ncurrent-context: x\n", 0);
    cfg = load_one(path, NULL, err, sizeof err);
    ck_assert_msg(cfg != NULL, "%s", err);
    ck_assert_str_eq(cfg->exec->command, "gke-gcloud-auth-plugin");
    wp_kubeconfig_free(cfg);
    free(path);

    expect_load_error("config3",
                      ONE_CLUSTER "users:\n- name: u\n  user:\n    exec: {apiVersion: "
                                  "client.authentication.k8s.io/v1alpha1, command: x}\n" USER_CONTEXT,
                      NULL, "user \"u\": exec plugin apiVersion \"client.authentication.k8s.io/v1alpha1\" is not "
                            "supported (use client.authentication.k8s.io/v1)");
}
END_TEST

/* kubectl: for each name the first file wins; current-context from the
 * first file that sets one; missing files are skipped. */
START_TEST(kubeconfig_env_merges_first_wins)
{
    char *a = tu_write(dir, "a",
                       "current-context: one\n"
                       "clusters:\n- name: shared\n  cluster: {server: https://from-a}\n"
                       "users:\n- name: ua\n  user: {token: ta}\n"
                       "contexts:\n- name: one\n  context: {cluster: shared, user: ua}\n", 0);
    char *b = tu_write(dir, "b",
                       "current-context: two\n"
                       "clusters:\n- name: shared\n  cluster: {server: https://from-b}\n"
                       "users:\n- name: ua\n  user: {token: tb}\n- name: ub\n  user: {token: only-b}\n"
                       "contexts:\n- name: one\n  context: {cluster: shared, user: ub}\n"
                       "- name: two\n  context: {cluster: shared, user: ub, namespace: nb}\n", 0);
    char list[9000], err[512];
    snprintf(list, sizeof list, "%s/missing:%s::%s", dir, a, b);
    setenv("KUBECONFIG", list, 1);
    wp_kubeconfig *cfg = wp_kubeconfig_load(NULL, err, sizeof err);
    ck_assert_msg(cfg != NULL, "%s", err);
    ck_assert_str_eq(cfg->context, "one");
    ck_assert_str_eq(cfg->server, "https://from-a");
    ck_assert_str_eq(cfg->token, "ta");
    char expect[9200];
    snprintf(expect, sizeof expect, "kubeconfig %s:%s", a, b);
    ck_assert_str_eq(cfg->source, expect);
    wp_kubeconfig_free(cfg);

    wp_kubeconfig_opts opts = {.context = "two"};
    cfg = wp_kubeconfig_load(&opts, err, sizeof err);
    ck_assert_msg(cfg != NULL, "%s", err);
    ck_assert_str_eq(cfg->server, "https://from-a"); /* cluster "shared" came from a */
    ck_assert_str_eq(cfg->token, "only-b");
    ck_assert_str_eq(cfg->namespace, "nb");
    wp_kubeconfig_free(cfg);

    snprintf(list, sizeof list, "%s/x:%s/y", dir, dir);
    setenv("KUBECONFIG", list, 1);
    ck_assert_ptr_null(wp_kubeconfig_load(NULL, err, sizeof err));
    snprintf(expect, sizeof expect, "kubeconfig: none of the files in KUBECONFIG (%s) exists", list);
    ck_assert_str_eq(err, expect);
    free(a);
    free(b);
}
END_TEST

static const char *one_context(const char *server)
{
    static char buf[512];
    snprintf(buf, sizeof buf,
             "clusters:\n- name: c\n  cluster: {server: %s}\ncontexts:\n- name: x\n  context: {cluster: c}\n"
             "current-context: x\n", server);
    return buf;
}

static void write_serviceaccount(const char *sa, const char *token, const char *ns)
{
    char path[4300];
    snprintf(path, sizeof path, "%s", sa);
    mkdir(path, 0700);
    if (token) {
        snprintf(path, sizeof path, "%s/token", sa);
        FILE *f = fopen(path, "w");
        fputs(token, f);
        fclose(f);
    }
    snprintf(path, sizeof path, "%s/ca.crt", sa);
    FILE *f = fopen(path, "w");
    fputs("SA CA\n", f);
    fclose(f);
    if (ns) {
        snprintf(path, sizeof path, "%s/namespace", sa);
        f = fopen(path, "w");
        fputs(ns, f);
        fclose(f);
    }
}

START_TEST(in_cluster_from_an_overridden_directory)
{
    char sa[4200], err[512], expect[4300];
    snprintf(sa, sizeof sa, "%s/sa", dir);
    write_serviceaccount(sa, "sa-token", "warmpool-system\n");
    setenv("KUBERNETES_SERVICE_HOST", "10.96.0.1", 1);
    setenv("KUBERNETES_SERVICE_PORT", "443", 1);
    wp_kubeconfig_opts opts = {.serviceaccount_dir = sa};
    wp_kubeconfig *cfg = wp_kubeconfig_load(&opts, err, sizeof err);
    ck_assert_msg(cfg != NULL, "%s", err);
    ck_assert(cfg->in_cluster);
    ck_assert_str_eq(cfg->server, "https://10.96.0.1:443");
    ck_assert_str_eq(cfg->namespace, "warmpool-system");
    ck_assert_str_eq(cfg->ca_data, "SA CA\n");
    snprintf(expect, sizeof expect, "%s/token", sa);
    ck_assert_str_eq(cfg->token_file, expect);
    ck_assert_ptr_null(cfg->token); /* read per request, so rotation is seen */
    wp_kubeconfig_free(cfg);

    setenv("KUBERNETES_SERVICE_HOST", "fd00::1", 1);
    cfg = wp_kubeconfig_in_cluster(sa, err, sizeof err);
    ck_assert_msg(cfg != NULL, "%s", err);
    ck_assert_str_eq(cfg->server, "https://[fd00::1]:443");
    wp_kubeconfig_free(cfg);
}
END_TEST

START_TEST(in_cluster_problems)
{
    char sa[4200], err[512], expect[4400];
    snprintf(sa, sizeof sa, "%s/sa", dir);
    write_serviceaccount(sa, NULL, NULL);
    ck_assert_ptr_null(wp_kubeconfig_in_cluster(sa, err, sizeof err));
    snprintf(expect, sizeof expect,
             "in-cluster %s: KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT must be set", sa);
    ck_assert_str_eq(err, expect);
    setenv("KUBERNETES_SERVICE_HOST", "10.96.0.1", 1);
    setenv("KUBERNETES_SERVICE_PORT", "443", 1);
    ck_assert_ptr_null(wp_kubeconfig_in_cluster(sa, err, sizeof err));
    snprintf(expect, sizeof expect, "in-cluster: service account token %s/token: cannot open: No such file or directory",
             sa);
    ck_assert_str_eq(err, expect);
    write_serviceaccount(sa, "t", NULL); /* no namespace file: "default" */
    wp_kubeconfig *cfg = wp_kubeconfig_in_cluster(sa, err, sizeof err);
    ck_assert_msg(cfg != NULL, "%s", err);
    ck_assert_str_eq(cfg->namespace, "default");
    wp_kubeconfig_free(cfg);
}
END_TEST

/* --kubeconfig, then $KUBECONFIG, then in-cluster, then ~/.kube/config. */
START_TEST(resolution_order)
{
    char err[512], sa[4200], kube[4200];
    snprintf(kube, sizeof kube, "%s/.kube", dir);
    mkdir(kube, 0700);
    free(tu_write(dir, ".kube/config", one_context("https://home"), 0));
    char *envfile = tu_write(dir, "envfile", one_context("https://env"), 0);
    char *flagfile = tu_write(dir, "flagfile", one_context("https://flag"), 0);
    snprintf(sa, sizeof sa, "%s/sa", dir);
    write_serviceaccount(sa, "t", NULL);

    wp_kubeconfig_opts opts = {.serviceaccount_dir = sa};
    wp_kubeconfig *cfg = wp_kubeconfig_load(&opts, err, sizeof err);
    ck_assert_msg(cfg != NULL, "%s", err);
    ck_assert_str_eq(cfg->server, "https://home");
    wp_kubeconfig_free(cfg);

    setenv("KUBERNETES_SERVICE_HOST", "10.96.0.1", 1);
    setenv("KUBERNETES_SERVICE_PORT", "443", 1);
    cfg = wp_kubeconfig_load(&opts, err, sizeof err);
    ck_assert_msg(cfg != NULL, "%s", err);
    ck_assert_str_eq(cfg->server, "https://10.96.0.1:443");
    wp_kubeconfig_free(cfg);

    setenv("KUBECONFIG", envfile, 1);
    cfg = wp_kubeconfig_load(&opts, err, sizeof err);
    ck_assert_msg(cfg != NULL, "%s", err);
    ck_assert_str_eq(cfg->server, "https://env");
    wp_kubeconfig_free(cfg);

    opts.kubeconfig = flagfile;
    cfg = wp_kubeconfig_load(&opts, err, sizeof err);
    ck_assert_msg(cfg != NULL, "%s", err);
    ck_assert_str_eq(cfg->server, "https://flag");
    wp_kubeconfig_free(cfg);
    free(envfile);
    free(flagfile);
}
END_TEST

START_TEST(nothing_configured)
{
    char err[512], expect[4400];
    ck_assert_ptr_null(wp_kubeconfig_load(NULL, err, sizeof err));
    snprintf(expect, sizeof expect,
             "no Kubernetes configuration: no --kubeconfig, KUBECONFIG is unset, not running in a cluster, and "
             "%s/.kube/config does not exist", dir);
    ck_assert_str_eq(err, expect);
}
END_TEST

START_TEST(empty_file_is_an_empty_config)
{
    char *empty = tu_write(dir, "empty", "# nothing here\n\n", 0);
    char *full = tu_write(dir, "full", one_context("https://full"), 0);
    const char *paths[] = {empty, full};
    char err[512];
    wp_kubeconfig *cfg = wp_kubeconfig_load_files(paths, 2, NULL, err, sizeof err);
    ck_assert_msg(cfg != NULL, "%s", err);
    ck_assert_str_eq(cfg->server, "https://full");
    wp_kubeconfig_free(cfg);
    free(empty);
    free(full);
}
END_TEST

START_TEST(parse_from_memory)
{
    char err[512];
    const char *text = "clusters:\n- name: c\n  cluster: {server: https://mem, certificate-authority: ca.pem}\n"
                       "contexts:\n- name: x\n  context: {cluster: c}\ncurrent-context: x\n";
    ck_assert_ptr_null(wp_kubeconfig_parse(text, strlen(text), "/etc/wp/kc", NULL, err, sizeof err));
    ck_assert_str_eq(err, "kubeconfig /etc/wp/kc: cluster \"c\": certificate-authority /etc/wp/ca.pem: cannot open: "
                          "No such file or directory");
    char name[4200];
    snprintf(name, sizeof name, "%s/kc", dir);
    free(tu_write(dir, "ca.pem", "MEM CA", 0));
    wp_kubeconfig *cfg = wp_kubeconfig_parse(text, strlen(text), name, NULL, err, sizeof err);
    ck_assert_msg(cfg != NULL, "%s", err);
    ck_assert_str_eq(cfg->server, "https://mem");
    ck_assert_str_eq(cfg->ca_data, "MEM CA");
    wp_kubeconfig_free(cfg);
    ck_assert_ptr_null(wp_kubeconfig_parse("a: [\0", 5, "nul", NULL, err, sizeof err));
}
END_TEST

START_TEST(base64_round_trip_and_rejects)
{
    size_t n;
    char *d = (char *)wp_base64_decode("aGVsbG8=", 8, &n);
    ck_assert_str_eq(d, "hello");
    ck_assert_uint_eq(n, 5);
    free(d);
    d = (char *)wp_base64_decode("aGVs\nbG8h", 9, &n);
    ck_assert_str_eq(d, "hello!");
    free(d);
    d = (char *)wp_base64_decode("aGk=", 4, &n);
    ck_assert_str_eq(d, "hi");
    free(d);
    ck_assert_ptr_null((char *)wp_base64_decode("aGVsbG8", 7, &n));   /* no padding */
    ck_assert_ptr_null((char *)wp_base64_decode("aG=k", 4, &n));      /* data after padding */
    ck_assert_ptr_null((char *)wp_base64_decode("a===", 4, &n));
    ck_assert_ptr_null((char *)wp_base64_decode("aGk*", 4, &n));
    unsigned char bin[256];
    for (int i = 0; i < 256; i++) bin[i] = (unsigned char)i;
    for (size_t len = 0; len < 8; len++) {
        char *e = wp_base64_encode_alloc(bin + 250 - len, len + 3);
        d = (char *)wp_base64_decode(e, strlen(e), &n);
        ck_assert_uint_eq(n, len + 3);
        ck_assert_mem_eq(d, bin + 250 - len, len + 3);
        free(d);
        free(e);
    }
}
END_TEST

int main(void)
{
    Suite *s = suite_create("kubeconfig");
    TCase *tc = tcase_create("load");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, current_context_with_token_and_ca_data);
    tcase_add_test(tc, explicit_context_reads_files_relative_to_the_kubeconfig);
    tcase_add_test(tc, unknown_context_names_the_file_and_the_contexts);
    tcase_add_test(tc, missing_file_is_named);
    tcase_add_test(tc, malformed_yaml_names_file_and_line);
    tcase_add_test(tc, broken_references_and_values);
    tcase_add_test(tc, data_wins_over_file);
    tcase_add_test(tc, exec_settings_and_relative_command);
    tcase_add_test(tc, kubeconfig_env_merges_first_wins);
    tcase_add_test(tc, in_cluster_from_an_overridden_directory);
    tcase_add_test(tc, in_cluster_problems);
    tcase_add_test(tc, resolution_order);
    tcase_add_test(tc, nothing_configured);
    tcase_add_test(tc, empty_file_is_an_empty_config);
    tcase_add_test(tc, parse_from_memory);
    tcase_add_test(tc, base64_round_trip_and_rejects);
    suite_add_tcase(s, tc);
    return tu_run(s);
}
