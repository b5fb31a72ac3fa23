/* An instance's config: the operator's `config:` mapping checked against
 * the keys the plugin declares (Fluent Bit's config map, nginx's
 * directive table), defaults applied, values parsed once. The plugin reads
 * it through the config_* services, which are the accessors below. */
#ifndef WP_PLUGIN_PLUGIN_CONF_H
#define WP_PLUGIN_PLUGIN_CONF_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "warmpool/plugin.h"

/* Checks a declared key table: names, types, duplicates, defaults that
 * parse. 0, or -1 with the problem in why. */
int wp_plugin_conf_check_keys(const wp_plugin_config_key *keys, size_t n, char *why,
                              size_t why_size);

/* Builds the config from the operator's mapping (NULL or an object).
 * Refuses unknown keys, missing required keys and wrong types. Returns a
 * new config (free with wp_plugin_conf_free) or NULL with why filled. The
 * key rows are borrowed and must outlive the config. */
wp_plugin_config *wp_plugin_conf_build(const wp_plugin_config_key *keys, size_t n,
                                       const json_t *given, char *why, size_t why_size);
void wp_plugin_conf_free(wp_plugin_config *cfg);

/* The effective value of key i as text ("8080", "5000ms", "a, b",
 * "k=v, ..."), or NULL when absent: for `plugin check`. Borrowed. */
const char *wp_plugin_conf_text(const wp_plugin_config *cfg, size_t i);

/* The services (see wp_plugin_services in the ABI header). */
const char *wp_plugin_conf_string(const wp_plugin_config *cfg, const char *key);
int wp_plugin_conf_int(const wp_plugin_config *cfg, const char *key, int64_t *out);
int wp_plugin_conf_bool(const wp_plugin_config *cfg, const char *key, int *out);
int wp_plugin_conf_duration_ms(const wp_plugin_config *cfg, const char *key, int64_t *out);
int wp_plugin_conf_size(const wp_plugin_config *cfg, const char *key, uint64_t *out);
size_t wp_plugin_conf_count(const wp_plugin_config *cfg, const char *key);
int wp_plugin_conf_item(const wp_plugin_config *cfg, const char *key, size_t i, const char **name,
                        const char **value);

#endif
