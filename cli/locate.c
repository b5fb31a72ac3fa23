/* Finding locations. See locate.h. */
#include "cli/locate.h"

#include <stdlib.h>
#include <string.h>

#include "common/verdict.h"

bool wp_cli_locate(const json_t *positions, const char *pointer, size_t *line, size_t *column)
{
    if (!positions) return false;
    size_t len = pointer ? strlen(pointer) : 0;
    char *p = wp_xalloc_check(malloc(len + 1));
    if (len) memcpy(p, pointer, len);
    p[len] = '\0';
    for (;;) {
        json_t *pos = json_object_get(positions, p);
        if (json_is_array(pos)) {
            *line = (size_t)json_integer_value(json_array_get(pos, 0));
            *column = (size_t)json_integer_value(json_array_get(pos, 1));
            free(p);
            return true;
        }
        if (p[0] == '\0') break;
        char *slash = strrchr(p, '/');
        if (!slash) break;
        *slash = '\0';
    }
    free(p);
    return false;
}

/* A growable string. */
typedef struct {
    char *s;
    size_t len, cap;
} buf;

static void put(buf *b, char c)
{
    if (b->len + 2 > b->cap) {
        b->cap = b->cap ? b->cap * 2 : 64;
        b->s = wp_xalloc_check(realloc(b->s, b->cap));
    }
    b->s[b->len++] = c;
    b->s[b->len] = '\0';
}

static void put_token_char(buf *b, char c)
{
    if (c == '~') { put(b, '~'); put(b, '0'); }
    else if (c == '/') { put(b, '~'); put(b, '1'); }
    else put(b, c);
}

static bool is_field_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-'
        || c == '$';
}

char *wp_cli_k8s_path_to_pointer(const char *s, size_t len)
{
    buf b = {0};
    size_t i = 0;
    bool need_field = true; /* a field name must come first and after each '.' */
    while (i < len) {
        if (s[i] == '[') {
            const char *close = memchr(s + i + 1, ']', len - i - 1);
            if (!close || need_field) goto not_a_path;
            put(&b, '/');
            for (const char *c = s + i + 1; c < close; c++) put_token_char(&b, *c);
            i = (size_t)(close - s) + 1;
            if (i < len && s[i] != '.' && s[i] != '[') goto not_a_path;
        } else if (s[i] == '.' && !need_field) {
            need_field = true;
            i++;
        } else if (is_field_char(s[i]) && need_field) {
            put(&b, '/');
            while (i < len && is_field_char(s[i])) put(&b, s[i++]);
            need_field = false;
            if (i < len && s[i] != '.' && s[i] != '[') goto not_a_path;
        } else {
            goto not_a_path;
        }
    }
    if (need_field) goto not_a_path;
    return b.s;
not_a_path:
    free(b.s);
    return NULL;
}

char *wp_cli_warning_pointer(const char *message)
{
    const char *colon = strstr(message, ": ");
    if (!colon || colon == message) return NULL;
    return wp_cli_k8s_path_to_pointer(message, (size_t)(colon - message));
}
