/* migrate: exact results on small fixtures (comments, quoting, flow style,
 * JSON, anchors, shadow pools, idempotence, modes, symlinks, dry runs). */
#include <check.h>
#include <jansson.h>
#include <string.h>
#include <sys/stat.h>

#include "cli_test_util.h"

#define CLAIM_HEAD "apiVersion: extensions.agents.x-k8s.io/v1beta1\nkind: SandboxClaim\nmetadata:\n  name: c\n"
#define POOL(name, tmpl)                                                                            \
    "apiVersion: extensions.agents.x-k8s.io/v1beta1\nkind: SandboxWarmPool\nmetadata:\n  name: " name \
    "\nspec:\n  sandboxTemplateRef:\n    name: " tmpl "\n"

/* Migrates one file holding `before` and checks the file then holds
 * `after` (NULL: unchanged), the exit status, and that stderr mentions
 * `err_has` (when not NULL). Returns the temp dir for more checks; the
 * caller removes it. */
static char *migrate_one(const char *before, const char *after, int rc, const char *err_has)
{
    char *dir = make_temp_dir();
    write_file(dir, "m.yaml", before);
    run_result r = run_cli("migrate", dir, NULL);
    ck_assert_msg(r.rc == rc, "rc %d, stderr: %s", r.rc, r.err);
    if (err_has) ck_assert_msg(strstr(r.err, err_has) != NULL, "stderr: %s", r.err);
    char *got = read_file_in(dir, "m.yaml");
    ck_assert_str_eq(got, after ? after : before);
    free(got);
    run_result_free(&r);
    return dir;
}

static void migrate_ok(const char *before, const char *after)
{
    char *dir = migrate_one(before, after, 0, NULL);
    rm_tree(dir);
    free(dir);
}

static void left_alone(const char *before, const char *why)
{
    char *dir = migrate_one(before, NULL, 1, why);
    rm_tree(dir);
    free(dir);
}

START_TEST(named_pool_keeps_comments_and_layout)
{
    migrate_ok(CLAIM_HEAD
               "spec:\n"
               "  # which template\n"
               "  sandboxTemplateRef:\n"
               "    name: t   # keep me\n"
               "  warmpool: pool-a   # named\n"
               "  lifecycle: {shutdownPolicy: Delete}\n",
               CLAIM_HEAD
               "spec:\n"
               "  # which template\n"
               "  warmPoolRef:\n"
               "    name: pool-a   # keep me\n"
               "  lifecycle: {shutdownPolicy: Delete}\n");
}
END_TEST

START_TEST(quoting_styles_are_kept)
{
    migrate_ok(CLAIM_HEAD "spec:\n  warmpool: \"pool-b\"\n  \"sandboxTemplateRef\":\n    name: 't'\n",
               CLAIM_HEAD "spec:\n  \"warmPoolRef\":\n    name: 'pool-b'\n");
    /* a name that would read as a number plain gets quotes */
    migrate_ok(CLAIM_HEAD "spec:\n  sandboxTemplateRef:\n    name: t\n  warmpool: '123'\n",
               CLAIM_HEAD "spec:\n  warmPoolRef:\n    name: \"123\"\n");
}
END_TEST

START_TEST(flow_style_is_edited_in_place)
{
    migrate_ok(CLAIM_HEAD "spec: {sandboxTemplateRef: {name: t}, warmpool: p}\n",
               CLAIM_HEAD "spec: {warmPoolRef: {name: p}}\n");
    migrate_ok(CLAIM_HEAD "spec: {warmpool: p,  sandboxTemplateRef: {name: t}, env: []}\n",
               CLAIM_HEAD "spec: {warmPoolRef: {name: p}, env: []}\n");
    /* plain "?x" in block context, but in a flow mapping a leading '?' is
     * the explicit-key indicator: the name moving there gets quotes (found
     * by fuzz_migrate) */
    migrate_ok(CLAIM_HEAD "spec:\n  sandboxTemplateRef: {name: t}\n  warmpool: ?x\n",
               CLAIM_HEAD "spec:\n  warmPoolRef: {name: \"?x\"}\n");
}
END_TEST

START_TEST(json_stays_json)
{
    char *dir = make_temp_dir();
    write_file(dir, "c.json",
               "{\n  \"apiVersion\": \"extensions.agents.x-k8s.io/v1alpha1\",\n  \"kind\": \"SandboxClaim\",\n"
               "  \"metadata\": {\"name\": \"j\"},\n  \"spec\": {\n    \"sandboxTemplateRef\": {\"name\": \"t\"},\n"
               "    \"warmpool\": \"p\"\n  }\n}\n");
    write_file(dir, "s.json",
               "{\"apiVersion\": \"agents.x-k8s.io/v1alpha1\", \"kind\": \"Sandbox\", \"metadata\": {\"name\": \"s\"},\n"
               " \"spec\": {\"replicas\": 0, \"podTemplate\": {\"spec\": {}}}}\n");
    run_result r = run_cli("migrate", dir, NULL);
    ck_assert_int_eq(r.rc, 0);
    char *c = read_file_in(dir, "c.json"), *s = read_file_in(dir, "s.json");
    ck_assert_str_eq(c, "{\n  \"apiVersion\": \"extensions.agents.x-k8s.io/v1beta1\",\n  \"kind\": \"SandboxClaim\",\n"
                        "  \"metadata\": {\"name\": \"j\"},\n  \"spec\": {\n    \"warmPoolRef\": {\"name\": \"p\"}\n  }\n}\n");
    ck_assert_str_eq(s, "{\"apiVersion\": \"agents.x-k8s.io/v1beta1\", \"kind\": \"Sandbox\", \"metadata\": {\"name\": \"s\"},\n"
                        " \"spec\": {\"operatingMode\": \"Suspended\", \"podTemplate\": {\"spec\": {}}}}\n");
    json_t *parsed = json_loads(c, 0, NULL);
    ck_assert_ptr_nonnull(parsed); /* still valid JSON */
    json_decref(parsed);
    free(c);
    free(s);
    run_result_free(&r);
    rm_tree(dir);
    free(dir);
}
END_TEST

START_TEST(anchors_aliases_merges_and_block_scalars_are_left_alone)
{
    left_alone(CLAIM_HEAD "spec:\n  sandboxTemplateRef: &ref\n    name: t\n  warmpool: p\n", "anchor");
    left_alone(CLAIM_HEAD "  labels: &same {}\nspec:\n  sandboxTemplateRef:\n    name: t\n  warmpool: *x\n",
               "invalid YAML"); /* an unknown alias does not even parse */
    left_alone(CLAIM_HEAD "  annotations: {a: &p pool}\nspec:\n  sandboxTemplateRef:\n    name: t\n  warmpool: *p\n",
               "alias");
    left_alone(CLAIM_HEAD "x-defaults: &d\n  sandboxTemplateRef: {name: t}\nspec:\n  <<: *d\n  warmpool: p\n",
               "merge key");
    left_alone(CLAIM_HEAD "spec:\n  sandboxTemplateRef:\n    name: |\n      t\n  warmpool: p\n", "block scalar");
    left_alone(CLAIM_HEAD "spec:\n  warmPoolRef: {name: p}\n  warmpool: p\n", "has both spec.warmPoolRef");
    left_alone(CLAIM_HEAD "spec:\n  warmpool: p\n", "template is unknown");
}
END_TEST

START_TEST(default_uses_the_one_matching_pool)
{
    char *dir = make_temp_dir();
    write_file(dir, "pools.yaml", POOL("only", "t") "---\n" POOL("other", "u") "---\n"
               "apiVersion: extensions.agents.x-k8s.io/v1beta1\nkind: SandboxWarmPool\n"
               "metadata: {name: elsewhere, namespace: prod}\nspec: {sandboxTemplateRef: {name: t}}\n");
    write_file(dir, "c.yaml", CLAIM_HEAD "spec:\n  sandboxTemplateRef:\n    name: t\n  warmpool: default\n"
               "---\n" CLAIM_HEAD "spec:\n  sandboxTemplateRef:\n    name: t\n");
    run_result r = run_cli("migrate", dir, NULL);
    ck_assert_int_eq(r.rc, 0);
    char *c = read_file_in(dir, "c.yaml");
    ck_assert_str_eq(c, CLAIM_HEAD "spec:\n  warmPoolRef:\n    name: only\n"
                        "---\n" CLAIM_HEAD "spec:\n  warmPoolRef:\n    name: only\n");
    free(c);
    ck_assert_ptr_null(read_file_in(dir, "shadow-pool-t.yaml"));
    run_result_free(&r);
    rm_tree(dir);
    free(dir);
}
END_TEST

static const char shadow_t[] =
    "# Written by warmpoolctl migrate for claims that used spec.warmpool \"none\"\n"
    "# (or \"default\" without exactly one pool for the template). replicas 0\n"
    "# keeps no sandbox warm: every claim cold-starts from the template.\n"
    "apiVersion: extensions.agents.x-k8s.io/v1beta1\n"
    "kind: SandboxWarmPool\n"
    "metadata:\n"
    "  name: shadow-pool-t\n"
    "%s"
    "  annotations:\n"
    "    agents.x-k8s.io/migration-shadow: \"true\"\n"
    "    agents.x-k8s.io/migration-source-template: t\n"
    "spec:\n"
    "  replicas: 0\n"
    "  sandboxTemplateRef:\n"
    "    name: t\n";

START_TEST(none_and_chosen_default_get_a_shadow_pool)
{
    char *dir = make_temp_dir();
    write_file(dir, "pools.yaml", POOL("a", "t") "---\n" POOL("b", "t"));
    write_file(dir, "claims/c.yaml",
               CLAIM_HEAD "spec:\n  sandboxTemplateRef:\n    name: t\n  warmpool: default\n"
               "---\n" CLAIM_HEAD "  namespace: team\nspec:\n  sandboxTemplateRef:\n    name: t\n  warmpool: none\n");
    /* two pools of t: "default" is not guessed; the other claim still migrates */
    run_result r = run_cli("migrate", "--dry-run", dir, NULL);
    ck_assert_int_eq(r.rc, 1);
    ck_assert_msg(strstr(r.err, "2 pools in namespace default match: \"a\"") != NULL, "%s", r.err);
    ck_assert_ptr_nonnull(strstr(r.err, "dry run: 1 object migrated"));
    run_result_free(&r);
    r = run_cli("migrate", "--pool-for", "default/t=none", dir, NULL);
    ck_assert_msg(r.rc == 0, "%s", r.err);
    char *c = read_file_in(dir, "claims/c.yaml");
    ck_assert_str_eq(c, CLAIM_HEAD "spec:\n  warmPoolRef:\n    name: shadow-pool-t\n"
                        "---\n" CLAIM_HEAD "  namespace: team\nspec:\n  warmPoolRef:\n    name: shadow-pool-t\n");
    char *shadow = read_file_in(dir, "claims/shadow-pool-t.yaml");
    char *one = NULL, *two = NULL, *want = NULL;
    ck_assert_int_ge(asprintf(&one, shadow_t, ""), 0);
    ck_assert_int_ge(asprintf(&two, shadow_t, "  namespace: team\n"), 0);
    ck_assert_int_ge(asprintf(&want, "%s---\n%s", one, two), 0);
    ck_assert_str_eq(shadow, want);
    ck_assert_ptr_nonnull(strstr(r.out, "2 objects migrated, 1 file changed, 1 file created"));
    free(c);
    free(shadow);
    free(one);
    free(two);
    free(want);
    run_result_free(&r);

    /* running again changes nothing */
    r = run_cli("migrate", dir, NULL);
    ck_assert_int_eq(r.rc, 0);
    ck_assert_str_eq(r.out, "0 objects migrated, 0 files changed, 0 files created\n");
    run_result_free(&r);
    rm_tree(dir);
    free(dir);
}
END_TEST

START_TEST(shadow_pools_already_there_are_not_written)
{
    char *dir = make_temp_dir();
    write_file(dir, "keep.yaml", POOL("shadow-pool-t", "t"));
    write_file(dir, "c.yaml", CLAIM_HEAD "spec:\n  sandboxTemplateRef:\n    name: t\n  warmpool: none\n");
    run_result r = run_cli("migrate", dir, NULL);
    ck_assert_int_eq(r.rc, 0);
    ck_assert_ptr_null(read_file_in(dir, "shadow-pool-t.yaml"));
    run_result_free(&r);
    rm_tree(dir);
    free(dir);

    /* a file of that name that does not define it is not overwritten */
    dir = make_temp_dir();
    write_file(dir, "shadow-pool-t.yaml", "# mine\n");
    write_file(dir, "c.yaml", CLAIM_HEAD "spec:\n  sandboxTemplateRef:\n    name: t\n  warmpool: none\n");
    char *c_path = path_in(dir, "c.yaml");
    r = run_cli("migrate", c_path, NULL);
    ck_assert_int_eq(r.rc, 1);
    ck_assert_ptr_nonnull(strstr(r.err, "the file exists and does not define the shadow pool"));
    char *mine = read_file_in(dir, "shadow-pool-t.yaml");
    ck_assert_str_eq(mine, "# mine\n");
    free(mine);
    free(c_path);
    run_result_free(&r);
    rm_tree(dir);
    free(dir);
}
END_TEST

START_TEST(sandbox_replicas_become_operating_mode)
{
    const char *head = "apiVersion: agents.x-k8s.io/v1alpha1\nkind: Sandbox\nmetadata:\n  name: s\nspec:\n";
    const char *head2 = "apiVersion: agents.x-k8s.io/v1beta1\nkind: Sandbox\nmetadata:\n  name: s\nspec:\n";
    char *before = NULL, *after = NULL;
    ck_assert_int_ge(asprintf(&before, "%s  replicas: 1 # on\n  podTemplate: {spec: {}}\n", head), 0);
    ck_assert_int_ge(asprintf(&after, "%s  operatingMode: Running # on\n  podTemplate: {spec: {}}\n", head2), 0);
    migrate_ok(before, after);
    free(before);
    free(after);
    ck_assert_int_ge(asprintf(&before, "%s  podTemplate: {spec: {}}\n", head), 0);
    ck_assert_int_ge(asprintf(&after, "%s  podTemplate: {spec: {}}\n", head2), 0);
    migrate_ok(before, after);
    free(before);
    free(after);
    ck_assert_int_ge(asprintf(&before, "%s  replicas: 2\n  podTemplate: {spec: {}}\n", head), 0);
    left_alone(before, "spec.replicas must be 0 or 1");
    free(before);
}
END_TEST

START_TEST(v1alpha1_pools_and_templates_change_version_only)
{
    migrate_ok("apiVersion: \"extensions.agents.x-k8s.io/v1alpha1\"  # quoted\nkind: SandboxWarmPool\n"
               "metadata: {name: p}\nspec:\n  replicas: 3\n  sandboxTemplateRef: {name: t}\n",
               "apiVersion: \"extensions.agents.x-k8s.io/v1beta1\"  # quoted\nkind: SandboxWarmPool\n"
               "metadata: {name: p}\nspec:\n  replicas: 3\n  sandboxTemplateRef: {name: t}\n");
    migrate_ok("kind: SandboxTemplate\napiVersion: extensions.agents.x-k8s.io/v1alpha1\nmetadata: {name: t}\n",
               "kind: SandboxTemplate\napiVersion: extensions.agents.x-k8s.io/v1beta1\nmetadata: {name: t}\n");
    /* other groups' v1alpha1 objects are not ours */
    migrate_ok("apiVersion: example.com/v1alpha1\nkind: SandboxClaim\nmetadata: {name: x}\n", NULL);
}
END_TEST

START_TEST(list_items_and_non_ascii_text)
{
    migrate_ok("apiVersion: v1\nkind: List\nitems:\n"
               "- apiVersion: extensions.agents.x-k8s.io/v1beta1\n  kind: SandboxClaim\n"
               "  metadata: {name: c, annotations: {note: \"caf\xC3\xA9 \xE2\x82\xAC\"}}\n"
               "  spec:\n    sandboxTemplateRef: {name: t}   # \xC3\xA9\n    warmpool: p\n",
               "apiVersion: v1\nkind: List\nitems:\n"
               "- apiVersion: extensions.agents.x-k8s.io/v1beta1\n  kind: SandboxClaim\n"
               "  metadata: {name: c, annotations: {note: \"caf\xC3\xA9 \xE2\x82\xAC\"}}\n"
               "  spec:\n    warmPoolRef: {name: p}   # \xC3\xA9\n");
}
END_TEST

START_TEST(broken_documents_do_not_stop_the_others)
{
    char *dir = migrate_one("a: [1\n---\n" CLAIM_HEAD "spec:\n  sandboxTemplateRef: {name: t}\n  warmpool: p\n",
                            "a: [1\n---\n" CLAIM_HEAD "spec:\n  warmPoolRef: {name: p}\n", 1, "invalid YAML");
    rm_tree(dir);
    free(dir);
}
END_TEST

START_TEST(mode_and_symlinks_are_preserved)
{
    char *dir = make_temp_dir();
    write_file(dir, "real/c.yaml", CLAIM_HEAD "spec:\n  sandboxTemplateRef: {name: t}\n  warmpool: p\n");
    char *real = path_in(dir, "real/c.yaml"), *link = path_in(dir, "link.yaml");
    ck_assert_int_eq(chmod(real, 0640), 0);
    ck_assert_int_eq(symlink(real, link), 0);
    run_result r = run_cli("migrate", link, NULL);
    ck_assert_int_eq(r.rc, 0);
    struct stat st;
    ck_assert_int_eq(lstat(link, &st), 0);
    ck_assert(S_ISLNK(st.st_mode)); /* the link stays a link */
    ck_assert_int_eq(stat(real, &st), 0);
    ck_assert_int_eq(st.st_mode & 07777, 0640);
    char *c = read_file_in(dir, "real/c.yaml");
    ck_assert_str_eq(c, CLAIM_HEAD "spec:\n  warmPoolRef: {name: p}\n");
    free(c);
    free(real);
    free(link);
    run_result_free(&r);
    rm_tree(dir);
    free(dir);
}
END_TEST

START_TEST(dry_run_prints_a_diff_and_writes_nothing)
{
    char *dir = make_temp_dir();
    const char *text = "# a claim\n" CLAIM_HEAD "spec:\n  sandboxTemplateRef:\n    name: t\n  warmpool: none\n"
                       "  env:\n  - {name: A, value: b}\n  - {name: C, value: d}\n  - {name: E, value: f}\n"
                       "  - {name: G, value: h}\n";
    write_file(dir, "c.yaml", text);
    char *path = path_in(dir, "c.yaml");
    run_result r = run_cli("migrate", "--dry-run", path, NULL);
    ck_assert_int_eq(r.rc, 0);
    char *want = NULL;
    ck_assert_int_ge(asprintf(&want,
                              "--- %s\n+++ %s\n@@ -4,9 +4,8 @@\n"
                              " metadata:\n"
                              "   name: c\n"
                              " spec:\n"
                              "-  sandboxTemplateRef:\n"
                              "-    name: t\n"
                              "-  warmpool: none\n"
                              "+  warmPoolRef:\n"
                              "+    name: shadow-pool-t\n"
                              "   env:\n"
                              "   - {name: A, value: b}\n"
                              "   - {name: C, value: d}\n"
                              "--- /dev/null\n+++ %s/shadow-pool-t.yaml\n@@ -0,0 +1,14 @@\n",
                              path, path, dir), 0);
    ck_assert_msg(strncmp(r.out, want, strlen(want)) == 0, "got:\n%s", r.out);
    ck_assert_ptr_nonnull(strstr(r.err, "dry run: 1 object migrated, 1 file changed, 1 file created"));
    char *after = read_file_in(dir, "c.yaml");
    ck_assert_str_eq(after, text);
    ck_assert_ptr_null(read_file_in(dir, "shadow-pool-t.yaml"));
    free(after);
    free(want);
    free(path);
    run_result_free(&r);
    rm_tree(dir);
    free(dir);
}
END_TEST

START_TEST(usage_errors)
{
    run_result r = run_cli("migrate", NULL);
    ck_assert_int_eq(r.rc, 2);
    ck_assert_ptr_nonnull(strstr(r.err, "no PATH given"));
    run_result_free(&r);
    r = run_cli("migrate", "-", NULL);
    ck_assert_int_eq(r.rc, 2);
    run_result_free(&r);
    r = run_cli("migrate", "/nonexistent/warmpool", NULL);
    ck_assert_int_eq(r.rc, 2);
    ck_assert_ptr_nonnull(strstr(r.err, "/nonexistent/warmpool: cannot access"));
    run_result_free(&r);
    r = run_cli("migrate", "--help", NULL);
    ck_assert_int_eq(r.rc, 0);
    ck_assert_ptr_nonnull(strstr(r.out, "Usage: warmpoolctl migrate"));
    run_result_free(&r);
}
END_TEST

TEST_MAIN("migrate", named_pool_keeps_comments_and_layout, quoting_styles_are_kept,
          flow_style_is_edited_in_place, json_stays_json,
          anchors_aliases_merges_and_block_scalars_are_left_alone, default_uses_the_one_matching_pool,
          none_and_chosen_default_get_a_shadow_pool, shadow_pools_already_there_are_not_written,
          sandbox_replicas_become_operating_mode, v1alpha1_pools_and_templates_change_version_only,
          list_items_and_non_ascii_text, broken_documents_do_not_stop_the_others,
          mode_and_symlinks_are_preserved, dry_run_prints_a_diff_and_writes_nothing, usage_errors)
