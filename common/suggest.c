/* Typo suggestions. See suggest.h. */
#include "common/suggest.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#define MAX_LEN 64 /* longer words are not typos of a command name */

/* Optimal string alignment distance (Damerau-Levenshtein without repeated
 * edits of one substring), case-insensitive. */
static size_t distance(const char *a, const char *b)
{
    size_t n = strlen(a), m = strlen(b);
    if (n > MAX_LEN || m > MAX_LEN) return (size_t)-1;
    size_t d[MAX_LEN + 1][MAX_LEN + 1];
    for (size_t i = 0; i <= n; i++) d[i][0] = i;
    for (size_t j = 0; j <= m; j++) d[0][j] = j;
    for (size_t i = 1; i <= n; i++)
        for (size_t j = 1; j <= m; j++) {
            size_t cost = tolower((unsigned char)a[i - 1]) != tolower((unsigned char)b[j - 1]);
            size_t best = d[i - 1][j] + 1;
            if (d[i][j - 1] + 1 < best) best = d[i][j - 1] + 1;
            if (d[i - 1][j - 1] + cost < best) best = d[i - 1][j - 1] + cost;
            if (i > 1 && j > 1 && tolower((unsigned char)a[i - 1]) == tolower((unsigned char)b[j - 2])
                && tolower((unsigned char)a[i - 2]) == tolower((unsigned char)b[j - 1]) && d[i - 2][j - 2] + 1 < best)
                best = d[i - 2][j - 2] + 1;
            d[i][j] = best;
        }
    return d[n][m];
}

const char *wp_suggest(const char *typed, const char *const *candidates, size_t n)
{
    size_t len = strlen(typed), limit = len / 3 > 1 ? len / 3 : 1;
    const char *best = NULL;
    size_t best_d = limit + 1;
    for (size_t i = 0; i < n; i++) {
        size_t d = distance(typed, candidates[i]);
        if (len >= 3 && strncasecmp(candidates[i], typed, len) == 0 && d > limit) d = limit; /* a prefix */
        if (d < best_d) best = candidates[i], best_d = d;
    }
    return best;
}

char *wp_suggest_append(char *buf, size_t size, const char *prefix, const char *word,
                        const char *const *candidates, size_t n)
{
    const char *s = wp_suggest(word, candidates, n);
    size_t used = strlen(buf);
    if (s && used < size) snprintf(buf + used, size - used, " (did you mean %s%s?)", prefix, s);
    return buf;
}
