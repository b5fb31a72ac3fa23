/* Test helper: walks the upstream examples ($WP_REFERENCE_DIR/examples) and
 * hands every document of a kind the engine handles to a callback, so each
 * examples test says only what it checks. */
#ifndef WP_EXAMPLES_TESTING_H
#define WP_EXAMPLES_TESTING_H

#include <check.h>
#include <ftw.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/rules.h"
#include "common/yaml.h"

/* One example object: its file, document number, kind and API group
 * ("extensions.agents.x-k8s.io"), and the object itself (borrowed). */
typedef struct {
    const char *path;
    size_t index;
    wp_kind kind;
    const char *group;
    const json_t *object;
} test_example;

typedef void (*test_example_fn)(const test_example *example, void *ctx);

static struct {
    test_example_fn fn;
    void *ctx;
    const char *path;
    size_t *counts;
} test_examples_walk;

static inline int test_examples_document(void *unused, const wp_yaml_doc *doc)
{
    (void)unused;
    const char *api_version = json_string_value(json_object_get(doc->root, "apiVersion"));
    const char *kind_name = json_string_value(json_object_get(doc->root, "kind"));
    const char *slash = api_version ? strchr(api_version, '/') : NULL;
    if (!slash || !kind_name) return 0;
    char group[128];
    snprintf(group, sizeof group, "%.*s", (int)(slash - api_version), api_version);
    wp_kind kind = wp_kind_from_group_kind(group, kind_name);
    if (kind == WP_KIND_OTHER) return 0;
    test_examples_walk.counts[kind]++;
    test_example example = {test_examples_walk.path, doc->index, kind, group, doc->root};
    test_examples_walk.fn(&example, test_examples_walk.ctx);
    return 0;
}

static inline int test_examples_visit(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
    (void)ftw;
    size_t n = strlen(path);
    bool yaml = (n > 5 && strcmp(path + n - 5, ".yaml") == 0) || (n > 4 && strcmp(path + n - 4, ".yml") == 0);
    if (type != FTW_F || !yaml) return 0;
    FILE *f = fopen(path, "rb");
    ck_assert_msg(f != NULL, "cannot open %s", path);
    char *buf = malloc((size_t)st->st_size + 1);
    size_t got = fread(buf, 1, (size_t)st->st_size, f);
    fclose(f);
    test_examples_walk.path = path;
    wp_yaml_error err;
    int rc = wp_yaml_parse(buf, got, 1, 0, test_examples_document, NULL, &err);
    ck_assert_msg(rc == 0, "%s:%zu: %s", path, err.line, err.message);
    free(buf);
    return 0;
}

/* Calls fn for every example object and counts them by kind in counts[]
 * (indexed by wp_kind). Returns false, calling nothing, when the examples
 * folder does not exist: the caller reports the test as skipped. */
static inline bool test_each_example(test_example_fn fn, void *ctx, size_t counts[4])
{
    const char *ref = getenv("WP_REFERENCE_DIR");
    char dir[4096];
    snprintf(dir, sizeof dir, "%s/examples", ref ? ref : "");
    struct stat st;
    if (!ref || stat(dir, &st) != 0) {
        fprintf(stderr, "skipped: no reference examples at %s\n", dir);
        return false;
    }
    test_examples_walk.fn = fn;
    test_examples_walk.ctx = ctx;
    test_examples_walk.counts = counts;
    ck_assert_int_eq(nftw(dir, test_examples_visit, 16, FTW_PHYS), 0);
    /* The walk really found objects of every kind. */
    ck_assert_uint_gt(counts[WP_KIND_SANDBOX_CLAIM], 0);
    ck_assert_uint_gt(counts[WP_KIND_SANDBOX_WARM_POOL], 0);
    ck_assert_uint_gt(counts[WP_KIND_SANDBOX_TEMPLATE], 0);
    return true;
}

#endif
