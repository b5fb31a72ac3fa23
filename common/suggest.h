/* "Did you mean": the known word closest to a mistyped one.
 *
 * Shared by every program's flag and command parsing (warmpool-webhook,
 * warmpoolctl), so a typo gets the same help everywhere. */
#ifndef WP_SUGGEST_H
#define WP_SUGGEST_H

#include <stddef.h>

/* Optimal string alignment distance (insertions, deletions, substitutions
 * and adjacent transpositions) between a and b, counting at most up to
 * limit + 1 (longer inputs are not compared past that). */
size_t wp_edit_distance(const char *a, const char *b, size_t limit);

/* The candidate closest to word when it is close enough to be a typo of
 * it: at most 1 edit for words of up to 4 characters, 2 up to 8, 3 beyond;
 * or a candidate that word is a prefix of (at least 3 characters). Ties go
 * to the earlier candidate. Returns a pointer into candidates (borrowed),
 * or NULL. */
const char *wp_suggest(const char *word, const char *const *candidates, size_t n);

/* Appends " (did you mean PREFIX<suggestion>?)" to buf (NUL-terminated,
 * size bytes) when wp_suggest finds one; prefix is "--" for flags, "" for
 * commands. Returns buf. */
char *wp_suggest_append(char *buf, size_t size, const char *prefix, const char *word,
                        const char *const *candidates, size_t n);

#endif
