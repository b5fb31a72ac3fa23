/* A YAML document as source text: every node with its byte range, style
 * and anchor, so a tool can rewrite one scalar or drop one mapping entry
 * and leave every other byte of the file alone (warmpoolctl migrate).
 * Values are not resolved (wp_yaml_parse does that); this is about where
 * things are.
 *
 * Built from libyaml's events. Their marks count characters (after a
 * leading byte order mark, which they skip), so offsets are converted to
 * bytes for non-ASCII input. UTF-8 only: UTF-16 input is refused. */
#ifndef WP_CLI_YSOURCE_H
#define WP_CLI_YSOURCE_H

#include <stdbool.h>
#include <stddef.h>

#include "common/yaml.h"

typedef enum { WP_YNODE_SCALAR, WP_YNODE_MAPPING, WP_YNODE_SEQUENCE, WP_YNODE_ALIAS } wp_ynode_type;

typedef enum {
    WP_YSTYLE_PLAIN, WP_YSTYLE_SINGLE, WP_YSTYLE_DOUBLE, WP_YSTYLE_LITERAL, WP_YSTYLE_FOLDED, /* scalars */
    WP_YSTYLE_BLOCK, WP_YSTYLE_FLOW,                                                          /* collections */
} wp_ystyle;

typedef struct wp_ynode wp_ynode;
struct wp_ynode {
    wp_ynode_type type;
    wp_ystyle style;
    size_t start, end;      /* byte offsets in the whole buffer: [start, end) */
    size_t line, column;    /* 1-based, where the node starts */
    bool anchored;          /* carries an &anchor */
    bool tagged;            /* carries an explicit !tag */
    bool in_flow;           /* inside a flow collection (JSON is all flow) */
    char *value;            /* scalar: its value (NUL-terminated); alias: the anchor name */
    wp_ynode **children;    /* mapping: key, value, key, value...; sequence: items */
    size_t n_children;
};

typedef struct wp_ysource wp_ysource;

/* Parses the one document in buf[offset, offset + len) (buf is the whole
 * file, so node offsets are file offsets; first_line is the line of
 * buf[offset]). Returns a new tree (free with wp_ysource_free) or NULL with
 * err filled. */
wp_ysource *wp_ysource_parse(const char *buf, size_t offset, size_t len, size_t first_line, wp_yaml_error *err);

void wp_ysource_free(wp_ysource *s);

/* True when s starts with a UTF-16 byte order mark (FF FE or FE FF):
 * text libyaml reads, but whose marks cannot be mapped to bytes. */
bool wp_ysource_is_utf16(const char *s, size_t len);

/* The document's root node, or NULL for an empty document. Borrowed. */
const wp_ynode *wp_ysource_root(const wp_ysource *s);

/* In a mapping, the value node for key (a scalar key with that value), or
 * NULL. With key_out, also the key node. */
const wp_ynode *wp_ynode_get(const wp_ynode *map, const char *key, const wp_ynode **key_out);

/* True when the mapping has a "<<" merge key. */
bool wp_ynode_has_merge(const wp_ynode *map);

#endif
