/* Checks across the manifest set: references, namespaces, env and volume
 * policies of the template behind a claim's pool. */
#include <check.h>
#include <string.h>

#include "cli/validate.h"
#include "cli_test_util.h"
#include "validate_testing.h"

#define TEMPLATE(ns, name, extra)                                                                       \
    "apiVersion: extensions.agents.x-k8s.io/v1beta1\nkind: SandboxTemplate\nmetadata:\n  name: " name \
    "\n" ns "spec:\n" extra "  podTemplate:\n    spec:\n      containers:\n"                            \
    "        - name: main\n          image: r/i@sha256:0\n          env:\n"                             \
    "            - {name: MODEL, value: big}\n        - name: side\n          image: r/s@sha256:0\n"
#define POOL(ns, name, tmpl)                                                                           \
    "apiVersion: extensions.agents.x-k8s.io/v1beta1\nkind: SandboxWarmPool\nmetadata:\n  name: " name \
    "\n" ns "spec:\n  sandboxTemplateRef:\n    name: " tmpl "\n"
#define CLAIM(ns, name, pool, extra)                                                                  \
    "apiVersion: extensions.agents.x-k8s.io/v1beta1\nkind: SandboxClaim\nmetadata:\n  name: " name \
    "\n" ns "spec:\n  warmPoolRef:\n    name: " pool "\n" extra

START_TEST(references_resolve_within_a_namespace)
{
    const char *files[] = {
        "t.yaml", TEMPLATE("  namespace: a\n", "tmpl", ""),
        "p.yaml", POOL("  namespace: a\n", "pool", "tmpl") "---\n" POOL("  namespace: b\n", "pool", "tmpl"),
        "c.yaml", CLAIM("  namespace: a\n", "ok", "pool", "") "---\n" CLAIM("  namespace: c\n", "lost", "pool", ""),
        NULL};
    wp_cli_report r = validate_files("default", files);
    ck_assert_uint_eq(r.errors, 0);
    ck_assert_uint_eq(count_findings(&r, WP_CLI_RULE_POOL_NOT_FOUND), 1);
    ck_assert_uint_eq(count_findings(&r, WP_CLI_RULE_TEMPLATE_NOT_FOUND), 1);
    const wp_cli_finding *x = find_finding(&r, WP_CLI_RULE_POOL_NOT_FOUND, NULL);
    ck_assert_str_eq(x->name, "lost");
    ck_assert_str_eq(x->message, "SandboxWarmPool \"pool\" is not defined in namespace \"c\" by any manifest here "
                                 "(it may exist in the cluster)");
    ck_assert_str_eq(x->field, "spec.warmPoolRef.name");
    ck_assert_uint_eq(x->line, 17);
    ck_assert_uint_eq(x->column, 11);
    ck_assert_int_eq(x->severity, WP_CLI_WARNING);
    x = find_finding(&r, WP_CLI_RULE_TEMPLATE_NOT_FOUND, NULL);
    ck_assert_str_eq(x->namespace_, "b");
    ck_assert_str_eq(r.files[x->file].path, "p.yaml");
    ck_assert_uint_eq(x->line, 17);
    wp_cli_report_free(&r);
}
END_TEST

START_TEST(missing_namespace_means_the_default_one)
{
    const char *files[] = {"all.yaml", POOL("", "pool", "tmpl") "---\n" CLAIM("  namespace: team\n", "c", "pool", ""),
                           NULL};
    wp_cli_report r = validate_files("team", files); /* --namespace team */
    ck_assert_uint_eq(count_findings(&r, WP_CLI_RULE_POOL_NOT_FOUND), 0);
    wp_cli_report_free(&r);
    r = validate_files("default", files);
    ck_assert_uint_eq(count_findings(&r, WP_CLI_RULE_POOL_NOT_FOUND), 1);
    wp_cli_report_free(&r);
}
END_TEST

START_TEST(env_against_a_disallowing_template_is_an_error)
{
    const char *files[] = {
        "set.yaml",
        TEMPLATE("", "implicit", "") "---\n" TEMPLATE("", "explicit", "  envVarsInjectionPolicy: Disallowed\n")
        "---\n" POOL("", "p1", "implicit") "---\n" POOL("", "p2", "explicit")
        "---\n" CLAIM("", "c1", "p1", "  env:\n    - name: X\n      value: \"1\"\n")
        "---\n" CLAIM("", "c2", "p2", "  env:\n    - name: X\n      value: \"1\"\n")
        "---\n" CLAIM("", "c3", "p2", "  env: []\n"),
        NULL};
    wp_cli_report r = validate_files("default", files);
    ck_assert_uint_eq(count_findings(&r, WP_CLI_RULE_ENV_REJECTED), 2);
    const wp_cli_finding *x = find_finding(&r, WP_CLI_RULE_ENV_REJECTED, NULL);
    ck_assert_str_eq(x->name, "c1");
    ck_assert_int_eq(x->severity, WP_CLI_ERROR);
    ck_assert_str_eq(x->field, "spec.env");
    ck_assert_str_eq(x->reason, "FieldValueForbidden");
    ck_assert_str_eq(x->message, "SandboxWarmPool \"p1\" uses SandboxTemplate \"implicit\", whose "
                                 "envVarsInjectionPolicy is Disallowed (the default): the controller would reject "
                                 "this claim (EnvVarsInjectionRejected)");
    ck_assert_uint_eq(x->line, 56); /* the first item of spec.env */
    ck_assert_uint_eq(x->column, 5);
    ck_assert_int_eq(wp_cli_report_exit_code(&r, false), 1);
    wp_cli_report_free(&r);
}
END_TEST

START_TEST(allowed_adds_but_does_not_override)
{
    const char *files[] = {
        "set.yaml",
        TEMPLATE("", "t", "  envVarsInjectionPolicy: Allowed\n") "---\n" POOL("", "p", "t")
        "---\n" CLAIM("", "adds", "p", "  env:\n    - {name: NEW, value: x}\n    - {name: MODEL, value: x, containerName: side}\n")
        "---\n" CLAIM("", "overrides", "p", "  env:\n    - {name: OTHER, value: x}\n    - {name: MODEL, value: small}\n"),
        NULL};
    wp_cli_report r = validate_files("default", files);
    ck_assert_uint_eq(count_findings(&r, WP_CLI_RULE_ENV_REJECTED), 1);
    const wp_cli_finding *x = find_finding(&r, WP_CLI_RULE_ENV_REJECTED, NULL);
    ck_assert_str_eq(x->name, "overrides");
    ck_assert_str_eq(x->field, "spec.env[1].name");
    ck_assert_str_eq(x->pointer, "/spec/env/1/name");
    ck_assert_str_eq(x->message, "Invalid value: \"MODEL\": container \"main\" of SandboxTemplate \"t\" already sets "
                                 "it, and envVarsInjectionPolicy Allowed only adds variables (Overrides would replace it)");
    wp_cli_report_free(&r);
    const char *overrides[] = {"set.yaml", TEMPLATE("", "t", "  envVarsInjectionPolicy: Overrides\n") "---\n"
                               POOL("", "p", "t") "---\n" CLAIM("", "c", "p", "  env:\n    - {name: MODEL, value: x}\n"),
                               NULL};
    r = validate_files("default", overrides);
    ck_assert_uint_eq(r.errors, 0);
    wp_cli_report_free(&r);
}
END_TEST

START_TEST(volume_claim_templates_follow_their_policy)
{
    const char *files[] = {
        "set.yaml",
        TEMPLATE("", "closed", "") "---\n" TEMPLATE("", "open", "  volumeClaimTemplatesPolicy: Allowed\n")
        "---\n" POOL("", "pc", "closed") "---\n" POOL("", "po", "open")
        "---\n" CLAIM("", "c1", "pc", "  volumeClaimTemplates:\n    - metadata: {name: data}\n      spec: {accessModes: [ReadWriteOnce]}\n")
        "---\n" CLAIM("", "c2", "po", "  volumeClaimTemplates:\n    - metadata: {name: data}\n      spec: {accessModes: [ReadWriteOnce]}\n"),
        NULL};
    wp_cli_report r = validate_files("default", files);
    ck_assert_uint_eq(count_findings(&r, WP_CLI_RULE_VOLUMES_REJECTED), 1);
    ck_assert_str_eq(find_finding(&r, WP_CLI_RULE_VOLUMES_REJECTED, NULL)->name, "c1");
    ck_assert_str_eq(find_finding(&r, WP_CLI_RULE_VOLUMES_REJECTED, NULL)->field, "spec.volumeClaimTemplates");
    wp_cli_report_free(&r);
}
END_TEST

TEST_MAIN("crossset", references_resolve_within_a_namespace, missing_namespace_means_the_default_one,
          env_against_a_disallowing_template_is_an_error, allowed_adds_but_does_not_override,
          volume_claim_templates_follow_their_policy)
