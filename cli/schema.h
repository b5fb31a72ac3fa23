/* A structural-schema validator: checks an object the way the API server
 * checks a custom resource against its CRD's openAPIV3Schema, so a manifest
 * the API server would reject for schema reasons is caught offline.
 *
 * Enforced: type (object, array, string, integer, number, boolean),
 * properties, required, additionalProperties (a schema), items, enum,
 * minimum/maximum (and exclusive*), minLength/maxLength, minItems/maxItems,
 * pattern (POSIX extended), format date-time, nullable,
 * x-kubernetes-int-or-string and x-kubernetes-preserve-unknown-fields.
 * Fields the schema does not declare are reported as unknown (what
 * `kubectl apply` does with its default strict field validation). A null
 * value of a non-nullable field counts as absent: the API server prunes it.
 * The root's `metadata` is ObjectMeta, which the API server validates
 * itself; only its type is checked here (see objmeta.h).
 * CEL rules (x-kubernetes-validations) and other keywords are ignored.
 *
 * A compiled schema is immutable and may be shared between threads. */
#ifndef WP_CLI_SCHEMA_H
#define WP_CLI_SCHEMA_H

#include <jansson.h>

#include "common/verdict.h"

/* The cause reason for a field the schema does not declare. Kubernetes
 * reports these as a strict-decoding error, not as a StatusCause. */
#define WP_CLI_CAUSE_UNKNOWN_FIELD "FieldValueUnknown"
#define WP_CLI_CAUSE_TYPE_INVALID "FieldValueTypeInvalid"

typedef struct wp_schema wp_schema;

/* Compiles an openAPIV3Schema (borrowed). Returns a new schema the caller
 * frees with wp_schema_free, or NULL with a message in err. */
wp_schema *wp_schema_compile(const json_t *openapi, char *err, size_t err_size);

void wp_schema_free(wp_schema *s);

/* Validates obj (borrowed) against s and appends a cause per violation. */
void wp_schema_validate(const wp_schema *s, const json_t *obj, wp_verdict *out);

#endif
