/* SandboxTemplate rules 1-3. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "common/config.h"
#include "rules_testing.h"

#define TEMPLATE WP_KIND_SANDBOX_TEMPLATE
#define DIGEST "@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

static void validate_template(const wp_config *cfg, const char *obj, wp_verdict *v)
{
    test_validate(cfg, TEMPLATE, WP_OP_CREATE, obj, NULL, v);
}

START_TEST(valid_template_pinned_images_no_warnings)
{
    wp_verdict v;
    validate_template(NULL,
                      "spec:\n"
                      "  networkPolicyManagement: Unmanaged\n"
                      "  envVarsInjectionPolicy: Overrides\n"
                      "  volumeClaimTemplatesPolicy: Allowed\n"
                      "  podTemplate:\n"
                      "    metadata: {labels: {app: x}}\n"
                      "    spec:\n"
                      "      initContainers: [{name: init, image: \"busybox" DIGEST "\"}]\n"
                      "      containers:\n"
                      "      - {name: main, image: \"registry.io/app:1.0" DIGEST "\"}\n"
                      "      - {name: sidecar-2, image: \"envoy" DIGEST "\"}\n",
                      &v);
    EXPECT_NO_CAUSES(&v);
    ck_assert_uint_eq(v.n_warnings, 0);
    wp_verdict_free(&v);
}
END_TEST

START_TEST(containers_required)
{
    const char *missing[] = {
        "spec: {}\n",
        "metadata: {name: t}\n",
        "spec: {podTemplate: {}}\n",
        "spec: {podTemplate: {spec: {}}}\n",
        "spec: {podTemplate: {spec: {containers: []}}}\n",
        "spec: {podTemplate: {spec: {containers: ~, initContainers: [{name: i, image: x}]}}}\n",
    };
    wp_verdict v;
    for (size_t i = 0; i < sizeof missing / sizeof *missing; i++) {
        validate_template(NULL, missing[i], &v);
        EXPECT_CAUSES(&v, {"spec.podTemplate.spec.containers", CAUSE_REQUIRED, "Required value"});
        ck_assert_str_eq(v.causes[0].pointer, "/spec/podTemplate/spec/containers");
        wp_verdict_free(&v);
    }
}
END_TEST

START_TEST(container_names_and_images)
{
    wp_verdict v;
    validate_template(NULL,
                      "spec:\n"
                      "  podTemplate:\n"
                      "    spec:\n"
                      "      containers:\n"
                      "      - {name: main, image: \"a" DIGEST "\"}\n"
                      "      - {image: \"b" DIGEST "\"}\n"
                      "      - {name: Main_2, image: \"\"}\n"
                      "      - {name: my.app, image: \"c:1 \"}\n"
                      "      - {name: main, image: \"d" DIGEST "\"}\n"
                      "      - ~\n"
                      "      initContainers:\n"
                      "      - {name: main, image: \"e" DIGEST "\"}\n"
                      "      - {name: init, image: \"f" DIGEST "\"}\n"
                      "      - {name: init, image: \"g" DIGEST "\"}\n"
                      "      - {name: \"\", image: \"h" DIGEST "\"}\n",
                      &v);
    EXPECT_CAUSES(&v,
                  {"spec.podTemplate.spec.containers[1].name", CAUSE_REQUIRED, "Required value"},
                  {"spec.podTemplate.spec.containers[2].name", CAUSE_INVALID, "Invalid value: \"Main_2\": " K8S_LABEL_MSG},
                  {"spec.podTemplate.spec.containers[2].image", CAUSE_REQUIRED, "Required value"},
                  {"spec.podTemplate.spec.containers[3].name", CAUSE_INVALID, "Invalid value: \"my.app\": must not contain dots"},
                  {"spec.podTemplate.spec.containers[3].image", CAUSE_INVALID,
                   "Invalid value: \"c:1 \": must not have leading or trailing whitespace"},
                  {"spec.podTemplate.spec.containers[4].name", CAUSE_DUPLICATE, "Duplicate value: \"main\""},
                  {"spec.podTemplate.spec.containers[5].name", CAUSE_REQUIRED, "Required value"},
                  {"spec.podTemplate.spec.containers[5].image", CAUSE_REQUIRED, "Required value"},
                  /* An init container reusing a container's name is the duplicate. */
                  {"spec.podTemplate.spec.initContainers[0].name", CAUSE_DUPLICATE, "Duplicate value: \"main\""},
                  {"spec.podTemplate.spec.initContainers[2].name", CAUSE_DUPLICATE, "Duplicate value: \"init\""},
                  {"spec.podTemplate.spec.initContainers[3].name", CAUSE_REQUIRED, "Required value"});
    ck_assert_str_eq(v.causes[8].pointer, "/spec/podTemplate/spec/initContainers/0/name");
    wp_verdict_free(&v);
}
END_TEST

START_TEST(many_containers_use_the_sorting_path)
{
    /* 30 containers and 5 init containers (past the inline size): the
     * last init container repeats container 3. */
    char obj[8192] = "spec:\n  podTemplate:\n    spec:\n      containers:\n";
    for (int i = 0; i < 30; i++) {
        char line[160];
        snprintf(line, sizeof line, "      - {name: c%d, image: \"x" DIGEST "\"}\n", i);
        strcat(obj, line);
    }
    strcat(obj, "      initContainers:\n");
    for (int i = 0; i < 5; i++) {
        char line[160];
        snprintf(line, sizeof line, "      - {name: %s%d, image: \"x" DIGEST "\"}\n", i == 4 ? "c" : "i", i == 4 ? 3 : i);
        strcat(obj, line);
    }
    wp_verdict v;
    validate_template(NULL, obj, &v);
    EXPECT_CAUSES(&v, {"spec.podTemplate.spec.initContainers[4].name", CAUSE_DUPLICATE, "Duplicate value: \"c3\""});
    wp_verdict_free(&v);
}
END_TEST

START_TEST(container_wrong_types)
{
    wp_verdict v;
    validate_template(NULL, "spec: {podTemplate: []}\n", &v);
    EXPECT_CAUSES(&v, {"spec.podTemplate", CAUSE_INVALID, "Invalid value: \"array\": must be of type object"});
    wp_verdict_free(&v);
    validate_template(NULL, "spec: {podTemplate: {spec: busybox}}\n", &v);
    EXPECT_CAUSES(&v, {"spec.podTemplate.spec", CAUSE_INVALID, "Invalid value: \"string\": must be of type object"});
    wp_verdict_free(&v);
    validate_template(NULL, "spec: {podTemplate: {spec: {containers: {name: a, image: b}, initContainers: 3}}}\n", &v);
    EXPECT_CAUSES(&v,
                  {"spec.podTemplate.spec.containers", CAUSE_INVALID, "Invalid value: \"object\": must be of type array"},
                  {"spec.podTemplate.spec.initContainers", CAUSE_INVALID,
                   "Invalid value: \"integer\": must be of type array"});
    wp_verdict_free(&v);
    validate_template(NULL,
                      "spec: {podTemplate: {spec: {containers: [busybox, {name: 1, image: 2},\n"
                      "  {name: a, image: [x]}, {name: [b], image: app}]}}}\n",
                      &v);
    EXPECT_CAUSES(&v,
                  {"spec.podTemplate.spec.containers[0]", CAUSE_INVALID,
                   "Invalid value: \"string\": must be of type object"},
                  {"spec.podTemplate.spec.containers[1].name", CAUSE_INVALID,
                   "Invalid value: \"integer\": must be of type string"},
                  {"spec.podTemplate.spec.containers[1].image", CAUSE_INVALID,
                   "Invalid value: \"integer\": must be of type string"},
                  {"spec.podTemplate.spec.containers[2].image", CAUSE_INVALID,
                   "Invalid value: \"array\": must be of type string"},
                  {"spec.podTemplate.spec.containers[3].name", CAUSE_INVALID,
                   "Invalid value: \"array\": must be of type string"});
    /* Malformed images get no digest warning: the cause says it all. */
    EXPECT_WARNINGS(&v, "spec.podTemplate.spec.containers[3].image \"app\" is not pinned to a digest");
    wp_verdict_free(&v);
}
END_TEST

START_TEST(enum_fields)
{
    wp_verdict v;
    const char *base = "  podTemplate: {spec: {containers: [{name: a, image: \"b" DIGEST "\"}]}}\n";
    char obj[512];
    snprintf(obj, sizeof obj,
             "spec:\n  networkPolicyManagement: managed\n  envVarsInjectionPolicy: Always\n"
             "  volumeClaimTemplatesPolicy: \"\"\n%s",
             base);
    validate_template(NULL, obj, &v);
    EXPECT_CAUSES(&v,
                  {"spec.networkPolicyManagement", CAUSE_NOT_SUPPORTED,
                   "Unsupported value: \"managed\": supported values: \"Managed\", \"Unmanaged\""},
                  {"spec.envVarsInjectionPolicy", CAUSE_NOT_SUPPORTED,
                   "Unsupported value: \"Always\": supported values: \"Allowed\", \"Overrides\", \"Disallowed\""},
                  {"spec.volumeClaimTemplatesPolicy", CAUSE_NOT_SUPPORTED,
                   "Unsupported value: \"\": supported values: \"Disallowed\", \"Allowed\", \"Overrides\""});
    wp_verdict_free(&v);

    snprintf(obj, sizeof obj,
             "spec:\n  networkPolicyManagement: true\n  envVarsInjectionPolicy: [Allowed]\n"
             "  volumeClaimTemplatesPolicy: {a: b}\n%s",
             base);
    validate_template(NULL, obj, &v);
    EXPECT_CAUSES(&v,
                  {"spec.networkPolicyManagement", CAUSE_INVALID, "Invalid value: \"boolean\": must be of type string"},
                  {"spec.envVarsInjectionPolicy", CAUSE_INVALID, "Invalid value: \"array\": must be of type string"},
                  {"spec.volumeClaimTemplatesPolicy", CAUSE_INVALID, "Invalid value: \"object\": must be of type string"});
    wp_verdict_free(&v);

    const char *values[][3] = {{"Managed", "Allowed", "Disallowed"},
                               {"Unmanaged", "Overrides", "Allowed"},
                               {"Managed", "Disallowed", "Overrides"}};
    for (size_t i = 0; i < 3; i++) {
        snprintf(obj, sizeof obj,
                 "spec:\n  networkPolicyManagement: %s\n  envVarsInjectionPolicy: %s\n"
                 "  volumeClaimTemplatesPolicy: %s\n%s",
                 values[i][0], values[i][1], values[i][2], base);
        validate_template(NULL, obj, &v);
        EXPECT_NO_CAUSES(&v);
        wp_verdict_free(&v);
    }
}
END_TEST

START_TEST(unpinned_images_warn)
{
    wp_verdict v;
    validate_template(NULL,
                      "spec:\n  podTemplate:\n    spec:\n"
                      "      containers: [{name: a, image: busybox}, {name: b, image: \"x" DIGEST "\"},\n"
                      "                   {name: c, image: \"nginx@sha256:abc\"}]\n"
                      "      initContainers: [{name: i, image: \"busybox:1.36\"}]\n",
                      &v);
    EXPECT_NO_CAUSES(&v);
    EXPECT_WARNINGS(&v, "spec.podTemplate.spec.containers[0].image \"busybox\" is not pinned to a digest",
                    "spec.podTemplate.spec.containers[2].image \"nginx@sha256:abc\" is not pinned to a digest",
                    "spec.podTemplate.spec.initContainers[0].image \"busybox:1.36\" is not pinned to a digest");
    wp_verdict_free(&v);
}
END_TEST

START_TEST(image_digest_modes)
{
    const char *obj = "spec: {podTemplate: {spec: {containers: [{name: a, image: busybox}]}}}\n";
    wp_verdict v;
    json_t *doc = json_pack("{s:{s:b}}", "rules", "template.imageDigest", 0); /* YAML `off` */
    wp_config *cfg = wp_config_from_json(doc, NULL, 0);
    json_decref(doc);
    validate_template(cfg, obj, &v);
    ck_assert_uint_eq(v.n_causes + v.n_warnings, 0);
    wp_verdict_free(&v);
    /* Set to enforce by a program (the file refuses it), still a warning. */
    cfg->modes[WP_RULE_TEMPLATE_IMAGE_DIGEST] = WP_MODE_ENFORCE;
    validate_template(cfg, obj, &v);
    EXPECT_NO_CAUSES(&v);
    ck_assert_uint_eq(v.n_warnings, 1);
    wp_verdict_free(&v);
    wp_config_unref(cfg);
}
END_TEST

START_TEST(containers_and_enums_warn_or_off)
{
    const char *obj = "spec: {envVarsInjectionPolicy: Sometimes, podTemplate: {spec: {containers: []}}}\n";
    json_t *doc = json_pack("{s:{s:s,s:s}}", "rules", "template.containers", "warn", "template.enums", "off");
    wp_config *cfg = wp_config_from_json(doc, NULL, 0);
    json_decref(doc);
    wp_verdict v;
    validate_template(cfg, obj, &v);
    EXPECT_NO_CAUSES(&v);
    EXPECT_WARNINGS(&v, "spec.podTemplate.spec.containers: Required value");
    wp_verdict_free(&v);
    wp_config_unref(cfg);
}
END_TEST

START_TEST(every_violation_at_once_on_update)
{
    wp_verdict v;
    test_validate(NULL, TEMPLATE, WP_OP_UPDATE,
                  "metadata: {name: t}\n"
                  "spec: {networkPolicyManagement: X, podTemplate: {spec: {containers: [{name: A, image: busybox}]}}}\n",
                  "spec: {}\n", &v);
    EXPECT_CAUSES(&v,
                  {"spec.podTemplate.spec.containers[0].name", CAUSE_INVALID, "Invalid value: \"A\": " K8S_LABEL_MSG},
                  {"spec.networkPolicyManagement", CAUSE_NOT_SUPPORTED,
                   "Unsupported value: \"X\": supported values: \"Managed\", \"Unmanaged\""});
    EXPECT_WARNINGS(&v, "spec.podTemplate.spec.containers[0].image \"busybox\" is not pinned to a digest");
    wp_verdict_free(&v);
}
END_TEST

TEST_MAIN("rules_template", valid_template_pinned_images_no_warnings, containers_required, container_names_and_images,
          many_containers_use_the_sorting_path, container_wrong_types, enum_fields, unpinned_images_warn,
          image_digest_modes, containers_and_enums_warn_or_off, every_violation_at_once_on_update)
