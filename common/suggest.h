/* "Did you mean ...?" for a mistyped command, flag value or rule name: the
 * closest candidate by edit distance (insertions, deletions, substitutions
 * and swaps of two neighbours count one each), when it is close enough to
 * be a typo rather than another word. Shared by warmpoolctl and the
 * webhook so both suggest alike. */
#ifndef WP_SUGGEST_H
#define WP_SUGGEST_H

#include <stddef.h>

/* The candidate closest to typed, or NULL when none is within
 * max(1, strlen(typed) / 3) edits (ties: the first). Candidates are
 * compared without regard to ASCII case; a candidate that typed is a
 * prefix of (3 characters at least) also counts as close. Borrowed from
 * candidates. */
const char *wp_suggest(const char *typed, const char *const *candidates, size_t n);

/* Appends " (did you mean PREFIX<suggestion>?)" to buf (NUL-terminated,
 * size bytes) when wp_suggest finds one; prefix is "--" for flags, "" for
 * commands. Returns buf. */
char *wp_suggest_append(char *buf, size_t size, const char *prefix, const char *word,
                        const char *const *candidates, size_t n);

#endif
