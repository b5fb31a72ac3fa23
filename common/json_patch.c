/* JSON Patch builder and applier. See json_patch.h. */
#include "common/json_patch.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/strbuf.h"
#include "common/verdict.h"

/* --- Building ---------------------------------------------------------- */

static void put_pointer_token(wp_sb *b, const char *token)
{
    for (const char *s = token;;) {
        size_t run = strcspn(s, "~/");
        wp_sb_putn(b, s, run);
        s += run;
        if (!*s) return;
        wp_sb_putn(b, *s == '~' ? "~0" : "~1", 2);
        s++;
    }
}

char *wp_json_pointer(const char *const *tokens, size_t n)
{
    wp_sb b = WP_SB_INIT;
    for (size_t i = 0; i < n; i++) {
        wp_sb_putc(&b, '/');
        put_pointer_token(&b, tokens[i]);
    }
    return wp_sb_finish(&b);
}

/* Appends {"op":op,"path":...} with the value as a json_t (value) or a
 * string (string), or none when both are NULL. */
static void write_op(wp_json_patch *p, const char *op, const char *const *tokens, size_t n, const json_t *value,
                     const char *string)
{
    wp_sb *b = &p->ops;
    if (p->size++ > 0) wp_sb_putc(b, ',');
    wp_sb_puts(b, "{\"op\":\"");
    wp_sb_puts(b, op);
    wp_sb_puts(b, "\",\"path\":");
    char *path = wp_json_pointer(tokens, n);
    wp_sb_json_string(b, path, strlen(path));
    free(path);
    if (value || string) wp_sb_puts(b, ",\"value\":");
    if (value) {
        char *text = wp_xalloc_check(json_dumps(value, JSON_COMPACT | JSON_ENCODE_ANY));
        wp_sb_puts(b, text);
        free(text);
    } else if (string) {
        wp_sb_json_string(b, string, strlen(string));
    }
    wp_sb_putc(b, '}');
}

void wp_json_patch_add(wp_json_patch *p, const char *const *tokens, size_t n, const json_t *value)
{
    write_op(p, "add", tokens, n, value, NULL);
}

void wp_json_patch_replace(wp_json_patch *p, const char *const *tokens, size_t n, const json_t *value)
{
    write_op(p, "replace", tokens, n, value, NULL);
}

void wp_json_patch_add_string(wp_json_patch *p, const char *const *tokens, size_t n, const char *value)
{
    write_op(p, "add", tokens, n, NULL, value);
}

void wp_json_patch_replace_string(wp_json_patch *p, const char *const *tokens, size_t n, const char *value)
{
    write_op(p, "replace", tokens, n, NULL, value);
}

void wp_json_patch_remove(wp_json_patch *p, const char *const *tokens, size_t n)
{
    write_op(p, "remove", tokens, n, NULL, NULL);
}

size_t wp_json_patch_size(const wp_json_patch *p) { return p->size; }

char *wp_json_patch_dump(const wp_json_patch *p, size_t *len)
{
    wp_sb b = WP_SB_INIT;
    wp_sb_reserve(&b, p->ops.len + 2);
    wp_sb_putc(&b, '[');
    wp_sb_putn(&b, p->ops.s ? p->ops.s : "", p->ops.len);
    wp_sb_putc(&b, ']');
    if (len) *len = b.len;
    return wp_sb_finish(&b);
}

void wp_json_patch_free(wp_json_patch *p)
{
    wp_sb_free(&p->ops);
    p->size = 0;
}

/* --- Applying ---------------------------------------------------------- */

typedef struct {
    char *err;
    size_t err_size;
} apply_ctx;

static bool failf(apply_ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static bool failf(apply_ctx *c, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    if (c->err_size) vsnprintf(c->err, c->err_size, fmt, ap);
    va_end(ap);
    return false;
}

/* Decodes one reference token ("a~1b" -> "a/b") into *token (malloc'd,
 * caller frees). False when '~' is not followed by '0' or '1'. */
static bool unescape_token(const char *s, size_t n, char **token)
{
    char *t = wp_xalloc_check(malloc(n + 1));
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] != '~') { t[o++] = s[i]; continue; }
        if (i + 1 < n && (s[i + 1] == '0' || s[i + 1] == '1')) {
            t[o++] = s[i + 1] == '0' ? '~' : '/';
            i++;
            continue;
        }
        free(t);
        return false;
    }
    t[o] = '\0';
    *token = t;
    return true;
}

/* An array index token: "0" or digits without a leading zero. */
static bool parse_index(const char *t, size_t *out)
{
    if (!*t || (t[0] == '0' && t[1])) return false;
    size_t v = 0;
    for (const char *s = t; *s; s++) {
        if (*s < '0' || *s > '9') return false;
        if (v > ((size_t)-1 - 9) / 10) return false;
        v = v * 10 + (size_t)(*s - '0');
    }
    *out = v;
    return true;
}

static json_t *child(json_t *node, const char *token)
{
    size_t i;
    if (json_is_object(node)) return json_object_get(node, token);
    if (json_is_array(node) && parse_index(token, &i)) return json_array_get(node, i);
    return NULL;
}

/* Resolves pointer ptr[0..n) in root. Returns the node (borrowed) or NULL. */
static json_t *resolve(json_t *root, const char *ptr, size_t n, apply_ctx *c)
{
    if (n > 0 && ptr[0] != '/') return failf(c, "invalid JSON pointer \"%.*s\"", (int)n, ptr), NULL;
    json_t *node = root;
    size_t i = 0;
    while (node && i < n) {
        size_t start = ++i;
        while (i < n && ptr[i] != '/') i++;
        char *token;
        if (!unescape_token(ptr + start, i - start, &token))
            return failf(c, "invalid JSON pointer \"%.*s\"", (int)n, ptr), NULL;
        node = child(node, token);
        free(token);
    }
    if (!node) failf(c, "path \"%.*s\" does not exist", (int)n, ptr);
    return node;
}

/* Finds the container a path ends in and the path's last token. */
static bool split_target(json_t *root, const char *path, json_t **parent, char **token, apply_ctx *c)
{
    *parent = NULL;
    *token = NULL;
    const char *slash = strrchr(path, '/');
    if (!slash) return failf(c, "invalid JSON pointer \"%s\"", path);
    *parent = resolve(root, path, (size_t)(slash - path), c);
    if (!*parent) return false;
    if (!unescape_token(slash + 1, strlen(slash + 1), token))
        return failf(c, "invalid JSON pointer \"%s\"", path);
    return true;
}

/* add: value is stolen. *root may be replaced (path ""). */
static bool op_add(json_t **root, const char *path, json_t *value, apply_ctx *c)
{
    if (!*path) {
        json_decref(*root);
        *root = value;
        return true;
    }
    json_t *parent;
    char *token;
    if (!split_target(*root, path, &parent, &token, c)) return json_decref(value), false;
    size_t i;
    bool ok = true;
    if (json_is_object(parent)) {
        json_object_set_new(parent, token, value);
    } else if (json_is_array(parent) && strcmp(token, "-") == 0) {
        json_array_append_new(parent, value);
    } else if (json_is_array(parent) && parse_index(token, &i) && i <= json_array_size(parent)) {
        json_array_insert_new(parent, i, value);
    } else {
        json_decref(value);
        ok = failf(c, "cannot add at \"%s\"", path);
    }
    free(token);
    return ok;
}

/* remove: when taken is not NULL, the removed value is returned in it (a
 * new reference) instead of released. */
static bool op_remove(json_t *root, const char *path, json_t **taken, apply_ctx *c)
{
    json_t *parent;
    char *token;
    if (!*path) return failf(c, "cannot remove the whole document");
    if (!split_target(root, path, &parent, &token, c)) return false;
    json_t *target = child(parent, token);
    bool ok = target != NULL;
    if (!ok) {
        failf(c, "path \"%s\" does not exist", path);
    } else {
        if (taken) *taken = json_incref(target);
        size_t i;
        if (json_is_object(parent)) json_object_del(parent, token);
        else if (parse_index(token, &i)) json_array_remove(parent, i);
    }
    free(token);
    return ok;
}

static bool op_replace(json_t **root, const char *path, json_t *value, apply_ctx *c)
{
    if (*path && !op_remove(*root, path, NULL, c)) return json_decref(value), false;
    return op_add(root, path, value, c);
}

static bool is_proper_prefix(const char *prefix, const char *path)
{
    size_t n = strlen(prefix);
    return strncmp(prefix, path, n) == 0 && path[n] == '/';
}

static bool apply_one(json_t **root, const json_t *op, size_t index, apply_ctx *c)
{
    const char *name = json_string_value(json_object_get(op, "op"));
    const char *path = json_string_value(json_object_get(op, "path"));
    const char *from = json_string_value(json_object_get(op, "from"));
    json_t *value = json_object_get(op, "value");
    if (!json_is_object(op) || !name || !path) return failf(c, "operation %zu: needs \"op\" and \"path\"", index);
    bool needs_value = !strcmp(name, "add") || !strcmp(name, "replace") || !strcmp(name, "test");
    bool needs_from = !strcmp(name, "move") || !strcmp(name, "copy");
    if (needs_value && !value) return failf(c, "operation %zu: \"%s\" needs \"value\"", index, name);
    if (needs_from && !from) return failf(c, "operation %zu: \"%s\" needs \"from\"", index, name);

    if (!strcmp(name, "add")) return op_add(root, path, json_deep_copy(value), c);
    if (!strcmp(name, "remove")) return op_remove(*root, path, NULL, c);
    if (!strcmp(name, "replace")) return op_replace(root, path, json_deep_copy(value), c);
    if (!strcmp(name, "test")) {
        json_t *target = resolve(*root, path, strlen(path), c);
        if (!target) return false;
        return json_equal(target, value) ? true : failf(c, "operation %zu: test at \"%s\" failed", index, path);
    }
    if (!strcmp(name, "copy")) {
        json_t *src = resolve(*root, from, strlen(from), c);
        return src && op_add(root, path, json_deep_copy(src), c);
    }
    if (!strcmp(name, "move")) {
        if (!strcmp(from, path)) return resolve(*root, from, strlen(from), c) != NULL;
        if (!*from || is_proper_prefix(from, path))
            return failf(c, "operation %zu: cannot move \"%s\" into itself", index, from);
        json_t *moved;
        return op_remove(*root, from, &moved, c) && op_add(root, path, moved, c);
    }
    return failf(c, "operation %zu: unknown op \"%s\"", index, name);
}

json_t *wp_json_patch_apply(const json_t *doc, const json_t *patch, char *err, size_t err_size)
{
    apply_ctx c = {err, err_size};
    if (!json_is_array(patch)) return failf(&c, "a JSON Patch is an array of operations"), NULL;
    json_t *root = wp_xalloc_check(json_deep_copy(doc));
    for (size_t i = 0; i < json_array_size(patch); i++) {
        if (!apply_one(&root, json_array_get(patch, i), i, &c)) {
            json_decref(root);
            return NULL;
        }
    }
    return root;
}
