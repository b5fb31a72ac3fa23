/* The part of ObjectMeta validation the API server applies to every custom
 * resource, which the CRD schema cannot express (its `metadata` is just
 * `type: object`): a name or generateName is required, the name is a
 * DNS-1123 subdomain, the namespace a DNS-1123 label, labels and
 * annotations are string maps with qualified-name keys (and label values
 * in the label-value format), and unknown metadata fields are refused.
 * The formats and their wording come from common/names.h. */
#ifndef WP_CLI_OBJMETA_H
#define WP_CLI_OBJMETA_H

#include <jansson.h>

#include "common/verdict.h"

/* Checks obj's metadata (borrowed) and appends causes to out. */
void wp_cli_objmeta_validate(const json_t *obj, wp_verdict *out);

#endif
