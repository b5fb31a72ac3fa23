/* Rewriting YAML source in place, node by node (warmpoolctl migrate): a
 * scalar replaced in its own quoting style, a mapping entry cut out with
 * its line (block style) or its comma (flow style, JSON), and the checks
 * that say when a node cannot be edited safely (anchors, aliases, tags,
 * merge keys, block scalars). Edits go to a wp_cli_edits list; nothing is
 * applied here. */
#ifndef WP_CLI_YEDIT_H
#define WP_CLI_YEDIT_H

#include <stdbool.h>
#include <stddef.h>

#include "cli/edits.h"
#include "cli/ysource.h"

typedef struct {
    const char *data;      /* the whole file */
    size_t len;
    bool json;             /* a JSON file: new string values are written quoted */
    wp_cli_edits *edits;   /* where the edits go */
    char why[320];         /* after a call returned false: what is wrong... */
    const wp_ynode *where; /* ...and where (may stay as set by the caller) */
} wp_cli_yedit;

/* Records why (printf-style) and where; returns false. */
bool wp_cli_yedit_fail(wp_cli_yedit *e, const wp_ynode *where, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* True when n is a scalar this tool may rewrite (no anchor, alias, tag or
 * block style); `what` names it in the failure. */
bool wp_cli_yedit_scalar_ok(wp_cli_yedit *e, const wp_ynode *n, const char *what);
/* True when n is a mapping this tool may edit inside (no anchor, alias,
 * tag or merge key). */
bool wp_cli_yedit_mapping_ok(wp_cli_yedit *e, const wp_ynode *n, const char *what);

/* Replaces n's source text with text, as is. */
bool wp_cli_yedit_replace(wp_cli_yedit *e, const wp_ynode *n, const char *text);
/* Replaces scalar n with the string text written in n's style (single or
 * double quotes kept; plain when that reads back as the same string). */
bool wp_cli_yedit_replace_like(wp_cli_yedit *e, const wp_ynode *n, const char *text);
/* Replaces a non-string scalar (a number) with the string text. */
bool wp_cli_yedit_replace_string(wp_cli_yedit *e, const wp_ynode *n, const char *text);
/* Replaces the last occurrence of old inside n's source text with text. */
bool wp_cli_yedit_replace_last(wp_cli_yedit *e, const wp_ynode *n, const char *old, const char *text);
/* Removes the entry `key` (a scalar value) from mapping map. */
bool wp_cli_yedit_drop_entry(wp_cli_yedit *e, const wp_ynode *map, const char *key);

/* text as a YAML scalar for new content: plain when it reads back as the
 * same string, else double-quoted. Returns a new malloc'd string. */
char *wp_cli_yaml_scalar(const char *text);
/* text as a double-quoted (JSON) string. Returns a new malloc'd string. */
char *wp_cli_yaml_double_quoted(const char *text);

#endif
