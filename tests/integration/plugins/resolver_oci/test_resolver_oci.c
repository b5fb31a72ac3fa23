/* digest-registry against a real registry: Debian's docker-registry
 * (distribution 2.8) on loopback, started by registry.py with images pushed
 * through its HTTP API. Plain HTTP only when listed insecure; TLS with a
 * custom CA; htpasswd (Basic) and token (Bearer: registry.py's token server
 * issues JWTs the registry verifies) auth from a Docker config file; each
 * manifest media type; a moved tag; exact failure messages. */
#include <check.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "controller/plugin/plugin_instance.h"
#include "controller/plugin/plugin_lib.h"

#define HEADERLESS_SHA "bafebd36189ad3688b7b3915ea55d461e0bfcfbdde11e54b0a123999fb6be50f"

static char tmp[64];
static int port;

static void run(const char *cmd)
{
    ck_assert_msg(system(cmd) == 0, "%s", cmd);
}

static void start_registry(const char *flags)
{
    char cmd[512];
    snprintf(cmd, sizeof cmd, "python3 -W ignore %s start %s %s", WP_REGISTRY_PY, tmp, flags);
    run(cmd);
    char path[128];
    snprintf(path, sizeof path, "%s/port", tmp);
    FILE *f = fopen(path, "r");
    ck_assert_ptr_nonnull(f);
    ck_assert_int_eq(fscanf(f, "%d", &port), 1);
    fclose(f);
}

/* Pushes an image (flavour: oci, docker, oci-index, docker-list) and
 * returns the digest the registry answered (static). */
static const char *push(const char *repo, const char *tag, const char *flavour, const char *seed)
{
    static char digest[128];
    char cmd[512];
    snprintf(cmd, sizeof cmd, "python3 -W ignore %s push %s %s %s %s %s", WP_REGISTRY_PY, tmp, repo, tag, flavour, seed);
    FILE *p = popen(cmd, "r");
    ck_assert_ptr_nonnull(p);
    ck_assert_ptr_nonnull(fgets(digest, sizeof digest, p));
    ck_assert_int_eq(pclose(p), 0);
    digest[strcspn(digest, "\n")] = '\0';
    ck_assert_uint_eq(strlen(digest), 71);
    return digest;
}

static void write_file(const char *name, const char *text)
{
    char path[128];
    snprintf(path, sizeof path, "%s/%s", tmp, name);
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fputs(text, f);
    fclose(f);
}

/* config_fmt may use %1$s for the temporary dir and %2$d for the port. */
static wp_plugin_instance *start(const char *config_fmt)
{
    char config[1024];
    snprintf(config, sizeof config, config_fmt, tmp, port);
    wp_plugin_error err;
    wp_plugin_lib *lib = wp_plugin_lib_open("digests", WP_PLUGIN_DIR "/resolver_oci.so", NULL, false, &err);
    ck_assert_msg(lib != NULL, "%s", err.message);
    json_error_t jerr;
    json_t *cfg = json_loads(config, 0, &jerr);
    ck_assert_msg(cfg != NULL, "%s: %s", config, jerr.text);
    wp_plugin_instance_spec spec = {.name = "digests", .lib = lib, .config = cfg, .deadline_ms = 10000, .workers = 2};
    wp_plugin_instance *inst = wp_plugin_instance_start(&spec, &err);
    json_decref(cfg);
    ck_assert_msg(inst != NULL, "%s", err.message);
    return inst;
}

/* Resolves "127.0.0.1:<port>/<image>" (or image as is when it has no '%'). */
static int resolve(wp_plugin_instance *inst, const char *image_fmt, wp_plugin_call *c)
{
    static char image[256];
    snprintf(image, sizeof image, image_fmt, port);
    *c = (wp_plugin_call){.op = WP_PLUGIN_OP_RESOLVE, .input = image, .input_len = strlen(image)};
    return wp_plugin_instance_call(inst, c);
}

static void assert_resolves(wp_plugin_instance *inst, const char *image_fmt, const char *want)
{
    wp_plugin_call c;
    ck_assert_msg(resolve(inst, image_fmt, &c) == WP_PLUGIN_OK, "%s", c.message);
    ck_assert_str_eq(c.digest, want);
}

static void assert_fails(wp_plugin_instance *inst, const char *image_fmt, int status, const char *want_fmt)
{
    wp_plugin_call c;
    ck_assert_int_eq(resolve(inst, image_fmt, &c), status);
    char want[512];
    snprintf(want, sizeof want, want_fmt, port);
    ck_assert_msg(strstr(c.message, want) != NULL, "got \"%s\", want \"%s\"", c.message, want);
}

static void setup(void)
{
    snprintf(tmp, sizeof tmp, "/tmp/wp-resolver-oci-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(tmp));
}

static void teardown(void)
{
    char cmd[256];
    snprintf(cmd, sizeof cmd, "python3 %s stop %s; rm -rf %s", WP_REGISTRY_PY, tmp, tmp);
    if (system(cmd) != 0) perror("stop");
}

static const char *const plain_config = "{\"insecure_registries\":[\"127.0.0.1:%2$d\"]}";

START_TEST(resolves_each_manifest_media_type_over_plain_http)
{
    start_registry("");
    char want[4][128];
    const char *flavours[] = {"oci", "docker", "oci-index", "docker-list"};
    for (int i = 0; i < 4; i++) snprintf(want[i], sizeof want[i], "%s", push("team/app", flavours[i], flavours[i], flavours[i]));
    wp_plugin_instance *inst = start(plain_config);
    assert_resolves(inst, "127.0.0.1:%d/team/app:oci", want[0]);
    assert_resolves(inst, "127.0.0.1:%d/team/app:docker", want[1]);
    assert_resolves(inst, "127.0.0.1:%d/team/app:oci-index", want[2]);
    assert_resolves(inst, "127.0.0.1:%d/team/app:docker-list", want[3]);
    wp_plugin_instance_stop(inst);
}
END_TEST

START_TEST(a_moved_tag_resolves_to_its_new_digest)
{
    start_registry("");
    char first[128];
    snprintf(first, sizeof first, "%s", push("app", "latest", "oci", "one"));
    wp_plugin_instance *inst = start(plain_config);
    assert_resolves(inst, "127.0.0.1:%d/app", first); /* no tag: latest */
    const char *second = push("app", "latest", "oci", "two");
    ck_assert_str_ne(first, second);
    assert_resolves(inst, "127.0.0.1:%d/app:latest", second);
    wp_plugin_instance_stop(inst);
}
END_TEST

START_TEST(missing_tags_and_bad_references_fail_with_the_reason)
{
    start_registry("");
    push("app", "v1", "docker", "x");
    wp_plugin_instance *inst = start(plain_config);
    assert_fails(inst, "127.0.0.1:%d/app:v2", WP_PLUGIN_FAIL,
                 "plugin digests: fail: 127.0.0.1:%d/app:v2: no such repository or tag (HTTP 404)");
    assert_fails(inst, "127.0.0.1:%d/App:v1", WP_PLUGIN_FAIL,
                 "\"127.0.0.1:%d/App:v1\": the repository name must be lowercase letters, digits and . _ - separated by /");
    assert_fails(inst, "127.0.0.1:%d/app@sha256:abc", WP_PLUGIN_FAIL,
                 "the digest after @ must be sha256: and 64 lowercase hex digits");
    wp_plugin_instance_stop(inst);
}
END_TEST

START_TEST(a_pinned_reference_is_answered_without_a_request)
{
    wp_plugin_instance *inst = start("{}");
    const char *d = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
    assert_resolves(inst, "nowhere.invalid/x:1@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", d);
    assert_resolves(inst, "nginx@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", d);
    wp_plugin_instance_stop(inst);
}
END_TEST

START_TEST(plain_http_only_for_registries_listed_insecure)
{
    start_registry("");
    push("app", "v1", "oci", "x");
    wp_plugin_instance *inst = start("{\"insecure_registries\":[\"127.0.0.1:1\"]}");
    /* https to a plain HTTP server: the TLS handshake fails; never falls back. */
    assert_fails(inst, "127.0.0.1:%d/app:v1", WP_PLUGIN_RETRY, "HEAD https://127.0.0.1:%d/v2/app/manifests/v1: ");
    wp_plugin_instance_stop(inst);
}
END_TEST

START_TEST(an_unreachable_registry_is_retry)
{
    wp_plugin_instance *inst = start("{\"insecure_registries\":[\"127.0.0.1:1\"]}");
    wp_plugin_call c;
    *(&c) = (wp_plugin_call){.op = WP_PLUGIN_OP_RESOLVE, .input = "127.0.0.1:1/a:b", .input_len = 15};
    ck_assert_int_eq(wp_plugin_instance_call(inst, &c), WP_PLUGIN_RETRY);
    ck_assert_msg(strstr(c.message, "HEAD http://127.0.0.1:1/v2/a/manifests/b: ") != NULL, "%s", c.message);
    wp_plugin_instance_stop(inst);
}
END_TEST

START_TEST(tls_with_a_custom_ca_and_htpasswd_basic_auth)
{
    start_registry("--tls --htpasswd alice:s3cret");
    char want[128];
    snprintf(want, sizeof want, "%s", push("team/app", "v1", "docker", "x"));
    char dc[512];
    /* auth: base64("alice:s3cret"); the key with a scheme, as docker login writes it */
    snprintf(dc, sizeof dc, "{\"auths\":{\"https://127.0.0.1:%d\":{\"auth\":\"YWxpY2U6czNjcmV0\"}}}", port);
    write_file("docker.json", dc);
    snprintf(dc, sizeof dc, "{\"auths\":{\"127.0.0.1:%d\":{\"username\":\"alice\",\"password\":\"wrong\"}}}", port);
    write_file("wrong.json", dc);

    wp_plugin_instance *inst = start("{\"ca_file\":\"%1$s/ca.pem\",\"docker_config\":\"%1$s/docker.json\"}");
    assert_resolves(inst, "127.0.0.1:%d/team/app:v1", want);
    assert_resolves(inst, "127.0.0.1:%d/team/app:v1", want); /* cached Basic header */
    wp_plugin_instance_stop(inst);

    inst = start("{\"ca_file\":\"%1$s/ca.pem\"}");
    assert_fails(inst, "127.0.0.1:%d/team/app:v1", WP_PLUGIN_FAIL,
                 "plugin digests: fail: HTTP 401: 127.0.0.1:%d wants credentials and docker_config has none for it");
    wp_plugin_instance_stop(inst);

    inst = start("{\"ca_file\":\"%1$s/ca.pem\",\"docker_config\":\"%1$s/wrong.json\"}");
    assert_fails(inst, "127.0.0.1:%d/team/app:v1", WP_PLUGIN_FAIL,
                 "127.0.0.1:%d/team/app:v1: HTTP 401 with the configured credentials");
    wp_plugin_instance_stop(inst);

    /* A rotated Secret: the file changes under a running instance. */
    snprintf(dc, sizeof dc, "{\"auths\":{\"127.0.0.1:%d\":{\"username\":\"alice\",\"password\":\"wrong\"}}}", port);
    write_file("rotating.json", dc);
    inst = start("{\"ca_file\":\"%1$s/ca.pem\",\"docker_config\":\"%1$s/rotating.json\"}");
    assert_fails(inst, "127.0.0.1:%d/team/app:v1", WP_PLUGIN_FAIL, "HTTP 401 with the configured credentials");
    snprintf(dc, sizeof dc, "{\"auths\":{\"127.0.0.1:%d\":{\"username\":\"alice\",\"password\":\"s3cret\"}}}", port);
    write_file("rotating.json", dc);
    assert_resolves(inst, "127.0.0.1:%d/team/app:v1", want);
    wp_plugin_instance_stop(inst);

    inst = start("{\"docker_config\":\"%1$s/docker.json\"}"); /* the system CAs do not know ours */
    assert_fails(inst, "127.0.0.1:%d/team/app:v1", WP_PLUGIN_FAIL, "HEAD https://127.0.0.1:%d/v2/team/app/manifests/v1: ");
    wp_plugin_instance_stop(inst);
}
END_TEST

static int count_lines(const char *name)
{
    char path[128], line[4096];
    snprintf(path, sizeof path, "%s/%s", tmp, name);
    FILE *f = fopen(path, "r");
    int n = 0;
    while (f && fgets(line, sizeof line, f)) n++;
    if (f) fclose(f);
    return n;
}

typedef struct {
    wp_plugin_instance *inst;
    const char *image, *want;
    int ok;
} resolver_thread;

static void *resolve_a_few(void *arg)
{
    resolver_thread *t = arg;
    for (int i = 0; i < 3; i++) {
        wp_plugin_call c = {.op = WP_PLUGIN_OP_RESOLVE, .input = t->image, .input_len = strlen(t->image)};
        if (wp_plugin_instance_call(t->inst, &c) == WP_PLUGIN_OK && strcmp(c.digest, t->want) == 0) t->ok++;
    }
    return NULL;
}

START_TEST(bearer_tokens_from_the_token_server_are_cached)
{
    start_registry("--tls --token bob:pw");
    char want[128];
    snprintf(want, sizeof want, "%s", push("team/app", "v1", "oci-index", "x"));
    char dc[256];
    snprintf(dc, sizeof dc, "{\"auths\":{\"127.0.0.1:%d\":{\"auth\":\"Ym9iOnB3\"}}}", port);
    write_file("docker.json", dc);
    wp_plugin_instance *inst = start("{\"ca_file\":\"%1$s/ca.pem\",\"docker_config\":\"%1$s/docker.json\"}");
    assert_resolves(inst, "127.0.0.1:%d/team/app:v1", want);
    assert_resolves(inst, "127.0.0.1:%d/team/app:v1", want);
    ck_assert_int_eq(count_lines("token.log"), 1); /* the second used the cached token */
    wp_plugin_instance_stop(inst);

    /* Concurrent calls (THREAD_SAFE, 2 workers) share the token cache. */
    inst = start("{\"ca_file\":\"%1$s/ca.pem\",\"docker_config\":\"%1$s/docker.json\"}");
    char image[128];
    snprintf(image, sizeof image, "127.0.0.1:%d/team/app:v1", port);
    resolver_thread t[4];
    pthread_t th[4];
    for (int i = 0; i < 4; i++) {
        t[i] = (resolver_thread){inst, image, want, 0};
        pthread_create(&th[i], NULL, resolve_a_few, &t[i]);
    }
    for (int i = 0; i < 4; i++) {
        pthread_join(th[i], NULL);
        ck_assert_int_eq(t[i].ok, 3);
    }
    wp_plugin_instance_stop(inst);

    inst = start("{\"ca_file\":\"%1$s/ca.pem\"}");
    assert_fails(inst, "127.0.0.1:%d/team/app:v1", WP_PLUGIN_FAIL,
                 "/token: HTTP 401 (no credentials for this registry in docker_config)");
    wp_plugin_instance_stop(inst);
}
END_TEST

/* Starts headless.py; returns its pid (port in `port`). */
static pid_t start_headerless(const char *body)
{
    write_file("manifest.json", body);
    char port_file[128], body_file[128], log[128];
    snprintf(port_file, sizeof port_file, "%s/hl-port", tmp);
    snprintf(body_file, sizeof body_file, "%s/manifest.json", tmp);
    snprintf(log, sizeof log, "%s/hl-log", tmp);
    pid_t pid = fork();
    if (pid == 0) {
        execlp("python3", "python3", WP_HEADERLESS_PY, port_file, body_file, log, (char *)NULL);
        _exit(127);
    }
    port = 0;
    for (int i = 0; i < 500 && !port; i++) {
        FILE *f = fopen(port_file, "r");
        if (f) {
            if (fscanf(f, "%d", &port) != 1) port = 0;
            fclose(f);
        }
        if (!port) usleep(10000);
    }
    ck_assert_int_ne(port, 0);
    return pid;
}

START_TEST(without_docker_content_digest_the_manifest_is_fetched_and_hashed)
{
    /* sha256 of the body below, computed independently (sha256sum). */
    pid_t pid = start_headerless("{\"schemaVersion\":2}");
    wp_plugin_instance *inst = start("{\"insecure_registries\":[\"127.0.0.1:%2$d\"],\"max_response_size\":\"64Ki\"}");
    assert_resolves(inst, "127.0.0.1:%d/a/b:t", "sha256:" HEADERLESS_SHA);
    assert_resolves(inst, "127.0.0.1:%d/nohead/b:t", "sha256:" HEADERLESS_SHA);
    assert_fails(inst, "127.0.0.1:%d/big/x:t", WP_PLUGIN_FAIL,
                 "127.0.0.1:%d/big/x:t: the manifest is larger than max_response_size");
    wp_plugin_instance_stop(inst);
    kill(pid, SIGTERM);
    waitpid(pid, NULL, 0);
    ck_assert_int_eq(count_lines("hl-log"), 6); /* HEAD + GET each */
}
END_TEST

START_TEST(a_bad_docker_config_is_refused_at_create)
{
    write_file("bad.json", "{\"auths\":{\"r.example\":{\"auth\":\"bm8tY29sb24=\"}}}");
    char config[256];
    snprintf(config, sizeof config, "{\"docker_config\":\"%s/bad.json\"}", tmp);
    wp_plugin_error err;
    wp_plugin_lib *lib = wp_plugin_lib_open("digests", WP_PLUGIN_DIR "/resolver_oci.so", NULL, false, &err);
    ck_assert_ptr_nonnull(lib);
    json_t *cfg = json_loads(config, 0, NULL);
    wp_plugin_instance_spec spec = {.name = "digests", .lib = lib, .config = cfg, .deadline_ms = 5000};
    ck_assert_ptr_null(wp_plugin_instance_start(&spec, &err));
    json_decref(cfg);
    ck_assert_msg(strstr(err.message, "docker_config: auths[\"r.example\"].auth is not base64 of user:password") != NULL,
                  "%s", err.message);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("resolver_oci");
    TCase *tc = tcase_create("resolver_oci");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, resolves_each_manifest_media_type_over_plain_http);
    tcase_add_test(tc, a_moved_tag_resolves_to_its_new_digest);
    tcase_add_test(tc, missing_tags_and_bad_references_fail_with_the_reason);
    tcase_add_test(tc, a_pinned_reference_is_answered_without_a_request);
    tcase_add_test(tc, plain_http_only_for_registries_listed_insecure);
    tcase_add_test(tc, an_unreachable_registry_is_retry);
    tcase_add_test(tc, tls_with_a_custom_ca_and_htpasswd_basic_auth);
    tcase_add_test(tc, bearer_tokens_from_the_token_server_are_cached);
    tcase_add_test(tc, without_docker_content_digest_the_manifest_is_fetched_and_hashed);
    tcase_add_test(tc, a_bad_docker_config_is_refused_at_create);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
