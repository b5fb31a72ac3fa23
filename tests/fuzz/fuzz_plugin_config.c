/* Fuzzes the plugin configuration: the file (YAML -> instances) and each
 * instance's `config:` against a key table with every type. Any input gets
 * a result or a message naming the problem, never a crash or a leak. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "common/yaml.h"
#include "controller/plugin/plugin_conf.h"
#include "controller/plugin/plugin_file.h"

static const wp_plugin_config_key keys[] = {
    {"s", WP_PLUGIN_CONFIG_STRING, "x", "", 0},
    {"i", WP_PLUGIN_CONFIG_INT, "1", "", 0},
    {"b", WP_PLUGIN_CONFIG_BOOL, "true", "", 0},
    {"d", WP_PLUGIN_CONFIG_DURATION, "5s", "", 0},
    {"z", WP_PLUGIN_CONFIG_SIZE, "1Mi", "", 0},
    {"l", WP_PLUGIN_CONFIG_LIST, NULL, "", 0},
    {"m", WP_PLUGIN_CONFIG_MAP, NULL, "", 0},
    {"r", WP_PLUGIN_CONFIG_STRING, NULL, "", 1},
};
#define N_KEYS (sizeof keys / sizeof *keys)

static void read_all(const wp_plugin_config *cfg)
{
    int64_t i;
    uint64_t z;
    int b;
    const char *name, *value;
    (void)wp_plugin_conf_string(cfg, "s");
    (void)wp_plugin_conf_int(cfg, "i", &i);
    (void)wp_plugin_conf_bool(cfg, "b", &b);
    (void)wp_plugin_conf_duration_ms(cfg, "d", &i);
    (void)wp_plugin_conf_size(cfg, "z", &z);
    for (size_t k = 0; k < wp_plugin_conf_count(cfg, "l"); k++) (void)wp_plugin_conf_item(cfg, "l", k, &name, &value);
    for (size_t k = 0; k < wp_plugin_conf_count(cfg, "m"); k++) (void)wp_plugin_conf_item(cfg, "m", k, &name, &value);
    for (size_t k = 0; k < N_KEYS; k++) (void)wp_plugin_conf_text(cfg, k);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    wp_yaml_error yerr;
    json_t *doc = wp_yaml_load_one((const char *)data, size, &yerr);
    if (!doc) return 0;
    char why[768];
    wp_plugin_file f;
    if (wp_plugin_file_parse(doc, "fuzz.yaml", "/nonexistent", &f, why, sizeof why) == 0) {
        for (size_t i = 0; i < f.n; i++) {
            wp_plugin_config *cfg = wp_plugin_conf_build(keys, N_KEYS, f.v[i].config, why, sizeof why);
            if (cfg) read_all(cfg);
            else if (!why[0]) __builtin_trap();
            wp_plugin_conf_free(cfg);
        }
        wp_plugin_file_free(&f);
    } else if (!memchr(why, '\0', sizeof why) || why[0] == '\0') {
        __builtin_trap(); /* every failure explains itself */
    }
    /* The document itself as one instance's config. */
    wp_plugin_config *cfg = wp_plugin_conf_build(keys, N_KEYS, doc, why, sizeof why);
    if (cfg) read_all(cfg);
    wp_plugin_conf_free(cfg);
    json_decref(doc);
    return 0;
}
