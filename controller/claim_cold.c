/* The cold-start Sandbox (claim_cold.h). */
#include "controller/claim_cold.h"

#include <string.h>

#include "common/verdict.h"
#include "controller/blueprint.h"
#include "controller/claim_merge.h"
#include "controller/keys.h"
#include "controller/naming.h"
#include "controller/reconciler.h"

static const char *str_or(const json_t *v, const char *dflt)
{
    const char *s = json_string_value(v);
    return s ? s : dflt;
}

static const char *meta_str(const json_t *o, const char *key)
{
    return str_or(json_object_get(json_object_get(o, "metadata"), key), "");
}

/* claim-uid, created-by (raw; absent when the claim has none) and
 * sandbox-template-ref-hash into labels. */
static void cold_identity(json_t *labels, const json_t *claim, const char *ref_hash)
{
    json_object_set_new(labels, WP_LABEL_CLAIM_UID, json_string(meta_str(claim, "uid")));
    const char *created_by =
        json_string_value(json_object_get(json_object_get(json_object_get(claim, "metadata"), "labels"),
                                          WP_LABEL_CREATED_BY));
    if (created_by && *created_by) json_object_set_new(labels, WP_LABEL_CREATED_BY, json_string(created_by));
    else json_object_del(labels, WP_LABEL_CREATED_BY);
    json_object_set_new(labels, WP_LABEL_TEMPLATE_REF_HASH, json_string(ref_hash));
}

static json_t *cold_metadata(const json_t *claim, const char *template_name, const char *ref_hash)
{
    json_t *annotations = json_pack("{s:s}", WP_ANNOT_TEMPLATE_REF, template_name);
    const char *trace = json_string_value(json_object_get(json_object_get(json_object_get(claim, "metadata"),
                                                                          "annotations"),
                                                          WP_ANNOT_TRACE_CONTEXT));
    if (trace) json_object_set_new(annotations, WP_ANNOT_TRACE_CONTEXT, json_string(trace));
    json_t *labels = json_pack("{s:s}", WP_LABEL_LAUNCH_TYPE, WP_LAUNCH_COLD);
    cold_identity(labels, claim, ref_hash);
    json_t *owner_src = json_pack("{s:s, s:s, s:O}", "apiVersion", WP_API_EXTENSIONS, "kind", WP_KIND_NAME_CLAIM,
                                  "metadata", json_object_get(claim, "metadata"));
    json_t *meta = json_pack("{s:s, s:s, s:o, s:o, s:[o]}", "name", meta_str(claim, "name"), "namespace",
                             meta_str(claim, "namespace"), "annotations", annotations, "labels", labels,
                             "ownerReferences", wp_ctl_owner_ref(owner_src));
    json_decref(owner_src);
    return wp_xalloc_check(meta);
}

json_t *wp_claim_cold_sandbox(const json_t *claim, const json_t *template_obj, wp_claim_errors *errs)
{
    const json_t *tspec = json_object_get(template_obj, "spec");
    const char *template_name = meta_str(template_obj, "name");
    char ref_hash[WP_NAMING_HASH_LEN];
    wp_naming_hash(template_name, ref_hash);

    json_t *spec = wp_blueprint_sandbox_spec(tspec);
    bool ok = wp_claim_merge_volume_claim_templates(
        spec, claim, json_string_value(json_object_get(tspec, "volumeClaimTemplatesPolicy")), errs);
    json_t *pod_meta = json_object_get(json_object_get(spec, "podTemplate"), "metadata");
    if (ok) {
        cold_identity(wp_blueprint_pod_labels(spec), claim, ref_hash);
        ok = wp_claim_merge_pod_metadata(pod_meta, claim, errs);
    }
    if (ok)
        ok = wp_claim_merge_env(json_object_get(json_object_get(spec, "podTemplate"), "spec"), claim,
                                json_string_value(json_object_get(tspec, "envVarsInjectionPolicy")), errs);
    if (!ok) {
        json_decref(spec);
        return NULL;
    }
    return wp_xalloc_check(json_pack("{s:s, s:s, s:o, s:o}", "apiVersion", WP_API_SANDBOX, "kind",
                                     WP_KIND_NAME_SANDBOX, "metadata", cold_metadata(claim, template_name, ref_hash),
                                     "spec", spec));
}
