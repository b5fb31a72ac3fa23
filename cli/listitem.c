/* List items. See listitem.h. */
#include "cli/listitem.h"

#include <string.h>

#include "common/verdict.h"

bool wp_cli_is_list(const json_t *doc)
{
    const char *kind = json_string_value(json_object_get(doc, "kind"));
    if (!kind) return false;
    size_t n = strlen(kind);
    return n >= 4 && strcmp(kind + n - 4, "List") == 0 && json_is_array(json_object_get(doc, "items"));
}

json_t *wp_cli_list_item(const json_t *list, json_t *item)
{
    const char *list_kind = json_string_value(json_object_get(list, "kind"));
    const json_t *api_version = json_object_get(list, "apiVersion");
    bool typed = list_kind && strcmp(list_kind, "List") != 0;
    bool need_av = !json_object_get(item, "apiVersion") && json_is_string(api_version);
    bool need_kind = typed && !json_object_get(item, "kind");
    if (!json_is_object(item) || (!need_av && !need_kind)) return json_incref(item);
    json_t *copy = wp_xalloc_check(json_copy(item));
    if (need_av) json_object_set(copy, "apiVersion", (json_t *)api_version);
    if (need_kind)
        json_object_set_new(copy, "kind", wp_xalloc_check(json_stringn(list_kind, strlen(list_kind) - 4)));
    return copy;
}
