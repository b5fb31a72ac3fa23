/* get, list, create, update, patch, delete and subresources over
 * wp_kube_http. See kube_client.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/strbuf.h"
#include "common/verdict.h"
#include "controller/kube/kube_query.h"
#include "controller/kube/kube_transport.h"

json_t *wp_kube_call_json(wp_kube_client *c, const char *method, const char *path, const char *content_type,
                          const json_t *body, const wp_kube_http_request *tmpl, wp_kube_error *err)
{
    char *text = body ? json_dumps(body, JSON_COMPACT) : NULL;
    wp_kube_http_request rq = {0};
    if (tmpl) rq = *tmpl;
    rq.method = method;
    rq.path = path;
    rq.content_type = content_type;
    rq.body = text;
    rq.body_len = text ? strlen(text) : 0;
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

/* The verbs' common case: the client's limits. */
static json_t *call_json(wp_kube_client *c, const char *method, const char *path, const char *content_type,
                         const json_t *body, wp_kube_cancel *cancel, wp_kube_error *err)
{
    wp_kube_http_request limits = {.cancel = cancel};
    return wp_kube_call_json(c, method, path, content_type, body, &limits, err);
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

/* The collection path with the list query. Caller frees; NULL when the
 * kind/namespace cannot be addressed. */
static char *list_path(const wp_kube_kind *kind, const char *ns, const wp_kube_list_opts *opts)
{
    char *path = wp_kube_path(kind, ns, NULL, NULL);
    if (!path) return NULL;
    wp_kube_query q = WP_KUBE_QUERY_INIT;
    wp_kube_query_add(&q, "labelSelector", opts->label_selector && *opts->label_selector ? opts->label_selector : NULL);
    wp_kube_query_add(&q, "fieldSelector", opts->field_selector && *opts->field_selector ? opts->field_selector : NULL);
    if (opts->limit > 0) wp_kube_query_add_long(&q, "limit", opts->limit);
    wp_kube_query_add(&q, "continue", opts->continue_token && *opts->continue_token ? opts->continue_token : NULL);
    wp_kube_query_add(&q, "resourceVersion",
                      opts->resource_version && *opts->resource_version ? opts->resource_version : NULL);
    wp_kube_query_add(&q, "resourceVersionMatch", opts->resource_version_match);
    wp_sb full = WP_SB_INIT;
    wp_sb_printf(&full, "%s%s", path, wp_kube_query_str(&q));
    free(path);
    wp_kube_query_free(&q);
    return wp_sb_finish(&full);
}

json_t *wp_kube_list(wp_kube_client *c, const wp_kube_kind *kind, const char *ns, const wp_kube_list_opts *opts,
                     wp_kube_error *err)
{
    wp_kube_list_opts none = {0};
    if (!opts) opts = &none;
    char *path = list_path(kind, ns, opts);
    if (!path) return bad_path(kind, ns, NULL, err);
    json_t *list = call_json(c, "GET", path, NULL, NULL, opts->cancel, err);
    json_t *items = json_object_get(list, "items");
    if (list && !json_is_array(items)) {
        if (!items || json_is_null(items)) {
            json_object_set_new(list, "items", json_array()); /* Go encodes an empty list as null */
        } else {
            wp_kube_error_set(err, WP_KUBE_EPROTOCOL, "GET %s: items is not a list", path);
            json_decref(list);
            list = NULL;
        }
    }
    free(path);
    return list;
}

/* One page: decodes it in place and calls fn per item. Returns OK and
 * *next (malloc'd continue token or NULL) and *rv. */
static wp_kube_rc list_page(wp_kube_client *c, const char *path, wp_kube_cancel *cancel, wp_kube_item_fn fn,
                            void *ctx, char **next, char **rv, wp_kube_error *err)
{
    wp_kube_http_request rq = {.method = "GET", .path = path, .cancel = cancel};
    wp_kube_response resp;
    wp_kube_rc rc = wp_kube_http(c, &rq, &resp, err);
    *next = *rv = NULL;
    if (rc != WP_KUBE_OK) {
        free(resp.body);
        return rc;
    }
    wp_jdoc_error jerr;
    wp_jdoc *doc = wp_jdoc_parse_insitu(resp.body, resp.len, &jerr);
    const wp_jval *root = doc ? wp_jdoc_root(doc) : NULL;
    const wp_jval *items = wp_jval_get(root, "items");
    if (!wp_jval_is_object(root) || (!wp_jval_is_array(items) && !wp_jval_is_null(items))) {
        rc = wp_kube_error_set(err, WP_KUBE_EPROTOCOL, "GET %s: the answer is not a List%s%s", path,
                               doc ? "" : ": ", doc ? "" : jerr.message);
    } else {
        for (size_t i = 0; i < wp_jval_size(items); i++) {
            if (fn(ctx, wp_jval_at(items, i)) != 0) {
                rc = wp_kube_error_set(err, WP_KUBE_ECANCELED, "GET %s: stopped by the caller", path);
                break;
            }
        }
        const char *cont = wp_jval_str(wp_jval_path(root, "metadata", "continue", NULL));
        const char *version = wp_jval_str(wp_jval_path(root, "metadata", "resourceVersion", NULL));
        if (rc == WP_KUBE_OK && cont && *cont) *next = wp_xalloc_check(strdup(cont));
        if (rc == WP_KUBE_OK && version) *rv = wp_xalloc_check(strdup(version));
    }
    wp_jdoc_free(doc);
    free(resp.body);
    return rc;
}

wp_kube_rc wp_kube_list_each(wp_kube_client *c, const wp_kube_kind *kind, const char *ns,
                             const wp_kube_list_opts *opts, wp_kube_item_fn fn, void *ctx, char **resource_version,
                             wp_kube_error *err)
{
    wp_kube_list_opts page = {0};
    if (opts) page = *opts;
    char *token = NULL, *rv = NULL;
    wp_kube_rc rc = WP_KUBE_OK;
    if (resource_version) *resource_version = NULL;
    if (err) wp_kube_error_clear(err);
    do {
        page.continue_token = token;
        /* resourceVersion applies to the first page only; the continue
         * token pins the rest to the same snapshot */
        if (token) page.resource_version = page.resource_version_match = NULL;
        char *path = list_path(kind, ns, &page);
        free(token);
        token = NULL;
        if (!path) return wp_kube_error_set(err, WP_KUBE_EINVAL, "list: cannot address %s in \"%s\"",
                                            kind ? kind->plural : "(no kind)", ns ? ns : "");
        free(rv);
        rc = list_page(c, path, page.cancel, fn, ctx, &token, &rv, err);
        free(path);
    } while (rc == WP_KUBE_OK && token);
    if (rc == WP_KUBE_OK && resource_version) *resource_version = rv;
    else free(rv);
    return rc;
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
