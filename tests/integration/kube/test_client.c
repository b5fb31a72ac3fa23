/* The client against the test API server over real TLS: CRUD, optimistic
 * concurrency (409), subresources, delete preconditions, paging, selectors,
 * watches (events, server timeout, 410, cancel), retries (429 with
 * Retry-After, 5xx for reads only, connection refused), timeouts, garbage,
 * credentials (token file rotation and exec plugins re-run after a 401),
 * connection reuse and the client-side rate limit. */
#include <check.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "controller/kube/kube_time.h"
#include "harness.h"

static wp_kube_client *kc;

static void setup(void)
{
    wp_kube_client_opts o = {.qps = -1, .retry_base = 0.05};
    kc = wpt_client(&wpt_srv, &o);
}

static void teardown(void) { wp_kube_client_free(kc); }

static const wp_kube_kind *K(wp_kube_kind_id id) { return wp_kube_kind_get(id); }

static json_t *sandbox(const char *ns, const char *name)
{
    return json_pack("{s:s, s:s, s:{s:s, s:s, s:{s:s}}, s:{s:{s:{s:[{s:s, s:s}]}}}}", "apiVersion",
                     "agents.x-k8s.io/v1beta1", "kind", "Sandbox", "metadata", "name", name, "namespace", ns,
                     "labels", "app", "demo", "spec", "podTemplate", "spec", "containers", "name", "main", "image",
                     "busybox");
}

static json_t *pod(const char *ns, const char *name, const char *app)
{
    return json_pack("{s:s, s:s, s:{s:s, s:s, s:{s:s}}, s:{s:[{s:s, s:s}]}}", "apiVersion", "v1", "kind", "Pod",
                     "metadata", "name", name, "namespace", ns, "labels", "app", app, "spec", "containers", "name",
                     "c", "image", "busybox");
}

static const char *meta_str(const json_t *obj, const char *key)
{
    return json_string_value(json_object_get(json_object_get(obj, "metadata"), key));
}

static json_int_t generation(const json_t *obj)
{
    return json_integer_value(json_object_get(json_object_get(obj, "metadata"), "generation"));
}

START_TEST(crud_round_trip)
{
    wp_kube_error err = WP_KUBE_ERROR_INIT;
    wpt_namespace(kc, "crud");
    json_t *in = sandbox("crud", "sb-1");
    json_t *made = wp_kube_create(kc, K(WP_KIND_SANDBOX), NULL, in, &err);
    ck_assert_msg(made != NULL, "%s", err.message);
    ck_assert_str_eq(meta_str(made, "name"), "sb-1");
    ck_assert_ptr_nonnull(meta_str(made, "uid"));
    ck_assert_int_eq(generation(made), 1);

    json_t *got = wp_kube_get(kc, K(WP_KIND_SANDBOX), "crud", "sb-1", &err);
    ck_assert_msg(got != NULL, "%s", err.message);
    ck_assert_str_eq(meta_str(got, "resourceVersion"), meta_str(made, "resourceVersion"));

    /* spec change: generation moves */
    json_object_set_new(json_object_get(got, "spec"), "operatingMode", json_string("Suspended"));
    json_t *updated = wp_kube_update(kc, K(WP_KIND_SANDBOX), got, &err);
    ck_assert_msg(updated != NULL, "%s", err.message);
    ck_assert_int_eq(generation(updated), 2);

    /* status subresource: status changes, generation does not */
    json_object_set_new(updated, "status", json_pack("{s:[s]}", "podIPs", "10.1.2.3"));
    json_t *with_status = wp_kube_update_subresource(kc, K(WP_KIND_SANDBOX), updated, "status", &err);
    ck_assert_msg(with_status != NULL, "%s", err.message);
    ck_assert_int_eq(generation(with_status), 2);
    ck_assert_str_eq(json_string_value(
                         json_array_get(json_object_get(json_object_get(with_status, "status"), "podIPs"), 0)),
                     "10.1.2.3");

    json_t *merge = json_pack("{s:{s:{s:s, s:n}}}", "metadata", "labels", "tier", "gold", "app");
    json_t *merged = wp_kube_patch(kc, K(WP_KIND_SANDBOX), "crud", "sb-1", NULL, WP_KUBE_PATCH_MERGE, merge, &err);
    ck_assert_msg(merged != NULL, "%s", err.message);
    json_t *labels = json_object_get(json_object_get(merged, "metadata"), "labels");
    ck_assert_str_eq(json_string_value(json_object_get(labels, "tier")), "gold");
    ck_assert_ptr_null(json_object_get(labels, "app"));

    json_t *jp = json_pack("[{s:s, s:s, s:s}]", "op", "add", "path", "/metadata/annotations", "value", "x");
    json_decref(jp);
    jp = json_pack("[{s:s, s:s, s:{s:s}}]", "op", "add", "path", "/metadata/annotations", "value", "note", "hi");
    json_t *patched = wp_kube_patch(kc, K(WP_KIND_SANDBOX), "crud", "sb-1", NULL, WP_KUBE_PATCH_JSON, jp, &err);
    ck_assert_msg(patched != NULL, "%s", err.message);
    ck_assert_str_eq(json_string_value(json_object_get(json_object_get(json_object_get(patched, "metadata"),
                                                                       "annotations"), "note")), "hi");

    wp_kube_delete_opts del = {.propagation_policy = "Background"};
    json_t *gone = wp_kube_delete(kc, K(WP_KIND_SANDBOX), "crud", "sb-1", &del, &err);
    ck_assert_msg(gone != NULL, "%s", err.message);
    ck_assert_ptr_null(wp_kube_get(kc, K(WP_KIND_SANDBOX), "crud", "sb-1", &err));
    ck_assert_int_eq(err.rc, WP_KUBE_ENOTFOUND);
    ck_assert_int_eq(err.http_status, 404);
    ck_assert(err.has_status);
    ck_assert_str_eq(err.status.reason, "NotFound");
    ck_assert_str_eq(err.status.message, "sandboxes.agents.x-k8s.io \"sb-1\" not found");
    for (json_t **j = (json_t *[]){in, made, got, updated, with_status, merge, merged, jp, patched, gone, NULL}; *j; j++)
        json_decref(*j);
    wp_kube_error_clear(&err);
}
END_TEST

START_TEST(stale_update_is_a_conflict)
{
    wp_kube_error err = WP_KUBE_ERROR_INIT;
    wpt_namespace(kc, "conflict");
    json_t *in = sandbox("conflict", "sb");
    json_t *v1 = wp_kube_create(kc, K(WP_KIND_SANDBOX), NULL, in, &err);
    ck_assert_msg(v1 != NULL, "%s", err.message);
    json_t *mine = json_deep_copy(v1);
    json_object_set_new(json_object_get(v1, "metadata"), "labels", json_pack("{s:s}", "who", "first"));
    json_t *v2 = wp_kube_update(kc, K(WP_KIND_SANDBOX), v1, &err);
    ck_assert_msg(v2 != NULL, "%s", err.message);
    json_object_set_new(json_object_get(mine, "metadata"), "labels", json_pack("{s:s}", "who", "second"));
    ck_assert_ptr_null(wp_kube_update(kc, K(WP_KIND_SANDBOX), mine, &err));
    ck_assert_int_eq(err.rc, WP_KUBE_ECONFLICT);
    ck_assert_int_eq(err.http_status, 409);
    ck_assert_str_eq(err.status.reason, "Conflict");
    ck_assert_msg(strstr(err.message, "PUT /apis/agents.x-k8s.io/v1beta1/namespaces/conflict/sandboxes/sb: 409 "
                                      "Conflict: ") == err.message, "%s", err.message);

    ck_assert_ptr_null(wp_kube_create(kc, K(WP_KIND_SANDBOX), NULL, in, &err));
    ck_assert_int_eq(err.rc, WP_KUBE_EEXISTS);
    ck_assert_str_eq(err.status.reason, "AlreadyExists");

    /* delete preconditions */
    wp_kube_delete_opts wrong_uid = {.precondition_uid = "not-the-uid"};
    ck_assert_ptr_null(wp_kube_delete(kc, K(WP_KIND_SANDBOX), "conflict", "sb", &wrong_uid, &err));
    ck_assert_int_eq(err.rc, WP_KUBE_ECONFLICT);
    wp_kube_delete_opts stale_rv = {.precondition_resource_version = meta_str(mine, "resourceVersion")};
    ck_assert_ptr_null(wp_kube_delete(kc, K(WP_KIND_SANDBOX), "conflict", "sb", &stale_rv, &err));
    ck_assert_int_eq(err.rc, WP_KUBE_ECONFLICT);
    wp_kube_delete_opts right = {.precondition_uid = meta_str(v2, "uid"),
                                 .precondition_resource_version = meta_str(v2, "resourceVersion")};
    json_t *gone = wp_kube_delete(kc, K(WP_KIND_SANDBOX), "conflict", "sb", &right, &err);
    ck_assert_msg(gone != NULL, "%s", err.message);
    json_decref(gone);
    json_decref(in);
    json_decref(v1);
    json_decref(v2);
    json_decref(mine);
    wp_kube_error_clear(&err);
}
END_TEST

START_TEST(scale_subresource)
{
    wp_kube_error err = WP_KUBE_ERROR_INIT;
    wpt_namespace(kc, "scale");
    json_t *pool = json_pack("{s:s, s:s, s:{s:s, s:s}, s:{s:i, s:{s:s}}}", "apiVersion",
                             "extensions.agents.x-k8s.io/v1beta1", "kind", "SandboxWarmPool", "metadata", "name", "p",
                             "namespace", "scale", "spec", "replicas", 2, "sandboxTemplateRef", "name", "t");
    json_t *made = wp_kube_create(kc, K(WP_KIND_SANDBOX_WARM_POOL), NULL, pool, &err);
    ck_assert_msg(made != NULL, "%s", err.message);
    json_t *scale = wp_kube_get_subresource(kc, K(WP_KIND_SANDBOX_WARM_POOL), "scale", "p", "scale", &err);
    ck_assert_msg(scale != NULL, "%s", err.message);
    ck_assert_str_eq(json_string_value(json_object_get(scale, "kind")), "Scale");
    ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(scale, "spec"), "replicas")), 2);
    json_object_set_new(json_object_get(scale, "spec"), "replicas", json_integer(5));
    json_t *scaled = wp_kube_update_subresource(kc, K(WP_KIND_SANDBOX_WARM_POOL), scale, "scale", &err);
    ck_assert_msg(scaled != NULL, "%s", err.message);
    json_t *after = wp_kube_get(kc, K(WP_KIND_SANDBOX_WARM_POOL), "scale", "p", &err);
    ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(after, "spec"), "replicas")), 5);
    json_decref(pool);
    json_decref(made);
    json_decref(scale);
    json_decref(scaled);
    json_decref(after);
    wp_kube_error_clear(&err);
}
END_TEST

typedef struct {
    int n;
    char names[64][64];
} seen_items;

static int collect_item(void *ctx, const wp_jval *item)
{
    seen_items *s = ctx;
    if (s->n < 64) snprintf(s->names[s->n], 64, "%s", wp_jval_str(wp_jval_path(item, "metadata", "name", NULL)));
    s->n++;
    return 0;
}

START_TEST(paging_and_selectors)
{
    wpt_namespace(kc, "paging");
    wpt_control_do(&wpt_srv, "bulk",
                   "{\"generate\":{\"kind\":\"Pod\",\"namespace\":\"paging\",\"count\":25,\"namePrefix\":\"p-\"}}");
    wp_kube_error err = WP_KUBE_ERROR_INIT;
    json_t *other = pod("paging", "odd-one", "other");
    json_decref(wp_kube_create(kc, K(WP_KIND_POD), NULL, other, &err));
    json_decref(other);

    wp_kube_list_opts page = {.limit = 10};
    json_t *list = wp_kube_list(kc, K(WP_KIND_POD), "paging", &page, &err);
    ck_assert_msg(list != NULL, "%s", err.message);
    ck_assert_uint_eq(json_array_size(json_object_get(list, "items")), 10);
    const char *cont = json_string_value(json_object_get(json_object_get(list, "metadata"), "continue"));
    ck_assert_ptr_nonnull(cont);
    ck_assert(strlen(cont) > 0);
    json_decref(list);

    seen_items all = {0};
    char *rv = NULL;
    wp_kube_list_opts each = {.limit = 7};
    ck_assert_int_eq(wp_kube_list_each(kc, K(WP_KIND_POD), "paging", &each, collect_item, &all, &rv, &err), WP_KUBE_OK);
    ck_assert_int_eq(all.n, 26);
    ck_assert_ptr_nonnull(rv);
    ck_assert(atol(rv) > 0);
    free(rv);

    seen_items sel = {0};
    wp_kube_list_opts by_label = {.label_selector = "app in (other,nothing)", .limit = 5};
    ck_assert_int_eq(wp_kube_list_each(kc, K(WP_KIND_POD), "paging", &by_label, collect_item, &sel, NULL, &err),
                     WP_KUBE_OK);
    ck_assert_int_eq(sel.n, 1);
    ck_assert_str_eq(sel.names[0], "odd-one");

    seen_items byfield = {0};
    wp_kube_list_opts by_field = {.field_selector = "metadata.name=p-7"};
    ck_assert_int_eq(wp_kube_list_each(kc, K(WP_KIND_POD), NULL, &by_field, collect_item, &byfield, NULL, &err),
                     WP_KUBE_OK);
    ck_assert_int_eq(byfield.n, 1);
    ck_assert_str_eq(byfield.names[0], "p-7");
    wp_kube_error_clear(&err);
}
END_TEST

typedef struct {
    int n;
    wp_kube_event_type types[16];
    char names[16][32];
    int stop_after;
} watched;

static int on_watch(void *ctx, const wp_kube_watch_event *ev)
{
    watched *w = ctx;
    if (ev->type == WP_KUBE_BOOKMARK) return 0;
    if (w->n < 16) {
        w->types[w->n] = ev->type;
        snprintf(w->names[w->n], 32, "%s", meta_str(ev->object, "name"));
    }
    w->n++;
    return w->stop_after && w->n >= w->stop_after;
}

START_TEST(watch_streams_events_and_ends_on_server_timeout)
{
    wp_kube_error err = WP_KUBE_ERROR_INIT;
    wpt_namespace(kc, "watch");
    json_t *list = wp_kube_list(kc, K(WP_KIND_SANDBOX), "watch", NULL, &err);
    char rv[64];
    snprintf(rv, sizeof rv, "%s", meta_str(list, "resourceVersion"));
    json_decref(list);
    json_t *a = sandbox("watch", "a");
    json_t *made = wp_kube_create(kc, K(WP_KIND_SANDBOX), NULL, a, &err);
    json_object_set_new(json_object_get(made, "metadata"), "labels", json_pack("{s:s}", "x", "y"));
    json_decref(wp_kube_update(kc, K(WP_KIND_SANDBOX), made, &err));
    json_decref(wp_kube_delete(kc, K(WP_KIND_SANDBOX), "watch", "a", NULL, &err));

    watched w = {0};
    wp_kube_watch_opts wo = {.resource_version = rv, .timeout_seconds = 1, .allow_bookmarks = true};
    double t0 = wp_kube_monotonic();
    ck_assert_int_eq(wp_kube_watch(kc, K(WP_KIND_SANDBOX), "watch", &wo, on_watch, &w, &err), WP_KUBE_OK);
    double took = wp_kube_monotonic() - t0;
    ck_assert_msg(took >= 0.9 && took < 5, "the server ends the watch after timeoutSeconds (took %f)", took);
    ck_assert_int_eq(w.n, 3);
    ck_assert_int_eq(w.types[0], WP_KUBE_ADDED);
    ck_assert_int_eq(w.types[1], WP_KUBE_MODIFIED);
    ck_assert_int_eq(w.types[2], WP_KUBE_DELETED);
    ck_assert_str_eq(w.names[2], "a");

    /* the callback can end it */
    watched stop = {.stop_after = 2};
    wo.timeout_seconds = 30;
    t0 = wp_kube_monotonic();
    ck_assert_int_eq(wp_kube_watch(kc, K(WP_KIND_SANDBOX), "watch", &wo, on_watch, &stop, &err), WP_KUBE_OK);
    ck_assert_int_eq(stop.n, 2);
    ck_assert(wp_kube_monotonic() - t0 < 2);
    json_decref(a);
    json_decref(made);
    wp_kube_error_clear(&err);
}
END_TEST

START_TEST(watch_from_a_compacted_version_is_gone)
{
    wp_kube_error err = WP_KUBE_ERROR_INIT;
    wpt_namespace(kc, "gone");
    json_t *list = wp_kube_list(kc, K(WP_KIND_POD), "gone", NULL, &err);
    char rv[64];
    snprintf(rv, sizeof rv, "%s", meta_str(list, "resourceVersion"));
    json_decref(list);
    json_t *p = pod("gone", "p", "x");
    json_decref(wp_kube_create(kc, K(WP_KIND_POD), NULL, p, &err));
    json_decref(p);
    wpt_control_do(&wpt_srv, "compact", NULL);
    watched w = {0};
    wp_kube_watch_opts wo = {.resource_version = rv, .timeout_seconds = 5};
    ck_assert_int_eq(wp_kube_watch(kc, K(WP_KIND_POD), "gone", &wo, on_watch, &w, &err), WP_KUBE_EGONE);
    ck_assert_int_eq(w.n, 0);
    ck_assert(err.has_status);
    ck_assert_int_eq(err.status.code, 410);
    ck_assert_str_eq(err.status.reason, "Expired");
    wp_kube_error_clear(&err);
}
END_TEST

typedef struct {
    wp_kube_cancel *cancel;
    double after;
} firer;

static void *fire_later(void *p)
{
    firer *f = p;
    wp_kube_sleep(f->after);
    wp_kube_cancel_fire(f->cancel);
    return NULL;
}

START_TEST(cancel_stops_a_watch_at_once)
{
    wp_kube_error err = WP_KUBE_ERROR_INIT;
    firer f = {wp_kube_cancel_new(), 0.3};
    pthread_t t;
    pthread_create(&t, NULL, fire_later, &f);
    watched w = {0};
    wp_kube_watch_opts wo = {.timeout_seconds = 60, .cancel = f.cancel};
    double t0 = wp_kube_monotonic();
    ck_assert_int_eq(wp_kube_watch(kc, K(WP_KIND_POD), NULL, &wo, on_watch, &w, &err), WP_KUBE_ECANCELED);
    double took = wp_kube_monotonic() - t0;
    ck_assert_msg(took >= 0.25 && took < 1.0, "took %f", took);
    pthread_join(t, NULL);
    /* a fired token also ends sleeps and refuses new work */
    ck_assert(wp_kube_cancel_sleep(f.cancel, 10));
    ck_assert_int_eq(wp_kube_watch(kc, K(WP_KIND_POD), NULL, &wo, on_watch, &w, &err), WP_KUBE_ECANCELED);
    wp_kube_cancel_free(f.cancel);
    wp_kube_error_clear(&err);
}
END_TEST

START_TEST(a_silent_watch_hits_its_idle_limit)
{
    wp_kube_error err = WP_KUBE_ERROR_INIT;
    wpt_namespace(kc, "silent");
    watched w = {0};
    /* no events, no bookmarks asked for: nothing arrives */
    wp_kube_watch_opts wo = {.timeout_seconds = 60, .idle_timeout = 1};
    double t0 = wp_kube_monotonic();
    ck_assert_int_eq(wp_kube_watch(kc, K(WP_KIND_POD), "silent", &wo, on_watch, &w, &err), WP_KUBE_ETIMEOUT);
    double took = wp_kube_monotonic() - t0;
    ck_assert_msg(took >= 0.9 && took < 4, "took %f", took);
    ck_assert_int_eq(w.n, 0);
    wp_kube_error_clear(&err);
}
END_TEST

START_TEST(throttling_is_retried_after_retry_after)
{
    wp_kube_error err = WP_KUBE_ERROR_INIT;
    wpt_control_do(&wpt_srv, "throttle", "{\"path\":\"/api/v1/namespaces$\",\"count\":2,\"retryAfter\":1}");
    double t0 = wp_kube_monotonic();
    json_t *list = wp_kube_list(kc, K(WP_KIND_NAMESPACE), NULL, NULL, &err);
    double took = wp_kube_monotonic() - t0;
    ck_assert_msg(list != NULL, "%s", err.message);
    ck_assert_msg(took >= 1.9 && took < 4, "two Retry-After: 1 waits, took %f", took);
    json_decref(list);
    wp_kube_client_stats st;
    wp_kube_client_stats_get(kc, &st);
    ck_assert_uint_eq(st.retries, 2);

    /* no retries left: the 429 surfaces */
    wp_kube_client_opts once = {.qps = -1, .max_retries = -1};
    wp_kube_client *c1 = wpt_client(&wpt_srv, &once);
    wpt_control_do(&wpt_srv, "throttle", "{\"path\":\"/api/v1/namespaces$\",\"count\":1,\"retryAfter\":3}");
    ck_assert_ptr_null(wp_kube_list(c1, K(WP_KIND_NAMESPACE), NULL, NULL, &err));
    ck_assert_int_eq(err.rc, WP_KUBE_ETOOMANY);
    ck_assert_int_eq(err.http_status, 429);
    ck_assert_str_eq(err.status.reason, "TooManyRequests");
    wp_kube_client_free(c1);
    wp_kube_error_clear(&err);
}
END_TEST

/* Writes are retried on 429 too: the server did nothing. (The server must
 * consume or discard the body of a request it refuses, as Go's net/http
 * does, or the retry on the same connection is misread.) */
START_TEST(writes_are_retried_on_429)
{
    wp_kube_error err = WP_KUBE_ERROR_INIT;
    wpt_control_do(&wpt_srv, "throttle", "{\"path\":\"/namespaces$\",\"methods\":[\"POST\"],\"count\":1,\"retryAfter\":1}");
    json_t *in = json_pack("{s:s, s:s, s:{s:s}}", "apiVersion", "v1", "kind", "Namespace", "metadata", "name",
                           "throttled");
    json_t *made = wp_kube_create(kc, K(WP_KIND_NAMESPACE), NULL, in, &err);
    ck_assert_msg(made != NULL, "%s", err.message);
    wp_kube_client_stats st;
    wp_kube_client_stats_get(kc, &st);
    ck_assert_uint_eq(st.retries, 1);
    json_decref(made);
    json_decref(in);
    wp_kube_error_clear(&err);
}
END_TEST

START_TEST(server_errors_are_retried_for_reads_only)
{
    wp_kube_error err = WP_KUBE_ERROR_INIT;
    wpt_namespace(kc, "errors");
    wpt_control_do(&wpt_srv, "errors", "{\"path\":\"/namespaces/errors/pods\",\"count\":2,\"code\":500}");
    json_t *list = wp_kube_list(kc, K(WP_KIND_POD), "errors", NULL, &err);
    ck_assert_msg(list != NULL, "%s", err.message);
    json_decref(list);

    wpt_control_do(&wpt_srv, "errors", "{\"path\":\"/namespaces/errors/pods\",\"count\":1,\"code\":503}");
    json_t *p = pod("errors", "once", "x");
    ck_assert_ptr_null(wp_kube_create(kc, K(WP_KIND_POD), NULL, p, &err));
    ck_assert_int_eq(err.rc, WP_KUBE_ESERVER);
    ck_assert_int_eq(err.http_status, 503);
    /* not retried: one attempt, and nothing was created */
    json_t *after = wp_kube_get(kc, K(WP_KIND_POD), "errors", "once", &err);
    ck_assert_ptr_null(after);
    ck_assert_int_eq(err.rc, WP_KUBE_ENOTFOUND);
    json_decref(p);
    wp_kube_error_clear(&err);
}
END_TEST

START_TEST(garbage_and_timeouts_are_errors_not_crashes)
{
    wp_kube_error err = WP_KUBE_ERROR_INIT;
    wpt_control_do(&wpt_srv, "garbage", "{\"path\":\"/api/v1/namespaces/default$\",\"count\":1}");
    ck_assert_ptr_null(wp_kube_get(kc, K(WP_KIND_NAMESPACE), NULL, "default", &err));
    ck_assert_int_eq(err.rc, WP_KUBE_EPROTOCOL);
    json_t *ok = wp_kube_get(kc, K(WP_KIND_NAMESPACE), NULL, "default", &err); /* and the next one works */
    ck_assert_msg(ok != NULL, "%s", err.message);
    json_decref(ok);

    wp_kube_client_opts quick = {.qps = -1, .max_retries = -1, .request_timeout = 0.4};
    wp_kube_client *c1 = wpt_client(&wpt_srv, &quick);
    wpt_control_do(&wpt_srv, "delay", "{\"path\":\"/api/v1/namespaces/default$\",\"count\":1,\"ms\":1500}");
    double t0 = wp_kube_monotonic();
    ck_assert_ptr_null(wp_kube_get(c1, K(WP_KIND_NAMESPACE), NULL, "default", &err));
    ck_assert_int_eq(err.rc, WP_KUBE_ETIMEOUT);
    ck_assert(wp_kube_monotonic() - t0 < 1.2);
    wp_kube_client_free(c1);
    wp_kube_error_clear(&err);
}
END_TEST

START_TEST(nobody_listening)
{
    wp_kubeconfig cfg = *wpt_srv.cfg;
    cfg.server = "https://127.0.0.1:1";
    wp_kube_client_opts o = {.qps = -1, .max_retries = 2, .retry_base = 0.01};
    wp_kube_error err = WP_KUBE_ERROR_INIT;
    wp_kube_client *c = wp_kube_client_new(&cfg, &o, &err);
    ck_assert_ptr_nonnull(c);
    json_t *p = pod("default", "x", "y");
    ck_assert_ptr_null(wp_kube_create(c, K(WP_KIND_POD), NULL, p, &err));
    ck_assert_int_eq(err.rc, WP_KUBE_ETRANSPORT);
    ck_assert_msg(strstr(err.message, "POST /api/v1/namespaces/default/pods: Couldn't connect to server") == err.message,
                  "%s", err.message);
    wp_kube_client_stats st;
    wp_kube_client_stats_get(c, &st);
    ck_assert_uint_eq(st.retries, 2); /* nothing was sent: even a POST is retried */
    json_decref(p);
    wp_kube_client_free(c);
    wp_kube_error_clear(&err);
}
END_TEST

START_TEST(tls_is_verified)
{
    wp_kubeconfig cfg = *wpt_srv.cfg;
    cfg.ca_data = "-----BEGIN CERTIFICATE-----\nnot a certificate\n-----END CERTIFICATE-----\n";
    cfg.ca_len = strlen(cfg.ca_data);
    wp_kube_client_opts o = {.qps = -1, .max_retries = -1};
    wp_kube_error err = WP_KUBE_ERROR_INIT;
    wp_kube_client *c = wp_kube_client_new(&cfg, &o, &err);
    ck_assert_ptr_null(wp_kube_get(c, K(WP_KIND_NAMESPACE), NULL, "default", &err));
    ck_assert_int_eq(err.rc, WP_KUBE_ETRANSPORT);
    wp_kube_client_free(c);
    cfg.ca_data = NULL; /* the system CAs do not know the test CA either */
    cfg.ca_len = 0;
    c = wp_kube_client_new(&cfg, &o, &err);
    ck_assert_ptr_null(wp_kube_get(c, K(WP_KIND_NAMESPACE), NULL, "default", &err));
    ck_assert_int_eq(err.rc, WP_KUBE_ETRANSPORT);
    wp_kube_client_free(c);
    cfg.insecure_skip_tls_verify = true;
    c = wp_kube_client_new(&cfg, &o, &err);
    json_t *ns = wp_kube_get(c, K(WP_KIND_NAMESPACE), NULL, "default", &err);
    ck_assert_msg(ns != NULL, "%s", err.message);
    json_decref(ns);
    wp_kube_client_free(c);
    wp_kube_error_clear(&err);
}
END_TEST

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fputs(text, f);
    fclose(f);
    chmod(path, 0700);
}

static void set_tokens(const char *token)
{
    char body[256];
    snprintf(body, sizeof body, "{\"tokens\":[\"%s\"]}", token);
    wpt_control_do(&wpt_srv, "tokens", body);
}

START_TEST(rotated_token_file_is_picked_up_after_a_401)
{
    char path[700];
    snprintf(path, sizeof path, "%s/token", wpt_srv.dir);
    write_file(path, wpt_srv.cfg->token);
    wp_kubeconfig cfg = *wpt_srv.cfg;
    cfg.token = NULL;
    cfg.token_file = path;
    wp_kube_client_opts o = {.qps = -1};
    wp_kube_error err = WP_KUBE_ERROR_INIT;
    wp_kube_client *c = wp_kube_client_new(&cfg, &o, &err);
    json_t *ns = wp_kube_get(c, K(WP_KIND_NAMESPACE), NULL, "default", &err);
    ck_assert_msg(ns != NULL, "%s", err.message);
    json_decref(ns);

    set_tokens("rotated-1"); /* the kubelet rotates the projected token */
    write_file(path, "rotated-1\n");
    ns = wp_kube_get(c, K(WP_KIND_NAMESPACE), NULL, "default", &err);
    ck_assert_msg(ns != NULL, "%s", err.message);
    json_decref(ns);
    wp_kube_client_stats st;
    wp_kube_client_stats_get(c, &st);
    ck_assert_uint_eq(st.requests, 3); /* one 401, then the refreshed token */

    set_tokens("something-else"); /* not in the file: a clean 401 */
    ck_assert_ptr_null(wp_kube_get(c, K(WP_KIND_NAMESPACE), NULL, "default", &err));
    ck_assert_int_eq(err.rc, WP_KUBE_EUNAUTHORIZED);
    ck_assert_int_eq(err.http_status, 401);
    set_tokens(wpt_srv.cfg->token);
    wp_kube_client_free(c);
    wp_kube_error_clear(&err);
}
END_TEST

START_TEST(exec_plugin_is_cached_and_rerun_after_a_401)
{
    char script[700], tokfile[700], count[700], body[2400];
    snprintf(script, sizeof script, "%s/cred.sh", wpt_srv.dir);
    snprintf(tokfile, sizeof tokfile, "%s/exec-token", wpt_srv.dir);
    snprintf(count, sizeof count, "%s/exec-count", wpt_srv.dir);
    unlink(count);
    write_file(tokfile, wpt_srv.cfg->token);
    snprintf(body, sizeof body,
             "#!/bin/sh\necho run >> '%s'\n"
             "printf '{\"apiVersion\":\"client.authentication.k8s.io/v1\",\"kind\":\"ExecCredential\","
             "\"status\":{\"token\":\"%%s\"}}' \"$(cat '%s')\"\n",
             count, tokfile);
    write_file(script, body);
    wp_kube_exec_config x = {.api_version = "client.authentication.k8s.io/v1", .command = script};
    wp_kubeconfig cfg = *wpt_srv.cfg;
    cfg.token = NULL;
    cfg.exec = &x;
    wp_kube_client_opts o = {.qps = -1};
    wp_kube_error err = WP_KUBE_ERROR_INIT;
    wp_kube_client *c = wp_kube_client_new(&cfg, &o, &err);
    for (int i = 0; i < 3; i++) {
        json_t *ns = wp_kube_get(c, K(WP_KIND_NAMESPACE), NULL, "default", &err);
        ck_assert_msg(ns != NULL, "%s", err.message);
        json_decref(ns);
    }
    FILE *f = fopen(count, "r");
    int runs = 0;
    char line[16];
    while (fgets(line, sizeof line, f)) runs++;
    fclose(f);
    ck_assert_int_eq(runs, 1);

    set_tokens("exec-rotated");
    write_file(tokfile, "exec-rotated");
    json_t *ns = wp_kube_get(c, K(WP_KIND_NAMESPACE), NULL, "default", &err);
    ck_assert_msg(ns != NULL, "%s", err.message);
    json_decref(ns);
    f = fopen(count, "r");
    runs = 0;
    while (fgets(line, sizeof line, f)) runs++;
    fclose(f);
    ck_assert_int_eq(runs, 2);
    set_tokens(wpt_srv.cfg->token);
    wp_kube_client_free(c);
    wp_kube_error_clear(&err);
}
END_TEST

START_TEST(in_cluster_configuration_works_end_to_end)
{
    char sa[700], path[800], port[16];
    snprintf(sa, sizeof sa, "%s/serviceaccount", wpt_srv.dir);
    mkdir(sa, 0700);
    snprintf(path, sizeof path, "%s/token", sa);
    write_file(path, wpt_srv.cfg->token);
    snprintf(path, sizeof path, "%s/ca.crt", sa);
    write_file(path, wpt_srv.cfg->ca_data);
    snprintf(path, sizeof path, "%s/namespace", sa);
    write_file(path, "kube-system\n");
    snprintf(port, sizeof port, "%d", wpt_srv.port);
    setenv("KUBERNETES_SERVICE_HOST", "127.0.0.1", 1);
    setenv("KUBERNETES_SERVICE_PORT", port, 1);
    unsetenv("KUBECONFIG");
    wp_kubeconfig_opts lo = {.serviceaccount_dir = sa};
    char msg[512];
    wp_kubeconfig *cfg = wp_kubeconfig_load(&lo, msg, sizeof msg);
    ck_assert_msg(cfg != NULL, "%s", msg);
    wp_kube_error err = WP_KUBE_ERROR_INIT;
    wp_kube_client *c = wp_kube_client_new(cfg, NULL, &err);
    ck_assert_str_eq(wp_kube_client_namespace(c), "kube-system");
    ck_assert_str_eq(wp_kube_client_server(c), wpt_srv.url);
    json_t *ns = wp_kube_get(c, K(WP_KIND_NAMESPACE), NULL, "default", &err);
    ck_assert_msg(ns != NULL, "%s", err.message);
    json_decref(ns);
    wp_kube_client_free(c);
    wp_kubeconfig_free(cfg);
    wp_kube_error_clear(&err);
}
END_TEST

typedef struct {
    wp_kube_client *c;
    int n;
    int failures;
} getter;

static void *get_many(void *p)
{
    getter *g = p;
    wp_kube_error err = WP_KUBE_ERROR_INIT;
    for (int i = 0; i < g->n; i++) {
        json_t *ns = wp_kube_get(g->c, K(WP_KIND_NAMESPACE), NULL, "default", &err);
        if (!ns) g->failures++;
        json_decref(ns);
    }
    wp_kube_error_clear(&err);
    return NULL;
}

START_TEST(connections_are_reused)
{
    getter g = {kc, 40, 0};
    get_many(&g);
    ck_assert_int_eq(g.failures, 0);
    wp_kube_client_stats st;
    wp_kube_client_stats_get(kc, &st);
    ck_assert_uint_eq(st.requests, 40);
    ck_assert_uint_eq(st.connections, 1);

    pthread_t t[4];
    getter gs[4];
    for (int i = 0; i < 4; i++) {
        gs[i] = (getter){kc, 20, 0};
        pthread_create(&t[i], NULL, get_many, &gs[i]);
    }
    for (int i = 0; i < 4; i++) {
        pthread_join(t[i], NULL);
        ck_assert_int_eq(gs[i].failures, 0);
    }
    wp_kube_client_stats_get(kc, &st);
    ck_assert_uint_eq(st.requests, 120);
    ck_assert_uint_le(st.connections, 4); /* at most one per concurrent request */
}
END_TEST

START_TEST(client_side_rate_limit)
{
    /* 5/s leaves 200 ms between tokens: far more than a request takes even on
     * a loaded machine, so the waits are the limiter's, not the server's. */
    wp_kube_client_opts o = {.qps = 5, .burst = 2};
    wp_kube_client *c = wpt_client(&wpt_srv, &o);
    getter g = {c, 8, 0};
    double t0 = wp_kube_monotonic();
    get_many(&g);
    double took = wp_kube_monotonic() - t0;
    ck_assert_msg(took >= 1.18, "8 requests at 5/s after a burst of 2 took %f", took);
    wp_kube_client_stats st;
    wp_kube_client_stats_get(c, &st);
    ck_assert_uint_ge(st.throttled, 5);
    ck_assert_msg(st.throttled_seconds > 0.6 && st.throttled_seconds <= took,
                  "throttled %f s of %f s", st.throttled_seconds, took);
    wp_kube_client_free(c);
}
END_TEST

/* --- client certificates (a server started with --client-cert-auth) ------ */

static wpt_apiserver cert_srv;

static void cert_server_up(void)
{
    const char *args[] = {"--client-cert-auth", NULL};
    wpt_apiserver_start(&cert_srv, args);
}

static void cert_server_down(void) { wpt_apiserver_stop(&cert_srv); }

START_TEST(client_certificate_from_kubeconfig_and_from_exec)
{
    ck_assert_ptr_nonnull(cert_srv.cfg->cert_data);
    ck_assert_ptr_nonnull(cert_srv.cfg->key_data);
    ck_assert_ptr_null(cert_srv.cfg->token);
    wp_kube_client_opts o = {.qps = -1, .max_retries = -1};
    wp_kube_error err = WP_KUBE_ERROR_INIT;
    wp_kube_client *c = wpt_client(&cert_srv, &o);
    json_t *ns = wp_kube_get(c, K(WP_KIND_NAMESPACE), NULL, "default", &err);
    ck_assert_msg(ns != NULL, "%s", err.message);
    json_decref(ns);
    wp_kube_client_free(c);

    wp_kubeconfig anon = *cert_srv.cfg;
    anon.cert_data = anon.key_data = NULL;
    c = wp_kube_client_new(&anon, &o, &err);
    ck_assert_ptr_null(wp_kube_get(c, K(WP_KIND_NAMESPACE), NULL, "default", &err));
    ck_assert_int_eq(err.rc, WP_KUBE_EUNAUTHORIZED);
    wp_kube_client_free(c);

    /* the same certificate handed out by an exec plugin */
    char cred_path[700], script[700], body[1500];
    snprintf(cred_path, sizeof cred_path, "%s/cred.json", cert_srv.dir);
    json_t *cred = json_pack("{s:s, s:s, s:{s:s, s:s}}", "apiVersion", "client.authentication.k8s.io/v1", "kind",
                             "ExecCredential", "status", "clientCertificateData", cert_srv.cfg->cert_data,
                             "clientKeyData", cert_srv.cfg->key_data);
    ck_assert_int_eq(json_dump_file(cred, cred_path, 0), 0);
    json_decref(cred);
    snprintf(script, sizeof script, "%s/cert-plugin.sh", cert_srv.dir);
    snprintf(body, sizeof body, "#!/bin/sh\ncat '%s'\n", cred_path);
    write_file(script, body);
    wp_kube_exec_config x = {.api_version = "client.authentication.k8s.io/v1", .command = script};
    anon.exec = &x;
    c = wp_kube_client_new(&anon, &o, &err);
    ns = wp_kube_get(c, K(WP_KIND_NAMESPACE), NULL, "default", &err);
    ck_assert_msg(ns != NULL, "%s", err.message);
    json_decref(ns);
    wp_kube_client_free(c);
    wp_kube_error_clear(&err);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("kube-client");
    TCase *tc = wpt_tcase("client", setup, teardown, 60);
    tcase_add_test(tc, crud_round_trip);
    tcase_add_test(tc, stale_update_is_a_conflict);
    tcase_add_test(tc, scale_subresource);
    tcase_add_test(tc, paging_and_selectors);
    tcase_add_test(tc, watch_streams_events_and_ends_on_server_timeout);
    tcase_add_test(tc, watch_from_a_compacted_version_is_gone);
    tcase_add_test(tc, cancel_stops_a_watch_at_once);
    tcase_add_test(tc, a_silent_watch_hits_its_idle_limit);
    tcase_add_test(tc, throttling_is_retried_after_retry_after);
    tcase_add_test(tc, writes_are_retried_on_429);
    tcase_add_test(tc, server_errors_are_retried_for_reads_only);
    tcase_add_test(tc, garbage_and_timeouts_are_errors_not_crashes);
    tcase_add_test(tc, nobody_listening);
    tcase_add_test(tc, tls_is_verified);
    tcase_add_test(tc, rotated_token_file_is_picked_up_after_a_401);
    tcase_add_test(tc, exec_plugin_is_cached_and_rerun_after_a_401);
    tcase_add_test(tc, in_cluster_configuration_works_end_to_end);
    tcase_add_test(tc, connections_are_reused);
    tcase_add_test(tc, client_side_rate_limit);
    suite_add_tcase(s, tc);
    TCase *certs = tcase_create("certs");
    tcase_add_unchecked_fixture(certs, cert_server_up, cert_server_down);
    tcase_set_timeout(certs, 60);
    tcase_add_test(certs, client_certificate_from_kubeconfig_and_from_exec);
    suite_add_tcase(s, certs);
    return wpt_run(s);
}
