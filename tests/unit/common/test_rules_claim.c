/* SandboxClaim rules 1-7, rule modes, and the engine's dispatch. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "common/config.h"
#include "rules_testing.h"

#define CLAIM WP_KIND_SANDBOX_CLAIM
#define CREATE WP_OP_CREATE
#define UPDATE WP_OP_UPDATE

/* A valid claim with `extra` appended under spec (YAML, 2-space indent). */
static char *claim_with(const char *extra)
{
    char *s = NULL;
    ck_assert_int_ge(asprintf(&s,
                              "apiVersion: extensions.agents.x-k8s.io/v1beta1\n"
                              "kind: SandboxClaim\n"
                              "metadata: {name: my-claim, namespace: default}\n"
                              "spec:\n"
                              "  warmPoolRef: {name: my-pool}\n%s",
                              extra),
                     0);
    return s;
}

static void validate_claim(const char *extra, wp_verdict *v)
{
    char *obj = claim_with(extra);
    test_validate(NULL, CLAIM, CREATE, obj, NULL, v);
    free(obj);
}

START_TEST(valid_claim_has_no_findings)
{
    wp_verdict v;
    validate_claim("  env:\n"
                   "  - {name: MY_VAR, value: x}\n"
                   "  - {name: my.var-2, value: \"\", containerName: main}\n"
                   "  - {name: MY_VAR, value: \"y\", containerName: sidecar}\n"
                   "  - {name: OTHER, value: z, containerName: \"\"}\n"
                   "  volumeClaimTemplates:\n"
                   "  - metadata: {name: workspace}\n"
                   "    spec: {accessModes: [ReadWriteOnce]}\n"
                   "  - metadata: {name: cache}\n"
                   "  lifecycle:\n"
                   "    shutdownPolicy: DeleteForeground\n"
                   "    ttlSecondsAfterFinished: 0\n"
                   "    shutdownTime: \"2026-12-31T23:59:59Z\"\n"
                   "  additionalPodMetadata:\n"
                   "    labels: {sandbox.users.io/team: alpha, eu.sandbox.users.io/tier: \"\"}\n"
                   "    annotations: {example.com/note: anything at all, x-k8s.io/fine: \"1\",\n"
                   "                  cluster-autoscaler.kubernetes.io/safe-to-evict: \"false\"}\n",
                   &v);
    EXPECT_NO_CAUSES(&v);
    ck_assert_uint_eq(v.n_warnings, 0);
    wp_verdict_free(&v);
}
END_TEST

/* ---- 1. warmPoolRef ---------------------------------------------------- */

START_TEST(warm_pool_ref_required)
{
    wp_verdict v;
    test_validate(NULL, CLAIM, CREATE, "metadata: {name: c}\nspec: {}\n", NULL, &v);
    EXPECT_CAUSES(&v, {"spec.warmPoolRef.name", CAUSE_REQUIRED, "Required value"});
    ck_assert_str_eq(v.causes[0].pointer, "/spec/warmPoolRef/name");
    wp_verdict_free(&v);

    const char *missing[] = {"metadata: {name: c}\n", "spec: ~\n", "spec: {warmPoolRef: ~}\n",
                             "spec: {warmPoolRef: {}}\n", "spec: {warmPoolRef: {name: ~}}\n",
                             "spec: {warmPoolRef: {name: \"\"}}\n"};
    for (size_t i = 0; i < sizeof missing / sizeof *missing; i++) {
        test_validate(NULL, CLAIM, CREATE, missing[i], NULL, &v);
        EXPECT_CAUSES(&v, {"spec.warmPoolRef.name", CAUSE_REQUIRED, "Required value"});
        wp_verdict_free(&v);
    }
}
END_TEST

START_TEST(warm_pool_ref_name_is_an_object_name)
{
    wp_verdict v;
    test_validate(NULL, CLAIM, CREATE, "spec: {warmPoolRef: {name: Bad_Name}}\n", NULL, &v);
    EXPECT_CAUSES(&v, {"spec.warmPoolRef.name", CAUSE_INVALID, "Invalid value: \"Bad_Name\": " K8S_SUBDOMAIN_MSG});
    wp_verdict_free(&v);

    char *name = malloc(300);
    memset(name, 'p', 254);
    name[254] = '\0';
    char obj[400];
    snprintf(obj, sizeof obj, "spec: {warmPoolRef: {name: %s}}\n", name);
    test_validate(NULL, CLAIM, CREATE, obj, NULL, &v);
    /* The value shown is cut at 64 bytes. */
    EXPECT_CAUSES(&v, {"spec.warmPoolRef.name", CAUSE_INVALID,
                       "Invalid value: \"pppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppp...\": "
                       "must be no more than 253 characters"});
    wp_verdict_free(&v);
    name[253] = '\0';
    snprintf(obj, sizeof obj, "spec: {warmPoolRef: {name: %s.a}}\n", name + 2);
    test_validate(NULL, CLAIM, CREATE, obj, NULL, &v);
    EXPECT_NO_CAUSES(&v); /* exactly 253 */
    wp_verdict_free(&v);
    free(name);
}
END_TEST

START_TEST(warm_pool_ref_wrong_types)
{
    wp_verdict v;
    test_validate(NULL, CLAIM, CREATE, "spec: {warmPoolRef: my-pool}\n", NULL, &v);
    EXPECT_CAUSES(&v, {"spec.warmPoolRef", CAUSE_INVALID, "Invalid value: \"string\": must be of type object"});
    wp_verdict_free(&v);
    test_validate(NULL, CLAIM, CREATE, "spec: {warmPoolRef: [my-pool]}\n", NULL, &v);
    EXPECT_CAUSES(&v, {"spec.warmPoolRef", CAUSE_INVALID, "Invalid value: \"array\": must be of type object"});
    wp_verdict_free(&v);
    test_validate(NULL, CLAIM, CREATE, "spec: {warmPoolRef: {name: 42}}\n", NULL, &v);
    EXPECT_CAUSES(&v, {"spec.warmPoolRef.name", CAUSE_INVALID, "Invalid value: \"integer\": must be of type string"});
    wp_verdict_free(&v);
    test_validate(NULL, CLAIM, CREATE, "spec: {warmPoolRef: {name: {a: b}}}\n", NULL, &v);
    EXPECT_CAUSES(&v, {"spec.warmPoolRef.name", CAUSE_INVALID, "Invalid value: \"object\": must be of type string"});
    wp_verdict_free(&v);
    test_validate(NULL, CLAIM, CREATE, "spec: {warmPoolRef: {name: true}}\n", NULL, &v);
    EXPECT_CAUSES(&v, {"spec.warmPoolRef.name", CAUSE_INVALID, "Invalid value: \"boolean\": must be of type string"});
    wp_verdict_free(&v);
    test_validate(NULL, CLAIM, CREATE, "spec: {warmPoolRef: {name: 1.5}}\n", NULL, &v);
    EXPECT_CAUSES(&v, {"spec.warmPoolRef.name", CAUSE_INVALID, "Invalid value: \"number\": must be of type string"});
    wp_verdict_free(&v);
}
END_TEST

/* ---- 2. legacy fields -------------------------------------------------- */

#define LEGACY_MSG "Forbidden: legacy field, replaced by spec.warmPoolRef (run 'warmpoolctl migrate' to convert the claim)"

START_TEST(legacy_fields_forbidden)
{
    wp_verdict v;
    validate_claim("  sandboxTemplateRef: {name: python}\n", &v);
    EXPECT_CAUSES(&v, {"spec.sandboxTemplateRef", CAUSE_FORBIDDEN, LEGACY_MSG});
    wp_verdict_free(&v);
    validate_claim("  warmpool: none\n", &v);
    EXPECT_CAUSES(&v, {"spec.warmpool", CAUSE_FORBIDDEN, LEGACY_MSG});
    wp_verdict_free(&v);
    /* An old-shape claim: both legacy fields and no warmPoolRef. */
    test_validate(NULL, CLAIM, CREATE, "spec: {sandboxTemplateRef: {name: python}, warmpool: \"\"}\n", NULL, &v);
    EXPECT_CAUSES(&v, {"spec.warmPoolRef.name", CAUSE_REQUIRED, "Required value"},
                  {"spec.sandboxTemplateRef", CAUSE_FORBIDDEN, LEGACY_MSG},
                  {"spec.warmpool", CAUSE_FORBIDDEN, LEGACY_MSG});
    wp_verdict_free(&v);
    /* null is "not set". */
    validate_claim("  sandboxTemplateRef: ~\n  warmpool: ~\n", &v);
    EXPECT_NO_CAUSES(&v);
    wp_verdict_free(&v);
}
END_TEST

/* ---- 3. env ------------------------------------------------------------ */

START_TEST(env_entry_rules)
{
    wp_verdict v;
    validate_claim("  env:\n"
                   "  - {name: 1BAD, value: x}\n"
                   "  - {value: x}\n"
                   "  - {name: \"\", value: x}\n"
                   "  - {name: GOOD}\n"
                   "  - {name: GOOD2, value: ~}\n"
                   "  - {name: C, value: x, containerName: Main_C}\n"
                   "  - {name: D, value: x, containerName: a.b}\n"
                   "  - {name: \"..\", value: x}\n",
                   &v);
    EXPECT_CAUSES(&v, {"spec.env[0].name", CAUSE_INVALID, "Invalid value: \"1BAD\": " K8S_ENV_MSG},
                  {"spec.env[1].name", CAUSE_REQUIRED, "Required value"},
                  {"spec.env[2].name", CAUSE_REQUIRED, "Required value"},
                  {"spec.env[3].value", CAUSE_REQUIRED, "Required value"},
                  {"spec.env[4].value", CAUSE_REQUIRED, "Required value"},
                  {"spec.env[5].containerName", CAUSE_INVALID, "Invalid value: \"Main_C\": " K8S_LABEL_MSG},
                  {"spec.env[6].containerName", CAUSE_INVALID, "Invalid value: \"a.b\": must not contain dots"},
                  {"spec.env[7].name", CAUSE_INVALID, "Invalid value: \"..\": must not be '..'"});
    ck_assert_str_eq(v.causes[5].pointer, "/spec/env/5/containerName");
    wp_verdict_free(&v);
}
END_TEST

START_TEST(env_duplicates)
{
    wp_verdict v;
    validate_claim("  env:\n"
                   "  - {name: A, value: \"1\"}\n"
                   "  - {name: A, value: \"2\", containerName: main}\n"
                   "  - {name: A, value: \"3\"}\n"
                   "  - {name: A, value: \"4\", containerName: main}\n"
                   "  - {name: A, value: \"5\", containerName: \"\"}\n"
                   "  - {name: a, value: \"6\"}\n",
                   &v);
    /* (containerName, name) pairs; an empty containerName is "not set". */
    EXPECT_CAUSES(&v, {"spec.env[2].name", CAUSE_DUPLICATE, "Duplicate value: \"A\""},
                  {"spec.env[3].name", CAUSE_DUPLICATE, "Duplicate value: \"A\": for containerName \"main\""},
                  {"spec.env[4].name", CAUSE_DUPLICATE, "Duplicate value: \"A\""});
    wp_verdict_free(&v);
}
END_TEST

START_TEST(env_duplicates_in_a_long_list)
{
    /* Past the inline size the duplicate search sorts; the result must be
     * the same: every repeat after the first, reported in index order. */
    char *extra = malloc(64 * 200);
    strcpy(extra, "  env:\n");
    for (int i = 0; i < 200; i++) {
        char line[64];
        int name = (i == 150 || i == 40) ? 7 : i; /* 40 and 150 repeat entry 7 */
        snprintf(line, sizeof line, "  - {name: V%d, value: x}\n", name);
        strcat(extra, line);
    }
    wp_verdict v;
    validate_claim(extra, &v);
    EXPECT_CAUSES(&v, {"spec.env[40].name", CAUSE_DUPLICATE, "Duplicate value: \"V7\""},
                  {"spec.env[150].name", CAUSE_DUPLICATE, "Duplicate value: \"V7\""});
    wp_verdict_free(&v);
    free(extra);
}
END_TEST

START_TEST(env_wrong_types)
{
    wp_verdict v;
    validate_claim("  env: {name: A, value: b}\n", &v);
    EXPECT_CAUSES(&v, {"spec.env", CAUSE_INVALID, "Invalid value: \"object\": must be of type array"});
    wp_verdict_free(&v);
    validate_claim("  env:\n"
                   "  - A=b\n"
                   "  - [A, b]\n"
                   "  - ~\n"
                   "  - {name: 5, value: 6, containerName: [x]}\n"
                   "  - {name: B, value: {x: y}, containerName: 7}\n",
                   &v);
    EXPECT_CAUSES(&v, {"spec.env[0]", CAUSE_INVALID, "Invalid value: \"string\": must be of type object"},
                  {"spec.env[1]", CAUSE_INVALID, "Invalid value: \"array\": must be of type object"},
                  {"spec.env[2].name", CAUSE_REQUIRED, "Required value"}, /* null decodes as {} */
                  {"spec.env[2].value", CAUSE_REQUIRED, "Required value"},
                  {"spec.env[3].name", CAUSE_INVALID, "Invalid value: \"integer\": must be of type string"},
                  {"spec.env[3].value", CAUSE_INVALID, "Invalid value: \"integer\": must be of type string"},
                  {"spec.env[3].containerName", CAUSE_INVALID, "Invalid value: \"array\": must be of type string"},
                  {"spec.env[4].value", CAUSE_INVALID, "Invalid value: \"object\": must be of type string"},
                  {"spec.env[4].containerName", CAUSE_INVALID, "Invalid value: \"integer\": must be of type string"});
    wp_verdict_free(&v);
}
END_TEST

START_TEST(env_name_with_nul_byte)
{
    wp_verdict v;
    test_validate_json(CLAIM, CREATE,
                       "{\"spec\": {\"warmPoolRef\": {\"name\": \"p\"}, \"env\": [{\"name\": \"A\\u0000B\", \"value\": \"\"}]}}",
                       &v);
    EXPECT_CAUSES(&v, {"spec.env[0].name", CAUSE_INVALID, "Invalid value: \"A\\x00B\": " K8S_ENV_MSG});
    wp_verdict_free(&v);
}
END_TEST

/* ---- 4. volumeClaimTemplates ------------------------------------------ */

START_TEST(volume_claim_templates)
{
    wp_verdict v;
    validate_claim("  volumeClaimTemplates:\n"
                   "  - metadata: {name: work}\n"
                   "  - spec: {}\n"
                   "  - metadata: {labels: {a: b}}\n"
                   "  - metadata: {name: Work_Space}\n"
                   "  - metadata: {name: work.dir}\n"
                   "  - metadata: {name: work}\n"
                   "  - metadata: work\n"
                   "  - metadata: {name: 3}\n"
                   "  - 12\n"
                   "  - ~\n",
                   &v);
    EXPECT_CAUSES(&v, {"spec.volumeClaimTemplates[1].metadata.name", CAUSE_REQUIRED, "Required value"},
                  {"spec.volumeClaimTemplates[2].metadata.name", CAUSE_REQUIRED, "Required value"},
                  {"spec.volumeClaimTemplates[3].metadata.name", CAUSE_INVALID,
                   "Invalid value: \"Work_Space\": " K8S_LABEL_MSG},
                  {"spec.volumeClaimTemplates[4].metadata.name", CAUSE_INVALID,
                   "Invalid value: \"work.dir\": must not contain dots"},
                  {"spec.volumeClaimTemplates[5].metadata.name", CAUSE_DUPLICATE, "Duplicate value: \"work\""},
                  {"spec.volumeClaimTemplates[6].metadata", CAUSE_INVALID,
                   "Invalid value: \"string\": must be of type object"},
                  {"spec.volumeClaimTemplates[7].metadata.name", CAUSE_INVALID,
                   "Invalid value: \"integer\": must be of type string"},
                  {"spec.volumeClaimTemplates[8]", CAUSE_INVALID, "Invalid value: \"integer\": must be of type object"},
                  {"spec.volumeClaimTemplates[9].metadata.name", CAUSE_REQUIRED, "Required value"});
    ck_assert_str_eq(v.causes[4].pointer, "/spec/volumeClaimTemplates/5/metadata/name");
    wp_verdict_free(&v);

    validate_claim("  volumeClaimTemplates: {metadata: {name: w}}\n", &v);
    EXPECT_CAUSES(&v, {"spec.volumeClaimTemplates", CAUSE_INVALID, "Invalid value: \"object\": must be of type array"});
    wp_verdict_free(&v);
}
END_TEST

/* ---- 5. lifecycle ------------------------------------------------------ */

START_TEST(lifecycle_rules)
{
    wp_verdict v;
    validate_claim("  lifecycle: {shutdownPolicy: Foo, ttlSecondsAfterFinished: -1, shutdownTime: tomorrow}\n", &v);
    EXPECT_CAUSES(&v,
                  {"spec.lifecycle.shutdownPolicy", CAUSE_NOT_SUPPORTED,
                   "Unsupported value: \"Foo\": supported values: \"Delete\", \"DeleteForeground\", \"Retain\""},
                  {"spec.lifecycle.ttlSecondsAfterFinished", CAUSE_INVALID,
                   "Invalid value: -1: must be greater than or equal to 0"},
                  {"spec.lifecycle.shutdownTime", CAUSE_INVALID,
                   "Invalid value: \"tomorrow\": must be an RFC 3339 date-time (e.g. '2026-12-31T23:59:59Z')"});
    wp_verdict_free(&v);

    validate_claim("  lifecycle: {shutdownPolicy: \"\", ttlSecondsAfterFinished: 2147483648,\n"
                   "              shutdownTime: \"2026-02-30T00:00:00Z\"}\n",
                   &v);
    EXPECT_CAUSES(&v,
                  {"spec.lifecycle.shutdownPolicy", CAUSE_NOT_SUPPORTED,
                   "Unsupported value: \"\": supported values: \"Delete\", \"DeleteForeground\", \"Retain\""},
                  {"spec.lifecycle.ttlSecondsAfterFinished", CAUSE_INVALID,
                   "Invalid value: 2147483648: must be less than or equal to 2147483647"},
                  {"spec.lifecycle.shutdownTime", CAUSE_INVALID,
                   "Invalid value: \"2026-02-30T00:00:00Z\": must be an RFC 3339 date-time (e.g. "
                   "'2026-12-31T23:59:59Z')"});
    wp_verdict_free(&v);

    /* Each policy value, the int32 bounds, an integral real. */
    const char *ok[] = {"{shutdownPolicy: Delete, ttlSecondsAfterFinished: 2147483647}",
                        "{shutdownPolicy: Retain, ttlSecondsAfterFinished: 3.0}",
                        "{shutdownPolicy: ~, ttlSecondsAfterFinished: ~, shutdownTime: ~}", "{}", "~"};
    for (size_t i = 0; i < sizeof ok / sizeof *ok; i++) {
        char extra[200];
        snprintf(extra, sizeof extra, "  lifecycle: %s\n", ok[i]);
        validate_claim(extra, &v);
        EXPECT_NO_CAUSES(&v);
        wp_verdict_free(&v);
    }
}
END_TEST

START_TEST(lifecycle_wrong_types)
{
    wp_verdict v;
    validate_claim("  lifecycle: {shutdownPolicy: 1, ttlSecondsAfterFinished: \"60\", shutdownTime: 1767225600}\n",
                   &v);
    EXPECT_CAUSES(&v,
                  {"spec.lifecycle.shutdownPolicy", CAUSE_INVALID, "Invalid value: \"integer\": must be of type string"},
                  {"spec.lifecycle.ttlSecondsAfterFinished", CAUSE_INVALID,
                   "Invalid value: \"string\": must be of type integer"},
                  {"spec.lifecycle.shutdownTime", CAUSE_INVALID, "Invalid value: \"integer\": must be of type string"});
    wp_verdict_free(&v);
    validate_claim("  lifecycle: {ttlSecondsAfterFinished: 1.5}\n", &v);
    EXPECT_CAUSES(&v, {"spec.lifecycle.ttlSecondsAfterFinished", CAUSE_INVALID,
                       "Invalid value: \"number\": must be of type integer"});
    wp_verdict_free(&v);
    validate_claim("  lifecycle: [Delete]\n", &v);
    EXPECT_CAUSES(&v, {"spec.lifecycle", CAUSE_INVALID, "Invalid value: \"array\": must be of type object"});
    wp_verdict_free(&v);
}
END_TEST

START_TEST(shutdown_time_in_the_past_warns_on_create)
{
    wp_verdict v;
    char *obj = claim_with("  lifecycle: {shutdownTime: \"2025-12-31T23:59:59.5Z\"}\n");
    test_validate(NULL, CLAIM, CREATE, obj, NULL, &v);
    EXPECT_NO_CAUSES(&v);
    EXPECT_WARNINGS(&v, "spec.lifecycle.shutdownTime \"2025-12-31T23:59:59.5Z\" is in the past: the claim expires at once");
    wp_verdict_free(&v);
    /* On UPDATE a time that has passed is how claims expire: no warning. */
    test_validate(NULL, CLAIM, UPDATE, obj, obj, &v);
    EXPECT_NO_CAUSES(&v);
    ck_assert_uint_eq(v.n_warnings, 0);
    wp_verdict_free(&v);
    free(obj);
    /* Exactly now is not in the past; an offset moves the instant. */
    validate_claim("  lifecycle: {shutdownTime: \"2026-01-01T00:00:00Z\"}\n", &v);
    ck_assert_uint_eq(v.n_warnings, 0);
    wp_verdict_free(&v);
    validate_claim("  lifecycle: {shutdownTime: \"2026-01-01T00:30:00+01:00\"}\n", &v);
    ck_assert_uint_eq(v.n_warnings, 1);
    wp_verdict_free(&v);
}
END_TEST

/* ---- 6. additionalPodMetadata ----------------------------------------- */

#define DOMAIN_MSG "Forbidden: label keys must have a prefix in an allowed domain or its subdomains: sandbox.users.io"
#define ROUTER_MSG "Forbidden: app=sandbox-router is reserved for the sandbox router, which network policies trust"

START_TEST(label_domains)
{
    wp_verdict v;
    validate_claim("  additionalPodMetadata:\n"
                   "    labels:\n"
                   "      team: a\n"
                   "      example.com/team: b\n"
                   "      notsandbox.users.io/x: c\n"
                   "      sandbox.users.io.evil.com/x: d\n"
                   "      a.b.sandbox.users.io/ok: e\n"
                   "      Sandbox.Users.IO/x: f\n",
                   &v);
    EXPECT_CAUSES(&v, {"spec.additionalPodMetadata.labels[team]", CAUSE_FORBIDDEN, DOMAIN_MSG},
                  {"spec.additionalPodMetadata.labels[example.com/team]", CAUSE_FORBIDDEN, DOMAIN_MSG},
                  {"spec.additionalPodMetadata.labels[notsandbox.users.io/x]", CAUSE_FORBIDDEN, DOMAIN_MSG},
                  {"spec.additionalPodMetadata.labels[sandbox.users.io.evil.com/x]", CAUSE_FORBIDDEN, DOMAIN_MSG},
                  {"spec.additionalPodMetadata.labels[Sandbox.Users.IO/x]", CAUSE_INVALID,
                   "Invalid value: \"Sandbox.Users.IO/x\": prefix part " K8S_SUBDOMAIN_MSG});
    ck_assert_str_eq(v.causes[1].pointer, "/spec/additionalPodMetadata/labels/example.com~1team");
    wp_verdict_free(&v);
}
END_TEST

START_TEST(label_domains_from_config)
{
    json_t *doc = json_pack("{s:[s,s]}", "allowedLabelDomains", "a.io", "b.example.com");
    wp_config *cfg = wp_config_from_json(doc, NULL, 0);
    json_decref(doc);
    char *obj = claim_with("  additionalPodMetadata:\n"
                           "    labels: {x.a.io/ok: \"1\", b.example.com/ok: \"2\", sandbox.users.io/no: \"3\"}\n");
    wp_verdict v;
    test_validate(cfg, CLAIM, CREATE, obj, NULL, &v);
    EXPECT_CAUSES(&v, {"spec.additionalPodMetadata.labels[sandbox.users.io/no]", CAUSE_FORBIDDEN,
                       "Forbidden: label keys must have a prefix in an allowed domain or its subdomains: a.io, "
                       "b.example.com"});
    wp_verdict_free(&v);
    wp_config_unref(cfg);

    doc = json_pack("{s:[]}", "allowedLabelDomains");
    cfg = wp_config_from_json(doc, NULL, 0);
    json_decref(doc);
    test_validate(cfg, CLAIM, CREATE, obj, NULL, &v);
    ck_assert_uint_eq(v.n_causes, 3);
    ck_assert_str_eq(v.causes[0].message, "Forbidden: no label keys are allowed (allowedLabelDomains is empty)");
    wp_verdict_free(&v);
    wp_config_unref(cfg);
    free(obj);
}
END_TEST

START_TEST(label_keys_and_values)
{
    wp_verdict v;
    validate_claim("  additionalPodMetadata:\n"
                   "    labels:\n"
                   "      sandbox.users.io/-bad: a\n"
                   "      sandbox.users.io/v1: \"bad value!\"\n"
                   "      sandbox.users.io/v2: 5\n"
                   "      sandbox.users.io/v3: ~\n"
                   "      sandbox.users.io/a/b: c\n",
                   &v);
    EXPECT_CAUSES(&v, {"spec.additionalPodMetadata.labels[sandbox.users.io/-bad]", CAUSE_INVALID,
                       "Invalid value: \"sandbox.users.io/-bad\": " K8S_QNAME_MSG},
                  {"spec.additionalPodMetadata.labels[sandbox.users.io/v1]", CAUSE_INVALID,
                   "Invalid value: \"bad value!\": " K8S_LABEL_VALUE_MSG},
                  {"spec.additionalPodMetadata.labels[sandbox.users.io/v2]", CAUSE_INVALID,
                   "Invalid value: \"integer\": must be of type string"},
                  {"spec.additionalPodMetadata.labels[sandbox.users.io/a/b]", CAUSE_INVALID,
                   "Invalid value: \"sandbox.users.io/a/b\": a qualified name must consist of alphanumeric "
                   "characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. "
                   "'MyName',  or 'my.name',  or '123-abc', regex used for validation is "
                   "'([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain prefix and '/' "
                   "(e.g. 'example.com/MyName')"},
                  {"spec.additionalPodMetadata.labels[sandbox.users.io/a/b]", CAUSE_FORBIDDEN, DOMAIN_MSG});
    wp_verdict_free(&v);
}
END_TEST

START_TEST(sandbox_router_label_forbidden)
{
    wp_verdict v;
    validate_claim("  additionalPodMetadata: {labels: {app: sandbox-router}}\n", &v);
    EXPECT_CAUSES(&v, {"spec.additionalPodMetadata.labels[app]", CAUSE_FORBIDDEN, DOMAIN_MSG},
                  {"spec.additionalPodMetadata.labels[app]", CAUSE_FORBIDDEN, ROUTER_MSG});
    wp_verdict_free(&v);
    validate_claim("  additionalPodMetadata: {labels: {APP: Sandbox-Router}}\n", &v);
    EXPECT_CAUSES(&v, {"spec.additionalPodMetadata.labels[APP]", CAUSE_FORBIDDEN, DOMAIN_MSG},
                  {"spec.additionalPodMetadata.labels[APP]", CAUSE_FORBIDDEN, ROUTER_MSG});
    wp_verdict_free(&v);
    /* Only that exact pair. */
    validate_claim("  additionalPodMetadata: {labels: {app: sandbox-router-2, sandbox.users.io/app: sandbox-router}}\n",
                   &v);
    EXPECT_CAUSES(&v, {"spec.additionalPodMetadata.labels[app]", CAUSE_FORBIDDEN, DOMAIN_MSG});
    wp_verdict_free(&v);
}
END_TEST

START_TEST(annotation_rules)
{
    wp_verdict v;
    validate_claim("  additionalPodMetadata:\n"
                   "    annotations:\n"
                   "      kubernetes.io/x: a\n"
                   "      node.kubernetes.io/y: b\n"
                   "      k8s.io/z: c\n"
                   "      team.k8s.io/z: d\n"
                   "      agents.x-k8s.io/sandbox-name: e\n"
                   "      cluster-autoscaler.kubernetes.io/safe-to-evict: \"true\"\n"
                   "      cluster-autoscaler.kubernetes.io/other: f\n"
                   "      Example.COM/Upper: fine\n"
                   "      bad key: g\n"
                   "      example.com/n: 5\n"
                   "      mykubernetes.io/fine: h\n",
                   &v);
    EXPECT_CAUSES(&v,
                  {"spec.additionalPodMetadata.annotations[kubernetes.io/x]", CAUSE_FORBIDDEN,
                   "Forbidden: annotation keys in the kubernetes.io domain are reserved"},
                  {"spec.additionalPodMetadata.annotations[node.kubernetes.io/y]", CAUSE_FORBIDDEN,
                   "Forbidden: annotation keys in the kubernetes.io domain are reserved"},
                  {"spec.additionalPodMetadata.annotations[k8s.io/z]", CAUSE_FORBIDDEN,
                   "Forbidden: annotation keys in the k8s.io domain are reserved"},
                  {"spec.additionalPodMetadata.annotations[team.k8s.io/z]", CAUSE_FORBIDDEN,
                   "Forbidden: annotation keys in the k8s.io domain are reserved"},
                  {"spec.additionalPodMetadata.annotations[agents.x-k8s.io/sandbox-name]", CAUSE_FORBIDDEN,
                   "Forbidden: annotation keys in the agents.x-k8s.io domain are reserved"},
                  {"spec.additionalPodMetadata.annotations[cluster-autoscaler.kubernetes.io/other]", CAUSE_FORBIDDEN,
                   "Forbidden: annotation keys in the kubernetes.io domain are reserved"},
                  {"spec.additionalPodMetadata.annotations[bad key]", CAUSE_INVALID,
                   "Invalid value: \"bad key\": " K8S_QNAME_MSG},
                  {"spec.additionalPodMetadata.annotations[example.com/n]", CAUSE_INVALID,
                   "Invalid value: \"integer\": must be of type string"});
    wp_verdict_free(&v);
}
END_TEST

START_TEST(annotations_total_size)
{
    /* 256 KiB of keys and values in total, then one byte more. */
    size_t value_len = 256 * 1024 - strlen("example.com/big");
    char *value = malloc(value_len + 2);
    memset(value, 'v', value_len + 1);
    value[value_len] = '\0';
    json_t *obj = json_pack("{s:{s:{s:s},s:{s:{s:s}}}}", "spec", "warmPoolRef", "name", "p", "additionalPodMetadata",
                            "annotations", "example.com/big", value);
    wp_jdoc *d = wp_jdoc_from_json(obj);
    wp_verdict v = WP_VERDICT_INIT;
    wp_rules_validate(NULL, CLAIM, CREATE, wp_jdoc_root(d), NULL, NULL, &v);
    EXPECT_NO_CAUSES(&v);
    wp_jdoc_free(d);

    value[value_len] = 'v';
    value[value_len + 1] = '\0';
    json_object_set_new(json_object_get(json_object_get(obj, "spec"), "additionalPodMetadata"), "annotations",
                        json_pack("{s:s}", "example.com/big", value));
    d = wp_jdoc_from_json(obj);
    wp_rules_validate(NULL, CLAIM, CREATE, wp_jdoc_root(d), NULL, NULL, &v);
    EXPECT_CAUSES(&v, {"spec.additionalPodMetadata.annotations", CAUSE_TOO_LONG,
                       "Too long: may not be more than 262144 bytes"});
    wp_verdict_free(&v);
    wp_jdoc_free(d);
    json_decref(obj);
    free(value);
}
END_TEST

START_TEST(pod_metadata_wrong_types_and_duplicate_keys)
{
    wp_verdict v;
    validate_claim("  additionalPodMetadata: [labels]\n", &v);
    EXPECT_CAUSES(&v, {"spec.additionalPodMetadata", CAUSE_INVALID, "Invalid value: \"array\": must be of type object"});
    wp_verdict_free(&v);
    validate_claim("  additionalPodMetadata: {labels: [a], annotations: a=b}\n", &v);
    EXPECT_CAUSES(&v,
                  {"spec.additionalPodMetadata.labels", CAUSE_INVALID, "Invalid value: \"array\": must be of type object"},
                  {"spec.additionalPodMetadata.annotations", CAUSE_INVALID,
                   "Invalid value: \"string\": must be of type object"});
    wp_verdict_free(&v);
    /* With a repeated key the last one wins, as when the API server
     * decodes the map: the first (bad) value is never seen. */
    test_validate_json(CLAIM, CREATE,
                       "{\"spec\": {\"warmPoolRef\": {\"name\": \"p\"}, \"additionalPodMetadata\": {\"labels\": "
                       "{\"sandbox.users.io/a\": \"bad value!\", \"team\": \"x\", \"sandbox.users.io/a\": \"ok\"}}}}",
                       &v);
    EXPECT_CAUSES(&v, {"spec.additionalPodMetadata.labels[team]", CAUSE_FORBIDDEN, DOMAIN_MSG});
    wp_verdict_free(&v);
}
END_TEST

/* ---- 7. immutable once bound ------------------------------------------ */

#define BOUND_OLD                                                                                  \
    "spec:\n"                                                                                      \
    "  warmPoolRef: {name: pool-a}\n"                                                              \
    "  env: [{name: A, value: \"1\"}]\n"                                                           \
    "status: {sandbox: {name: my-claim-abc12}}\n"
#define IMMUTABLE_MSG "field is immutable once the claim is bound to a sandbox"

START_TEST(bound_claim_fields_are_immutable)
{
    wp_verdict v;
    test_validate(NULL, CLAIM, UPDATE,
                  "spec:\n  warmPoolRef: {name: pool-b}\n  env: [{name: A, value: \"2\"}]\n"
                  "  volumeClaimTemplates: [{metadata: {name: w}}]\n",
                  BOUND_OLD, &v);
    EXPECT_CAUSES(&v, {"spec.warmPoolRef", CAUSE_INVALID, "Invalid value: {\"name\":\"pool-b\"}: " IMMUTABLE_MSG},
                  {"spec.env", CAUSE_INVALID, "Invalid value: [{\"name\":\"A\",\"value\":\"2\"}]: " IMMUTABLE_MSG},
                  {"spec.volumeClaimTemplates", CAUSE_INVALID,
                   "Invalid value: [{\"metadata\":{\"name\":\"w\"}}]: " IMMUTABLE_MSG});
    wp_verdict_free(&v);
    /* Removing a list is a change too. */
    test_validate(NULL, CLAIM, UPDATE, "spec: {warmPoolRef: {name: pool-a}}\n", BOUND_OLD, &v);
    EXPECT_CAUSES(&v, {"spec.env", CAUSE_INVALID, "Invalid value: null: " IMMUTABLE_MSG});
    wp_verdict_free(&v);
}
END_TEST

START_TEST(unchanged_or_unbound_claims_may_update)
{
    wp_verdict v;
    /* Same content, other key order, [] for an absent list, a status
     * change: no cause. */
    test_validate(NULL, CLAIM, UPDATE,
                  "spec:\n  env: [{value: \"1\", name: A}]\n  warmPoolRef: {name: pool-a}\n"
                  "  volumeClaimTemplates: []\nstatus: {sandbox: {name: other}}\n",
                  BOUND_OLD, &v);
    EXPECT_NO_CAUSES(&v);
    wp_verdict_free(&v);
    /* Before binding the migration guide patches warmPoolRef. */
    const char *unbound[] = {"spec: {warmPoolRef: {name: pool-a}}\n",
                             "spec: {warmPoolRef: {name: pool-a}}\nstatus: {sandbox: {name: \"\"}}\n",
                             "spec: {warmPoolRef: {name: pool-a}}\nstatus: {sandbox: {}}\n",
                             "spec: {warmPoolRef: {name: pool-a}}\nstatus: {sandbox: {name: 7}}\n", "[]\n"};
    for (size_t i = 0; i < sizeof unbound / sizeof *unbound; i++) {
        test_validate(NULL, CLAIM, UPDATE, "spec: {warmPoolRef: {name: pool-b}, env: [{name: B, value: x}]}\n",
                      unbound[i], &v);
        EXPECT_NO_CAUSES(&v);
        wp_verdict_free(&v);
    }
    /* CREATE never compares (there is no stored object). */
    test_validate(NULL, CLAIM, CREATE, "spec: {warmPoolRef: {name: pool-b}}\n", BOUND_OLD, &v);
    EXPECT_NO_CAUSES(&v);
    wp_verdict_free(&v);
    test_validate(NULL, CLAIM, UPDATE, "spec: {warmPoolRef: {name: pool-b}}\n", NULL, &v);
    EXPECT_NO_CAUSES(&v);
    wp_verdict_free(&v);
    /* null, absent and [] are the same list. */
    test_validate(NULL, CLAIM, UPDATE, "spec: {warmPoolRef: {name: a}, env: ~}\n",
                  "spec: {warmPoolRef: {name: a}, env: []}\nstatus: {sandbox: {name: s}}\n", &v);
    EXPECT_NO_CAUSES(&v);
    wp_verdict_free(&v);
}
END_TEST

/* ---- everything at once; the "is invalid" message --------------------- */

START_TEST(every_violation_is_reported)
{
    wp_verdict v;
    test_validate(NULL, CLAIM, CREATE,
                  "metadata: {name: my-claim}\n"
                  "spec:\n"
                  "  warmpool: default\n"
                  "  env: [{name: 1BAD, value: x}]\n"
                  "  lifecycle: {shutdownPolicy: Foo}\n"
                  "  additionalPodMetadata: {labels: {team: a}}\n",
                  NULL, &v);
    EXPECT_CAUSES(&v, {"spec.warmPoolRef.name", CAUSE_REQUIRED, "Required value"},
                  {"spec.warmpool", CAUSE_FORBIDDEN, LEGACY_MSG},
                  {"spec.env[0].name", CAUSE_INVALID, "Invalid value: \"1BAD\": " K8S_ENV_MSG},
                  {"spec.lifecycle.shutdownPolicy", CAUSE_NOT_SUPPORTED,
                   "Unsupported value: \"Foo\": supported values: \"Delete\", \"DeleteForeground\", \"Retain\""},
                  {"spec.additionalPodMetadata.labels[team]", CAUSE_FORBIDDEN, DOMAIN_MSG});
    char *message = wp_verdict_message(&v, "SandboxClaim", WP_GROUP_EXTENSIONS, "my-claim");
    ck_assert_str_eq(message,
                     "SandboxClaim.extensions.agents.x-k8s.io \"my-claim\" is invalid: [spec.warmPoolRef.name: "
                     "Required value, spec.warmpool: " LEGACY_MSG ", spec.env[0].name: Invalid value: \"1BAD\": "
                     K8S_ENV_MSG ", spec.lifecycle.shutdownPolicy: Unsupported value: \"Foo\": supported values: "
                     "\"Delete\", \"DeleteForeground\", \"Retain\", spec.additionalPodMetadata.labels[team]: "
                     DOMAIN_MSG "]");
    free(message);
    wp_verdict_free(&v);
}
END_TEST

START_TEST(broken_object_shapes)
{
    wp_verdict v;
    test_validate(NULL, CLAIM, CREATE, "spec: my-pool\n", NULL, &v);
    EXPECT_CAUSES(&v, {"spec", CAUSE_INVALID, "Invalid value: \"string\": must be of type object"});
    wp_verdict_free(&v);
    test_validate(NULL, CLAIM, CREATE, "[1, 2]\n", NULL, &v);
    EXPECT_CAUSES(&v, {"", CAUSE_INVALID, "Invalid value: \"array\": must be of type object"});
    wp_verdict_free(&v);
    v = (wp_verdict)WP_VERDICT_INIT;
    wp_rules_validate(NULL, CLAIM, CREATE, NULL, NULL, NULL, &v);
    EXPECT_CAUSES(&v, {"", CAUSE_REQUIRED, "Required value"});
    wp_verdict_free(&v);
}
END_TEST

/* ---- modes ------------------------------------------------------------- */

static wp_config *config_with(const char *rules_yaml)
{
    wp_yaml_error err;
    json_t *doc = wp_yaml_load_one(rules_yaml, strlen(rules_yaml), &err);
    ck_assert_ptr_nonnull(doc);
    char msg[256];
    wp_config *cfg = wp_config_from_json(doc, msg, sizeof msg);
    ck_assert_msg(cfg != NULL, "%s", msg);
    json_decref(doc);
    return cfg;
}

START_TEST(warn_mode_turns_causes_into_short_warnings)
{
    wp_config *cfg = config_with("rules: {claim.env: warn, claim.warmPoolRef: warn}\n");
    wp_verdict v;
    test_validate(cfg, CLAIM, CREATE,
                  "spec:\n  warmPoolRef: {name: Bad_Name}\n  env: [{name: 1BAD, value: x}, {name: A}]\n"
                  "  lifecycle: {shutdownPolicy: Foo}\n",
                  NULL, &v);
    /* The lifecycle group is still enforced. */
    EXPECT_CAUSES(&v, {"spec.lifecycle.shutdownPolicy", CAUSE_NOT_SUPPORTED,
                       "Unsupported value: \"Foo\": supported values: \"Delete\", \"DeleteForeground\", \"Retain\""});
    EXPECT_WARNINGS(&v,
                    "spec.warmPoolRef.name: Invalid value: \"Bad_Name\": a lowercase RFC 1123 subdomain must consist "
                    "of lower case alphanume...",
                    "spec.env[0].name: Invalid value: \"1BAD\": a valid environment variable name must consist of "
                    "alphabetic characters, dig...",
                    "spec.env[1].value: Required value");
    for (size_t i = 0; i < v.n_warnings; i++) ck_assert_uint_le(strlen(v.warnings[i]), 120);
    wp_verdict_free(&v);
    wp_config_unref(cfg);
}
END_TEST

START_TEST(off_mode_skips_the_group)
{
    wp_config *cfg = config_with("rules: {claim.env: off, claim.lifecycle: off, claim.legacyFields: \"off\"}\n");
    wp_verdict v;
    test_validate(cfg, CLAIM, CREATE,
                  "spec:\n  warmPoolRef: {name: p}\n  warmpool: none\n  env: [{name: 1BAD}]\n"
                  "  lifecycle: {shutdownTime: \"2020-01-01T00:00:00Z\", shutdownPolicy: Foo}\n"
                  "  volumeClaimTemplates: [{}]\n",
                  NULL, &v);
    /* No cause and no past-shutdown warning from the groups that are off. */
    EXPECT_CAUSES(&v, {"spec.volumeClaimTemplates[0].metadata.name", CAUSE_REQUIRED, "Required value"});
    ck_assert_uint_eq(v.n_warnings, 0);
    wp_verdict_free(&v);
    wp_config_unref(cfg);
}
END_TEST

START_TEST(broken_spec_follows_the_strictest_mode)
{
    wp_config *cfg = config_with("rules: {claim.warmPoolRef: off, claim.legacyFields: off, claim.env: off,\n"
                                 "  claim.volumeClaimTemplates: off, claim.lifecycle: off,\n"
                                 "  claim.additionalPodMetadata: warn, claim.immutableOnceBound: off}\n");
    wp_verdict v;
    test_validate(cfg, CLAIM, CREATE, "spec: 5\n", NULL, &v);
    EXPECT_NO_CAUSES(&v);
    EXPECT_WARNINGS(&v, "spec: Invalid value: \"integer\": must be of type object");
    wp_verdict_free(&v);
    wp_config_unref(cfg);
    cfg = config_with("rules: {claim.warmPoolRef: off, claim.legacyFields: off, claim.env: off,\n"
                      "  claim.volumeClaimTemplates: off, claim.lifecycle: off,\n"
                      "  claim.additionalPodMetadata: off, claim.immutableOnceBound: off}\n");
    test_validate(cfg, CLAIM, CREATE, "spec: 5\n", NULL, &v);
    EXPECT_NO_CAUSES(&v);
    ck_assert_uint_eq(v.n_warnings, 0);
    wp_verdict_free(&v);
    wp_config_unref(cfg);
}
END_TEST

/* ---- dispatch ---------------------------------------------------------- */

START_TEST(kinds_and_operations)
{
    ck_assert_int_eq(wp_kind_from_group_kind("extensions.agents.x-k8s.io", "SandboxClaim"), WP_KIND_SANDBOX_CLAIM);
    ck_assert_int_eq(wp_kind_from_group_kind("extensions.agents.x-k8s.io", "SandboxWarmPool"),
                     WP_KIND_SANDBOX_WARM_POOL);
    ck_assert_int_eq(wp_kind_from_group_kind("extensions.agents.x-k8s.io", "SandboxTemplate"),
                     WP_KIND_SANDBOX_TEMPLATE);
    ck_assert_int_eq(wp_kind_from_group_kind("agents.x-k8s.io", "SandboxClaim"), WP_KIND_OTHER);
    ck_assert_int_eq(wp_kind_from_group_kind("extensions.agents.x-k8s.io", "Sandbox"), WP_KIND_OTHER);
    ck_assert_int_eq(wp_kind_from_group_kind("extensions.agents.x-k8s.io", "sandboxclaim"), WP_KIND_OTHER);
    ck_assert_int_eq(wp_kind_from_group_kind(NULL, "SandboxClaim"), WP_KIND_OTHER);
    ck_assert_str_eq(wp_kind_name(WP_KIND_SANDBOX_WARM_POOL), "SandboxWarmPool");
    ck_assert_str_eq(wp_kind_name(WP_KIND_OTHER), "other");
    ck_assert_int_eq(wp_operation_parse("CREATE"), WP_OP_CREATE);
    ck_assert_int_eq(wp_operation_parse("UPDATE"), WP_OP_UPDATE);
    ck_assert_int_eq(wp_operation_parse("DELETE"), WP_OP_DELETE);
    ck_assert_int_eq(wp_operation_parse("CONNECT"), WP_OP_CONNECT);
    ck_assert_int_eq(wp_operation_parse("create"), WP_OP_OTHER);
    ck_assert_int_eq(wp_operation_parse(NULL), WP_OP_OTHER);
    ck_assert_str_eq(wp_operation_name(WP_OP_UPDATE), "UPDATE");
    ck_assert_str_eq(wp_operation_name(WP_OP_OTHER), "OTHER");
}
END_TEST

START_TEST(unhandled_kinds_and_operations_add_nothing)
{
    const char *bad = "spec: {env: 5, warmpool: x}\n";
    wp_operation ops[] = {WP_OP_DELETE, WP_OP_CONNECT, WP_OP_OTHER};
    wp_verdict v;
    for (size_t i = 0; i < 3; i++) {
        test_validate(NULL, CLAIM, ops[i], bad, bad, &v);
        ck_assert_uint_eq(v.n_causes + v.n_warnings, 0);
        wp_verdict_free(&v);
    }
    test_validate(NULL, WP_KIND_OTHER, CREATE, bad, NULL, &v);
    ck_assert_uint_eq(v.n_causes + v.n_warnings, 0);
    wp_verdict_free(&v);
}
END_TEST

TEST_MAIN("rules_claim", valid_claim_has_no_findings, warm_pool_ref_required, warm_pool_ref_name_is_an_object_name,
          warm_pool_ref_wrong_types, legacy_fields_forbidden, env_entry_rules, env_duplicates,
          env_duplicates_in_a_long_list, env_wrong_types, env_name_with_nul_byte, volume_claim_templates,
          lifecycle_rules, lifecycle_wrong_types, shutdown_time_in_the_past_warns_on_create, label_domains,
          label_domains_from_config, label_keys_and_values, sandbox_router_label_forbidden, annotation_rules,
          annotations_total_size, pod_metadata_wrong_types_and_duplicate_keys, bound_claim_fields_are_immutable,
          unchanged_or_unbound_claims_may_update, every_violation_is_reported, broken_object_shapes,
          warn_mode_turns_causes_into_short_warnings, off_mode_skips_the_group,
          broken_spec_follows_the_strictest_mode, kinds_and_operations, unhandled_kinds_and_operations_add_nothing)
