/* The four output formats, on one report: exact text and JUnit, and the
 * fields of the JSON and SARIF documents. */
#include <check.h>
#include <string.h>

#include "cli/output.h"
#include "cli/validate.h"
#include "cli_test_util.h"
#include "validate_testing.h"

static const char pool_text[] =
    "apiVersion: extensions.agents.x-k8s.io/v1beta1\n"
    "kind: SandboxWarmPool\n"
    "metadata:\n"
    "  name: p\n"
    "  namespace: team\n"
    "spec:\n"
    "  replicas: -1\n"
    "  sandboxTemplateRef:\n"
    "    name: t\n"
    "---\n"
    "apiVersion: v1\n"
    "kind: ConfigMap\n"
    "metadata: {name: c}\n";

static const char broken_text[] = "a: [1,\n";

static wp_cli_report build_report(void)
{
    const char *files[] = {"deploy/a b.yaml", pool_text, "/abs/broken.yaml", broken_text, NULL};
    wp_cli_report r = validate_files("default", files);
    size_t f = wp_cli_report_add_file(&r, "gone.yaml");
    wp_cli_report_add(&r, &(wp_cli_finding){.severity = WP_CLI_ERROR, .rule = WP_CLI_RULE_IO, .file = f, .object = -1,
                                            .message = "cannot open: No such file or directory"});
    wp_cli_report_sort(&r);
    return r;
}

static char *render(wp_cli_output_format format, bool warnings_as_errors)
{
    wp_cli_report r = build_report();
    char *buf = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&buf, &len);
    ck_assert_int_eq(wp_cli_output_write(out, format, &r, warnings_as_errors), 0);
    fclose(out);
    wp_cli_report_free(&r);
    return buf;
}

START_TEST(text)
{
    char *s = render(WP_CLI_OUTPUT_TEXT, false);
    ck_assert_str_eq(s,
        "deploy/a b.yaml:7:13: error: SandboxWarmPool team/p: spec.replicas: Invalid value: -1: spec.replicas in body "
        "should be greater than or equal to 0 [schema]\n"
        "deploy/a b.yaml:9:11: warning: SandboxWarmPool team/p: spec.sandboxTemplateRef.name: SandboxTemplate \"t\" is "
        "not defined in namespace \"team\" by any manifest here (it may exist in the cluster) [template-not-found]\n"
        "/abs/broken.yaml:2:1: error: invalid YAML: while parsing a flow node did not find expected node content "
        "[yaml]\n"
        "gone.yaml: error: cannot open: No such file or directory [io]\n"
        "3 files, 2 objects: 1 checked, 1 skipped (ConfigMap: 1); 3 errors, 1 warning\n");
    free(s);
}
END_TEST

START_TEST(json)
{
    char *s = render(WP_CLI_OUTPUT_JSON, false);
    json_error_t jerr;
    json_t *doc = json_loads(s, 0, &jerr);
    ck_assert_msg(doc != NULL, "%s", jerr.text);
    json_t *summary = json_object_get(doc, "summary");
    ck_assert_int_eq(json_integer_value(json_object_get(summary, "files")), 3);
    ck_assert_int_eq(json_integer_value(json_object_get(summary, "objects")), 2);
    ck_assert_int_eq(json_integer_value(json_object_get(summary, "checked")), 1);
    ck_assert_int_eq(json_integer_value(json_object_get(summary, "skipped")), 1);
    ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(summary, "skippedByKind"), "ConfigMap")), 1);
    ck_assert_int_eq(json_integer_value(json_object_get(summary, "errors")), 3);
    ck_assert_int_eq(json_integer_value(json_object_get(summary, "warnings")), 1);
    json_t *findings = json_object_get(doc, "findings");
    ck_assert_uint_eq(json_array_size(findings), 4);
    json_t *f = json_array_get(findings, 0);
    json_t *want = json_pack("{s:s,s:i,s:i,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s}",
                             "file", "deploy/a b.yaml", "line", 7, "column", 13, "severity", "error", "rule", "schema",
                             "apiVersion", "extensions.agents.x-k8s.io/v1beta1", "kind", "SandboxWarmPool",
                             "namespace", "team", "name", "p", "field", "spec.replicas", "pointer", "/spec/replicas",
                             "reason", "FieldValueInvalid", "group", "schema",
                             "message", "Invalid value: -1: spec.replicas in body should be greater than or equal to 0");
    ck_assert_msg(json_equal(f, want), "%s", json_dumps(f, 0));
    json_decref(want);
    f = json_array_get(findings, 3); /* an I/O problem has no line, column or object */
    want = json_pack("{s:s,s:s,s:s,s:s,s:s}", "file", "gone.yaml", "severity", "error", "rule", "io",
                     "group", "io", "message", "cannot open: No such file or directory");
    ck_assert_msg(json_equal(f, want), "%s", json_dumps(f, 0));
    json_decref(want);
    json_decref(doc);
    free(s);
}
END_TEST

START_TEST(sarif)
{
    char *s = render(WP_CLI_OUTPUT_SARIF, false);
    json_error_t jerr;
    json_t *doc = json_loads(s, 0, &jerr);
    ck_assert_msg(doc != NULL, "%s", jerr.text);
    ck_assert_str_eq(json_string_value(json_object_get(doc, "version")), "2.1.0");
    ck_assert_str_eq(json_string_value(json_object_get(doc, "$schema")), "https://json.schemastore.org/sarif-2.1.0.json");
    json_t *run = json_array_get(json_object_get(doc, "runs"), 0);
    json_t *driver = json_object_get(json_object_get(run, "tool"), "driver");
    ck_assert_str_eq(json_string_value(json_object_get(driver, "name")), "warmpoolctl");
    ck_assert_str_eq(json_string_value(json_object_get(driver, "version")), WP_VERSION);
    json_t *rules = json_object_get(driver, "rules");
    ck_assert_uint_eq(json_array_size(rules), WP_CLI_RULE__COUNT);
    for (int i = 0; i < WP_CLI_RULE__COUNT; i++) /* ruleIndex points into this list */
        ck_assert_str_eq(json_string_value(json_object_get(json_array_get(rules, i), "id")), wp_cli_rule_get(i)->id);
    json_t *pnf = json_array_get(rules, WP_CLI_RULE_TEMPLATE_NOT_FOUND);
    ck_assert_str_eq(json_string_value(json_object_get(json_object_get(pnf, "defaultConfiguration"), "level")), "warning");
    ck_assert(json_is_string(json_object_get(json_object_get(pnf, "shortDescription"), "text")));
    json_t *results = json_object_get(run, "results");
    ck_assert_uint_eq(json_array_size(results), 4);

    json_t *r0 = json_array_get(results, 0);
    ck_assert_str_eq(json_string_value(json_object_get(r0, "ruleId")), "schema");
    ck_assert_int_eq(json_integer_value(json_object_get(r0, "ruleIndex")), WP_CLI_RULE_SCHEMA);
    ck_assert_str_eq(json_string_value(json_object_get(r0, "level")), "error");
    ck_assert_str_eq(json_string_value(json_object_get(json_object_get(r0, "message"), "text")),
                     "SandboxWarmPool team/p: spec.replicas: Invalid value: -1: spec.replicas in body should be "
                     "greater than or equal to 0 [schema]");
    ck_assert_str_eq(json_string_value(json_object_get(json_object_get(r0, "properties"), "group")), "schema");
    json_t *loc = json_array_get(json_object_get(r0, "locations"), 0);
    json_t *phys = json_object_get(loc, "physicalLocation");
    ck_assert_str_eq(json_string_value(json_object_get(json_object_get(phys, "artifactLocation"), "uri")),
                     "deploy/a%20b.yaml");
    ck_assert_str_eq(json_string_value(json_object_get(json_object_get(phys, "artifactLocation"), "uriBaseId")),
                     "%SRCROOT%");
    ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(phys, "region"), "startLine")), 7);
    ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(phys, "region"), "startColumn")), 13);
    json_t *logical = json_array_get(json_object_get(loc, "logicalLocations"), 0);
    ck_assert_str_eq(json_string_value(json_object_get(logical, "fullyQualifiedName")), "SandboxWarmPool team/p");
    ck_assert_str_eq(json_string_value(json_object_get(json_object_get(r0, "properties"), "field")), "spec.replicas");

    json_t *r1 = json_array_get(results, 1);
    ck_assert_str_eq(json_string_value(json_object_get(r1, "level")), "warning");
    json_t *r2 = json_array_get(results, 2);
    phys = json_object_get(json_array_get(json_object_get(r2, "locations"), 0), "physicalLocation");
    ck_assert_str_eq(json_string_value(json_object_get(json_object_get(phys, "artifactLocation"), "uri")),
                     "file:///abs/broken.yaml");
    ck_assert_ptr_null(json_object_get(json_object_get(phys, "artifactLocation"), "uriBaseId"));
    json_t *r3 = json_array_get(results, 3);
    phys = json_object_get(json_array_get(json_object_get(r3, "locations"), 0), "physicalLocation");
    ck_assert_ptr_null(json_object_get(phys, "region")); /* SARIF lines start at 1: none is given */
    json_decref(doc);
    free(s);
}
END_TEST

START_TEST(junit)
{
    char *s = render(WP_CLI_OUTPUT_JUNIT, false);
    ck_assert_str_eq(s,
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        "<testsuites name=\"warmpoolctl validate\" tests=\"3\" failures=\"3\" errors=\"0\">\n"
        "  <testsuite name=\"deploy/a b.yaml\" tests=\"1\" failures=\"1\" errors=\"0\" skipped=\"0\">\n"
        "    <testcase classname=\"deploy/a b.yaml\" name=\"SandboxWarmPool team/p\">\n"
        "      <failure type=\"warmpoolctl\" message=\"1 problem\">7:13: error: spec.replicas: Invalid value: -1: "
        "spec.replicas in body should be greater than or equal to 0 [schema]\n"
        "</failure>\n"
        "      <system-out>9:11: warning: spec.sandboxTemplateRef.name: SandboxTemplate &quot;t&quot; is not defined "
        "in namespace &quot;team&quot; by any manifest here (it may exist in the cluster) [template-not-found]\n"
        "</system-out>\n"
        "    </testcase>\n"
        "  </testsuite>\n"
        "  <testsuite name=\"/abs/broken.yaml\" tests=\"1\" failures=\"1\" errors=\"0\" skipped=\"0\">\n"
        "    <testcase classname=\"/abs/broken.yaml\" name=\"(file)\">\n"
        "      <failure type=\"warmpoolctl\" message=\"1 problem\">2:1: error: invalid YAML: while parsing a flow "
        "node did not find expected node content [yaml]\n"
        "</failure>\n"
        "    </testcase>\n"
        "  </testsuite>\n"
        "  <testsuite name=\"gone.yaml\" tests=\"1\" failures=\"1\" errors=\"0\" skipped=\"0\">\n"
        "    <testcase classname=\"gone.yaml\" name=\"(file)\">\n"
        "      <failure type=\"warmpoolctl\" message=\"1 problem\">error: cannot open: No such file or directory [io]\n"
        "</failure>\n"
        "    </testcase>\n"
        "  </testsuite>\n"
        "</testsuites>\n");
    free(s);
    /* with --warnings-as-errors the warning is a failure too */
    s = render(WP_CLI_OUTPUT_JUNIT, true);
    ck_assert_ptr_nonnull(strstr(s, "message=\"2 problems\">7:13: error"));
    ck_assert_ptr_null(strstr(s, "<system-out>"));
    free(s);
}
END_TEST

START_TEST(format_names)
{
    wp_cli_output_format f;
    ck_assert(wp_cli_output_parse("sarif", &f) && f == WP_CLI_OUTPUT_SARIF);
    ck_assert(wp_cli_output_parse("junit", &f) && f == WP_CLI_OUTPUT_JUNIT);
    ck_assert(!wp_cli_output_parse("xml", &f));
}
END_TEST

/* Admission findings name their rule group (what the config's rules: or
 * --ignore-rule turns off), errors and warnings, in every format. */
START_TEST(every_format_names_the_rule_group)
{
    const char *files[] = {
        "t.yaml",
        "apiVersion: extensions.agents.x-k8s.io/v1beta1\nkind: SandboxTemplate\nmetadata: {name: t}\n"
        "spec:\n  podTemplate:\n    spec:\n      containers:\n      - {name: c, image: busybox}\n",
        "c.yaml",
        "apiVersion: extensions.agents.x-k8s.io/v1beta1\nkind: SandboxClaim\nmetadata: {name: c}\n"
        "spec:\n  warmPoolRef: {name: p}\n  env: [{name: 1BAD, value: v}]\n",
        NULL};
    static const wp_cli_output_format formats[] = {WP_CLI_OUTPUT_TEXT, WP_CLI_OUTPUT_JSON, WP_CLI_OUTPUT_JUNIT,
                                                   WP_CLI_OUTPUT_SARIF};
    static const char *const want[][2] = {
        {"[template.imageDigest]", "[claim.env]"},
        {"\"group\": \"template.imageDigest\"", "\"group\": \"claim.env\""},
        {"[template.imageDigest]", "[claim.env]"},
        {"\"group\": \"template.imageDigest\"", "\"group\": \"claim.env\""},
    };
    for (size_t i = 0; i < 4; i++) {
        wp_cli_report r = validate_files("default", files);
        char *buf = NULL;
        size_t len = 0;
        FILE *out = open_memstream(&buf, &len);
        ck_assert_int_eq(wp_cli_output_write(out, formats[i], &r, false), 0);
        fclose(out);
        ck_assert_msg(strstr(buf, want[i][0]) && strstr(buf, want[i][1]), "format %zu:\n%s", i, buf);
        free(buf);
        wp_cli_report_free(&r);
    }
}
END_TEST

TEST_MAIN("output", text, json, sarif, junit, format_names, every_format_names_the_rule_group)
