/* Fuzz target: the YAML-to-JSON path as warmpoolctl drives it.
 *
 * The input is split into documents (cli/docsplit.h); each span is parsed
 * without and with positions (common/yaml.h), which must agree, and as a
 * source tree (cli/ysource.h), whose node ranges must stay inside the span.
 * The whole input is parsed in one go as well. Sanitizers catch the rest. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cli/docsplit.h"
#include "cli/ysource.h"
#include "common/yaml.h"

typedef struct {
    json_t *docs;      /* roots, in order */
    json_t *positions; /* positions objects, when recorded */
} collected;

static int collect(void *ctx, const wp_yaml_doc *doc)
{
    collected *c = ctx;
    json_array_append(c->docs, doc->root);
    if (doc->positions) {
        if (!json_is_object(doc->positions)) abort();
        json_array_append(c->positions, doc->positions);
    }
    return 0;
}

static void check_node(const wp_ynode *n, size_t from, size_t to)
{
    if (!n) return;
    if (n->start < from || n->end > to || n->start > n->end) abort();
    if (n->type == WP_YNODE_MAPPING && n->n_children % 2 != 0) abort();
    for (size_t i = 0; i < n->n_children; i++) check_node(n->children[i], from, to);
}

static void parse_span(const char *buf, const wp_cli_span *span)
{
    collected plain = {json_array(), json_array()}, placed = {json_array(), json_array()};
    wp_yaml_error e1, e2;
    int rc1 = wp_yaml_parse(buf + span->offset, span->len, span->first_line, 0, collect, &plain, &e1);
    int rc2 = wp_yaml_parse(buf + span->offset, span->len, span->first_line, WP_YAML_POSITIONS, collect, &placed, &e2);
    /* Positions must not change what is parsed. */
    if (rc1 != rc2 || !json_equal(plain.docs, placed.docs)) abort();
    if (rc1 != 0 && (e1.line != e2.line || strcmp(e1.message, e2.message) != 0)) abort();
    if (json_array_size(placed.positions) != json_array_size(placed.docs)) abort();
    json_decref(plain.docs);
    json_decref(plain.positions);
    json_decref(placed.docs);
    json_decref(placed.positions);

    wp_ysource *src = wp_ysource_parse(buf, span->offset, span->len, span->first_line, NULL);
    if (src) check_node(wp_ysource_root(src), span->offset, span->offset + span->len);
    wp_ysource_free(src);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *buf = (const char *)data;
    wp_cli_docsplit it;
    wp_cli_docsplit_init(&it, buf, size);
    wp_cli_span span;
    size_t covered = 0, line = 1;
    while (wp_cli_docsplit_next(&it, &span)) {
        if (span.offset != covered || span.first_line != line || span.len == 0) abort(); /* contiguous */
        covered += span.len;
        line = span.end_line;
        parse_span(buf, &span);
    }
    if (covered != size) abort();
    collected all = {json_array(), json_array()};
    wp_yaml_parse(buf, size, 1, 0, collect, &all, NULL);
    json_decref(all.docs);
    json_decref(all.positions);
    return 0;
}
