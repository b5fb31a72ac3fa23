/* Byte-range edits to a file's text, applied in one pass, and the unified
 * diff they make. The diff is computed from the edits themselves (the
 * lines they touch), so it is exact and lists only changed lines. */
#ifndef WP_CLI_EDITS_H
#define WP_CLI_EDITS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

typedef struct {
    size_t start, end; /* replace buf[start, end) ... */
    char *text;        /* ... with this (owned) */
} wp_cli_edit;

typedef struct {
    wp_cli_edit *items;
    size_t n, cap;
} wp_cli_edits;

#define WP_CLI_EDITS_INIT {0}

/* Adds an edit (text is copied). Returns false when it overlaps one
 * already added (nothing is added then). */
bool wp_cli_edits_add(wp_cli_edits *e, size_t start, size_t end, const char *text);

/* Drops edits from index n on (to undo a document's edits). */
void wp_cli_edits_truncate(wp_cli_edits *e, size_t n);

void wp_cli_edits_free(wp_cli_edits *e);

/* Applies the edits to buf. Returns a new malloc'd, NUL-terminated buffer
 * with its length in *out_len. */
char *wp_cli_edits_apply(wp_cli_edits *e, const char *buf, size_t len, size_t *out_len);

/* Writes the unified diff (3 lines of context) the edits make to buf.
 * old_name/new_name label the ---/+++ lines. */
void wp_cli_edits_diff(FILE *out, wp_cli_edits *e, const char *buf, size_t len, const char *old_name,
                       const char *new_name);

/* Writes a unified diff that creates a file holding text. */
void wp_cli_diff_new_file(FILE *out, const char *name, const char *text, size_t len);

#endif
