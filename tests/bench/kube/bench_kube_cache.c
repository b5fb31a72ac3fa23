/* The cache in-process (no server): heap per cached Pod and Sandbox at N
 * objects, how fast an initial list fills the store, and how many watch
 * events per second go from stream bytes to the store (line splitting,
 * decoding, filtering, indexing: the informer's work minus HTTP).
 * Prints numbers; not a test. Heap figures come from mallinfo2() and are
 * meaningless under a sanitizer (which owns malloc): use a release build.
 *
 *   build/bin/bench_kube_cache [N ...]     (default: 10000 100000) */
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/jdoc.h"
#include "common/strbuf.h"
#include "controller/kube/kube_client.h"
#include "controller/kube/kube_lines.h"
#include "controller/kube/kube_time.h"
#include "controller/kube/store.h"
#include "objects.h"

typedef int (*object_fn)(char *buf, size_t n, const char *ns, int i, long rv);

typedef struct {
    const char *name;
    object_fn make;
    const wp_store_field *keep;
    const wp_store_index *indexes;
    size_t n_indexes;
} kind_case;

static const wp_store_index pod_indexes[] = {
    {"namespace", WP_STORE_INDEX_NAMESPACE, NULL},
    {"owner", WP_STORE_INDEX_OWNER_UID, NULL},
    {"pool", WP_STORE_INDEX_LABEL, "agents.x-k8s.io/warm-pool-sandbox"},
};

static const wp_store_index sandbox_indexes[] = {
    {"namespace", WP_STORE_INDEX_NAMESPACE, NULL},
    {"owner", WP_STORE_INDEX_OWNER_UID, NULL},
    {"pool", WP_STORE_INDEX_LABEL, "agents.x-k8s.io/warm-pool-sandbox"},
    {"template", WP_STORE_INDEX_FIELD, "spec.podTemplate.metadata.labels.app"},
};

static size_t heap_in_use(void)
{
    malloc_trim(0);
    return mallinfo2().uordblks;
}

static long rss_kib(void)
{
    FILE *f = fopen("/proc/self/statm", "r");
    long pages = 0, resident = 0;
    if (f && fscanf(f, "%ld %ld", &pages, &resident) != 2) resident = 0;
    if (f) fclose(f);
    return resident * 4;
}

typedef struct {
    wp_store *store;
    unsigned long applied;
} feeder;

static int apply_line(void *ctx, const char *line, size_t len)
{
    feeder *f = ctx;
    wp_jdoc *doc;
    wp_kube_jevent ev;
    char err[128];
    if (wp_kube_watch_event_decode_jdoc(line, len, &doc, &ev, err, sizeof err) != 0) return 1;
    wp_store_item *old, *cur;
    wp_store_upsert(f->store, ev.object, true, &old, &cur);
    wp_store_item_unref(old);
    wp_store_item_unref(cur);
    wp_jdoc_free(doc);
    f->applied++;
    return 0;
}

/* A batch of watch lines for objects [0, n) at version rv, as one buffer
 * (the way chunks arrive). */
static char *event_batch(const kind_case *k, int n, long rv, size_t *len)
{
    wp_sb b = WP_SB_INIT;
    char *obj = malloc(16384);
    for (int i = 0; i < n; i++) {
        k->make(obj, 16384, "bench", i, rv);
        wp_sb_printf(&b, "{\"type\":\"MODIFIED\",\"object\":%s}\n", obj);
    }
    free(obj);
    *len = b.len;
    return wp_sb_finish(&b);
}

static void run_case(const kind_case *k, int n)
{
    char *buf = malloc(16384);
    wp_store_config cfg = {k->indexes, k->n_indexes, k->keep, NULL};
    size_t raw_bytes = 0;
    size_t heap0 = heap_in_use();
    long rss0 = rss_kib();
    wp_store *s = wp_store_new(&cfg);
    double t0 = wp_kube_monotonic();
    for (int i = 0; i < n; i++) {
        int len = k->make(buf, 16384, "bench", i, 1000 + i);
        raw_bytes += (size_t)len;
        wp_jdoc *doc = wp_jdoc_parse(buf, (size_t)len, NULL);
        wp_store_upsert(s, wp_jdoc_root(doc), true, NULL, NULL);
        wp_jdoc_free(doc);
    }
    double fill = wp_kube_monotonic() - t0;
    size_t heap = heap_in_use() - heap0;
    long rss = rss_kib() - rss0;
    size_t stored = 0, count;
    wp_store_item **all = wp_store_list(s, &count);
    for (size_t i = 0; i < count; i++) stored += wp_store_item_size(all[i]);
    wp_store_items_free(all, count);

    /* watch events: two batches at alternating versions, replayed */
    int batch_n = n < 2000 ? n : 2000;
    size_t la, lb;
    char *a = event_batch(k, batch_n, 5000000, &la), *b = event_batch(k, batch_n, 5000001, &lb);
    feeder f = {s, 0};
    wp_kube_lines lines;
    wp_kube_lines_init(&lines, 16u << 20, apply_line, &f);
    double w0 = wp_kube_monotonic();
    for (int round = 0; wp_kube_monotonic() - w0 < 2.0 || round < 2; round++) {
        const char *data = round % 2 ? b : a;
        size_t len = round % 2 ? lb : la;
        for (size_t off = 0; off < len; off += 16384) /* 16 KiB chunks, split mid-event */
            wp_kube_lines_feed(&lines, data + off, len - off < 16384 ? len - off : 16384);
    }
    double took = wp_kube_monotonic() - w0;
    wp_kube_lines_free(&lines);
    free(a);
    free(b);

    printf("%-8s %7d  raw %5zu B  stored %5zu B  heap %5zu B/obj  rss %5ld B/obj  fill %8.0f obj/s  "
           "watch %8.0f events/s\n",
           k->name, n, raw_bytes / (size_t)n, stored / (size_t)n, heap / (size_t)n, rss * 1024 / n, n / fill,
           f.applied / took);
    fflush(stdout);
    wp_store_free(s);
    free(buf);
}

int main(int argc, char **argv)
{
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
    printf("note: built with a sanitizer; heap numbers are not meaningful\n");
#endif
    static const kind_case cases[] = {
        {"Pod", bench_pod_json, wp_store_pod_fields, pod_indexes, 3},
        {"Sandbox", bench_sandbox_json, NULL, sandbox_indexes, 4},
    };
    int sizes[8] = {10000, 100000};
    int n_sizes = 2;
    if (argc > 1) {
        n_sizes = 0;
        for (int i = 1; i < argc && n_sizes < 8; i++) sizes[n_sizes++] = atoi(argv[i]);
    }
    printf("kind           N  (raw = JSON from the API; stored = item block after filtering; heap = all "
           "allocations incl. indexes)\n");
    for (int s = 0; s < n_sizes; s++)
        for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) run_case(&cases[k], sizes[s] > 0 ? sizes[s] : 1);
    return 0;
}
