/* Pinning a pod spec's images: unpinned images of containers and init
 * containers gain the resolver's digest, pinned ones and failures keep
 * their reference, and the annotation lists exactly what was pinned. */
#include "ctl_testing.h"

#include "controller/image_pins.h"

#define D1 "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

static int calls;

static bool fake_resolve(void *ctx, const char *image, char *digest, size_t size)
{
    (void)ctx;
    calls++;
    if (strcmp(image, "missing:tag") == 0) return false;
    snprintf(digest, size, "%s", D1);
    return true;
}

START_TEST(unpinned_images_are_pinned_and_listed)
{
    json_t *pod = ct_load("{\"initContainers\":[{\"name\":\"init\",\"image\":\"busybox\"}],\"containers\":["
                          "{\"name\":\"main\",\"image\":\"python:3.12\"},"
                          "{\"name\":\"side\",\"image\":\"envoy@sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"},"
                          "{\"name\":\"gone\",\"image\":\"missing:tag\"},{\"name\":\"noimage\"}]}");
    calls = 0;
    char *pins = wp_image_pins_apply(pod, fake_resolve, NULL);
    ck_assert_int_eq(calls, 3); /* init, main, gone: the pinned one is not resolved */
    ck_assert_str_eq(pins, "{\"init\":\"busybox@" D1 "\",\"main\":\"python:3.12@" D1 "\"}");
    ct_assert_json(pod, "{\"initContainers\":[{\"name\":\"init\",\"image\":\"busybox@" D1 "\"}],\"containers\":["
                        "{\"name\":\"main\",\"image\":\"python:3.12@" D1 "\"},"
                        "{\"name\":\"side\",\"image\":\"envoy@sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"},"
                        "{\"name\":\"gone\",\"image\":\"missing:tag\"},{\"name\":\"noimage\"}]}");
    free(pins);
    json_decref(pod);
}
END_TEST

START_TEST(nothing_to_pin_gives_no_annotation)
{
    json_t *pod = ct_load("{\"containers\":[{\"name\":\"a\",\"image\":\"missing:tag\"}]}");
    ck_assert_ptr_null(wp_image_pins_apply(pod, fake_resolve, NULL));
    ct_assert_json(pod, "{\"containers\":[{\"name\":\"a\",\"image\":\"missing:tag\"}]}");
    json_decref(pod);
    pod = ct_load("{}");
    ck_assert_ptr_null(wp_image_pins_apply(pod, fake_resolve, NULL));
    json_decref(pod);
}
END_TEST

CT_MAIN("image_pins",
        unpinned_images_are_pinned_and_listed,
        nothing_to_pin_gives_no_annotation)
