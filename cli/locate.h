/* From a finding's JSON Pointer to the line and column in the file.
 *
 * wp_yaml_parse records where every node starts (pointer -> [line, column]).
 * A finding about a missing field has no node of its own; it is placed at
 * the nearest ancestor that exists, which is where the field would go. */
#ifndef WP_CLI_LOCATE_H
#define WP_CLI_LOCATE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

/* Looks pointer up in positions (borrowed), trying ancestors until one is
 * found. Returns false when not even the root has a position. */
bool wp_cli_locate(const json_t *positions, const char *pointer, size_t *line, size_t *column);

/* Converts a Kubernetes field path ("spec.env[1].name",
 * "metadata.labels[app/x]") to a JSON Pointer ("/spec/env/1/name",
 * "/metadata/labels/app~1x"). Returns a new malloc'd string, or NULL when s
 * is not a field path. */
char *wp_cli_k8s_path_to_pointer(const char *s, size_t len);

/* When a free-text warning starts with a field path below the root
 * ("spec.containers[0].image: not pinned", "spec.x \"y\" is ..."), returns
 * that path's pointer (malloc'd); else NULL. */
char *wp_cli_warning_pointer(const char *message);

#endif
