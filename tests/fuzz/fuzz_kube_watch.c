/* Fuzzes what a watch stream feeds the cache: bytes split into chunks at
 * arbitrary points → line framing → event decoding (jansson and jdoc) →
 * the store with the Pod field filter and indexes. */
#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "controller/kube/kube_client.h"
#include "controller/kube/kube_lines.h"
#include "controller/kube/store.h"

static const wp_store_index indexes[] = {
    {"namespace", WP_STORE_INDEX_NAMESPACE, NULL},
    {"owner", WP_STORE_INDEX_OWNER_UID, NULL},
    {"label", WP_STORE_INDEX_LABEL, "app"},
    {"field", WP_STORE_INDEX_FIELD, "spec.warmPoolRef.name"},
};

static int on_line(void *ctx, const char *line, size_t len)
{
    wp_store *s = ctx;
    char err[200];
    wp_kube_watch_event ev;
    if (wp_kube_watch_event_decode(line, len, &ev, err, sizeof err) == 0) json_decref(ev.object);
    wp_jdoc *doc;
    wp_kube_jevent jev;
    if (wp_kube_watch_event_decode_jdoc(line, len, &doc, &jev, err, sizeof err) != 0) return 0;
    if (jev.type == WP_KUBE_DELETED) {
        wp_store_item_unref(wp_store_delete_object(s, jev.object, true));
    } else if (jev.type != WP_KUBE_ERROR) {
        wp_store_item *old, *cur;
        wp_store_upsert(s, jev.object, jev.type != WP_KUBE_BOOKMARK, &old, &cur);
        if (cur) {
            json_t *back = wp_store_item_json(cur); /* what the filter wrote is JSON */
            if (!back) __builtin_trap();
            json_decref(back);
        }
        wp_store_item_unref(old);
        wp_store_item_unref(cur);
    }
    wp_jdoc_free(doc);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    wp_store_config cfg = {indexes, 4, size && data[0] & 1 ? wp_store_pod_fields : NULL, NULL};
    wp_store *s = wp_store_new(&cfg);
    wp_kube_lines ls;
    wp_kube_lines_init(&ls, 4096, on_line, s);
    size_t chunk = size ? (size_t)data[0] % 17 + 1 : 1;
    int rc = 0;
    for (size_t off = 0; off < size && rc == 0; off += chunk)
        rc = wp_kube_lines_feed(&ls, (const char *)data + off, size - off < chunk ? size - off : chunk);
    if (rc == 0) wp_kube_lines_finish(&ls);
    wp_kube_lines_free(&ls);
    wp_store_replace_begin(s);
    size_t n;
    wp_store_items_free(wp_store_replace_finish(s, &n), n);
    wp_store_free(s);
    return 0;
}
