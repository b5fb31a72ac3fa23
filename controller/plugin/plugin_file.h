/* The plugin configuration file (format in plugin_host.h): parsed and
 * checked as a whole before anything is loaded, so a typo is reported with
 * its place ("plugins.yaml: plugins[1].kind: ...") and nothing half-starts. */
#ifndef WP_PLUGIN_PLUGIN_FILE_H
#define WP_PLUGIN_PLUGIN_FILE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "warmpool/plugin.h"

typedef struct {
    char *name;           /* owned */
    wp_plugin_kind kind;
    char *path;           /* owned; relative paths already joined to base_dir */
    char *sha256;         /* owned, lowercase, or NULL */
    int64_t deadline_ms;
    int64_t cache_ttl_ms; /* digest-resolver */
    int workers;
    char *spool;          /* history-store: spool directory (owned), or NULL */
    bool isolated;        /* isolation: process */
    json_t *config;       /* owned reference, or NULL */
} wp_plugin_file_entry;

typedef struct {
    wp_plugin_file_entry *v; /* owned */
    size_t n;
} wp_plugin_file;

#define WP_PLUGIN_FILE_MAX_BYTES (1u << 20)
#define WP_PLUGIN_FILE_MAX_INSTANCES 64

/* Parses a document (from wp_yaml_load_*). origin names the file in
 * messages. Returns 0, or -1 with why filled ("<origin>: <where>: <what>"). */
int wp_plugin_file_parse(const json_t *doc, const char *origin, const char *base_dir,
                         wp_plugin_file *out, char *why, size_t why_size);
void wp_plugin_file_free(wp_plugin_file *f);

#endif
