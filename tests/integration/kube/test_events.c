/* The event recorder against the test API server: the Event written (every
 * field), repeats aggregated into one Event's count, the per-object spam
 * filter, a deleted Event created again, and a full queue dropping instead
 * of blocking; events.k8s.io/v1 Events with series.
 *
 * ctest-labels: tsan */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "controller/kube/events.h"
#include "controller/kube/kube_time.h"
#include "harness.h"

static wp_kube_client *kc;

static void setup(void)
{
    wp_kube_client_opts o = {.qps = -1};
    kc = wpt_client(&wpt_srv, &o);
}

static void teardown(void) { wp_kube_client_free(kc); }

/* The Events in ns (a list object, new reference). */
static json_t *events_in(const char *ns)
{
    wp_kube_error err = WP_KUBE_ERROR_INIT;
    json_t *list = wp_kube_list(wpt_srv.ctl, wp_kube_kind_get(WP_KIND_EVENT), ns, NULL, &err);
    ck_assert_msg(list != NULL, "%s", err.message);
    wp_kube_error_clear(&err);
    return list;
}

static const char *str_at(const json_t *obj, const char *a, const char *b)
{
    const json_t *v = json_object_get(obj, a);
    return json_string_value(b ? json_object_get(v, b) : v);
}

static wp_events_ref claim_ref(const char *ns, const char *name)
{
    wp_events_ref ref = {"extensions.agents.x-k8s.io/v1beta1", "SandboxClaim", ns, name, "uid-of-claim", "42"};
    return ref;
}

START_TEST(event_fields_and_aggregation)
{
    wpt_namespace(wpt_srv.ctl, "ev");
    wp_events_opts o = {.component = "warmpool-controller", .host = "node-1"};
    wp_events *r = wp_events_new(kc, &o);
    wp_events_ref ref = claim_ref("ev", "alice");
    double before = wp_kube_wallclock();
    wp_events_record(r, &ref, WP_EVENT_NORMAL, "SandboxAdopted", "adopted sandbox %s from pool %s", "pool-abc", "pool");
    ck_assert_int_eq(wp_events_flush(r, 10), 0);
    json_t *list = events_in("ev");
    ck_assert_uint_eq(json_array_size(json_object_get(list, "items")), 1);
    json_t *ev = json_array_get(json_object_get(list, "items"), 0);
    ck_assert_msg(strncmp(str_at(ev, "metadata", "name"), "alice.", 6) == 0, "%s", str_at(ev, "metadata", "name"));
    ck_assert_str_eq(str_at(ev, "involvedObject", "kind"), "SandboxClaim");
    ck_assert_str_eq(str_at(ev, "involvedObject", "name"), "alice");
    ck_assert_str_eq(str_at(ev, "involvedObject", "namespace"), "ev");
    ck_assert_str_eq(str_at(ev, "involvedObject", "uid"), "uid-of-claim");
    ck_assert_str_eq(str_at(ev, "involvedObject", "apiVersion"), "extensions.agents.x-k8s.io/v1beta1");
    ck_assert_str_eq(str_at(ev, "involvedObject", "resourceVersion"), "42");
    ck_assert_str_eq(str_at(ev, "reason", NULL), "SandboxAdopted");
    ck_assert_str_eq(str_at(ev, "message", NULL), "adopted sandbox pool-abc from pool pool");
    ck_assert_str_eq(str_at(ev, "type", NULL), "Normal");
    ck_assert_str_eq(str_at(ev, "source", "component"), "warmpool-controller");
    ck_assert_str_eq(str_at(ev, "source", "host"), "node-1");
    ck_assert_str_eq(str_at(ev, "reportingComponent", NULL), "warmpool-controller");
    ck_assert_int_eq(json_integer_value(json_object_get(ev, "count")), 1);
    double first;
    ck_assert(wp_kube_time_parse(str_at(ev, "firstTimestamp", NULL), &first));
    ck_assert(first >= before - 1 && first <= wp_kube_wallclock() + 1);
    ck_assert_str_eq(str_at(ev, "firstTimestamp", NULL), str_at(ev, "lastTimestamp", NULL));
    json_decref(list);

    wp_kube_sleep(1.1); /* lastTimestamp has second precision */
    for (int i = 0; i < 3; i++)
        wp_events_record(r, &ref, WP_EVENT_NORMAL, "SandboxAdopted", "adopted sandbox %s from pool %s", "pool-abc",
                         "pool");
    wp_events_record(r, &ref, WP_EVENT_WARNING, "ClaimExpired", "expired");
    ck_assert_int_eq(wp_events_flush(r, 10), 0);
    list = events_in("ev");
    ck_assert_uint_eq(json_array_size(json_object_get(list, "items")), 2);
    size_t i;
    json_t *item;
    json_array_foreach(json_object_get(list, "items"), i, item) {
        if (strcmp(str_at(item, "reason", NULL), "SandboxAdopted") == 0) {
            ck_assert_int_eq(json_integer_value(json_object_get(item, "count")), 4);
            ck_assert_str_ne(str_at(item, "firstTimestamp", NULL), str_at(item, "lastTimestamp", NULL));
        } else {
            ck_assert_str_eq(str_at(item, "type", NULL), "Warning");
            ck_assert_int_eq(json_integer_value(json_object_get(item, "count")), 1);
        }
    }
    json_decref(list);
    wp_events_stats st;
    wp_events_stats_get(r, &st);
    ck_assert_uint_eq(st.recorded, 5);
    ck_assert_uint_eq(st.created, 2);
    ck_assert_uint_eq(st.aggregated, 3);
    ck_assert_uint_eq(st.failed, 0);
    wp_events_free(r, 5);
}
END_TEST

/* events.k8s.io/v1, as controller-runtime records them: regarding, note,
 * action, reportingController/Instance; a repeat bumps series.count. */
START_TEST(events_v1_fields_and_series)
{
    wpt_namespace(wpt_srv.ctl, "ev1");
    wp_events_opts o = {.component = "sandboxclaim-controller", .host = "sandboxclaim-controller-node-1",
                        .events_v1 = true};
    wp_events *r = wp_events_new(kc, &o);
    wp_events_ref ref = claim_ref("ev1", "bob");
    wp_events_record_action(r, &ref, WP_EVENT_NORMAL, "SandboxAdopted", "Adoption", "Adopted warm pool Sandbox \"%s\"",
                            "p-x1");
    ck_assert_int_eq(wp_events_flush(r, 10), 0);
    wp_kube_error err = WP_KUBE_ERROR_INIT;
    json_t *list = wp_kube_list(wpt_srv.ctl, wp_kube_kind_get(WP_KIND_EVENT_V1), "ev1", NULL, &err);
    ck_assert_msg(list != NULL, "%s", err.message);
    ck_assert_uint_eq(json_array_size(json_object_get(list, "items")), 1);
    json_t *ev = json_array_get(json_object_get(list, "items"), 0);
    ck_assert_str_eq(str_at(list, "apiVersion", NULL), "events.k8s.io/v1");
    ck_assert_str_eq(str_at(ev, "reason", NULL), "SandboxAdopted");
    ck_assert_str_eq(str_at(ev, "action", NULL), "Adoption");
    ck_assert_str_eq(str_at(ev, "note", NULL), "Adopted warm pool Sandbox \"p-x1\"");
    ck_assert_str_eq(str_at(ev, "type", NULL), "Normal");
    ck_assert_str_eq(str_at(ev, "reportingController", NULL), "sandboxclaim-controller");
    ck_assert_str_eq(str_at(ev, "reportingInstance", NULL), "sandboxclaim-controller-node-1");
    ck_assert_str_eq(str_at(ev, "regarding", "kind"), "SandboxClaim");
    ck_assert_str_eq(str_at(ev, "regarding", "name"), "bob");
    ck_assert_uint_eq(strlen(str_at(ev, "eventTime", NULL)), 27); /* MicroTime */
    ck_assert_ptr_null(json_object_get(ev, "series"));
    json_decref(list);
    wp_events_record_action(r, &ref, WP_EVENT_NORMAL, "SandboxAdopted", "Adoption", "Adopted warm pool Sandbox \"%s\"",
                            "p-x1");
    ck_assert_int_eq(wp_events_flush(r, 10), 0);
    list = wp_kube_list(wpt_srv.ctl, wp_kube_kind_get(WP_KIND_EVENT_V1), "ev1", NULL, &err);
    ck_assert_uint_eq(json_array_size(json_object_get(list, "items")), 1);
    ev = json_array_get(json_object_get(list, "items"), 0);
    ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(ev, "series"), "count")), 2);
    ck_assert_ptr_nonnull(str_at(ev, "series", "lastObservedTime"));
    json_decref(list);
    wp_kube_error_clear(&err);
    wp_events_free(r, 1);
}
END_TEST

START_TEST(spam_filter_limits_one_object)
{
    wpt_namespace(wpt_srv.ctl, "ev-spam");
    wp_events_opts o = {.component = "warmpool-controller", .burst = 5};
    wp_events *r = wp_events_new(kc, &o);
    wp_events_ref noisy = claim_ref("ev-spam", "noisy"), quiet = claim_ref("ev-spam", "quiet");
    for (int i = 0; i < 20; i++) wp_events_record(r, &noisy, WP_EVENT_WARNING, "Failing", "attempt %d failed", i);
    wp_events_record(r, &quiet, WP_EVENT_NORMAL, "Fine", "all good");
    ck_assert_int_eq(wp_events_flush(r, 20), 0);
    wp_events_stats st;
    wp_events_stats_get(r, &st);
    ck_assert_uint_eq(st.created, 6); /* 5 for the noisy object, 1 for the quiet one */
    ck_assert_uint_eq(st.spam_dropped, 15);
    json_t *list = events_in("ev-spam");
    ck_assert_uint_eq(json_array_size(json_object_get(list, "items")), 6);
    json_decref(list);
    wp_events_free(r, 5);
}
END_TEST

START_TEST(deleted_event_is_created_again)
{
    wpt_namespace(wpt_srv.ctl, "ev-del");
    wp_events_opts o = {.component = "warmpool-controller"};
    wp_events *r = wp_events_new(kc, &o);
    wp_events_ref ref = claim_ref("ev-del", "bob");
    wp_events_record(r, &ref, WP_EVENT_NORMAL, "Ready", "ready");
    ck_assert_int_eq(wp_events_flush(r, 10), 0);
    json_t *list = events_in("ev-del");
    const char *name = str_at(json_array_get(json_object_get(list, "items"), 0), "metadata", "name");
    wp_kube_error err = WP_KUBE_ERROR_INIT;
    json_decref(wp_kube_delete(wpt_srv.ctl, wp_kube_kind_get(WP_KIND_EVENT), "ev-del", name, NULL, &err));
    json_decref(list);
    wp_events_record(r, &ref, WP_EVENT_NORMAL, "Ready", "ready");
    ck_assert_int_eq(wp_events_flush(r, 10), 0);
    list = events_in("ev-del");
    ck_assert_uint_eq(json_array_size(json_object_get(list, "items")), 1);
    ck_assert_int_eq(json_integer_value(json_object_get(json_array_get(json_object_get(list, "items"), 0), "count")), 2);
    json_decref(list);
    wp_events_stats st;
    wp_events_stats_get(r, &st);
    ck_assert_uint_eq(st.created, 2);
    ck_assert_uint_eq(st.failed, 0);
    wp_events_free(r, 5);
    wp_kube_error_clear(&err);
}
END_TEST

START_TEST(a_full_queue_drops_instead_of_blocking)
{
    wpt_namespace(wpt_srv.ctl, "ev-full");
    /* a slow API: each write takes 300 ms */
    wpt_control_do(&wpt_srv, "delay", "{\"path\":\"/namespaces/ev-full/events\",\"seconds\":10,\"ms\":300}");
    wp_events_opts o = {.component = "warmpool-controller", .queue_size = 3};
    wp_events *r = wp_events_new(kc, &o);
    double t0 = wp_kube_monotonic();
    char name[16];
    for (int i = 0; i < 10; i++) {
        snprintf(name, sizeof name, "obj-%d", i);
        wp_events_ref ref = claim_ref("ev-full", name);
        wp_events_record(r, &ref, WP_EVENT_NORMAL, "Hello", "hello");
    }
    ck_assert_msg(wp_kube_monotonic() - t0 < 0.1, "recording never waits for the API");
    wp_events_stats st;
    wp_events_stats_get(r, &st);
    ck_assert_uint_ge(st.queue_dropped, 6);
    ck_assert_uint_eq(st.recorded, 10);
    wp_events_free(r, 0.1); /* what is left is dropped, quickly */
    wpt_control_do(&wpt_srv, "reset", NULL);
}
END_TEST

START_TEST(events_about_cluster_scoped_objects_go_to_default)
{
    wp_events_opts o = {.component = "warmpool-controller"};
    wp_events *r = wp_events_new(kc, &o);
    json_t *ns = json_pack("{s:s, s:s, s:{s:s, s:s}}", "apiVersion", "v1", "kind", "Namespace", "metadata", "name",
                           "team-z", "uid", "ns-uid");
    wp_events_ref ref;
    wp_events_ref_from_json(ns, &ref);
    ck_assert_str_eq(ref.kind, "Namespace");
    ck_assert_ptr_null(ref.namespace);
    wp_events_record(r, &ref, WP_EVENT_NORMAL, "Seen", "seen");
    ck_assert_int_eq(wp_events_flush(r, 10), 0);
    json_t *list = events_in("default");
    bool found = false;
    size_t i;
    json_t *item;
    json_array_foreach(json_object_get(list, "items"), i, item) {
        if (strcmp(str_at(item, "involvedObject", "name"), "team-z") == 0) {
            found = true;
            ck_assert_ptr_null(json_object_get(json_object_get(item, "involvedObject"), "namespace"));
        }
    }
    ck_assert(found);
    json_decref(list);
    json_decref(ns);
    ck_assert_ptr_null(wp_events_new(kc, &(wp_events_opts){0})); /* a component is required */
    wp_events_free(r, 5);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("kube-events");
    TCase *tc = wpt_tcase("events", setup, teardown, 60);
    tcase_add_test(tc, event_fields_and_aggregation);
    tcase_add_test(tc, events_v1_fields_and_series);
    tcase_add_test(tc, spam_filter_limits_one_object);
    tcase_add_test(tc, deleted_event_is_created_again);
    tcase_add_test(tc, a_full_queue_drops_instead_of_blocking);
    tcase_add_test(tc, events_about_cluster_scoped_objects_go_to_default);
    suite_add_tcase(s, tc);
    return wpt_run(s);
}
