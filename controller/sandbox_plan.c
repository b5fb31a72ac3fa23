/* See sandbox_plan.h. */
#include "controller/sandbox_plan.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/strbuf.h"
#include "common/verdict.h"
#include "controller/conditions.h"
#include "controller/keys.h"
#include "controller/naming.h"
#include "controller/reconciler.h"

/* --- small readers ---------------------------------------------------------- */

static const json_t *meta(const json_t *o) { return json_object_get(o, "metadata"); }
static const char *meta_str(const json_t *o, const char *k) { return json_string_value(json_object_get(meta(o), k)); }
static const json_t *labels_of(const json_t *o) { return json_object_get(meta(o), "labels"); }
static const json_t *annotations_of(const json_t *o) { return json_object_get(meta(o), "annotations"); }
static const char *label(const json_t *o, const char *k) { return json_string_value(json_object_get(labels_of(o), k)); }
static const json_t *pod_template(const json_t *sb) { return json_object_get(json_object_get(sb, "spec"), "podTemplate"); }
static const json_t *template_meta(const json_t *sb, const char *which)
{
    return json_object_get(json_object_get(pod_template(sb), "metadata"), which);
}

static bool has_prefix(const char *s, const char *p) { return strncmp(s, p, strlen(p)) == 0; }

bool wp_sbplan_system_key(const char *key, bool annotation)
{
    if (has_prefix(key, WP_SYSTEM_PREFIX) || has_prefix(key, WP_SYSTEM_PREFIX_EXTENSIONS)) return true;
    return annotation && strcmp(key, WP_ANNOT_TRACE_CONTEXT) == 0;
}

static void name_hash(const json_t *sb, char out[WP_NAMING_HASH_LEN])
{
    const char *name = meta_str(sb, "name");
    wp_naming_hash(name ? name : "", out);
}

/* The Sandbox's controller ownerReference kind when its group is the
 * extensions group, else NULL. */
static const char *extension_controller_kind(const json_t *sb)
{
    const json_t *ref = wp_ctl_controller_ref(sb);
    const char *api = json_string_value(json_object_get(ref, "apiVersion"));
    if (!api || !has_prefix(api, WP_GROUP_EXTENSIONS "/")) return NULL;
    return json_string_value(json_object_get(ref, "kind"));
}

/* --- the Pod ----------------------------------------------------------------- */

/* Copies string members of src whose keys are not system keys. */
static json_t *scrubbed(const json_t *src, bool annotation)
{
    json_t *out = wp_xalloc_check(json_object());
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)src, k, v) {
        if (json_is_string(v) && !wp_sbplan_system_key(k, annotation)) json_object_set(out, k, v);
    }
    return out;
}

/* The extension labels the Pod carries (key → value), given the Sandbox. */
static void extension_labels(const json_t *sb, json_t *out)
{
    const char *kind = extension_controller_kind(sb);
    if (!kind) return;
    const char *ref = label(sb, WP_LABEL_TEMPLATE_REF_HASH);
    if (ref) json_object_set_new(out, WP_LABEL_TEMPLATE_REF_HASH, json_string(ref));
    const char *pool = label(sb, WP_LABEL_WARM_POOL_SANDBOX);
    if (pool && strcmp(kind, WP_KIND_NAME_POOL) == 0)
        json_object_set_new(out, WP_LABEL_WARM_POOL_SANDBOX, json_string(pool));
}

json_t *wp_sbplan_pod_labels(const json_t *sb)
{
    json_t *out = scrubbed(template_meta(sb, "labels"), false);
    char hash[WP_NAMING_HASH_LEN];
    name_hash(sb, hash);
    json_object_set_new(out, WP_LABEL_SANDBOX_NAME_HASH, json_string(hash));
    const char *created_by = label(sb, WP_LABEL_CREATED_BY);
    if (created_by) json_object_set_new(out, WP_LABEL_CREATED_BY, json_string(wp_naming_created_by(created_by)));
    extension_labels(sb, out);
    return out;
}

static int compare_strings(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The keys of obj sorted and joined by ",", or NULL when obj is empty. */
static char *sorted_keys(const json_t *obj)
{
    size_t n = json_object_size(obj);
    if (!n) return NULL;
    const char **keys = wp_xalloc_check(malloc(n * sizeof *keys));
    size_t i = 0;
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)obj, k, v) keys[i++] = k;
    qsort(keys, n, sizeof *keys, compare_strings);
    wp_sb b = {0};
    for (i = 0; i < n; i++) {
        if (i) wp_sb_putc(&b, ',');
        wp_sb_puts(&b, keys[i]);
    }
    free(keys);
    return wp_sb_finish(&b);
}

json_t *wp_sbplan_pod_annotations(const json_t *sb)
{
    json_t *out = scrubbed(template_meta(sb, "annotations"), true);
    json_t *labels = scrubbed(template_meta(sb, "labels"), false);
    char *pl = sorted_keys(labels);
    char *pa = sorted_keys(out);
    if (pl) json_object_set_new(out, WP_ANNOT_PROPAGATED_LABELS, json_string(pl));
    if (pa) json_object_set_new(out, WP_ANNOT_PROPAGATED_ANNOTATIONS, json_string(pa));
    free(pl);
    free(pa);
    json_decref(labels);
    return out;
}

/* Keys listed in the pod's propagated-* annotation `list_key` (system keys
 * scrubbed) that `desired` lacks: they came from the template and left it. */
static void stale_propagated(const json_t *pod, const char *list_key, const json_t *desired, bool annotation,
                             json_t *nulls)
{
    const char *list = json_string_value(json_object_get(annotations_of(pod), list_key));
    if (!list) return;
    char *copy = wp_xalloc_check(strdup(list)), *save = NULL;
    for (char *k = strtok_r(copy, ",", &save); k; k = strtok_r(NULL, ",", &save)) {
        if (*k && !wp_sbplan_system_key(k, annotation) && !json_object_get(desired, k))
            json_object_set_new(nulls, k, json_null());
    }
    free(copy);
}

/* Adds to patch what turns have into want, and nulls for `remove` keys
 * present in have. */
static void diff_map(const json_t *have, const json_t *want, const json_t *remove, json_t *patch)
{
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)want, k, v) {
        if (!json_equal(json_object_get(have, k), v)) json_object_set(patch, k, v);
    }
    json_object_foreach((json_t *)remove, k, v) {
        if (json_object_get(have, k) && !json_object_get(want, k)) json_object_set_new(patch, k, json_null());
    }
}

json_t *wp_sbplan_pod_metadata_patch(const json_t *sb, const json_t *pod)
{
    json_t *want_l = wp_sbplan_pod_labels(sb), *want_a = wp_sbplan_pod_annotations(sb);
    json_t *drop_l = wp_xalloc_check(json_object()), *drop_a = wp_xalloc_check(json_object());
    stale_propagated(pod, WP_ANNOT_PROPAGATED_LABELS, want_l, false, drop_l);
    stale_propagated(pod, WP_ANNOT_PROPAGATED_ANNOTATIONS, want_a, true, drop_a);
    /* labels this controller manages that no longer apply */
    json_object_set_new(drop_l, WP_LABEL_CREATED_BY, json_null());
    json_object_set_new(drop_l, WP_LABEL_WARM_POOL_SANDBOX, json_null());
    json_object_set_new(drop_l, WP_LABEL_TEMPLATE_REF_HASH, json_null());
    json_object_set_new(drop_a, WP_ANNOT_PROPAGATED_LABELS, json_null());
    json_object_set_new(drop_a, WP_ANNOT_PROPAGATED_ANNOTATIONS, json_null());
    json_t *pl = wp_xalloc_check(json_object()), *pa = wp_xalloc_check(json_object());
    diff_map(labels_of(pod), want_l, drop_l, pl);
    diff_map(annotations_of(pod), want_a, drop_a, pa);
    json_t *patch = NULL;
    if (json_object_size(pl) || json_object_size(pa)) {
        json_t *m = wp_xalloc_check(json_object());
        if (json_object_size(pl)) json_object_set(m, "labels", pl);
        if (json_object_size(pa)) json_object_set(m, "annotations", pa);
        patch = wp_xalloc_check(json_pack("{s:o}", "metadata", m));
    }
    json_decref(want_l);
    json_decref(want_a);
    json_decref(drop_l);
    json_decref(drop_a);
    json_decref(pl);
    json_decref(pa);
    return patch;
}

/* ownerReferences: [controller reference to the Sandbox]. */
static json_t *owned_metadata(const json_t *sb, const char *name)
{
    json_t *m = wp_xalloc_check(json_pack("{s:s, s:s?}", "name", name, "namespace", meta_str(sb, "namespace")));
    json_object_set_new(m, "ownerReferences", json_pack("[o]", wp_ctl_owner_ref(sb)));
    return m;
}

/* Replaces (or appends) the volume called `name` by a PVC volume. */
static void use_claim(json_t *volumes, const char *name, const char *claim)
{
    json_t *vol = json_pack("{s:s, s:{s:s}}", "name", name, "persistentVolumeClaim", "claimName", claim);
    size_t i;
    json_t *v;
    json_array_foreach(volumes, i, v) {
        const char *n = json_string_value(json_object_get(v, "name"));
        if (n && strcmp(n, name) == 0) {
            json_array_set_new(volumes, i, vol);
            return;
        }
    }
    json_array_append_new(volumes, vol);
}

json_t *wp_sbplan_pod(const json_t *sb)
{
    const char *name = meta_str(sb, "name");
    json_t *m = owned_metadata(sb, name);
    json_object_set_new(m, "labels", wp_sbplan_pod_labels(sb));
    json_t *annots = wp_sbplan_pod_annotations(sb);
    if (json_object_size(annots)) json_object_set(m, "annotations", annots);
    json_decref(annots);
    json_t *spec = json_deep_copy(json_object_get(pod_template(sb), "spec"));
    if (!json_is_object(spec)) {
        json_decref(spec);
        spec = json_object();
    }
    const json_t *vcts = json_object_get(json_object_get(sb, "spec"), "volumeClaimTemplates");
    size_t i;
    const json_t *vct;
    json_array_foreach(vcts, i, vct) {
        const char *vname = meta_str(vct, "name");
        if (!vname || !*vname) continue;
        if (!json_is_array(json_object_get(spec, "volumes"))) json_object_set_new(spec, "volumes", json_array());
        char *claim = wp_naming_pvc(vname, name);
        use_claim(json_object_get(spec, "volumes"), vname, claim);
        free(claim);
    }
    return wp_xalloc_check(json_pack("{s:s, s:s, s:o, s:o}", "apiVersion", "v1", "kind", "Pod", "metadata", m,
                                     "spec", spec));
}

/* --- PVCs -------------------------------------------------------------------------- */

json_t *wp_sbplan_pvc(const json_t *sb, const json_t *vct)
{
    char *name = wp_naming_pvc(meta_str(vct, "name"), meta_str(sb, "name"));
    json_t *m = owned_metadata(sb, name);
    free(name);
    json_t *labels = json_is_object(labels_of(vct)) ? json_deep_copy(labels_of(vct)) : json_object();
    char hash[WP_NAMING_HASH_LEN];
    name_hash(sb, hash);
    json_object_set_new(labels, WP_LABEL_SANDBOX_NAME_HASH, json_string(hash));
    json_object_set_new(m, "labels", labels);
    if (json_is_object(annotations_of(vct)) && json_object_size(annotations_of(vct)))
        json_object_set_new(m, "annotations", json_deep_copy(annotations_of(vct)));
    json_t *spec = json_deep_copy(json_object_get(vct, "spec"));
    return wp_xalloc_check(json_pack("{s:s, s:s, s:o, s:o}", "apiVersion", "v1", "kind", "PersistentVolumeClaim",
                                     "metadata", m, "spec", spec ? spec : json_object()));
}

/* --- the Service ----------------------------------------------------------------------- */

typedef struct {
    long port;
    char protocol[16];
    const char *names[8]; /* explicit names given to this (port, protocol), in order */
    size_t n_names;
} port_entry;

typedef struct {
    port_entry *items;
    size_t n, cap;
} port_list;

static void add_port(port_list *l, const json_t *p)
{
    json_int_t port = json_integer_value(json_object_get(p, "containerPort"));
    if (port <= 0) return;
    const char *proto = json_string_value(json_object_get(p, "protocol"));
    if (!proto || !*proto) proto = "TCP";
    const char *name = json_string_value(json_object_get(p, "name"));
    port_entry *e = NULL;
    for (size_t i = 0; i < l->n && !e; i++)
        if (l->items[i].port == port && strcmp(l->items[i].protocol, proto) == 0) e = &l->items[i];
    if (!e) {
        if (l->n == l->cap) {
            l->cap = l->cap ? 2 * l->cap : 8;
            l->items = wp_xalloc_check(realloc(l->items, l->cap * sizeof *l->items));
        }
        e = &l->items[l->n++];
        memset(e, 0, sizeof *e);
        e->port = (long)port;
        snprintf(e->protocol, sizeof e->protocol, "%s", proto);
    }
    if (name && *name && e->n_names < sizeof e->names / sizeof *e->names) e->names[e->n_names++] = name;
}

static void add_container_ports(port_list *l, const json_t *containers, bool sidecars_only)
{
    size_t i, j;
    const json_t *c, *p;
    json_array_foreach(containers, i, c) {
        if (sidecars_only && !json_is_string(json_object_get(c, "restartPolicy"))) continue;
        if (sidecars_only && strcmp(json_string_value(json_object_get(c, "restartPolicy")), "Always") != 0) continue;
        json_array_foreach(json_object_get(c, "ports"), j, p) add_port(l, p);
    }
}

static int compare_ports(const void *a, const void *b)
{
    const port_entry *x = a, *y = b;
    if (x->port != y->port) return x->port < y->port ? -1 : 1;
    return strcmp(x->protocol, y->protocol);
}

static bool name_used(const json_t *ports, const char *name)
{
    size_t i;
    const json_t *p;
    json_array_foreach(ports, i, p) {
        if (strcmp(json_string_value(json_object_get(p, "name")), name) == 0) return true;
    }
    return false;
}

/* The first unused explicit name, else p-<port>-<proto> with a suffix. */
static char *port_name(const json_t *ports, const port_entry *e)
{
    for (size_t i = 0; i < e->n_names; i++)
        if (!name_used(ports, e->names[i])) return wp_xalloc_check(strdup(e->names[i]));
    char proto[16];
    size_t k = 0;
    for (; e->protocol[k] && k < sizeof proto - 1; k++) proto[k] = (char)tolower((unsigned char)e->protocol[k]);
    proto[k] = '\0';
    char base[64], name[80];
    snprintf(base, sizeof base, "p-%ld-%s", e->port, proto);
    snprintf(name, sizeof name, "%s", base);
    for (int n = 2; name_used(ports, name); n++) snprintf(name, sizeof name, "%s-%d", base, n);
    return wp_xalloc_check(strdup(name));
}

json_t *wp_sbplan_service_ports(const json_t *pod_spec)
{
    port_list l = {0};
    add_container_ports(&l, json_object_get(pod_spec, "containers"), false);
    add_container_ports(&l, json_object_get(pod_spec, "initContainers"), true);
    if (l.n > 1) qsort(l.items, l.n, sizeof *l.items, compare_ports);
    json_t *ports = wp_xalloc_check(json_array());
    for (size_t i = 0; i < l.n; i++) {
        char *name = port_name(ports, &l.items[i]);
        json_array_append_new(ports, json_pack("{s:s, s:s, s:I, s:I}", "name", name, "protocol", l.items[i].protocol,
                                               "port", (json_int_t)l.items[i].port, "targetPort",
                                               (json_int_t)l.items[i].port));
        free(name);
    }
    free(l.items);
    return ports;
}

static json_t *hash_map(const json_t *sb)
{
    char hash[WP_NAMING_HASH_LEN];
    name_hash(sb, hash);
    return wp_xalloc_check(json_pack("{s:s}", WP_LABEL_SANDBOX_NAME_HASH, hash));
}

json_t *wp_sbplan_service(const json_t *sb)
{
    json_t *m = owned_metadata(sb, meta_str(sb, "name"));
    json_object_set_new(m, "labels", hash_map(sb));
    json_t *spec = json_pack("{s:s, s:o, s:o}", "clusterIP", "None", "selector", hash_map(sb), "ports",
                             wp_sbplan_service_ports(json_object_get(pod_template(sb), "spec")));
    return wp_xalloc_check(json_pack("{s:s, s:s, s:o, s:o}", "apiVersion", "v1", "kind", "Service", "metadata", m,
                                     "spec", spec));
}

/* Ports compared on what this controller sets (the server defaults others). */
static bool ports_match(const json_t *have, const json_t *want)
{
    if (json_array_size(have) != json_array_size(want)) return false;
    static const char *const fields[] = {"name", "protocol", "port", "targetPort"};
    for (size_t i = 0; i < json_array_size(want); i++) {
        for (size_t f = 0; f < 4; f++) {
            if (!json_equal(json_object_get(json_array_get(have, i), fields[f]),
                            json_object_get(json_array_get(want, i), fields[f])))
                return false;
        }
    }
    return true;
}

json_t *wp_sbplan_service_patch(const json_t *sb, const json_t *svc)
{
    json_t *want = hash_map(sb);
    json_t *patch = wp_xalloc_check(json_object());
    const char *k;
    json_t *v;
    json_object_foreach(want, k, v) {
        if (!json_equal(json_object_get(labels_of(svc), k), v))
            json_object_set_new(patch, "metadata", json_pack("{s:{s:O}}", "labels", k, v));
        if (!json_equal(json_object_get(json_object_get(json_object_get(svc, "spec"), "selector"), k), v))
            json_object_set_new(patch, "spec", json_pack("{s:O}", "selector", want));
    }
    if (json_is_true(json_object_get(json_object_get(sb, "spec"), "service"))) {
        json_t *ports = wp_sbplan_service_ports(json_object_get(pod_template(sb), "spec"));
        if (!ports_match(json_object_get(json_object_get(svc, "spec"), "ports"), ports)) {
            if (!json_object_get(patch, "spec")) json_object_set_new(patch, "spec", json_object());
            json_object_set(json_object_get(patch, "spec"), "ports", ports);
        }
        json_decref(ports);
    }
    json_decref(want);
    if (!json_object_size(patch)) {
        json_decref(patch);
        return NULL;
    }
    return patch;
}

/* --- adoption ---------------------------------------------------------------------------- */

wp_sbplan_owner wp_sbplan_ownership(const json_t *sb, const json_t *obj)
{
    const json_t *ref = wp_ctl_controller_ref(obj);
    if (ref) return wp_ctl_controlled_by_uid(obj, meta_str(sb, "uid")) ? WP_SBPLAN_OWNED : WP_SBPLAN_FOREIGN;
    const char *adoptable = label(obj, WP_LABEL_ADOPTABLE);
    if (!adoptable) adoptable = json_string_value(json_object_get(annotations_of(obj), WP_LABEL_ADOPTABLE));
    char hash[WP_NAMING_HASH_LEN];
    name_hash(sb, hash);
    const char *tracking = label(obj, WP_LABEL_SANDBOX_NAME_HASH);
    if ((adoptable && strcmp(adoptable, WP_TRUE_STRING) == 0) || (tracking && strcmp(tracking, hash) == 0))
        return WP_SBPLAN_ADOPTABLE;
    return WP_SBPLAN_UNOWNED;
}

json_t *wp_sbplan_adopted_refs(const json_t *sb, const json_t *obj)
{
    const json_t *refs = json_object_get(meta(obj), "ownerReferences");
    json_t *out = json_is_array(refs) ? json_deep_copy(refs) : json_array();
    json_array_append_new(out, wp_ctl_owner_ref(sb));
    return wp_xalloc_check(out);
}

/* --- status ---------------------------------------------------------------------------------- */

static const char *pod_phase(const json_t *pod)
{
    const char *p = json_string_value(json_object_get(json_object_get(pod, "status"), "phase"));
    return p ? p : "";
}

static size_t pod_ip_count(const json_t *pod)
{
    return json_array_size(json_object_get(json_object_get(pod, "status"), "podIPs"));
}

static const json_t *pod_condition(const json_t *pod, const char *type)
{
    return wp_conditions_find(json_object_get(json_object_get(pod, "status"), "conditions"), type);
}

static void set_cond(json_t *conds, const wp_sbplan_view *v, const char *type, const char *status, const char *reason,
                     const char *message)
{
    wp_condition c = {type, status, reason, message, v->generation, NULL};
    wp_conditions_set(conds, &c, v->now);
}

static void suspended_condition(json_t *conds, const wp_sbplan_view *v)
{
    if (!v->suspended)
        set_cond(conds, v, WP_COND_SUSPENDED, WP_STATUS_FALSE, WP_REASON_NOT_SUSPENDED, WP_MSG_NOT_SUSPENDED);
    else if (v->pod_state_unknown)
        set_cond(conds, v, WP_COND_SUSPENDED, WP_STATUS_UNKNOWN, WP_REASON_POD_STATE_UNKNOWN, WP_MSG_POD_STATE_UNKNOWN);
    else if (v->pod_not_owned)
        set_cond(conds, v, WP_COND_SUSPENDED, WP_STATUS_FALSE, WP_REASON_POD_NOT_OWNED, WP_MSG_POD_NOT_OWNED);
    else if (v->pod)
        set_cond(conds, v, WP_COND_SUSPENDED, WP_STATUS_FALSE, WP_REASON_POD_TERMINATING, WP_MSG_POD_TERMINATING);
    else
        set_cond(conds, v, WP_COND_SUSPENDED, WP_STATUS_TRUE, WP_REASON_POD_TERMINATED, WP_MSG_POD_TERMINATED);
}

static void finished_condition(json_t *conds, const wp_sbplan_view *v)
{
    const char *phase = v->pod ? pod_phase(v->pod) : "";
    if (strcmp(phase, "Succeeded") == 0)
        set_cond(conds, v, WP_COND_FINISHED, WP_STATUS_TRUE, WP_REASON_POD_SUCCEEDED, WP_MSG_POD_SUCCEEDED);
    else if (strcmp(phase, "Failed") == 0)
        set_cond(conds, v, WP_COND_FINISHED, WP_STATUS_TRUE, WP_REASON_POD_FAILED, WP_MSG_POD_FAILED);
    else
        wp_conditions_remove(conds, WP_COND_FINISHED);
}

static void scheduled_condition(json_t *conds, const wp_sbplan_view *v)
{
    if (!v->pod) {
        wp_conditions_remove(conds, WP_COND_POD_SCHEDULED);
        return;
    }
    const json_t *pc = pod_condition(v->pod, WP_COND_POD_SCHEDULED);
    if (!pc) {
        set_cond(conds, v, WP_COND_POD_SCHEDULED, WP_STATUS_UNKNOWN, WP_REASON_POD_SCHEDULING_UNKNOWN,
                 WP_MSG_POD_SCHEDULED_MISSING);
        return;
    }
    const char *status = wp_condition_status(pc);
    const char *reason = wp_condition_reason(pc);
    if (!*reason) reason = strcmp(status, WP_STATUS_TRUE) == 0 ? WP_REASON_POD_SCHEDULED : WP_REASON_POD_SCHEDULING_UNKNOWN;
    set_cond(conds, v, WP_COND_POD_SCHEDULED, status, reason, wp_condition_message(pc));
}

/* Ready when no error, suspension or terminal phase decides it. */
static void dependencies_condition(json_t *conds, const wp_sbplan_view *v)
{
    wp_sb msg = {0};
    bool ready = false;
    if (!v->pod) {
        wp_sb_puts(&msg, WP_MSG_POD_MISSING);
    } else if (strcmp(pod_phase(v->pod), "Running") != 0) {
        wp_sb_printf(&msg, WP_MSG_POD_PHASE_FMT, pod_phase(v->pod));
    } else if (!wp_conditions_is_true(json_object_get(json_object_get(v->pod, "status"), "conditions"), WP_COND_READY)) {
        wp_sb_puts(&msg, WP_MSG_POD_RUNNING_NOT_READY);
    } else if (!pod_ip_count(v->pod)) {
        wp_sb_puts(&msg, WP_MSG_POD_READY_NO_IPS);
    } else {
        wp_sb_puts(&msg, WP_MSG_POD_READY);
        ready = true;
    }
    if (v->service_required) {
        wp_sb_puts(&msg, v->service_exists ? WP_MSG_SERVICE_EXISTS : WP_MSG_SERVICE_MISSING);
        ready = ready && v->service_exists;
    }
    char *m = wp_sb_finish(&msg);
    set_cond(conds, v, WP_COND_READY, ready ? WP_STATUS_TRUE : WP_STATUS_FALSE,
             ready ? WP_REASON_DEPENDENCIES_READY : WP_REASON_DEPENDENCIES_NOT_READY, m);
    free(m);
}

static void ready_condition(json_t *conds, const wp_sbplan_view *v)
{
    const char *phase = v->pod ? pod_phase(v->pod) : "";
    if (v->errors) {
        char *m = NULL;
        wp_xalloc_check(asprintf(&m, WP_MSG_ERROR_SEEN_PREFIX "%s", v->errors) >= 0 ? m : NULL);
        set_cond(conds, v, WP_COND_READY, WP_STATUS_FALSE, WP_REASON_RECONCILER_ERROR, m);
        free(m);
    } else if (v->owned_pods > 1) {
        char m[256];
        snprintf(m, sizeof m, WP_MSG_MULTIPLE_PODS_FMT, v->owned_pods);
        set_cond(conds, v, WP_COND_READY, WP_STATUS_FALSE, WP_REASON_MULTIPLE_PODS, m);
    } else if (v->suspended) {
        set_cond(conds, v, WP_COND_READY, WP_STATUS_FALSE, WP_REASON_SANDBOX_SUSPENDED,
                 v->pod ? WP_MSG_SANDBOX_SUSPENDING : WP_MSG_SANDBOX_SUSPENDED);
    } else if (strcmp(phase, "Succeeded") == 0) {
        set_cond(conds, v, WP_COND_READY, WP_STATUS_FALSE, WP_REASON_POD_SUCCEEDED, WP_MSG_POD_SUCCEEDED);
    } else if (strcmp(phase, "Failed") == 0) {
        set_cond(conds, v, WP_COND_READY, WP_STATUS_FALSE, WP_REASON_POD_FAILED, WP_MSG_POD_FAILED);
    } else {
        dependencies_condition(conds, v);
    }
}

static json_t *old_conditions(const json_t *sb)
{
    const json_t *c = json_object_get(json_object_get(sb, "status"), "conditions");
    return json_is_array(c) ? json_deep_copy(c) : json_array();
}

json_t *wp_sbplan_status(const json_t *sb, const wp_sbplan_view *v)
{
    const json_t *old = json_object_get(sb, "status");
    json_t *st = wp_xalloc_check(json_object());
    json_t *conds = old_conditions(sb);
    suspended_condition(conds, v);
    finished_condition(conds, v);
    scheduled_condition(conds, v);
    ready_condition(conds, v);
    json_object_set_new(st, "conditions", conds);
    if (v->pod && pod_ip_count(v->pod)) {
        json_t *ips = json_array();
        size_t i;
        const json_t *ip;
        json_array_foreach(json_object_get(json_object_get(v->pod, "status"), "podIPs"), i, ip) {
            if (json_is_string(json_object_get(ip, "ip"))) json_array_append(ips, json_object_get(ip, "ip"));
        }
        json_object_set_new(st, "podIPs", ips);
    }
    const char *node = v->pod ? json_string_value(json_object_get(json_object_get(v->pod, "spec"), "nodeName")) : NULL;
    if (node && *node) json_object_set_new(st, "nodeName", json_string(node));
    if (v->pod) {
        char sel[128], hash[WP_NAMING_HASH_LEN];
        name_hash(sb, hash);
        snprintf(sel, sizeof sel, WP_LABEL_SANDBOX_NAME_HASH "=%s", hash);
        json_object_set_new(st, "selector", json_string(sel));
    } else if (json_is_string(json_object_get(old, "selector"))) {
        json_object_set(st, "selector", json_object_get(old, "selector")); /* only expiry clears it */
    }
    if (v->service_name && v->service_exists) {
        char *fqdn = wp_naming_service_fqdn(v->service_name, meta_str(sb, "namespace"), v->cluster_domain);
        json_object_set_new(st, "service", json_string(v->service_name));
        json_object_set_new(st, "serviceFQDN", json_string(fqdn));
        free(fqdn);
    }
    return st;
}

json_t *wp_sbplan_status_patch(const json_t *old_status, const json_t *new_status)
{
    json_t *patch = wp_xalloc_check(json_object());
    bool only_node = true;
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)new_status, k, v) {
        if (json_equal(json_object_get(old_status, k), v)) continue;
        json_object_set(patch, k, v);
        only_node &= strcmp(k, "nodeName") == 0;
    }
    json_object_foreach((json_t *)old_status, k, v) {
        if (json_object_get(new_status, k) || json_is_null(v)) continue;
        json_object_set_new(patch, k, json_null());
        only_node &= strcmp(k, "nodeName") == 0;
    }
    bool ready = wp_conditions_is_true(json_object_get(new_status, "conditions"), WP_COND_READY);
    if (!json_object_size(patch) || (only_node && !ready)) {
        json_decref(patch);
        return NULL;
    }
    return wp_xalloc_check(json_pack("{s:o}", "status", patch));
}

json_t *wp_sbplan_expired_status(const json_t *sb, bool final, const char *now)
{
    const json_t *old = json_object_get(sb, "status");
    json_t *st = final || !json_is_object(old) ? json_object() : json_deep_copy(old);
    json_t *conds = old_conditions(sb);
    wp_conditions_remove(conds, WP_COND_POD_SCHEDULED);
    json_t *gen = json_object_get(meta(sb), "generation");
    wp_condition c = {WP_COND_READY, WP_STATUS_FALSE, WP_REASON_SANDBOX_EXPIRED, WP_MSG_SANDBOX_EXPIRED,
                      json_is_integer(gen) ? json_integer_value(gen) : 0, NULL};
    wp_conditions_set(conds, &c, now);
    json_object_set_new(st, "conditions", conds);
    return wp_xalloc_check(st);
}
