/* Image pinning (see image_pins.h). */
#include "controller/image_pins.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/names.h"
#include "controller/keys.h"
#ifdef WP_HAVE_PLUGINS
#include "controller/plugin/plugin_host.h"
#endif

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

#ifdef WP_HAVE_PLUGINS
typedef struct {
    struct wp_plugin_host *h;
    char *failure; /* NULL: not wanted */
    size_t failure_size;
} host_resolve;

static bool resolve_with_host(void *ctx, const char *image, char *digest, size_t size)
{
    host_resolve *hr = ctx;
    char buf[WP_PLUGIN_DIGEST_MAX];
    wp_plugin_error err = {0};
    if (wp_plugin_host_resolve_digest(hr->h, image, buf, &err) != WP_PLUGIN_OK) {
        if (err.code == WP_PLUGIN_ERR_NONE_CONFIGURED) return false;
        wp_log(WP_LOG_WARN, "image not pinned", "image", image, "error", err.message, NULL);
        if (hr->failure && !hr->failure[0])
            snprintf(hr->failure, hr->failure_size, "image \"%s\": %s", image, err.message);
        return false;
    }
    snprintf(digest, size, "%s", buf);
    return true;
}
#endif

char *wp_image_pins_apply_host(json_t *pod_spec, struct wp_plugin_host *h, char *failure, size_t failure_size)
{
    if (failure && failure_size) failure[0] = '\0';
#ifdef WP_HAVE_PLUGINS
    host_resolve hr = {h, failure_size ? failure : NULL, failure_size};
    if (h && wp_plugin_host_count(h, WP_PLUGIN_KIND_RESOLVER))
        return wp_image_pins_apply(pod_spec, resolve_with_host, &hr);
#else
    (void)pod_spec;
    (void)h;
#endif
    return NULL;
}

char *wp_image_pins_apply_spec(json_t *spec, struct wp_plugin_host *h, char *failure, size_t failure_size)
{
    if (failure && failure_size) failure[0] = '\0';
    json_t *pod_spec = json_object_get(json_object_get(spec, "podTemplate"), "spec");
    return json_is_object(pod_spec) ? wp_image_pins_apply_host(pod_spec, h, failure, failure_size) : NULL;
}

void wp_image_pins_annotate(json_t *obj, const char *pins)
{
    if (!pins) return;
    json_t *meta = json_object_get(obj, "metadata");
    if (!json_is_object(meta)) json_object_set_new(obj, "metadata", meta = json_object());
    json_t *annotations = json_object_get(meta, "annotations");
    if (!json_is_object(annotations)) json_object_set_new(meta, "annotations", annotations = json_object());
    json_object_set_new(annotations, WP_ANNOT_IMAGE_DIGESTS, json_string(pins));
}
