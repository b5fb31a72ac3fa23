/* Pinning a pod spec's images to digests (CONTROLLER.md "Plugins at work"):
 * every container image not already pinned is resolved (through the plugin
 * host's digest resolver, behind a TTL cache) and rewritten
 * "<image>@sha256:<digest>", so every member of a pool runs the same bytes
 * even if a tag moves meanwhile. An image whose resolution fails keeps its
 * tag (the default policy: fall back to the tag).
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
 * are logged and keep the tag. */
struct wp_plugin_host;
char *wp_image_pins_apply_host(json_t *pod_spec, struct wp_plugin_host *h);

#endif
