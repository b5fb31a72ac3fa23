/* The command line: help, version, flags, exit statuses, and review. */
#include <check.h>
#include <jansson.h>
#include <string.h>

#include "cli_test_util.h"

static const char claim[] =
    "apiVersion: extensions.agents.x-k8s.io/v1beta1\nkind: SandboxClaim\n"
    "metadata: {name: c, namespace: team}\nspec:\n  warmPoolRef: {name: p}\n";
static const char pool[] =
    "apiVersion: extensions.agents.x-k8s.io/v1beta1\nkind: SandboxWarmPool\n"
    "metadata: {name: p, namespace: team}\nspec:\n  replicas: 20000\n  sandboxTemplateRef: {name: t}\n";

START_TEST(help_and_version)
{
    run_result r = run_cli("--version", NULL);
    ck_assert_int_eq(r.rc, 0);
    ck_assert_str_eq(r.out, "warmpoolctl " WP_VERSION "\n");
    run_result_free(&r);
    const char *commands[] = {"validate", "migrate", "review"};
    for (size_t i = 0; i < 3; i++) {
        r = run_cli(commands[i], "--help", NULL);
        ck_assert_int_eq(r.rc, 0);
        char want[64];
        snprintf(want, sizeof want, "Usage: warmpoolctl %s", commands[i]);
        ck_assert_ptr_nonnull(strstr(r.out, want));
        ck_assert_str_eq(r.err, "");
        run_result_free(&r);
        r = run_cli("help", commands[i], NULL);
        ck_assert_ptr_nonnull(strstr(r.out, want));
        run_result_free(&r);
    }
    r = run_cli("--help", NULL);
    ck_assert_int_eq(r.rc, 0);
    ck_assert_ptr_nonnull(strstr(r.out, "Commands:"));
    run_result_free(&r);
}
END_TEST

START_TEST(usage_errors_exit_2)
{
    run_result r = run_cli(NULL);
    ck_assert_int_eq(r.rc, 2);
    run_result_free(&r);
    r = run_cli("frobnicate", NULL);
    ck_assert_int_eq(r.rc, 2);
    ck_assert_ptr_nonnull(strstr(r.err, "unknown command \"frobnicate\""));
    run_result_free(&r);
    r = run_cli("validate", NULL);
    ck_assert_int_eq(r.rc, 2);
    ck_assert_ptr_nonnull(strstr(r.err, "no PATH given"));
    run_result_free(&r);
    r = run_cli("validate", "--output", "xml", ".", NULL);
    ck_assert_int_eq(r.rc, 2);
    ck_assert_ptr_nonnull(strstr(r.err, "--output: unknown format \"xml\""));
    run_result_free(&r);
    r = run_cli("validate", "--bogus", ".", NULL);
    ck_assert_int_eq(r.rc, 2);
    ck_assert_ptr_nonnull(strstr(r.err, "unknown flag --bogus"));
    run_result_free(&r);
    r = run_cli("validate", ".", "--output", NULL);
    ck_assert_int_eq(r.rc, 2);
    ck_assert_ptr_nonnull(strstr(r.err, "--output needs a value"));
    run_result_free(&r);
    r = run_cli("validate", "--max-file-size", "12Q", ".", NULL);
    ck_assert_int_eq(r.rc, 2);
    run_result_free(&r);
    r = run_cli("validate", "--config", "/nonexistent/config.yaml", ".", NULL);
    ck_assert_int_eq(r.rc, 2);
    ck_assert_ptr_nonnull(strstr(r.err, "/nonexistent/config.yaml"));
    run_result_free(&r);
}
END_TEST

START_TEST(validate_exit_statuses)
{
    char *dir = make_temp_dir();
    write_file(dir, "c.yaml", claim);
    char *c = path_in(dir, "c.yaml");
    run_result r = run_cli("validate", c, NULL); /* a warning only: its pool is not in the set */
    ck_assert_int_eq(r.rc, 0);
    ck_assert_ptr_nonnull(strstr(r.out, "0 errors, 1 warning"));
    run_result_free(&r);
    r = run_cli("validate", "--warnings-as-errors", c, NULL);
    ck_assert_int_eq(r.rc, 1);
    run_result_free(&r);
    /* the pool's replicas are over the default maximum (ADMISSION.md pool rule 2) */
    write_file(dir, "p.yaml", pool);
    r = run_cli("validate", "-n", "team", dir, NULL);
    ck_assert_int_eq(r.rc, 1);
    ck_assert_ptr_nonnull(strstr(r.out, "spec.replicas"));
    run_result_free(&r);
    /* ...and within a configured one */
    write_file(dir, "cfg/config.yaml", "maxPoolReplicas: 50000\n");
    char *cfg = path_in(dir, "cfg/config.yaml");
    r = run_cli("validate", "--config", cfg, c, dir, NULL);
    ck_assert_msg(r.rc == 0, "%s", r.out);
    run_result_free(&r);
    /* an unreadable path is an I/O problem: 2, even with findings */
    r = run_cli("validate", dir, "/nonexistent/warmpool.yaml", NULL);
    ck_assert_int_eq(r.rc, 2);
    ck_assert_ptr_nonnull(strstr(r.out, "/nonexistent/warmpool.yaml: error: cannot access: No such file or directory [io]"));
    run_result_free(&r);
    free(cfg);
    free(c);
    rm_tree(dir);
    free(dir);
}
END_TEST

START_TEST(too_large_files_are_refused_with_a_clear_message)
{
    char *dir = make_temp_dir();
    write_file(dir, "big.yaml", "a: 0123456789012345678901234567890123456789\n");
    char *big = path_in(dir, "big.yaml");
    run_result r = run_cli("validate", "--max-file-size", "16", big, NULL);
    ck_assert_int_eq(r.rc, 2);
    ck_assert_ptr_nonnull(strstr(r.out, "big.yaml: error: file is 44 bytes, larger than the 16-byte limit "
                                        "(--max-file-size) [io]"));
    run_result_free(&r);
    free(big);
    rm_tree(dir);
    free(dir);
}
END_TEST

static json_t *review(const char *text, int want_rc)
{
    char *dir = make_temp_dir();
    write_file(dir, "o.yaml", text);
    char *path = path_in(dir, "o.yaml");
    run_result r = run_cli("review", path, NULL);
    ck_assert_msg(r.rc == want_rc, "rc %d: %s", r.rc, r.err);
    json_error_t jerr;
    json_t *doc = json_loads(r.out, 0, &jerr);
    ck_assert_msg(doc != NULL, "%s: %s", jerr.text, r.out);
    run_result_free(&r);
    free(path);
    rm_tree(dir);
    free(dir);
    return doc;
}

START_TEST(review_prints_both_responses)
{
    json_t *doc = review(claim, 0);
    json_t *v = json_object_get(doc, "validate"), *m = json_object_get(doc, "mutate");
    ck_assert_str_eq(json_string_value(json_object_get(v, "kind")), "AdmissionReview");
    ck_assert_str_eq(json_string_value(json_object_get(v, "apiVersion")), "admission.k8s.io/v1");
    json_t *vr = json_object_get(v, "response"), *mr = json_object_get(m, "response");
    ck_assert(json_is_true(json_object_get(vr, "allowed")));
    const char *uid = json_string_value(json_object_get(vr, "uid"));
    ck_assert_uint_eq(strlen(uid), 36);
    ck_assert_int_eq(uid[14], '4'); /* a version 4 UUID */
    ck_assert_str_eq(json_string_value(json_object_get(mr, "uid")), uid);
    ck_assert_str_eq(json_string_value(json_object_get(mr, "patchType")), "JSONPatch");
    json_t *patch = json_object_get(doc, "patch");
    ck_assert(json_is_array(patch));
    ck_assert_uint_gt(json_array_size(patch), 0);
    ck_assert_str_eq(json_string_value(json_object_get(json_array_get(patch, 0), "op")), "add");
    json_decref(doc);

    /* a denial exits 1 and shows the status */
    doc = review("apiVersion: extensions.agents.x-k8s.io/v1beta1\nkind: SandboxClaim\nmetadata: {name: c}\nspec: {}\n", 1);
    vr = json_object_get(json_object_get(doc, "validate"), "response");
    ck_assert(json_is_false(json_object_get(vr, "allowed")));
    ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(vr, "status"), "code")), 422);
    json_decref(doc);
}
END_TEST

START_TEST(review_input_problems)
{
    char *dir = make_temp_dir();
    write_file(dir, "two.yaml", "a: 1\n---\nb: 2\n");
    write_file(dir, "scalar.yaml", "hello\n");
    write_file(dir, "bad.yaml", "a: [\n");
    const char *cases[][2] = {{"two.yaml", "expected one document, found 2"},
                              {"scalar.yaml", "not a Kubernetes object"},
                              {"bad.yaml", "bad.yaml:2:1: "},
                              {"missing.yaml", "missing.yaml: cannot access"}};
    for (size_t i = 0; i < 4; i++) {
        char *p = path_in(dir, cases[i][0]);
        run_result r = run_cli("review", p, NULL);
        ck_assert_int_eq(r.rc, 2);
        ck_assert_msg(strstr(r.err, cases[i][1]) != NULL, "%s", r.err);
        ck_assert_str_eq(r.out, "");
        run_result_free(&r);
        free(p);
    }
    run_result r = run_cli("review", NULL);
    ck_assert_int_eq(r.rc, 2);
    run_result_free(&r);
    rm_tree(dir);
    free(dir);
}
END_TEST

/* A mistyped command or value gets the closest name; a bad flag value
 * names the flag and what it takes; all exit 2 before reading anything. */
START_TEST(did_you_mean_and_flag_errors)
{
    run_result r = run_cli("valdiate", ".", NULL);
    ck_assert_int_eq(r.rc, 2);
    ck_assert_ptr_nonnull(strstr(r.err, "unknown command \"valdiate\"; did you mean \"validate\"?"));
    run_result_free(&r);
    r = run_cli("frobnicate", NULL);
    ck_assert_int_eq(r.rc, 2);
    ck_assert_ptr_null(strstr(r.err, "did you mean"));
    run_result_free(&r);
    r = run_cli("validate", "--ignore-rule", "claim.evn", "/nonexistent", NULL);
    ck_assert_int_eq(r.rc, 2);
    ck_assert_ptr_nonnull(strstr(r.err, "--ignore-rule: unknown group \"claim.evn\"; did you mean \"claim.env\"?"));
    ck_assert_ptr_null(strstr(r.out, "/nonexistent")); /* nothing was read */
    run_result_free(&r);
    r = run_cli("validate", "--max-causes", "-3", ".", NULL);
    ck_assert_int_eq(r.rc, 2);
    ck_assert_ptr_nonnull(strstr(r.err, "--max-causes: \"-3\" is not a count"));
    run_result_free(&r);
    r = run_cli("migrate", "--dryrun", "/nonexistent", NULL);
    ck_assert_int_eq(r.rc, 2);
    ck_assert_ptr_nonnull(strstr(r.err, "unknown flag --dryrun; did you mean --dry-run?"));
    run_result_free(&r);
    r = run_cli("version", NULL);
    ck_assert_int_eq(r.rc, 0);
    ck_assert_ptr_nonnull(strstr(r.out, "warmpoolctl "));
    run_result_free(&r);
}
END_TEST

/* --skip and --ignore-rule, as kubeconform and kyverno users expect, and
 * the cap on errors per object. */
START_TEST(skip_ignore_rule_and_cap)
{
    char *dir = make_temp_dir();
    char big[16384] = "apiVersion: extensions.agents.x-k8s.io/v1beta1\nkind: SandboxClaim\nmetadata: {name: many}\n"
                      "spec:\n  warmPoolRef: {name: p}\n  env:\n";
    for (int i = 0; i < 150; i++) {
        char entry[64];
        snprintf(entry, sizeof entry, "  - {name: %dBAD, value: v}\n", i); /* distinct: one error each */
        strcat(big, entry);
    }
    write_file(dir, "many.yaml", big);
    char *path = path_in(dir, "many.yaml");
    run_result r = run_cli("validate", "--max-causes", "5", path, NULL);
    ck_assert_int_eq(r.rc, 1);
    size_t lines = 0;
    for (const char *p = r.out; (p = strstr(p, "[claim.env]")); p++) lines++;
    ck_assert_uint_eq(lines, 5);
    ck_assert_msg(strstr(r.out, "error: SandboxClaim many: and 145 more errors (only the first 5 are shown; "
                                "--max-causes to see more)") != NULL, "%s", r.out);
    ck_assert_msg(strstr(r.out, "1 object: 1 checked, 0 skipped; 150 errors") != NULL, "%s", r.out);
    run_result_free(&r);
    /* the default cap is the webhook's: 100 */
    r = run_cli("validate", path, NULL);
    ck_assert_ptr_nonnull(strstr(r.out, "and 50 more errors"));
    run_result_free(&r);
    /* the config's group, turned off from the command line */
    r = run_cli("validate", "--ignore-rule", "pool-not-found,claim.env", path, NULL);
    ck_assert_msg(r.rc == 0, "%s", r.out);
    ck_assert_str_eq(r.out, "1 file, 1 object: 1 checked, 0 skipped; 0 errors, 0 warnings\n");
    run_result_free(&r);
    r = run_cli("validate", "--skip", "ConfigMap,sandboxclaim", path, NULL);
    ck_assert_int_eq(r.rc, 0);
    ck_assert_str_eq(r.out, "1 file, 1 object: 0 checked, 1 skipped (SandboxClaim: 1); 0 errors, 0 warnings\n");
    run_result_free(&r);
    free(path);
    rm_tree(dir);
    free(dir);
}
END_TEST

/* Sandbox objects are checked against the project's Sandbox CRD; one
 * object defined twice is an error; a path with no Kubernetes object is a
 * warning, not a silent pass. */
START_TEST(sandboxes_duplicates_and_empty_paths)
{
    char *dir = make_temp_dir();
    write_file(dir, "s.yaml",
               "apiVersion: agents.x-k8s.io/v1beta1\nkind: Sandbox\nmetadata: {name: s1}\n"
               "spec:\n  operatingMode: Sometimes\n  podTemplate: {spec: {containers: [{name: c, image: i}]}}\n"
               "---\n"
               "apiVersion: agents.x-k8s.io/v1beta1\nkind: Sandbox\nmetadata: {name: s1}\n"
               "spec: {podTemplate: {spec: {containers: [{name: c, image: i}]}}}\n");
    write_file(dir, "empty/.keep", "");
    write_file(dir, "values/values.yaml", "replicaCount: 3\n");
    char *s = path_in(dir, "s.yaml"), *empty = path_in(dir, "empty"), *values = path_in(dir, "values");
    run_result r = run_cli("validate", s, empty, values, NULL);
    ck_assert_int_eq(r.rc, 1);
    ck_assert_msg(strstr(r.out, "s.yaml:5:18: error: Sandbox s1: spec.operatingMode: Unsupported value: \"Sometimes\": "
                                "supported values: \"Running\", \"Suspended\" [schema]") != NULL, "%s", r.out);
    ck_assert_msg(strstr(r.out, "s.yaml:10:18: warning: Sandbox s1: metadata.name: Duplicate value: Sandbox \"s1\" in "
                                "namespace \"default\" is already defined in ") != NULL, "%s", r.out);
    ck_assert_msg(strstr(r.out, "empty: warning: no manifest here (*.yaml, *.yml, *.json): nothing was checked "
                                "[no-objects]") != NULL, "%s", r.out);
    ck_assert_msg(strstr(r.out, "values: warning: no Kubernetes object here (no document with apiVersion and kind): "
                                "nothing was checked [no-objects]") != NULL, "%s", r.out);
    ck_assert_msg(strstr(r.out, "\n2 files, 3 objects: 2 checked, 1 skipped ((no kind): 1); 1 error, 3 warnings\n")
                  != NULL, "%s", r.out);
    run_result_free(&r);
    /* one file named twice (alone and through its folder) is one definition */
    r = run_cli("validate", "--ignore-rule", "schema,no-objects", s, s, NULL);
    ck_assert_msg(strstr(r.out, "s.yaml:10:18:") && !strstr(r.out, "s.yaml:3:"), "%s", r.out);
    run_result_free(&r);
    free(s);
    free(empty);
    free(values);
    rm_tree(dir);
    free(dir);
}
END_TEST

TEST_MAIN("cli", sandboxes_duplicates_and_empty_paths, did_you_mean_and_flag_errors, skip_ignore_rule_and_cap, help_and_version, usage_errors_exit_2, validate_exit_statuses,
          too_large_files_are_refused_with_a_clear_message, review_prints_both_responses,
          review_input_problems)
