/* The structural-schema validator: each keyword, with the exact field path,
 * cause type and message. */
#include <check.h>
#include <string.h>

#include "cli/schema.h"
#include "cli_test_util.h"
#include "common/yaml.h"

static const char schema_yaml[] =
    "type: object\n"
    "required: [spec]\n"
    "properties:\n"
    "  apiVersion: {type: string}\n"
    "  metadata: {type: object}\n"
    "  spec:\n"
    "    type: object\n"
    "    required: [ref]\n"
    "    properties:\n"
    "      ref:\n"
    "        type: object\n"
    "        required: [name]\n"
    "        properties: {name: {type: string}}\n"
    "      replicas: {type: integer, minimum: 0, maximum: 10}\n"
    "      mode: {type: string, enum: [Fast, Slow]}\n"
    "      when: {type: string, format: date-time}\n"
    "      short: {type: string, maxLength: 3, minLength: 1}\n"
    "      code: {type: string, pattern: '^[a-z]+$'}\n"
    "      port: {x-kubernetes-int-or-string: true}\n"
    "      ratio: {type: number, exclusiveMinimum: true, minimum: 0}\n"
    "      labels: {type: object, additionalProperties: {type: string}}\n"
    "      pod: {type: object, x-kubernetes-preserve-unknown-fields: true,\n"
    "            properties: {image: {type: string}}}\n"
    "      list: {type: array, maxItems: 2, items: {type: integer}}\n"
    "      maybe: {type: string, nullable: true}\n"
    "      flag: {type: boolean}\n";

static wp_schema *compile(void)
{
    json_t *doc = wp_yaml_load_one(schema_yaml, strlen(schema_yaml), NULL);
    ck_assert_ptr_nonnull(doc);
    char err[200];
    wp_schema *s = wp_schema_compile(doc, err, sizeof err);
    ck_assert_msg(s != NULL, "%s", err);
    json_decref(doc);
    return s;
}

/* Validates a YAML object; returns the verdict (caller frees). */
static wp_verdict check_yaml(const char *yaml)
{
    wp_schema *s = compile();
    json_t *obj = wp_yaml_load_one(yaml, strlen(yaml), NULL);
    ck_assert_ptr_nonnull(obj);
    wp_verdict v = WP_VERDICT_INIT;
    wp_schema_validate(s, obj, &v);
    json_decref(obj);
    wp_schema_free(s);
    return v;
}

static void assert_cause(const wp_verdict *v, size_t i, const char *field, const char *pointer, const char *reason,
                         const char *message)
{
    ck_assert_uint_gt(v->n_causes, i);
    ck_assert_str_eq(v->causes[i].field, field);
    ck_assert_str_eq(v->causes[i].pointer, pointer);
    ck_assert_str_eq(v->causes[i].reason, reason);
    ck_assert_str_eq(v->causes[i].message, message);
}

START_TEST(valid_object_has_no_causes)
{
    wp_verdict v = check_yaml("apiVersion: x/v1\nmetadata: {name: a, anything: [1]}\n"
                              "spec: {ref: {name: r}, replicas: 3, mode: Fast, when: '2026-02-28T10:00:00.5+01:00',\n"
                              "  short: abc, code: abc, port: http, ratio: 0.5, labels: {a: b},\n"
                              "  pod: {image: x, extra: {deep: true}}, list: [1, 2], maybe: null, flag: yes}\n");
    for (size_t i = 0; i < v.n_causes; i++) ck_abort_msg("%s: %s", v.causes[i].field, v.causes[i].message);
    wp_verdict_free(&v);
}
END_TEST

START_TEST(required_fields)
{
    wp_verdict v = check_yaml("apiVersion: x/v1\n");
    ck_assert_uint_eq(v.n_causes, 1);
    assert_cause(&v, 0, "spec", "/spec", "FieldValueRequired", "Required value");
    wp_verdict_free(&v);
    v = check_yaml("spec: {ref: {name: null}}\n"); /* null is pruned, so it is missing */
    ck_assert_uint_eq(v.n_causes, 1);
    assert_cause(&v, 0, "spec.ref.name", "/spec/ref/name", "FieldValueRequired", "Required value");
    wp_verdict_free(&v);
}
END_TEST

START_TEST(types)
{
    wp_verdict v = check_yaml("spec: {ref: {name: 5}, replicas: '3', flag: 'true', port: 1.5, list: {a: 1}}\n");
    ck_assert_uint_eq(v.n_causes, 5);
    assert_cause(&v, 0, "spec.ref.name", "/spec/ref/name", WP_CLI_CAUSE_TYPE_INVALID,
                 "Invalid value: \"integer\": spec.ref.name in body must be of type string: \"integer\"");
    assert_cause(&v, 1, "spec.replicas", "/spec/replicas", WP_CLI_CAUSE_TYPE_INVALID,
                 "Invalid value: \"string\": spec.replicas in body must be of type integer: \"string\"");
    assert_cause(&v, 2, "spec.flag", "/spec/flag", WP_CLI_CAUSE_TYPE_INVALID,
                 "Invalid value: \"string\": spec.flag in body must be of type boolean: \"string\"");
    assert_cause(&v, 3, "spec.port", "/spec/port", WP_CLI_CAUSE_TYPE_INVALID,
                 "Invalid value: \"number\": spec.port in body must be of type integer or string: \"number\"");
    assert_cause(&v, 4, "spec.list", "/spec/list", WP_CLI_CAUSE_TYPE_INVALID,
                 "Invalid value: \"object\": spec.list in body must be of type array: \"object\"");
    wp_verdict_free(&v);
}
END_TEST

START_TEST(enums_and_bounds)
{
    wp_verdict v = check_yaml("spec: {ref: {name: r}, mode: Medium, replicas: -1, ratio: 0, list: [1, 2, 'x']}\n");
    ck_assert_uint_eq(v.n_causes, 5);
    assert_cause(&v, 0, "spec.mode", "/spec/mode", "FieldValueNotSupported",
                 "Unsupported value: \"Medium\": supported values: \"Fast\", \"Slow\"");
    assert_cause(&v, 1, "spec.replicas", "/spec/replicas", "FieldValueInvalid",
                 "Invalid value: -1: spec.replicas in body should be greater than or equal to 0");
    assert_cause(&v, 2, "spec.ratio", "/spec/ratio", "FieldValueInvalid",
                 "Invalid value: 0: spec.ratio in body should be greater than 0");
    assert_cause(&v, 3, "spec.list", "/spec/list", "FieldValueTooLong", "Too many: 3: must have at most 2 items");
    assert_cause(&v, 4, "spec.list[2]", "/spec/list/2", WP_CLI_CAUSE_TYPE_INVALID,
                 "Invalid value: \"string\": spec.list[2] in body must be of type integer: \"string\"");
    wp_verdict_free(&v);
    v = check_yaml("spec: {ref: {name: r}, replicas: 11}\n");
    assert_cause(&v, 0, "spec.replicas", "/spec/replicas", "FieldValueInvalid",
                 "Invalid value: 11: spec.replicas in body should be less than or equal to 10");
    wp_verdict_free(&v);
}
END_TEST

START_TEST(strings)
{
    wp_verdict v = check_yaml("spec: {ref: {name: r}, short: abcd, code: ABC, when: '2026-02-30T00:00:00Z'}\n");
    ck_assert_uint_eq(v.n_causes, 3);
    assert_cause(&v, 0, "spec.short", "/spec/short", "FieldValueTooLong", "Too long: may not be more than 3 bytes");
    assert_cause(&v, 1, "spec.code", "/spec/code", "FieldValueInvalid",
                 "Invalid value: \"ABC\": spec.code in body should match '^[a-z]+$'");
    assert_cause(&v, 2, "spec.when", "/spec/when", "FieldValueInvalid",
                 "Invalid value: \"2026-02-30T00:00:00Z\": spec.when in body must be of type date-time");
    wp_verdict_free(&v);
    v = check_yaml("spec: {ref: {name: r}, short: ''}\n");
    assert_cause(&v, 0, "spec.short", "/spec/short", "FieldValueInvalid",
                 "Invalid value: \"\": spec.short in body should be at least 1 chars long");
    wp_verdict_free(&v);
}
END_TEST

START_TEST(unknown_fields_and_maps)
{
    wp_verdict v = check_yaml("spec: {ref: {name: r, kind: x}, labels: {a: 1, b/c: ok}, pod: {more: 1}}\nstatus: {}\n");
    ck_assert_uint_eq(v.n_causes, 3);
    assert_cause(&v, 0, "spec.ref.kind", "/spec/ref/kind", WP_CLI_CAUSE_UNKNOWN_FIELD, "unknown field \"spec.ref.kind\"");
    assert_cause(&v, 1, "spec.labels[a]", "/spec/labels/a", WP_CLI_CAUSE_TYPE_INVALID,
                 "Invalid value: \"integer\": spec.labels[a] in body must be of type string: \"integer\"");
    assert_cause(&v, 2, "status", "/status", WP_CLI_CAUSE_UNKNOWN_FIELD, "unknown field \"status\"");
    wp_verdict_free(&v);
    /* The root's metadata is ObjectMeta: only its type is checked here. */
    v = check_yaml("metadata: [1]\nspec: {ref: {name: r}}\n");
    ck_assert_uint_eq(v.n_causes, 1);
    assert_cause(&v, 0, "metadata", "/metadata", WP_CLI_CAUSE_TYPE_INVALID,
                 "Invalid value: \"array\": metadata in body must be of type object: \"array\"");
    wp_verdict_free(&v);
}
END_TEST

START_TEST(bad_schemas_are_refused)
{
    const char *bad[] = {"type: bogus\n", "properties: [1]\n", "required: name\n", "pattern: '('\n",
                         "enum: x\n", "items: 3\n"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        json_t *doc = wp_yaml_load_one(bad[i], strlen(bad[i]), NULL);
        char err[200] = "";
        wp_schema *s = wp_schema_compile(doc, err, sizeof err);
        ck_assert_msg(s == NULL, "accepted: %s", bad[i]);
        ck_assert(strlen(err) > 0);
        json_decref(doc);
    }
}
END_TEST

TEST_MAIN("schema", valid_object_has_no_causes, required_fields, types, enums_and_bounds, strings,
          unknown_fields_and_maps, bad_schemas_are_refused)
