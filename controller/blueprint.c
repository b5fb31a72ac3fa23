/* Template → Sandbox spec, hashes and staleness (see blueprint.h). */
#include "controller/blueprint.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "controller/gojson.h"
#include "controller/keys.h"

/* Returns obj[key] as an object, creating it (or replacing a non-object). */
static json_t *object_member(json_t *obj, const char *key)
{
    json_t *v = json_object_get(obj, key);
    if (!json_is_object(v)) {
        v = json_object();
        json_object_set_new(obj, key, v);
    }
    return v;
}

static bool string_unset(const json_t *v) { return !json_is_string(v) || json_string_length(v) == 0; }

void wp_blueprint_secure_defaults(json_t *pod_spec, const json_t *template_spec)
{
    const json_t *automount = json_object_get(pod_spec, "automountServiceAccountToken");
    if (!automount || json_is_null(automount))
        json_object_set_new(pod_spec, "automountServiceAccountToken", json_false());

    const json_t *management = json_object_get(template_spec, "networkPolicyManagement");
    bool managed = string_unset(management) || strcmp(json_string_value(management), WP_NP_MANAGED) == 0;
    const json_t *custom = json_object_get(template_spec, "networkPolicy");
    bool has_custom = custom && !json_is_null(custom);
    if (managed && !has_custom && string_unset(json_object_get(pod_spec, "dnsPolicy"))) {
        json_object_set_new(pod_spec, "dnsPolicy", json_string("None"));
        json_t *dns = json_pack("{s:[s,s]}", "nameservers", WP_BLUEPRINT_NAMESERVER_1, WP_BLUEPRINT_NAMESERVER_2);
        json_object_set_new(pod_spec, "dnsConfig", dns);
    }
}

json_t *wp_blueprint_sandbox_spec(const json_t *template_spec)
{
    json_t *spec = json_object();
    const json_t *pt = json_object_get(template_spec, "podTemplate");
    json_object_set_new(spec, "podTemplate", json_is_object(pt) ? json_deep_copy(pt) : json_object());
    json_t *pod_template = json_object_get(spec, "podTemplate");
    object_member(pod_template, "metadata");
    json_t *pod_spec = object_member(pod_template, "spec");

    const json_t *vcts = json_object_get(template_spec, "volumeClaimTemplates");
    if (json_is_array(vcts) && json_array_size(vcts) > 0)
        json_object_set_new(spec, "volumeClaimTemplates", json_deep_copy(vcts));
    const json_t *service = json_object_get(template_spec, "service");
    if (json_is_boolean(service)) json_object_set(spec, "service", (json_t *)service);

    wp_blueprint_secure_defaults(pod_spec, template_spec);
    return spec;
}

void wp_blueprint_mark_evictable(json_t *sandbox_spec)
{
    json_t *meta = object_member(object_member(sandbox_spec, "podTemplate"), "metadata");
    json_t *annotations = object_member(meta, "annotations");
    if (!json_object_get(annotations, WP_ANNOT_SAFE_TO_EVICT))
        json_object_set_new(annotations, WP_ANNOT_SAFE_TO_EVICT, json_string(WP_TRUE_STRING));
}

json_t *wp_blueprint_pod_labels(json_t *sandbox_spec)
{
    json_t *meta = object_member(object_member(sandbox_spec, "podTemplate"), "metadata");
    return object_member(meta, "labels");
}

/* --- hashes ------------------------------------------------------------------ */

char *wp_blueprint_go_json(const json_t *template_spec, size_t *len)
{
    /* The template spec holds more than the blueprint (policies,
     * networkPolicy): the blueprint shape lists only its own fields, so
     * pass a view with just those. */
    json_t *view = json_object();
    static const char *const fields[] = {"podTemplate", "volumeClaimTemplates", "service"};
    for (size_t i = 0; i < 3; i++) {
        json_t *v = json_object_get(template_spec, fields[i]);
        if (v) json_object_set(view, fields[i], v);
    }
    char *out = wp_gojson_dump(view, &wp_goshape_blueprint, len);
    json_decref(view);
    return out;
}

static void hash_hex(const char *bytes, size_t len, char out[WP_NAMING_HASH_LEN])
{
    snprintf(out, WP_NAMING_HASH_LEN, "%08x", wp_naming_fnv1a(bytes, len));
}

void wp_blueprint_template_hash(const json_t *template_spec, char out[WP_NAMING_HASH_LEN])
{
    size_t len;
    char *bytes = wp_blueprint_go_json(template_spec, &len);
    hash_hex(bytes, len, out);
    free(bytes);
}

void wp_blueprint_pod_template_hash(const json_t *template_spec, char out[WP_NAMING_HASH_LEN])
{
    size_t len;
    char *bytes = wp_gojson_dump(json_object_get(template_spec, "podTemplate"), &wp_goshape_pod_template, &len);
    hash_hex(bytes, len, out);
    free(bytes);
}

/* --- semantic compare ---------------------------------------------------------- */

/* Go's zero value after a typed decode; a struct whose fields are all
 * zero is the zero struct. */
static bool is_unset(const json_t *v)
{
    if (!json_is_object(v)) return wp_gojson_empty(v);
    const char *k;
    json_t *m;
    json_object_foreach((json_t *)v, k, m)
        if (!is_unset(m)) return false;
    return true;
}

/* Every member of a is semantically equal to b's member of the same name. */
static bool members_within(const json_t *a, const json_t *b)
{
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)a, k, v)
        if (!wp_blueprint_semantic_equal(v, json_object_get(b, k))) return false;
    return true;
}

bool wp_blueprint_semantic_equal(const json_t *a, const json_t *b)
{
    bool ua = is_unset(a), ub = is_unset(b);
    if (ua || ub) return ua && ub;
    if (json_is_number(a) && json_is_number(b)) return json_number_value(a) == json_number_value(b);
    if (json_typeof(a) != json_typeof(b)) return false;
    switch (json_typeof(a)) {
    case JSON_OBJECT: return members_within(a, b) && members_within(b, a);
    case JSON_ARRAY:
        if (json_array_size(a) != json_array_size(b)) return false;
        for (size_t i = 0; i < json_array_size(a); i++)
            if (!wp_blueprint_semantic_equal(json_array_get(a, i), json_array_get(b, i))) return false;
        return true;
    default: return json_equal((json_t *)a, (json_t *)b);
    }
}

static size_t array_len(const json_t *v) { return json_is_array(v) ? json_array_size(v) : 0; }

static bool vcts_match(const json_t *want, const json_t *have)
{
    if (array_len(want) != array_len(have)) return false;
    for (size_t i = 0; i < array_len(want); i++) {
        const json_t *w = json_array_get(want, i), *h = json_array_get(have, i);
        const json_t *wn = json_object_get(json_object_get(w, "metadata"), "name");
        const json_t *hn = json_object_get(json_object_get(h, "metadata"), "name");
        if (!wp_blueprint_semantic_equal(wn, hn)) return false;
        if (!wp_blueprint_semantic_equal(json_object_get(w, "spec"), json_object_get(h, "spec"))) return false;
    }
    return true;
}

/* `service` is a *bool: unset and false differ. */
static bool service_match(const json_t *want, const json_t *have)
{
    bool wset = json_is_boolean(want), hset = json_is_boolean(have);
    if (wset != hset) return false;
    return !wset || json_is_true(want) == json_is_true(have);
}

bool wp_blueprint_matches(const json_t *template_spec, const json_t *sandbox_spec)
{
    const json_t *pt = json_object_get(template_spec, "podTemplate");
    json_t *want = json_deep_copy(json_object_get(pt, "spec"));
    if (!json_is_object(want)) {
        json_decref(want);
        want = json_object();
    }
    wp_blueprint_secure_defaults(want, template_spec);
    const json_t *have = json_object_get(json_object_get(sandbox_spec, "podTemplate"), "spec");
    bool same = wp_blueprint_semantic_equal(want, have) &&
                vcts_match(json_object_get(template_spec, "volumeClaimTemplates"),
                           json_object_get(sandbox_spec, "volumeClaimTemplates")) &&
                service_match(json_object_get(template_spec, "service"), json_object_get(sandbox_spec, "service"));
    json_decref(want);
    return same;
}
