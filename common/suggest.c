/* Typo suggestions. See suggest.h. */
#include "common/suggest.h"

#include <stdio.h>
#include <string.h>

/* Words compared are flag and command names: short. Longer inputs are
 * compared on their first WORD_MAX bytes. */
#define WORD_MAX 64

static size_t min3(size_t a, size_t b, size_t c)
{
    size_t m = a < b ? a : b;
    return m < c ? m : c;
}

size_t wp_edit_distance(const char *a, const char *b, size_t limit)
{
    size_t la = strnlen(a, WORD_MAX), lb = strnlen(b, WORD_MAX);
    if ((la > lb ? la - lb : lb - la) > limit) return limit + 1;
    /* Three rows of the dynamic programme: i-2, i-1, i. */
    size_t rows[3][WORD_MAX + 1];
    size_t *prev2 = rows[0], *prev = rows[1], *cur = rows[2];
    for (size_t j = 0; j <= lb; j++) prev[j] = j;
    for (size_t i = 1; i <= la; i++) {
        cur[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t cost = a[i - 1] != b[j - 1];
            cur[j] = min3(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost);
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] && prev2[j - 2] + 1 < cur[j])
                cur[j] = prev2[j - 2] + 1;
        }
        size_t *t = prev2;
        prev2 = prev;
        prev = cur;
        cur = t;
    }
    return prev[lb] > limit ? limit + 1 : prev[lb];
}

const char *wp_suggest(const char *word, const char *const *candidates, size_t n)
{
    size_t len = strnlen(word, WORD_MAX);
    size_t limit = len <= 4 ? 1 : len <= 8 ? 2 : 3;
    const char *best = NULL;
    size_t best_distance = limit + 1;
    for (size_t i = 0; i < n; i++) {
        size_t d = wp_edit_distance(word, candidates[i], limit);
        if (d < best_distance) {
            best = candidates[i];
            best_distance = d;
        }
    }
    if (best || len < 3) return best;
    for (size_t i = 0; i < n; i++)
        if (strncmp(candidates[i], word, len) == 0) return candidates[i];
    return NULL;
}

char *wp_suggest_append(char *buf, size_t size, const char *prefix, const char *word,
                        const char *const *candidates, size_t n)
{
    const char *s = wp_suggest(word, candidates, n);
    size_t used = strlen(buf);
    if (s && used < size) snprintf(buf + used, size - used, " (did you mean %s%s?)", prefix, s);
    return buf;
}
