/* Finding locations. See locate.h. */
#include "cli/locate.h"

#include <stdlib.h>
#include <string.h>

#include "common/strbuf.h"
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

static void put_token_char(wp_sb *b, char c)
{
    if (c == '~') wp_sb_puts(b, "~0");
    else if (c == '/') wp_sb_puts(b, "~1");
    else wp_sb_putc(b, c);
}

static bool is_field_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-'
        || c == '$';
}

char *wp_cli_k8s_path_to_pointer(const char *s, size_t len)
{
    wp_sb b = WP_SB_INIT;
    size_t i = 0;
    bool need_field = true; /* a field name must come first and after each '.' */
    while (i < len) {
        if (s[i] == '[') {
            const char *close = memchr(s + i + 1, ']', len - i - 1);
            if (!close || need_field) goto not_a_path;
            wp_sb_putc(&b, '/');
            for (const char *c = s + i + 1; c < close; c++) put_token_char(&b, *c);
            i = (size_t)(close - s) + 1;
            if (i < len && s[i] != '.' && s[i] != '[') goto not_a_path;
        } else if (s[i] == '.' && !need_field) {
            need_field = true;
            i++;
        } else if (is_field_char(s[i]) && need_field) {
            wp_sb_putc(&b, '/');
            while (i < len && is_field_char(s[i])) wp_sb_putc(&b, s[i++]);
            need_field = false;
            if (i < len && s[i] != '.' && s[i] != '[') goto not_a_path;
        } else {
            goto not_a_path;
        }
    }
    if (need_field) goto not_a_path;
    return wp_sb_finish(&b);
not_a_path:
    wp_sb_free(&b);
    return NULL;
}

char *wp_cli_warning_pointer(const char *message)
{
    /* The path is the first word ("spec.x[0].image \"y\" is not pinned",
     * "spec.x: not pinned"); it names a field below the root, so a lone word
     * ("shutdownTime is in the past") is not taken for one. */
    size_t n = strcspn(message, " ");
    if (n > 0 && message[n - 1] == ':') n--;
    if (n == 0 || !memchr(message, '.', n)) return NULL;
    return wp_cli_k8s_path_to_pointer(message, n);
}
