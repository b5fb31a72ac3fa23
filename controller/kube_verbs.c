/* get, list, create, update, patch, delete and subresources over
 * wp_kube_http. See kube_client.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/verdict.h"
#include "controller/kube_query.h"
#include "controller/kube_transport.h"

/* Sends a JSON request to path and decodes a JSON object answer.
 * Returns a new reference or NULL with err filled. */
static json_t *call_json(wp_kube_client *c, const char *method, const char *path, const char *content_type,
                         const json_t *body, wp_kube_cancel *cancel, wp_kube_error *err)
{
    char *text = body ? json_dumps(body, JSON_COMPACT) : NULL;
    wp_kube_http_request rq = {.method = method, .path = path, .content_type = content_type, .body = text,
                               .body_len = text ? strlen(text) : 0, .cancel = cancel};
    wp_kube_response resp;
    wp_kube_rc rc = wp_kube_http(c, &rq, &resp, err);
    free(text);
    json_t *doc = NULL;
    if (rc == WP_KUBE_OK) {
        json_error_t jerr;
        doc = json_loadb(resp.body, resp.len, 0, &jerr);
        if (!json_is_object(doc)) {
            wp_kube_error_set(err, WP_KUBE_EPROTOCOL, "%s %s: the answer is not a JSON object: %s", method, path,
                              doc ? "another JSON type" : jerr.text);
            if (err) err->http_status = resp.status;
            json_decref(doc);
            doc = NULL;
        }
    }
    free(resp.body);
    return doc;
}

static json_t *bad_path(const wp_kube_kind *kind, const char *ns, const char *name, wp_kube_error *err)
{
    wp_kube_error_set(err, WP_KUBE_EINVAL, "cannot address %s \"%s\" in namespace \"%s\"",
                      kind ? kind->kind : "(no kind)", name ? name : "", ns ? ns : "");
    return NULL;
}

json_t *wp_kube_get_subresource(wp_kube_client *c, const wp_kube_kind *kind, const char *ns, const char *name,
                                const char *sub, wp_kube_error *err)
{
    char *path = wp_kube_path(kind, ns, name, sub);
    if (!path) return bad_path(kind, ns, name, err);
    json_t *obj = call_json(c, "GET", path, NULL, NULL, NULL, err);
    free(path);
    return obj;
}

json_t *wp_kube_get(wp_kube_client *c, const wp_kube_kind *kind, const char *ns, const char *name,
                    wp_kube_error *err)
{
    if (!name) return bad_path(kind, ns, name, err);
    return wp_kube_get_subresource(c, kind, ns, name, NULL, err);
}

json_t *wp_kube_list(wp_kube_client *c, const wp_kube_kind *kind, const char *ns, const wp_kube_list_opts *opts,
                     wp_kube_error *err)
{
    wp_kube_list_opts none = {0};
    if (!opts) opts = &none;
    char *path = wp_kube_path(kind, ns, NULL, NULL);
    if (!path) return bad_path(kind, ns, NULL, err);
    wp_kube_query q = WP_KUBE_QUERY_INIT;
    wp_kube_query_add(&q, "labelSelector", opts->label_selector && *opts->label_selector ? opts->label_selector : NULL);
    wp_kube_query_add(&q, "fieldSelector", opts->field_selector && *opts->field_selector ? opts->field_selector : NULL);
    if (opts->limit > 0) wp_kube_query_add_long(&q, "limit", opts->limit);
    wp_kube_query_add(&q, "continue", opts->continue_token && *opts->continue_token ? opts->continue_token : NULL);
    wp_kube_query_add(&q, "resourceVersion",
                      opts->resource_version && *opts->resource_version ? opts->resource_version : NULL);
    wp_kube_query_add(&q, "resourceVersionMatch", opts->resource_version_match);
    size_t n = strlen(path) + q.len + 1;
    char *full = wp_xalloc_check(malloc(n));
    snprintf(full, n, "%s%s", path, wp_kube_query_str(&q));
    json_t *list = call_json(c, "GET", full, NULL, NULL, opts->cancel, err);
    if (list && !json_is_array(json_object_get(list, "items"))) {
        /* "items": null is how Go encodes an empty list */
        if (json_is_null(json_object_get(list, "items")) || !json_object_get(list, "items")) {
            json_object_set_new(list, "items", json_array());
        } else {
            wp_kube_error_set(err, WP_KUBE_EPROTOCOL, "GET %s: items is not a list", full);
            json_decref(list);
            list = NULL;
        }
    }
    free(full);
    free(path);
    wp_kube_query_free(&q);
    return list;
}

wp_kube_rc wp_kube_list_each(wp_kube_client *c, const wp_kube_kind *kind, const char *ns,
                             const wp_kube_list_opts *opts, wp_kube_item_fn fn, void *ctx, char **resource_version,
                             wp_kube_error *err)
{
    wp_kube_list_opts page = {0};
    if (opts) page = *opts;
    char *token = NULL;
    wp_kube_rc rc = WP_KUBE_OK;
    if (resource_version) *resource_version = NULL;
    for (;;) {
        page.continue_token = token;
        /* resourceVersion applies to the first page only; the continue
         * token pins the rest to the same snapshot */
        if (token) page.resource_version = page.resource_version_match = NULL;
        json_t *list = wp_kube_list(c, kind, ns, &page, err);
        free(token);
        token = NULL;
        if (!list) return err ? err->rc : WP_KUBE_EPROTOCOL;
        size_t i;
        json_t *item;
        json_array_foreach(json_object_get(list, "items"), i, item) {
            if (fn(ctx, item) != 0) {
                rc = wp_kube_error_set(err, WP_KUBE_ECANCELED, "list %s: stopped by the caller", kind->plural);
                break;
            }
        }
        const json_t *meta = json_object_get(list, "metadata");
        const char *cont = json_string_value(json_object_get(meta, "continue"));
        const char *rv = json_string_value(json_object_get(meta, "resourceVersion"));
        if (rc == WP_KUBE_OK && cont && *cont) {
            token = wp_xalloc_check(strdup(cont));
        } else if (rc == WP_KUBE_OK && resource_version) {
            *resource_version = rv ? wp_xalloc_check(strdup(rv)) : NULL;
        }
        json_decref(list);
        if (rc != WP_KUBE_OK || !token) return rc;
    }
}

static const char *object_namespace(const json_t *obj)
{
    return json_string_value(json_object_get(json_object_get(obj, "metadata"), "namespace"));
}

static const char *object_name(const json_t *obj)
{
    return json_string_value(json_object_get(json_object_get(obj, "metadata"), "name"));
}

json_t *wp_kube_create(wp_kube_client *c, const wp_kube_kind *kind, const char *ns, const json_t *obj,
                       wp_kube_error *err)
{
    if (!json_is_object(obj)) {
        wp_kube_error_set(err, WP_KUBE_EINVAL, "create %s: the object is not a JSON object", kind ? kind->kind : "");
        return NULL;
    }
    if (!ns) ns = object_namespace(obj);
    char *path = wp_kube_path(kind, ns, NULL, NULL);
    if (!path || (kind->namespaced && (!ns || !*ns))) {
        free(path);
        return bad_path(kind, ns, object_name(obj), err);
    }
    json_t *out = call_json(c, "POST", path, "application/json", obj, NULL, err);
    free(path);
    return out;
}

json_t *wp_kube_update_subresource(wp_kube_client *c, const wp_kube_kind *kind, const json_t *obj,
                                   const char *sub, wp_kube_error *err)
{
    const char *ns = object_namespace(obj), *name = object_name(obj);
    char *path = name ? wp_kube_path(kind, ns, name, sub) : NULL;
    if (!path) return bad_path(kind, ns, name, err);
    json_t *out = call_json(c, "PUT", path, "application/json", obj, NULL, err);
    free(path);
    return out;
}

json_t *wp_kube_update(wp_kube_client *c, const wp_kube_kind *kind, const json_t *obj, wp_kube_error *err)
{
    return wp_kube_update_subresource(c, kind, obj, NULL, err);
}

json_t *wp_kube_patch(wp_kube_client *c, const wp_kube_kind *kind, const char *ns, const char *name,
                      const char *sub, wp_kube_patch_type type, const json_t *patch, wp_kube_error *err)
{
    static const char *const content_types[] = {
        [WP_KUBE_PATCH_MERGE] = "application/merge-patch+json",
        [WP_KUBE_PATCH_JSON] = "application/json-patch+json",
        [WP_KUBE_PATCH_STRATEGIC] = "application/strategic-merge-patch+json",
    };
    if ((unsigned)type > WP_KUBE_PATCH_STRATEGIC || !patch) {
        wp_kube_error_set(err, WP_KUBE_EINVAL, "patch: unknown patch type or no patch");
        return NULL;
    }
    char *path = name ? wp_kube_path(kind, ns, name, sub) : NULL;
    if (!path) return bad_path(kind, ns, name, err);
    json_t *out = call_json(c, "PATCH", path, content_types[type], patch, NULL, err);
    free(path);
    return out;
}

json_t *wp_kube_delete(wp_kube_client *c, const wp_kube_kind *kind, const char *ns, const char *name,
                       const wp_kube_delete_opts *opts, wp_kube_error *err)
{
    char *path = name ? wp_kube_path(kind, ns, name, NULL) : NULL;
    if (!path) return bad_path(kind, ns, name, err);
    json_t *body = json_pack("{s:s, s:s}", "apiVersion", "v1", "kind", "DeleteOptions");
    if (opts) {
        json_t *pre = json_object();
        if (opts->precondition_uid) json_object_set_new(pre, "uid", json_string(opts->precondition_uid));
        if (opts->precondition_resource_version)
            json_object_set_new(pre, "resourceVersion", json_string(opts->precondition_resource_version));
        if (json_object_size(pre)) json_object_set(body, "preconditions", pre);
        json_decref(pre);
        if (opts->propagation_policy)
            json_object_set_new(body, "propagationPolicy", json_string(opts->propagation_policy));
        if (opts->has_grace_period)
            json_object_set_new(body, "gracePeriodSeconds", json_integer(opts->grace_period_seconds));
    }
    json_t *out = call_json(c, "DELETE", path, "application/json", body, NULL, err);
    json_decref(body);
    free(path);
    return out;
}
