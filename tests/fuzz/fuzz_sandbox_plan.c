/* Fuzzes the Sandbox reconciler's planning (controller/sandbox_plan.c) and
 * the template's NetworkPolicy with arbitrary objects: a JSON array
 * [sandbox, pod, service, template] of any shapes. The cache guarantees a
 * string metadata.name and namespace (the store rejects objects without),
 * so the harness sets those; everything else is the fuzzer's. */
#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "controller/network_policy.h"
#include "controller/sandbox_plan.h"

static json_t *object_at(json_t *arr, size_t i, const char *name)
{
    json_t *o = json_array_get(arr, i);
    o = json_is_object(o) ? json_incref(o) : json_object();
    json_t *m = json_object_get(o, "metadata");
    if (!json_is_object(m)) {
        m = json_object();
        json_object_set_new(o, "metadata", m);
    }
    if (!json_is_string(json_object_get(m, "name"))) json_object_set_new(m, "name", json_string(name));
    if (!json_is_string(json_object_get(m, "namespace"))) json_object_set_new(m, "namespace", json_string("ns"));
    return o;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    json_t *in = json_loadb((const char *)data, size, JSON_DECODE_ANY, NULL);
    if (!json_is_array(in)) {
        json_decref(in);
        return 0;
    }
    json_t *sb = object_at(in, 0, "sb"), *pod = object_at(in, 1, "pod"), *svc = object_at(in, 2, "svc");
    json_t *tmpl = object_at(in, 3, "tmpl");
    json_decref(wp_sbplan_pod(sb));
    json_decref(wp_sbplan_pod_metadata_patch(sb, pod));
    json_decref(wp_sbplan_service(sb));
    json_decref(wp_sbplan_service_patch(sb, svc));
    json_decref(wp_sbplan_adopted_refs(sb, pod));
    (void)wp_sbplan_ownership(sb, pod);
    size_t i;
    json_t *vct;
    json_array_foreach(json_object_get(json_object_get(sb, "spec"), "volumeClaimTemplates"), i, vct) {
        if (json_is_string(json_object_get(json_object_get(vct, "metadata"), "name")))
            json_decref(wp_sbplan_pvc(sb, vct));
    }
    wp_sbplan_view v = {.generation = 1, .pod = pod, .now = "2026-01-01T00:00:00Z", .cluster_domain = "c",
                        .service_name = "sb", .service_exists = true, .service_required = true};
    json_t *st = wp_sbplan_status(sb, &v);
    json_decref(wp_sbplan_status_patch(json_object_get(sb, "status"), st));
    json_decref(st);
    json_decref(wp_sbplan_expired_status(sb, size & 1, "2026-01-01T00:00:00Z"));
    json_t *np = wp_netpol_desired(tmpl);
    (void)wp_netpol_drifted(svc, np);
    json_decref(np);
    json_decref(sb);
    json_decref(pod);
    json_decref(svc);
    json_decref(tmpl);
    json_decref(in);
    return 0;
}
