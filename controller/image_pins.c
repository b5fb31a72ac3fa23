/* Image pinning (see image_pins.h). */
#include "controller/image_pins.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/names.h"

#define DIGEST_MAX 128

/* Pins one container's image; records it in pins. */
static void pin_container(json_t *c, json_t *pins, wp_image_resolve_fn resolve, void *ctx)
{
    const json_t *image = json_object_get(c, "image");
    const char *name = json_string_value(json_object_get(c, "name"));
    if (!json_is_string(image) || !name || json_string_length(image) == 0) return;
    const char *ref = json_string_value(image);
    /* Already pinned (by digest, or to something we do not rewrite). */
    if (wp_name_image_pinned(ref, json_string_length(image)) || strchr(ref, '@')) return;
    char digest[DIGEST_MAX] = "";
    if (!resolve(ctx, ref, digest, sizeof digest) || !digest[0]) return;
    char *pinned;
    if (asprintf(&pinned, "%s@%s", ref, digest) < 0) abort();
    json_object_set_new(c, "image", json_string(pinned));
    json_object_set_new(pins, name, json_string(pinned));
    free(pinned);
}

char *wp_image_pins_apply(json_t *pod_spec, wp_image_resolve_fn resolve, void *ctx)
{
    json_t *pins = json_object();
    static const char *const lists[] = {"initContainers", "containers"};
    for (size_t l = 0; l < 2; l++) {
        json_t *list = json_object_get(pod_spec, lists[l]);
        for (size_t i = 0; i < json_array_size(list); i++) pin_container(json_array_get(list, i), pins, resolve, ctx);
    }
    char *out = json_object_size(pins) ? json_dumps(pins, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    json_decref(pins);
    return out;
}
