/* A SandboxTemplate turned into what a Sandbox runs: the blueprint copy, the
 * secure defaults, the template hashes and the staleness compare
 * (UPSTREAM.md §1, §4). Used by the pool (members) and the claim (cold
 * starts), so both build the same Sandbox spec from the same template.
 *
 * All functions work on jansson values; `template_spec` is a template's
 * `spec` object (borrowed, never modified). Nothing here keeps state: every
 * function is thread-safe. */
#ifndef WP_CONTROLLER_BLUEPRINT_H
#define WP_CONTROLLER_BLUEPRINT_H

#include <jansson.h>
#include <stdbool.h>

#include "controller/naming.h"

/* The nameservers a pod gets when its template leaves DNS to the managed
 * NetworkPolicy (its egress would block the cluster DNS). */
#define WP_BLUEPRINT_NAMESERVER_1 "8.8.8.8"
#define WP_BLUEPRINT_NAMESERVER_2 "1.1.1.1"

/* A new Sandbox `spec` from the template: deep copies of `podTemplate`,
 * `volumeClaimTemplates` and `service` (never lifecycle or operatingMode),
 * with the secure defaults applied. `podTemplate.metadata` and `.spec`
 * always exist in the result. Caller json_decref()s. */
json_t *wp_blueprint_sandbox_spec(const json_t *template_spec);

/* The secure defaults, applied in place to a pod spec made from the
 * template (UPSTREAM.md §4): `automountServiceAccountToken: false` when
 * unset; and when the template's NetworkPolicy is managed (Managed or
 * unset), it has no custom `networkPolicy` and `dnsPolicy` is unset:
 * `dnsPolicy: None` with `dnsConfig.nameservers` the two above. */
void wp_blueprint_secure_defaults(json_t *pod_spec, const json_t *template_spec);

/* Adds `cluster-autoscaler.kubernetes.io/safe-to-evict: "true"` to the
 * spec's podTemplate annotations unless the key is there already. */
void wp_blueprint_mark_evictable(json_t *sandbox_spec);

/* The spec's `podTemplate.metadata.labels` object, created when missing
 * (borrowed; add with json_object_set_new). */
json_t *wp_blueprint_pod_labels(json_t *sandbox_spec);

/* `sandbox-template-hash`: FNV-1a of Go's json.Marshal of the template's
 * SandboxBlueprint, as 8 hex digits. */
void wp_blueprint_template_hash(const json_t *template_spec, char out[WP_NAMING_HASH_LEN]);

/* The deprecated `sandbox-pod-template-hash`: the same over the template's
 * podTemplate alone. */
void wp_blueprint_pod_template_hash(const json_t *template_spec, char out[WP_NAMING_HASH_LEN]);

/* Go's bytes for the template's SandboxBlueprint (what the hash reads).
 * Caller frees. */
char *wp_blueprint_go_json(const json_t *template_spec, size_t *len);

/* True when a Sandbox spec still runs what the template describes: the
 * template's pod spec with the secure defaults equals the sandbox's pod
 * spec, volume claim templates match by index (name and spec), and
 * `service` matches. Metadata is never compared. */
bool wp_blueprint_matches(const json_t *template_spec, const json_t *sandbox_spec);

/* apimachinery's Semantic.DeepEqual over decoded JSON: a missing member,
 * null, an empty list or map, "", 0 and false are all "unset" and equal
 * each other (Go decodes them to the same zero value); numbers compare by
 * value; everything else must be equal. */
bool wp_blueprint_semantic_equal(const json_t *a, const json_t *b);

#endif
