/* Rule configuration: defaults, parsing, errors naming the key, files,
 * reference counting across threads.
 * ctest-labels: tsan */
#include <check.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/config.h"
#include "common/yaml.h"

static json_t *yaml(const char *text)
{
    wp_yaml_error err;
    json_t *j = wp_yaml_load_one(text, strlen(text), &err);
    ck_assert_msg(j != NULL, "%s", err.message);
    return j;
}

/* Parses text and expects failure with exactly `message`. */
static void assert_config_error(const char *text, const char *message)
{
    json_t *doc = yaml(text);
    char err[1024] = "";
    wp_config *cfg = wp_config_from_json(doc, err, sizeof err);
    json_decref(doc);
    ck_assert_msg(cfg == NULL, "accepted: %s", text);
    ck_assert_str_eq(err, message);
}

static wp_config *parse_ok(const char *text)
{
    json_t *doc = yaml(text);
    char err[1024] = "";
    wp_config *cfg = wp_config_from_json(doc, err, sizeof err);
    json_decref(doc);
    ck_assert_msg(cfg != NULL, "%s", err);
    return cfg;
}

static void assert_defaults(const wp_config *cfg)
{
    ck_assert_uint_eq(cfg->n_allowed_label_domains, 1);
    ck_assert_str_eq(cfg->allowed_label_domains[0], "sandbox.users.io");
    ck_assert_int_eq(cfg->max_pool_replicas, 10000);
    for (int g = 0; g < WP_RULE__COUNT; g++)
        ck_assert_int_eq(cfg->modes[g], g == WP_RULE_TEMPLATE_IMAGE_DIGEST ? WP_MODE_WARN : WP_MODE_ENFORCE);
}

START_TEST(defaults)
{
    wp_config *cfg = wp_config_new_default();
    assert_defaults(cfg);
    wp_config_unref(cfg);
    /* An empty mapping, null and no document at all mean the same. */
    cfg = parse_ok("{}");
    assert_defaults(cfg);
    wp_config_unref(cfg);
    char err[64];
    cfg = wp_config_from_json(json_null(), err, sizeof err);
    assert_defaults(cfg);
    wp_config_unref(cfg);
    cfg = wp_config_from_json(NULL, err, sizeof err);
    assert_defaults(cfg);
    wp_config_unref(cfg);
}
END_TEST

START_TEST(full_config)
{
    wp_config *cfg = parse_ok("allowedLabelDomains: [team.example.com, sandbox.users.io]\n"
                              "maxPoolReplicas: 50\n"
                              "rules:\n"
                              "  claim.env: warn\n"
                              "  claim.lifecycle: off\n"        /* YAML 1.1: the boolean false */
                              "  pool.replicas: \"off\"\n"
                              "  template.imageDigest: off\n"
                              "  claim.warmPoolRef: enforce\n");
    ck_assert_uint_eq(cfg->n_allowed_label_domains, 2);
    ck_assert_str_eq(cfg->allowed_label_domains[0], "team.example.com");
    ck_assert_str_eq(cfg->allowed_label_domains[1], "sandbox.users.io");
    ck_assert_int_eq(cfg->max_pool_replicas, 50);
    ck_assert_int_eq(cfg->modes[WP_RULE_CLAIM_ENV], WP_MODE_WARN);
    ck_assert_int_eq(cfg->modes[WP_RULE_CLAIM_LIFECYCLE], WP_MODE_OFF);
    ck_assert_int_eq(cfg->modes[WP_RULE_POOL_REPLICAS], WP_MODE_OFF);
    ck_assert_int_eq(cfg->modes[WP_RULE_TEMPLATE_IMAGE_DIGEST], WP_MODE_OFF);
    ck_assert_int_eq(cfg->modes[WP_RULE_CLAIM_WARMPOOLREF], WP_MODE_ENFORCE);
    ck_assert_int_eq(cfg->modes[WP_RULE_TEMPLATE_ENUMS], WP_MODE_ENFORCE);
    wp_config_unref(cfg);

    cfg = parse_ok("allowedLabelDomains: []\nmaxPoolReplicas: 0\n");
    ck_assert_uint_eq(cfg->n_allowed_label_domains, 0);
    ck_assert_int_eq(cfg->max_pool_replicas, 0);
    wp_config_unref(cfg);
}
END_TEST

START_TEST(errors_name_the_key)
{
    assert_config_error("maxPoolReplica: 5\n",
                        "unknown key \"maxPoolReplica\" (known: allowedLabelDomains, maxPoolReplicas, rules)");
    assert_config_error("[a]\n", "the configuration must be a mapping, got a list");
    assert_config_error("maxPoolReplicas: -1\n", "maxPoolReplicas: must be an integer from 0 to 2147483647, got -1");
    assert_config_error("maxPoolReplicas: 2147483648\n",
                        "maxPoolReplicas: must be an integer from 0 to 2147483647, got 2147483648");
    assert_config_error("maxPoolReplicas: \"10\"\n",
                        "maxPoolReplicas: must be an integer from 0 to 2147483647, got a string");
    assert_config_error("maxPoolReplicas: 1.5\n", "maxPoolReplicas: must be an integer from 0 to 2147483647, got a number");
    assert_config_error("allowedLabelDomains: sandbox.users.io\n",
                        "allowedLabelDomains: must be a list of domain names, got a string");
    assert_config_error("allowedLabelDomains: [ok.io, 5]\n",
                        "allowedLabelDomains[1]: must be a domain name, got a number");
    assert_config_error("allowedLabelDomains: [ok.io, Bad_Domain]\n",
                        "allowedLabelDomains[1]: \"Bad_Domain\" is not a valid domain: a lowercase RFC 1123 "
                        "subdomain must consist of lower case alphanumeric characters, '-' or '.', and must "
                        "start and end with an alphanumeric character (e.g. 'example.com', regex used for "
                        "validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')");
    assert_config_error("rules: [claim.env]\n",
                        "rules: must be a mapping of rule group to enforce, warn or off, got a list");
    assert_config_error("rules: {claim.environment: warn}\n",
                        "rules: unknown rule group \"claim.environment\" (known: claim.warmPoolRef, "
                        "claim.legacyFields, claim.env, claim.volumeClaimTemplates, claim.lifecycle, "
                        "claim.additionalPodMetadata, claim.immutableOnceBound, pool.sandboxTemplateRef, "
                        "pool.replicas, pool.updateStrategy, template.containers, template.enums, "
                        "template.imageDigest)");
    assert_config_error("rules: {claim.env: enforced}\n",
                        "rules.claim.env: must be enforce, warn or off, got \"enforced\"");
    assert_config_error("rules: {claim.env: on}\n", "rules.claim.env: must be enforce, warn or off, got a boolean");
    assert_config_error("rules: {claim.env: 1}\n", "rules.claim.env: must be enforce, warn or off, got a number");
    assert_config_error("rules: {template.imageDigest: enforce}\n",
                        "rules.template.imageDigest: must be warn or off (an unpinned image is only ever a warning)");
}
END_TEST

START_TEST(error_buffer_may_be_small_or_null)
{
    json_t *doc = yaml("bogus: 1\n");
    char err[8];
    ck_assert_ptr_null(wp_config_from_json(doc, err, sizeof err));
    ck_assert_str_eq(err, "unknown");
    ck_assert_ptr_null(wp_config_from_json(doc, NULL, 0));
    json_decref(doc);
}
END_TEST

static char *write_temp(const char *content)
{
    char *path = strdup("/tmp/wp-test-config-XXXXXX");
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(write(fd, content, strlen(content)), (ssize_t)strlen(content));
    close(fd);
    return path;
}

START_TEST(load_file)
{
    char *path = write_temp("# operator settings\nmaxPoolReplicas: 7\nrules:\n  claim.env: warn\n");
    char err[512] = "";
    wp_config *cfg = wp_config_load_file(path, err, sizeof err);
    ck_assert_msg(cfg != NULL, "%s", err);
    ck_assert_int_eq(cfg->max_pool_replicas, 7);
    ck_assert_int_eq(cfg->modes[WP_RULE_CLAIM_ENV], WP_MODE_WARN);
    ck_assert_str_eq(cfg->allowed_label_domains[0], "sandbox.users.io");
    wp_config_unref(cfg);
    unlink(path);
    free(path);
}
END_TEST

START_TEST(load_file_errors_name_the_file)
{
    char err[512], expected[600];
    char *path = write_temp("maxPoolReplicas: 5\nrules: {claim.env: warn\n");
    ck_assert_ptr_null(wp_config_load_file(path, err, sizeof err));
    snprintf(expected, sizeof expected, "%s:", path);
    ck_assert_msg(strncmp(err, expected, strlen(expected)) == 0, "%s", err);
    ck_assert_msg(strstr(err, ":3:") || strstr(err, ":2:"), "no line in: %s", err); /* the flow map never closes */
    unlink(path);
    free(path);

    path = write_temp("maxPoolReplicas: -3\n");
    ck_assert_ptr_null(wp_config_load_file(path, err, sizeof err));
    snprintf(expected, sizeof expected, "%s: maxPoolReplicas: must be an integer from 0 to 2147483647, got -3", path);
    ck_assert_str_eq(err, expected);
    unlink(path);
    free(path);

    path = write_temp("");
    ck_assert_ptr_null(wp_config_load_file(path, err, sizeof err));
    snprintf(expected, sizeof expected, "%s: no document found", path);
    ck_assert_str_eq(err, expected);
    unlink(path);
    free(path);

    ck_assert_ptr_null(wp_config_load_file("/nonexistent/warmpool.yaml", err, sizeof err));
    ck_assert_str_eq(err, "/nonexistent/warmpool.yaml: cannot open: No such file or directory");
}
END_TEST

START_TEST(group_and_mode_names)
{
    for (int g = 0; g < WP_RULE__COUNT; g++) {
        wp_rule_group back;
        ck_assert(wp_rule_group_parse(wp_rule_group_name((wp_rule_group)g), &back));
        ck_assert_int_eq(back, g);
    }
    ck_assert_str_eq(wp_rule_group_name(WP_RULE_CLAIM_POD_METADATA), "claim.additionalPodMetadata");
    ck_assert_str_eq(wp_rule_group_name(WP_RULE__COUNT), "unknown");
    wp_rule_group g;
    ck_assert(!wp_rule_group_parse("claim", &g));
    wp_rule_mode m;
    ck_assert(wp_rule_mode_parse("warn", &m) && m == WP_MODE_WARN);
    ck_assert(wp_rule_mode_parse("off", &m) && m == WP_MODE_OFF);
    ck_assert(wp_rule_mode_parse("enforce", &m) && m == WP_MODE_ENFORCE);
    ck_assert(!wp_rule_mode_parse("Enforce", &m));
    ck_assert(!wp_rule_mode_parse("", &m));
    ck_assert_str_eq(wp_rule_mode_name(WP_MODE_WARN), "warn");
}
END_TEST

/* A server swaps configs while requests hold references: many threads
 * taking and dropping references must leave the count exact (ASan/LSan
 * catch a premature free or a leak; TSan a data race). */
static void *hammer(void *arg)
{
    wp_config *cfg = arg;
    for (int i = 0; i < 20000; i++) wp_config_unref(wp_config_ref(cfg));
    return NULL;
}

START_TEST(refcount_across_threads)
{
    wp_config *cfg = wp_config_new_default();
    pthread_t threads[4];
    for (int i = 0; i < 4; i++) ck_assert_int_eq(pthread_create(&threads[i], NULL, hammer, cfg), 0);
    for (int i = 0; i < 4; i++) pthread_join(threads[i], NULL);
    ck_assert_int_eq(atomic_load(&cfg->refcount), 1);
    wp_config *again = wp_config_ref(cfg);
    ck_assert_ptr_eq(again, cfg);
    wp_config_unref(again);
    wp_config_unref(cfg);
    wp_config_unref(NULL);
    ck_assert_ptr_null(wp_config_ref(NULL));
}
END_TEST

int main(void)
{
    Suite *s = suite_create("config");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, defaults);
    tcase_add_test(tc, full_config);
    tcase_add_test(tc, errors_name_the_key);
    tcase_add_test(tc, error_buffer_may_be_small_or_null);
    tcase_add_test(tc, load_file);
    tcase_add_test(tc, load_file_errors_name_the_file);
    tcase_add_test(tc, group_and_mode_names);
    tcase_add_test(tc, refcount_across_threads);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
