/* validate: documents, kinds, schema findings with their lines and
 * columns, bad input, and that one broken document hides nothing. */
#include <check.h>
#include <string.h>

#include "cli/validate.h"
#include "cli_test_util.h"
#include "validate_testing.h"

static const char good_claim[] =
    "apiVersion: extensions.agents.x-k8s.io/v1beta1\n"
    "kind: SandboxClaim\n"
    "metadata:\n"
    "  name: good\n"
    "  namespace: team\n"
    "spec:\n"
    "  warmPoolRef:\n"
    "    name: pool\n";

START_TEST(clean_documents_and_skipped_kinds)
{
    validate_env f;
    venv_init(&f, "default");
    venv_add(&f, "a.yaml",
                  "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n---\n"
                  "apiVersion: agents.x-k8s.io/v1beta1\nkind: Sandbox\nmetadata: {name: s}\n"
                  "spec: {podTemplate: {spec: {containers: [{name: c, image: i}]}}}\n---\n"
                  "# just a comment\n---\n"
                  "values: {no: kind}\n");
    venv_add(&f, "b.yaml", good_claim);
    wp_cli_validate_finish(&f.o, &f.r);
    ck_assert_uint_eq(f.r.n_files, 2);
    ck_assert_uint_eq(f.r.documents, 4);
    ck_assert_uint_eq(f.r.validated, 2); /* the claim, and the Sandbox against its CRD */
    ck_assert_uint_eq(f.r.skipped, 2);
    ck_assert_int_eq(json_integer_value(json_object_get(f.r.skipped_by_kind, "ConfigMap")), 1);
    ck_assert_ptr_null(json_object_get(f.r.skipped_by_kind, "Sandbox"));
    ck_assert_int_eq(json_integer_value(json_object_get(f.r.skipped_by_kind, "(no kind)")), 1);
    ck_assert_uint_eq(f.r.errors, 0);
    /* the claim's pool is not in the set: a warning, not an error */
    ck_assert_uint_eq(f.r.warnings, 1);
    const wp_cli_finding *w = find_finding(&f.r, WP_CLI_RULE_POOL_NOT_FOUND, "spec.warmPoolRef.name");
    ck_assert_ptr_nonnull(w);
    ck_assert_uint_eq(w->line, 8);
    ck_assert_uint_eq(w->column, 11);
    ck_assert_int_eq(wp_cli_report_exit_code(&f.r, false), 0);
    ck_assert_int_eq(wp_cli_report_exit_code(&f.r, true), 1);
    venv_free(&f);
}
END_TEST

START_TEST(schema_findings_name_line_column_and_object)
{
    validate_env f;
    venv_init(&f, "default");
    venv_add(&f, "pool.yaml",
                  "apiVersion: extensions.agents.x-k8s.io/v1beta1\n"
                  "kind: SandboxWarmPool\n"
                  "metadata:\n"
                  "  name: p\n"
                  "  namespace: team\n"
                  "spec:\n"
                  "  replicas: -2\n"
                  "  updateStrategy:\n"
                  "    type: Sometimes\n"
                  "  bogus: 1\n");
    wp_cli_validate_finish(&f.o, &f.r);
    const wp_cli_finding *x = find_finding(&f.r, WP_CLI_RULE_SCHEMA, "spec.replicas");
    ck_assert_ptr_nonnull(x);
    ck_assert_uint_eq(x->line, 7);
    ck_assert_uint_eq(x->column, 13);
    ck_assert_str_eq(x->kind, "SandboxWarmPool");
    ck_assert_str_eq(x->namespace_, "team");
    ck_assert_str_eq(x->name, "p");
    ck_assert_str_eq(x->api_version, "extensions.agents.x-k8s.io/v1beta1");
    ck_assert_str_eq(x->message, "Invalid value: -2: spec.replicas in body should be greater than or equal to 0");
    ck_assert_int_eq(x->severity, WP_CLI_ERROR);
    x = find_finding(&f.r, WP_CLI_RULE_SCHEMA, "spec.updateStrategy.type");
    ck_assert_ptr_nonnull(x);
    ck_assert_uint_eq(x->line, 9);
    ck_assert_uint_eq(x->column, 11);
    ck_assert_str_eq(x->reason, "FieldValueNotSupported");
    x = find_finding(&f.r, WP_CLI_RULE_SCHEMA, "spec.bogus");
    ck_assert_ptr_nonnull(x);
    ck_assert_uint_eq(x->line, 10);
    /* a missing required field is placed at its parent */
    ck_assert_ptr_nonnull((x = find_finding(&f.r, WP_CLI_RULE_SCHEMA, "spec.sandboxTemplateRef")));
    ck_assert_str_eq(x->reason, "FieldValueRequired");
    ck_assert_uint_eq(x->line, 7);
    ck_assert_uint_eq(x->column, 3);
    ck_assert_int_eq(wp_cli_report_exit_code(&f.r, false), 1);
    venv_free(&f);
}
END_TEST

START_TEST(object_metadata_is_checked)
{
    validate_env f;
    venv_init(&f, "default");
    venv_add(&f, "t.yaml",
                  "apiVersion: extensions.agents.x-k8s.io/v1beta1\nkind: SandboxTemplate\n"
                  "metadata: {namespace: Bad_NS, labels: {a: 1, 'bad key': v, k: '-bad-'}, colour: red}\n"
                  "spec: {podTemplate: {spec: {containers: [{name: c, image: i@sha256:00}]}}}\n");
    wp_cli_validate_finish(&f.o, &f.r);
    const wp_cli_finding *x = find_finding(&f.r, WP_CLI_RULE_SCHEMA, "metadata.name");
    ck_assert_ptr_nonnull(x);
    ck_assert_str_eq(x->message, "Required value: name or generateName is required");
    ck_assert_ptr_nonnull(find_finding(&f.r, WP_CLI_RULE_SCHEMA, "metadata.namespace"));
    ck_assert_ptr_nonnull(find_finding(&f.r, WP_CLI_RULE_SCHEMA, "metadata.labels[a]"));
    x = find_finding(&f.r, WP_CLI_RULE_SCHEMA, "metadata.labels[bad key]");
    ck_assert_ptr_nonnull(x);
    ck_assert_ptr_nonnull(strstr(x->message, "Invalid value: \"bad key\": name part must consist of"));
    x = find_finding(&f.r, WP_CLI_RULE_SCHEMA, "metadata.labels[k]");
    ck_assert_ptr_nonnull(x);
    ck_assert_ptr_nonnull(strstr(x->message, "Invalid value: \"-bad-\": a valid label must be"));
    x = find_finding(&f.r, WP_CLI_RULE_SCHEMA, "metadata.colour");
    ck_assert_ptr_nonnull(x);
    ck_assert_str_eq(x->message, "unknown field \"metadata.colour\"");
    venv_free(&f);
}
END_TEST

START_TEST(admission_rules_run_as_create)
{
    validate_env f;
    venv_init(&f, "default");
    /* ADMISSION.md claim rule 1: warmPoolRef.name is required; rule 2: the
     * legacy fields are forbidden. */
    venv_add(&f, "c.yaml",
                  "apiVersion: extensions.agents.x-k8s.io/v1beta1\nkind: SandboxClaim\n"
                  "metadata: {name: legacy}\n"
                  "spec:\n  sandboxTemplateRef: {name: t}\n");
    venv_add(&f, "d.yaml",
                  "apiVersion: extensions.agents.x-k8s.io/v1beta1\nkind: SandboxClaim\n"
                  "metadata: {name: nameless-ref}\nspec:\n  warmPoolRef: {}\n");
    wp_cli_validate_finish(&f.o, &f.r);
    /* not a legacy claim: rule 1 speaks for itself */
    const wp_cli_finding *x = find_finding(&f.r, WP_CLI_RULE_SCHEMA, "spec.warmPoolRef.name");
    ck_assert_ptr_nonnull(x);
    ck_assert_str_eq(x->reason, "FieldValueRequired");
    ck_assert_str_eq(x->name, "nameless-ref");
    /* a legacy claim: the missing spec.warmPoolRef is said once, first and
     * with the fix, not again for .name */
    x = find_finding(&f.r, WP_CLI_RULE_SCHEMA, "spec.warmPoolRef");
    ck_assert_ptr_nonnull(x);
    ck_assert_str_eq(x->name, "legacy");
    ck_assert_str_eq(x->message, "Required value: a legacy claim (spec.sandboxTemplateRef + spec.warmpool); run "
                                 "'warmpoolctl migrate' to convert it to spec.warmPoolRef");
    ck_assert_uint_eq(x->line, 5);
    for (size_t i = 0; i < f.r.n_findings; i++)
        ck_assert(!(strcmp(f.r.findings[i].name, "legacy") == 0 && f.r.findings[i].field
                    && strcmp(f.r.findings[i].field, "spec.warmPoolRef.name") == 0));
    x = find_finding(&f.r, WP_CLI_RULE_ADMISSION, "spec.sandboxTemplateRef");
    ck_assert_ptr_nonnull(x);
    ck_assert_str_eq(x->reason, "FieldValueForbidden");
    ck_assert_uint_eq(x->line, 5);
    /* the schema's "unknown field" for the same spot gives way to the rule */
    ck_assert_ptr_null(find_finding(&f.r, WP_CLI_RULE_SCHEMA, "spec.sandboxTemplateRef"));
    venv_free(&f);
}
END_TEST

START_TEST(versions_that_are_not_served)
{
    validate_env f;
    venv_init(&f, "default");
    venv_add(&f, "old.yaml",
                  "apiVersion: extensions.agents.x-k8s.io/v1alpha1\nkind: SandboxClaim\nmetadata: {name: o}\n"
                  "spec: {sandboxTemplateRef: {name: t}, warmpool: none}\n");
    wp_cli_validate_finish(&f.o, &f.r);
    ck_assert_uint_eq(f.r.errors, 1);
    const wp_cli_finding *x = find_finding(&f.r, WP_CLI_RULE_SCHEMA, "apiVersion");
    ck_assert_ptr_nonnull(x);
    ck_assert_str_eq(x->message, "Unsupported value: \"extensions.agents.x-k8s.io/v1alpha1\": SandboxClaim is served "
                                 "as extensions.agents.x-k8s.io/v1beta1; run `warmpoolctl migrate` to convert it");
    ck_assert_uint_eq(x->line, 1);
    ck_assert_uint_eq(x->column, 13);
    venv_free(&f);
}
END_TEST

START_TEST(lists_are_expanded_with_item_positions)
{
    validate_env f;
    venv_init(&f, "default");
    venv_add(&f, "list.yaml",
                  "apiVersion: v1\nkind: List\nitems:\n"
                  "  - apiVersion: v1\n    kind: ConfigMap\n    metadata: {name: c}\n"
                  "  - apiVersion: extensions.agents.x-k8s.io/v1beta1\n    kind: SandboxWarmPool\n"
                  "    metadata: {name: p}\n    spec:\n      replicas: many\n"
                  "      sandboxTemplateRef: {name: t}\n");
    wp_cli_validate_finish(&f.o, &f.r);
    ck_assert_uint_eq(f.r.documents, 2);
    ck_assert_uint_eq(f.r.validated, 1);
    const wp_cli_finding *x = find_finding(&f.r, WP_CLI_RULE_SCHEMA, "spec.replicas");
    ck_assert_ptr_nonnull(x);
    ck_assert_str_eq(x->pointer, "/items/1/spec/replicas");
    ck_assert_uint_eq(x->line, 11);
    ck_assert_uint_eq(x->column, 17);
    x = find_finding(&f.r, WP_CLI_RULE_TEMPLATE_NOT_FOUND, NULL);
    ck_assert_ptr_nonnull(x);
    ck_assert_str_eq(x->pointer, "/items/1/spec/sandboxTemplateRef/name");
    ck_assert_uint_eq(x->line, 12);
    venv_free(&f);
}
END_TEST

START_TEST(typed_list_items_take_the_list_kind)
{
    validate_env f;
    venv_init(&f, "default");
    venv_add(&f, "list.yaml",
             "apiVersion: extensions.agents.x-k8s.io/v1beta1\nkind: SandboxWarmPoolList\nitems:\n"
             "  - metadata: {name: p}\n    spec: {replicas: -3, sandboxTemplateRef: {name: t}}\n");
    wp_cli_validate_finish(&f.o, &f.r);
    ck_assert_uint_eq(f.r.validated, 1);
    const wp_cli_finding *x = find_finding(&f.r, WP_CLI_RULE_SCHEMA, "spec.replicas");
    ck_assert_ptr_nonnull(x);
    ck_assert_str_eq(x->kind, "SandboxWarmPool");
    ck_assert_str_eq(x->api_version, "extensions.agents.x-k8s.io/v1beta1");
    ck_assert_uint_eq(x->line, 5);
    venv_free(&f);
}
END_TEST

START_TEST(broken_documents_are_reported_and_the_rest_is_checked)
{
    validate_env f;
    venv_init(&f, "default");
    venv_add(&f, "mixed.yaml",
                  "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: ok}\n"
                  "---\n"
                  "a: [1, 2\n"            /* line 5: unclosed flow sequence */
                  "---\n"
                  "a: 1\na: 2\n"          /* line 8: duplicate key */
                  "---\n"
                  "spec:\n\tname: x\n"   /* line 11: a tab */
                  "---\n"
                  "- just\n- a list\n"   /* line 13: not an object */
                  "---\n"
                  "plain words\n"        /* line 16 */
                  "---\n"
                  "apiVersion: extensions.agents.x-k8s.io/v1beta1\nkind: SandboxWarmPool\n"
                  "metadata: {name: p}\nspec: {replicas: -1, sandboxTemplateRef: {name: t}}\n");
    wp_cli_validate_finish(&f.o, &f.r);
    size_t yaml = 0;
    for (size_t i = 0; i < f.r.n_findings; i++) yaml += f.r.findings[i].rule == WP_CLI_RULE_YAML;
    ck_assert_uint_eq(yaml, 5);
    const wp_cli_finding *x = &f.r.findings[0];
    ck_assert_int_eq(x->rule, WP_CLI_RULE_YAML);
    ck_assert_uint_eq(x->line, 6); /* libyaml notices at the next line */
    ck_assert_ptr_nonnull(strstr(x->message, "invalid YAML: "));
    x = &f.r.findings[1];
    ck_assert_uint_eq(x->line, 8);
    ck_assert_str_eq(x->message, "invalid YAML: duplicate mapping key \"a\"");
    x = &f.r.findings[2];
    ck_assert_uint_eq(x->line, 11);
    ck_assert_ptr_nonnull(strstr(x->message, "tab character in indentation"));
    x = &f.r.findings[3];
    ck_assert_uint_eq(x->line, 13);
    ck_assert_str_eq(x->message, "document is a list, not an object (a mapping)");
    x = &f.r.findings[4];
    ck_assert_uint_eq(x->line, 16);
    ck_assert_str_eq(x->message, "document is a string, not an object (a mapping)");
    /* and the pool after them was still checked */
    x = find_finding(&f.r, WP_CLI_RULE_SCHEMA, "spec.replicas");
    ck_assert_ptr_nonnull(x);
    ck_assert_uint_eq(x->line, 21);
    ck_assert_uint_eq(f.r.documents, 2);
    venv_free(&f);
}
END_TEST

START_TEST(binary_files_are_refused)
{
    validate_env f;
    venv_init(&f, "default");
    const char data[] = "kind: x\nab\0cd";
    wp_cli_validate_buffer(&f.o, &f.r, "blob.yaml", data, sizeof data - 1, false);
    wp_cli_validate_finish(&f.o, &f.r);
    ck_assert_uint_eq(f.r.n_findings, 1);
    ck_assert_str_eq(f.r.findings[0].message, "binary file (it contains NUL bytes): not a YAML or JSON manifest");
    ck_assert_uint_eq(f.r.findings[0].line, 2);
    ck_assert_int_eq(wp_cli_report_exit_code(&f.r, false), 1);
    venv_free(&f);
}
END_TEST

START_TEST(json_and_flow_documents)
{
    validate_env f;
    venv_init(&f, "default");
    venv_add(&f, "p.json",
                  "{\n  \"apiVersion\": \"extensions.agents.x-k8s.io/v1beta1\",\n  \"kind\": \"SandboxWarmPool\",\n"
                  "  \"metadata\": {\"name\": \"p\"},\n"
                  "  \"spec\": {\"replicas\": \"3\", \"sandboxTemplateRef\": {\"name\": \"t\"}}\n}\n");
    wp_cli_validate_finish(&f.o, &f.r);
    const wp_cli_finding *x = find_finding(&f.r, WP_CLI_RULE_SCHEMA, "spec.replicas");
    ck_assert_ptr_nonnull(x);
    ck_assert_uint_eq(x->line, 5);
    ck_assert_uint_eq(x->column, 24);
    venv_free(&f);
}
END_TEST

/* Lines are counted as libyaml counts them: CR alone, CR LF and LF alike
 * (a CR-only file once had every finding on line 1 of the wrong span). */
START_TEST(lines_after_every_kind_of_line_break)
{
    static const char *const breaks[] = {"\n", "\r\n", "\r"};
    for (size_t i = 0; i < 3; i++) {
        const char *b = breaks[i];
        char text[512];
        snprintf(text, sizeof text,
                 "apiVersion: v1%skind: ConfigMap%smetadata: {name: c}%s---%s"
                 "apiVersion: extensions.agents.x-k8s.io/v1beta1%skind: SandboxWarmPool%smetadata: {name: p}%s"
                 "spec:%s  replicas: -1%s  sandboxTemplateRef: {name: t}%s",
                 b, b, b, b, b, b, b, b, b, b);
        validate_env f;
        venv_init(&f, "default");
        venv_add(&f, "p.yaml", text);
        wp_cli_validate_finish(&f.o, &f.r);
        const wp_cli_finding *x = find_finding(&f.r, WP_CLI_RULE_SCHEMA, "spec.replicas");
        ck_assert_msg(x != NULL, "break %zu", i);
        ck_assert_uint_eq(x->line, 9);
        ck_assert_uint_eq(x->column, 13);
        venv_free(&f);
    }
}
END_TEST

TEST_MAIN("validate", lines_after_every_kind_of_line_break, clean_documents_and_skipped_kinds,
          schema_findings_name_line_column_and_object,
          object_metadata_is_checked, admission_rules_run_as_create, versions_that_are_not_served,
          lists_are_expanded_with_item_positions, typed_list_items_take_the_list_kind,
          broken_documents_are_reported_and_the_rest_is_checked, binary_files_are_refused, json_and_flow_documents)
