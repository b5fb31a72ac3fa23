/* Pinning a pod spec's images to digests (CONTROLLER.md "Plugins at work"):
 * every container image not already pinned is resolved (through the plugin
 * host's digest resolver, behind a TTL cache) and rewritten
 * "<image>@sha256:<digest>", so every member of a pool runs the same bytes
 * even if a tag moves meanwhile. An image whose resolution fails keeps its
 * tag (the default policy, --digest-failure-policy=fallback); with
 * --digest-failure-policy=hold the caller creates nothing until the
 * resolver answers (the failure text says why, for a condition or log).
 *
 * The pins are recorded on the Sandbox as the annotation
 * `warmpool.io/image-digests` (API.md): a JSON object container name →
 * pinned reference, with sorted keys, so two pin sets compare as strings.
 *
 * Thread-safe when the resolver is. */
#ifndef WP_CONTROLLER_IMAGE_PINS_H
#define WP_CONTROLLER_IMAGE_PINS_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

/* Seconds between looks while --digest-failure-policy=hold holds creation
 * (the resolver's TTL cache never keeps a failure, so each look asks it). */
#define WP_IMAGE_PINS_HOLD_RETRY 5.0

/* Resolves image to "sha256:<64 hex>" into digest (size bytes); false when
 * it cannot (the image then keeps its tag). */
typedef bool (*wp_image_resolve_fn)(void *ctx, const char *image, char *digest, size_t size);

/* Pins the images of pod_spec's `initContainers` and `containers` in place.
 * Returns the annotation value (caller frees), or NULL when nothing was
 * pinned. */
char *wp_image_pins_apply(json_t *pod_spec, wp_image_resolve_fn resolve, void *ctx);

/* The same through the controller's plugin host (struct wp_plugin_host,
 * controller/plugin/plugin_host.h; its TTL cache answers repeats). NULL
 * when h is NULL, has no digest resolver, or nothing was pinned; failures
 * are logged and keep the tag. When failure is not NULL it receives ""
 * or the first failure, "image \"x:1\": <the resolver's message>". */
struct wp_plugin_host;
char *wp_image_pins_apply_host(json_t *pod_spec, struct wp_plugin_host *h, char *failure, size_t failure_size);

/* Pins the pod template of spec (a SandboxTemplate's or a Sandbox's spec:
 * spec.podTemplate.spec) in place: wp_image_pins_apply_host for both pool
 * members and cold starts. */
char *wp_image_pins_apply_spec(json_t *spec, struct wp_plugin_host *h, char *failure, size_t failure_size);

/* Records pins (may be NULL: nothing) as obj's warmpool.io/image-digests
 * annotation, creating metadata.annotations as needed. */
void wp_image_pins_annotate(json_t *obj, const char *pins);

#endif
