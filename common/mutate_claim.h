/* The /mutate rules for SandboxClaim (ADMISSION.md "Mutation").
 *
 *  1. warmpool.io/cold-start-reason says why the claim will bypass the warm
 *     pool ("env", "volumeClaimTemplates" or both, comma-separated in that
 *     order); removed when neither list is non-empty.
 *  2. On CREATE, agents.x-k8s.io/webhook-first-observed-at records when
 *     admission first saw the claim, unless already there.
 *
 * The patch is idempotent: computed on its own output it is empty, because
 * the apiserver may reinvoke the webhook. */
#ifndef WP_MUTATE_CLAIM_H
#define WP_MUTATE_CLAIM_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "common/jdoc.h"
#include "common/json_patch.h"
#include "common/rules.h"

#define WP_ANNOTATION_COLD_START_REASON "warmpool.io/cold-start-reason"
#define WP_ANNOTATION_FIRST_OBSERVED_AT "agents.x-k8s.io/webhook-first-observed-at"

/* Appends to patch the operations that bring claim (borrowed) in line with
 * the rules above for operation op (CREATE and UPDATE; other operations add
 * nothing). now is the first-observed time.
 * Returns false, appending nothing, when the claim cannot be decoded: not
 * an object, or metadata, annotations (a map of strings), spec, spec.env or
 * spec.volumeClaimTemplates of the wrong type. */
bool wp_mutate_claim(wp_operation op, const wp_jval *claim, const struct timespec *now, wp_json_patch *patch);

/* Buffer size that holds any wp_format_rfc3339_nano result. */
#define WP_RFC3339_NANO_SIZE 64

/* Formats t as UTC RFC 3339 with all nine fractional digits
 * ("2026-11-22T03:04:05.123456789Z") into buf. Returns buf. */
char *wp_format_rfc3339_nano(const struct timespec *t, char buf[WP_RFC3339_NANO_SIZE]);

#endif
