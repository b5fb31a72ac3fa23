/* Fuzzes the reading of a self-managed certificate Secret's data (it comes
 * from the API server: anyone who may edit the Secret controls it).
 * Invariant: accepted material encodes back to data that reads again to
 * the same PEM text. */
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "webhook/selfcert_material.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    json_t *doc = json_loadb((const char *)data, size, 0, NULL);
    if (!doc) return 0;
    char err[256];
    wp_selfcert_material *m = wp_selfcert_material_from_data(doc, err, sizeof err);
    if (m) {
        json_t *again = wp_selfcert_material_to_data(m);
        wp_selfcert_material *back = wp_selfcert_material_from_data(again, err, sizeof err);
        if (!back || strcmp(back->leaf_pem, m->leaf_pem) != 0 || strcmp(back->ca_pem, m->ca_pem) != 0) abort();
        wp_selfcert_material_free(back);
        json_decref(again);
        bool new_ca;
        const char *host = "a.b.svc";
        wp_selfcert_spec spec = {&host, 1, 30, 300};
        (void)wp_selfcert_material_stale(m, &spec, 0, &new_ca);
    }
    wp_selfcert_material_free(m);
    json_decref(doc);
    return 0;
}
