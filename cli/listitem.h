/* Lists in manifests, as kubectl reads them: `kind: List` (apiVersion v1)
 * and typed lists (`kind: SandboxClaimList`) whose items may leave
 * apiVersion and kind out: they are then the list's, kind without "List".
 * validate and migrate both read items through this, so the two commands
 * agree on what a list holds. */
#ifndef WP_CLI_LISTITEM_H
#define WP_CLI_LISTITEM_H

#include <jansson.h>
#include <stdbool.h>

/* True when doc is a mapping whose kind ends in "List" and whose items is a
 * sequence. */
bool wp_cli_is_list(const json_t *doc);

/* item as the API server reads it inside list: a new reference to item
 * itself when it names its own apiVersion and kind, else to a shallow copy
 * with the missing ones taken from the list. The caller decrefs. */
json_t *wp_cli_list_item(const json_t *list, json_t *item);

#endif
