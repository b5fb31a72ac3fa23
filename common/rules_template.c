/* SandboxTemplate rules 1-3 (ADMISSION.md, "SandboxTemplate"). */
#include <stdlib.h>

#include "common/rules_fields.h"

/* The two container lists of a pod, in the order Kubernetes validates them
 * (an init container is the duplicate when it reuses a container's name). */
static const char *const container_lists[] = {"containers", "initContainers"};
enum { N_CONTAINER_LISTS = 2 };

/* ---- 1. containers ----------------------------------------------------- */

static bool is_space(char ch) { return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r' || ch == '\v' || ch == '\f'; }

static void check_image(wp_rules_ctx *c, const wp_jval *image)
{
    if (is_space(image->u.str[0]) || is_space(image->u.str[image->n - 1]))
        wp_rules_invalid(c, image, "must not have leading or trailing whitespace");
}

static void check_container(wp_rules_ctx *c, const wp_jval *container, bool duplicate)
{
    const wp_jval *name = wp_rules_required_string(c, wp_rules_enter(c, container, "name"), false);
    if (name) {
        wp_rules_check_name_str(c, name, wp_name_dns1123_label);
        if (duplicate) wp_rules_duplicate(c, name, NULL);
    }
    wp_rules_leave(c);

    const wp_jval *image = wp_rules_required_string(c, wp_rules_enter(c, container, "image"), false);
    if (image) check_image(c, image);
    wp_rules_leave(c);
}

static void check_pod_containers(wp_rules_ctx *c, const wp_jval *pod_spec)
{
    const wp_jval *lists[N_CONTAINER_LISTS];
    size_t offsets[N_CONTAINER_LISTS], total = 0;
    for (int l = 0; l < N_CONTAINER_LISTS; l++) {
        lists[l] = wp_jval_get(pod_spec, container_lists[l]);
        offsets[l] = total;
        total += wp_jval_is_array(lists[l]) ? lists[l]->n : 0;
    }
    /* Names are unique across both lists. */
    wp_rules_dupset d;
    wp_rules_dupset_init(&d, total);
    for (int l = 0; l < N_CONTAINER_LISTS; l++) {
        for (size_t i = 0; wp_jval_is_array(lists[l]) && i < lists[l]->n; i++) {
            const wp_jval *name = wp_jval_get(&lists[l]->u.items[i], "name");
            if (wp_rules_strlen(name) > 0) wp_rules_dupset_set(&d, offsets[l] + i, name->u.str, name->n, NULL, 0);
        }
    }
    wp_rules_dupset_compute(&d);
    for (int l = 0; l < N_CONTAINER_LISTS; l++) {
        wp_path_push_field(&c->path, container_lists[l]);
        const wp_jval *list = wp_rules_array(c, lists[l]);
        bool required = l == 0; /* a pod needs containers; initContainers are optional */
        if (required && (!wp_rules_is_set(lists[l]) || (list && list->n == 0))) wp_rules_required(c);
        else if (list) wp_rules_check_entries(c, list, d.dup + offsets[l], check_container);
        wp_path_pop(&c->path);
    }
    wp_rules_dupset_free(&d);
}

void wp_rules_template_containers(wp_rules_ctx *c, const wp_jval *spec)
{
    const wp_jval *raw_template = wp_rules_enter(c, spec, "podTemplate");
    const wp_jval *pod_template = wp_rules_object(c, raw_template);
    const wp_jval *raw_spec = wp_rules_enter(c, pod_template, "spec");
    const wp_jval *pod_spec = wp_rules_object(c, raw_spec);
    /* A podTemplate or pod spec of the wrong type was just reported; its
     * containers cannot be looked at. */
    bool broken = (!pod_template && wp_rules_is_set(raw_template)) || (!pod_spec && wp_rules_is_set(raw_spec));
    if (!broken) check_pod_containers(c, pod_spec);
    wp_rules_leave(c);
    wp_rules_leave(c);
}

/* ---- 2. enums ---------------------------------------------------------- */

void wp_rules_template_enums(wp_rules_ctx *c, const wp_jval *spec)
{
    static const char *const network_policy_management[] = {"Managed", "Unmanaged", NULL};
    static const char *const env_vars_injection[] = {"Allowed", "Overrides", "Disallowed", NULL};
    static const char *const volume_claim_templates[] = {"Disallowed", "Allowed", "Overrides", NULL};
    static const struct { const char *field; const char *const *values; } enums[] = {
        {"networkPolicyManagement", network_policy_management},
        {"envVarsInjectionPolicy", env_vars_injection},
        {"volumeClaimTemplatesPolicy", volume_claim_templates},
    };
    for (size_t i = 0; i < sizeof enums / sizeof *enums; i++) {
        wp_rules_check_enum(c, wp_rules_enter(c, spec, enums[i].field), enums[i].values);
        wp_rules_leave(c);
    }
}

/* ---- 3. images pinned to a digest (warnings) --------------------------- */

static void warn_unpinned(wp_rules_ctx *c, const wp_jval *list)
{
    for (size_t i = 0; wp_jval_is_array(list) && i < list->n; i++) {
        const wp_jval *image = wp_jval_get(&list->u.items[i], "image");
        /* Malformed containers are template.containers' business. */
        if (wp_rules_strlen(image) == 0 || wp_name_image_pinned(image->u.str, image->n)) continue;
        wp_path_push_index(&c->path, i);
        wp_path_push_field(&c->path, "image");
        char *field = wp_path_k8s(&c->path);
        char *shown = wp_verdict_quote_n(image->u.str, image->n);
        wp_rules_warn(c, "%s %s is not pinned to a digest", field, shown);
        free(shown);
        free(field);
        wp_path_pop(&c->path);
        wp_path_pop(&c->path);
    }
}

void wp_rules_template_image_digest(wp_rules_ctx *c, const wp_jval *spec)
{
    const wp_jval *pod_spec = wp_rules_enter(c, wp_rules_enter(c, spec, "podTemplate"), "spec");
    for (int l = 0; l < N_CONTAINER_LISTS; l++) {
        warn_unpinned(c, wp_rules_enter(c, pod_spec, container_lists[l]));
        wp_rules_leave(c);
    }
    wp_rules_leave(c);
    wp_rules_leave(c);
}
