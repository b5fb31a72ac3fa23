/* An instance's config checked against the declared keys. See plugin_conf.h. */
#include "controller/plugin/plugin_conf.h"

#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/flag_parser.h"
#include "common/strbuf.h"
#include "common/verdict.h"
#include "common/yaml.h"
#include "controller/plugin/plugin_lib.h"

typedef struct {
    const wp_plugin_config_key *key;
    bool present;
    char *text;        /* normalized text of any type; owned */
    int64_t i;         /* INT, DURATION (ms), BOOL (0/1) */
    uint64_t size;     /* SIZE */
    char **names;      /* MAP keys; owned */
    char **items;      /* LIST items / MAP values; owned */
    size_t n;
} conf_value;

struct wp_plugin_config {
    conf_value *v;
    size_t n;
};

static bool valid_key_name(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > 63) return false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '.' || c == '-'))
            return false;
    }
    return true;
}

/* Parses text as a scalar of the key's type into v. 0 or -1. */
static int parse_text(conf_value *v, const char *s)
{
    switch (v->key->type) {
    case WP_PLUGIN_CONFIG_STRING: return 0;
    case WP_PLUGIN_CONFIG_INT: {
        char *end;
        errno = 0;
        long long x = strtoll(s, &end, 10);
        if (errno || end == s || *end) return -1;
        v->i = x;
        return 0;
    }
    case WP_PLUGIN_CONFIG_BOOL: {
        bool b;
        if (wp_flag_parse_bool(s, &b) != 0) return -1;
        v->i = b;
        return 0;
    }
    case WP_PLUGIN_CONFIG_DURATION: {
        long long ms;
        if (wp_flag_parse_duration_ms(s, &ms) != 0 || ms < 0) return -1;
        v->i = ms;
        return 0;
    }
    case WP_PLUGIN_CONFIG_SIZE: {
        size_t z;
        if (wp_flag_parse_size(s, &z) != 0) return -1;
        v->size = z;
        return 0;
    }
    default: return -1;
    }
}

/* The text of a JSON scalar (strings as is, numbers and booleans in their
 * JSON spelling); NULL for null, arrays and objects. Caller frees. */
static char *scalar_text(const json_t *j)
{
    if (json_is_string(j)) return wp_xalloc_check(strdup(json_string_value(j)));
    if (json_is_integer(j) || json_is_real(j) || json_is_boolean(j))
        return json_dumps(j, JSON_ENCODE_ANY);
    return NULL;
}

static int set_collection(conf_value *v, const json_t *j, char *why, size_t why_size)
{
    bool map = v->key->type == WP_PLUGIN_CONFIG_MAP;
    size_t n = map ? json_object_size(j) : json_array_size(j);
    v->items = wp_xalloc_check(calloc(n + 1, sizeof *v->items));
    v->names = wp_xalloc_check(calloc(n + 1, sizeof *v->names));
    wp_sb text = WP_SB_INIT;
    const char *k;
    json_t *item;
    size_t i = 0;
    json_object_foreach((json_t *)j, k, item) { /* MAP; a no-op on an array */
        v->n = i + 1;
        v->names[i] = wp_xalloc_check(strdup(k));
        if (!(v->items[i] = scalar_text(item))) {
            snprintf(why, why_size, "config key \"%s\": the value of \"%.64s\" is %s, expected a string or number",
                     v->key->name, k, wp_yaml_type_name(item));
            goto bad;
        }
        wp_sb_printf(&text, "%s%s=%s", i ? ", " : "", k, v->items[i]);
        i++;
    }
    if (!map) {
        json_array_foreach(j, i, item) {
            v->n = i + 1;
            if (!(v->items[i] = scalar_text(item))) {
                snprintf(why, why_size, "config key \"%s\": item %zu is %s, expected a string or number",
                         v->key->name, i, wp_yaml_type_name(item));
                goto bad;
            }
            wp_sb_printf(&text, "%s%s", i ? ", " : "", v->items[i]);
        }
    }
    v->text = wp_sb_finish(&text);
    return 0;
bad:
    wp_sb_free(&text);
    return -1;
}

/* Sets v from the operator's JSON value. 0 or -1 with why. */
static int set_value(conf_value *v, const json_t *j, char *why, size_t why_size)
{
    int t = v->key->type;
    v->present = true;
    if (t == WP_PLUGIN_CONFIG_LIST || t == WP_PLUGIN_CONFIG_MAP) {
        if ((t == WP_PLUGIN_CONFIG_LIST && json_is_array(j)) || (t == WP_PLUGIN_CONFIG_MAP && json_is_object(j)))
            return set_collection(v, j, why, why_size);
        snprintf(why, why_size, "config key \"%s\": expected a %s, got %s", v->key->name,
                 t == WP_PLUGIN_CONFIG_LIST ? "list" : "mapping", wp_yaml_type_name(j));
        return -1;
    }
    v->text = scalar_text(j);
    bool wrong_json = (t == WP_PLUGIN_CONFIG_INT && json_is_real(j)) ||
                      (t == WP_PLUGIN_CONFIG_BOOL && json_is_number(j)) ||
                      (t != WP_PLUGIN_CONFIG_BOOL && t != WP_PLUGIN_CONFIG_STRING && json_is_boolean(j));
    if (!v->text || wrong_json || parse_text(v, v->text) != 0) {
        snprintf(why, why_size, "config key \"%s\": expected %s %s, got %s%s%.64s%s", v->key->name,
                 t == WP_PLUGIN_CONFIG_INT ? "an" : "a", wp_plugin_config_type_name(t), wp_yaml_type_name(j),
                 v->text ? " (" : "", v->text ? v->text : "", v->text ? ")" : "");
        return -1;
    }
    return 0;
}

int wp_plugin_conf_check_keys(const wp_plugin_config_key *keys, size_t n, char *why, size_t why_size)
{
    for (size_t i = 0; i < n; i++) {
        const wp_plugin_config_key *k = &keys[i];
        if (!k->name || !valid_key_name(k->name)) {
            snprintf(why, why_size, "config key %zu has an invalid name (1-63 of [A-Za-z0-9_.-])", i);
            return -1;
        }
        if (k->type < WP_PLUGIN_CONFIG_STRING || k->type > WP_PLUGIN_CONFIG_MAP) {
            snprintf(why, why_size, "config key \"%s\" has unknown type %d", k->name, k->type);
            return -1;
        }
        for (size_t j = 0; j < i; j++) {
            if (strcmp(keys[j].name, k->name) == 0) {
                snprintf(why, why_size, "config key \"%s\" is declared twice", k->name);
                return -1;
            }
        }
        if (k->def && !k->required) {
            conf_value v = {.key = k};
            int bad = k->type >= WP_PLUGIN_CONFIG_LIST || parse_text(&v, k->def) != 0;
            if (bad) {
                snprintf(why, why_size, "config key \"%s\": default \"%.64s\" is not a valid %s",
                         k->name, k->def, wp_plugin_config_type_name(k->type));
                return -1;
            }
        }
    }
    return 0;
}

static void unknown_key_message(const wp_plugin_config_key *keys, size_t n, const char *name,
                                char *why, size_t why_size)
{
    wp_sb b = WP_SB_INIT;
    wp_sb_printf(&b, "unknown config key \"%.64s\" (", name);
    if (n == 0) wp_sb_puts(&b, "this plugin takes no config");
    for (size_t i = 0; i < n; i++) wp_sb_printf(&b, "%s%s", i ? ", " : "known: ", keys[i].name);
    wp_sb_putc(&b, ')');
    snprintf(why, why_size, "%s", b.s);
    wp_sb_free(&b);
}

wp_plugin_config *wp_plugin_conf_build(const wp_plugin_config_key *keys, size_t n,
                                       const json_t *given, char *why, size_t why_size)
{
    if (given && !json_is_object(given) && !json_is_null(given)) {
        snprintf(why, why_size, "config must be a mapping, not %s", wp_yaml_type_name(given));
        return NULL;
    }
    const char *name;
    json_t *val;
    json_object_foreach((json_t *)given, name, val) {
        size_t i = 0;
        while (i < n && strcmp(keys[i].name, name) != 0) i++;
        if (i == n) {
            unknown_key_message(keys, n, name, why, why_size);
            return NULL;
        }
    }
    wp_plugin_config *cfg = wp_xalloc_check(calloc(1, sizeof *cfg));
    cfg->v = wp_xalloc_check(calloc(n + 1, sizeof *cfg->v));
    cfg->n = n;
    for (size_t i = 0; i < n; i++) {
        conf_value *v = &cfg->v[i];
        v->key = &keys[i];
        const json_t *j = json_object_get(given, keys[i].name);
        if (j && !json_is_null(j)) {
            if (set_value(v, j, why, why_size) != 0) goto fail;
        } else if (keys[i].required) {
            snprintf(why, why_size, "missing required config key \"%s\" (%s: %s)", keys[i].name,
                     wp_plugin_config_type_name(keys[i].type), keys[i].description ? keys[i].description : "");
            goto fail;
        } else if (keys[i].def && keys[i].type < WP_PLUGIN_CONFIG_LIST) {
            v->present = true;
            v->text = wp_xalloc_check(strdup(keys[i].def));
            parse_text(v, v->text); /* checked at load */
        }
    }
    return cfg;
fail:
    wp_plugin_conf_free(cfg);
    return NULL;
}

void wp_plugin_conf_free(wp_plugin_config *cfg)
{
    if (!cfg) return;
    for (size_t i = 0; i < cfg->n; i++) {
        conf_value *v = &cfg->v[i];
        for (size_t j = 0; j < v->n; j++) {
            free(v->items[j]);
            if (v->names) free(v->names[j]);
        }
        free(v->items);
        free(v->names);
        free(v->text);
    }
    free(cfg->v);
    free(cfg);
}

const char *wp_plugin_conf_text(const wp_plugin_config *cfg, size_t i)
{
    return i < cfg->n && cfg->v[i].present ? cfg->v[i].text : NULL;
}

/* The present value of key with type t, or NULL. */
static const conf_value *find(const wp_plugin_config *cfg, const char *key, int t)
{
    if (!cfg || !key) return NULL;
    for (size_t i = 0; i < cfg->n; i++) {
        const conf_value *v = &cfg->v[i];
        if (strcmp(v->key->name, key) == 0) return v->present && v->key->type == t ? v : NULL;
    }
    return NULL;
}

const char *wp_plugin_conf_string(const wp_plugin_config *cfg, const char *key)
{
    const conf_value *v = find(cfg, key, WP_PLUGIN_CONFIG_STRING);
    return v ? v->text : NULL;
}

static int get_i64(const wp_plugin_config *cfg, const char *key, int t, int64_t *out)
{
    const conf_value *v = find(cfg, key, t);
    if (v && out) *out = v->i;
    return v != NULL;
}

int wp_plugin_conf_int(const wp_plugin_config *cfg, const char *key, int64_t *out)
{
    return get_i64(cfg, key, WP_PLUGIN_CONFIG_INT, out);
}

int wp_plugin_conf_bool(const wp_plugin_config *cfg, const char *key, int *out)
{
    int64_t b;
    int ok = get_i64(cfg, key, WP_PLUGIN_CONFIG_BOOL, &b);
    if (ok && out) *out = (int)b;
    return ok;
}

int wp_plugin_conf_duration_ms(const wp_plugin_config *cfg, const char *key, int64_t *out)
{
    return get_i64(cfg, key, WP_PLUGIN_CONFIG_DURATION, out);
}

int wp_plugin_conf_size(const wp_plugin_config *cfg, const char *key, uint64_t *out)
{
    const conf_value *v = find(cfg, key, WP_PLUGIN_CONFIG_SIZE);
    if (v && out) *out = v->size;
    return v != NULL;
}

static const conf_value *find_collection(const wp_plugin_config *cfg, const char *key)
{
    const conf_value *v = find(cfg, key, WP_PLUGIN_CONFIG_LIST);
    return v ? v : find(cfg, key, WP_PLUGIN_CONFIG_MAP);
}

size_t wp_plugin_conf_count(const wp_plugin_config *cfg, const char *key)
{
    const conf_value *v = find_collection(cfg, key);
    return v ? v->n : 0;
}

int wp_plugin_conf_item(const wp_plugin_config *cfg, const char *key, size_t i, const char **name,
                        const char **value)
{
    const conf_value *v = find_collection(cfg, key);
    if (!v || i >= v->n) return 0;
    if (name) *name = v->key->type == WP_PLUGIN_CONFIG_MAP ? v->names[i] : NULL;
    if (value) *value = v->items[i];
    return 1;
}
