/* Opening one plugin library: the file checks, the optional SHA-256 pin,
 * dlopen(RTLD_NOW | RTLD_LOCAL), the entry symbol, and every check of the
 * descriptor and its config key table. What passes is copied into host
 * memory (the descriptor read as min(its size, ours)), so nothing later
 * reads plugin structs at offsets the plugin did not promise. */
#ifndef WP_PLUGIN_PLUGIN_LIB_H
#define WP_PLUGIN_PLUGIN_LIB_H

#include <stdbool.h>
#include <stddef.h>

#include "controller/plugin/plugin_host.h"

typedef struct {
    char *path;                   /* owned: the path as configured */
    void *dl;                     /* dlopen handle */
    wp_plugin_descriptor desc;    /* host copy; members past the plugin's size are 0 */
    wp_plugin_config_key *keys;   /* owned copy of the rows (strings still the plugin's) */
    size_t n_keys;
} wp_plugin_lib;

/* Opens and checks path for the instance named `instance` (used in every
 * message: "plugin <instance> (<path>): <reason>"). sha256_pin: 64 hex
 * digits or NULL. Returns a new lib (free with wp_plugin_lib_close) or NULL
 * with err filled. */
wp_plugin_lib *wp_plugin_lib_open(const char *instance, const char *path, const char *sha256_pin,
                                  bool skip_file_checks, wp_plugin_error *err);

/* dlcloses (unless unload is false or the plugin asked for NO_UNLOAD) and
 * frees. NULL is a no-op. */
void wp_plugin_lib_close(wp_plugin_lib *lib, bool unload);

/* "hook" | "digest-resolver" | "history-store"; "unknown" otherwise. */
const char *wp_plugin_kind_name(int kind);
/* The inverse; false for anything else. */
bool wp_plugin_kind_parse(const char *s, wp_plugin_kind *out);
/* "string", "int", "bool", "duration", "size", "list", "map". */
const char *wp_plugin_config_type_name(int type);

/* Formats "plugin <instance> (<path>): <fmt...>" into err. */
void wp_plugin_error_set(wp_plugin_error *err, wp_plugin_error_code code, const char *instance,
                         const char *path, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

#endif
