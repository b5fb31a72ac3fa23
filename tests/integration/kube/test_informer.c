/* Informers against the test API server, with faults: the cache and a
 * mirror built only from handler calls must both converge to what the
 * server holds — after dropped watches, watches closed every second, 410
 * Gone (with objects that vanished meanwhile), garbage in the stream, a slow
 * server, throttled lists, and the server going down and coming back.
 *
 * ctest-labels: tsan */
#include <check.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "controller/kube/informer.h"
#include "controller/kube/kube_map.h"
#include "controller/kube/kube_time.h"
#include "harness.h"

static wp_kube_client *kc; /* the informer's client */

static void setup(void)
{
    wp_kube_client_opts o = {.qps = -1, .retry_base = 0.02, .retry_max = 0.2, .max_retries = 3};
    kc = wpt_client(&wpt_srv, &o);
}

static void teardown(void) { wp_kube_client_free(kc); }

/* --- a mirror of the server built from handler calls ------------------------- */

typedef struct {
    char key[128];
    char rv[32];
} entry;

static const char *entry_key(const void *e) { return ((const entry *)e)->key; }

typedef struct {
    pthread_mutex_t mu;
    wp_kube_map objects;
    unsigned adds, updates, deletes, resyncs;
    bool bad_update; /* an update whose old version was not the mirrored one */
} mirror;

static void mirror_init(mirror *m)
{
    memset(m, 0, sizeof *m);
    pthread_mutex_init(&m->mu, NULL);
    wp_kube_map_init(&m->objects, entry_key);
}

static void mirror_free(mirror *m)
{
    void *e;
    for (size_t i = 0; (e = wp_kube_map_next(&m->objects, &i));) free(e);
    wp_kube_map_destroy(&m->objects);
    pthread_mutex_destroy(&m->mu);
}

static void put(mirror *m, wp_store_item *it)
{
    entry *e = calloc(1, sizeof *e);
    snprintf(e->key, sizeof e->key, "%s", wp_store_item_key(it));
    snprintf(e->rv, sizeof e->rv, "%s", wp_store_item_resource_version(it));
    free(wp_kube_map_put(&m->objects, e));
}

static void on_add(void *ctx, wp_store_item *it)
{
    mirror *m = ctx;
    pthread_mutex_lock(&m->mu);
    m->adds++;
    put(m, it);
    pthread_mutex_unlock(&m->mu);
}

static void on_update(void *ctx, wp_store_item *old, wp_store_item *cur)
{
    mirror *m = ctx;
    pthread_mutex_lock(&m->mu);
    if (old == cur) {
        m->resyncs++;
    } else {
        entry *known = wp_kube_map_get(&m->objects, wp_store_item_key(old));
        if (!known || strcmp(known->rv, wp_store_item_resource_version(old)) != 0) m->bad_update = true;
        m->updates++;
        put(m, cur);
    }
    pthread_mutex_unlock(&m->mu);
}

static void on_delete(void *ctx, wp_store_item *last)
{
    mirror *m = ctx;
    pthread_mutex_lock(&m->mu);
    m->deletes++;
    free(wp_kube_map_remove(&m->objects, wp_store_item_key(last)));
    pthread_mutex_unlock(&m->mu);
}

/* --- what the server holds ------------------------------------------------------ */

typedef struct {
    wp_kube_map *want;
} lister;

static int collect(void *ctx, const wp_jval *item)
{
    lister *l = ctx;
    entry *e = calloc(1, sizeof *e);
    snprintf(e->key, sizeof e->key, "%s/%s", wp_jval_str(wp_jval_path(item, "metadata", "namespace", NULL)),
             wp_jval_str(wp_jval_path(item, "metadata", "name", NULL)));
    snprintf(e->rv, sizeof e->rv, "%s", wp_jval_str(wp_jval_path(item, "metadata", "resourceVersion", NULL)));
    wp_kube_map_put(l->want, e);
    return 0;
}

typedef struct {
    mirror *m;
    wp_informer *inf;
    const char *ns;
    char why[256];
} convergence;

/* True when the mirror and the informer's store both hold exactly the
 * server's objects at the server's versions. */
static bool converged(void *ctx)
{
    convergence *c = ctx;
    wp_kube_map want;
    wp_kube_map_init(&want, entry_key);
    lister l = {&want};
    wp_kube_error err = WP_KUBE_ERROR_INIT;
    /* across namespaces, so faults aimed at the informer's path miss this */
    char selector[128];
    snprintf(selector, sizeof selector, "metadata.namespace=%s", c->ns);
    wp_kube_list_opts by_ns = {.field_selector = selector};
    wp_kube_rc rc = wp_kube_list_each(wpt_srv.ctl, wp_kube_kind_get(WP_KIND_POD), NULL, &by_ns, collect, &l, NULL, &err);
    wp_kube_error_clear(&err);
    bool ok = rc == WP_KUBE_OK;
    pthread_mutex_lock(&c->m->mu);
    ok = ok && want.len == c->m->objects.len && want.len == wp_store_len(wp_informer_store(c->inf));
    snprintf(c->why, sizeof c->why, "server %zu, mirror %zu, store %zu", want.len, c->m->objects.len,
             wp_store_len(wp_informer_store(c->inf)));
    entry *e;
    for (size_t i = 0; ok && (e = wp_kube_map_next(&want, &i));) {
        entry *mine = wp_kube_map_get(&c->m->objects, e->key);
        wp_store_item *it = wp_store_get(wp_informer_store(c->inf), e->key);
        ok = mine && strcmp(mine->rv, e->rv) == 0 && it && strcmp(wp_store_item_resource_version(it), e->rv) == 0;
        if (!ok) snprintf(c->why, sizeof c->why, "%s differs (server rv %s)", e->key, e->rv);
        wp_store_item_unref(it);
    }
    pthread_mutex_unlock(&c->m->mu);
    for (size_t i = 0; (e = wp_kube_map_next(&want, &i));) free(e);
    wp_kube_map_destroy(&want);
    return ok;
}

static void expect_converged(mirror *m, wp_informer *inf, const char *ns, double timeout)
{
    convergence c = {m, inf, ns, ""};
    ck_assert_msg(wpt_eventually(timeout, converged, &c), "no convergence: %s", c.why);
    ck_assert(!m->bad_update);
}

static const wp_store_index owner_index[] = {{"owner", WP_STORE_INDEX_OWNER_UID, NULL}};

static wp_informer *start_informer(const char *ns, mirror *m, double resync)
{
    wp_informer_config cfg = {.kind = wp_kube_kind_get(WP_KIND_POD), .namespace = ns,
                              .store = {owner_index, 1, wp_store_pod_fields, NULL},
                              .page_size = 7, .resync_period = resync, .backoff_initial = 0.05,
                              .backoff_max = 0.3};
    wp_informer *inf = wp_informer_new(kc, &cfg);
    wp_informer_handlers h = {on_add, on_update, on_delete, m};
    ck_assert_int_eq(wp_informer_add_handlers(inf, &h), 0);
    ck_assert_int_eq(wp_informer_start(inf), 0);
    ck_assert_int_eq(wp_informer_add_handlers(inf, &h), -1); /* too late */
    ck_assert_msg(wp_informer_wait_synced(inf, 20), "no initial sync");
    return inf;
}

/* One informer over one namespace, a mirror fed by its handlers, and the
 * informer's counters once converged. */
typedef struct {
    const char *ns;
    mirror m;
    wp_informer *inf;
    wp_informer_stats st;
} scenario;

static void scenario_start(scenario *s, const char *ns, double resync)
{
    s->ns = ns;
    wpt_namespace(wpt_srv.ctl, ns);
    mirror_init(&s->m);
    s->inf = start_informer(ns, &s->m, resync);
}

/* Expects cache and mirror to match the server within timeout, then reads
 * the informer's counters into s->st. */
static void scenario_converge(scenario *s, double timeout)
{
    expect_converged(&s->m, s->inf, s->ns, timeout);
    wp_informer_stats_get(s->inf, &s->st);
}

static void scenario_end(scenario *s)
{
    wp_informer_free(s->inf);
    mirror_free(&s->m);
}

/* --- writing through the control client ------------------------------------------ */

/* Creates a Sandbox to own pods; returns its uid (caller frees). */
static char *create_owner(const char *ns, const char *name)
{
    json_t *sb = json_pack("{s:s, s:s, s:{s:s, s:s}, s:{s:{s:{s:[{s:s, s:s}]}}}}", "apiVersion",
                           "agents.x-k8s.io/v1beta1", "kind", "Sandbox", "metadata", "name", name, "namespace", ns,
                           "spec", "podTemplate", "spec", "containers", "name", "c", "image", "busybox");
    wp_kube_error err = WP_KUBE_ERROR_INIT;
    json_t *made = wp_kube_create(wpt_srv.ctl, wp_kube_kind_get(WP_KIND_SANDBOX), NULL, sb, &err);
    ck_assert_msg(made != NULL, "%s", err.message);
    char *uid = strdup(json_string_value(json_object_get(json_object_get(made, "metadata"), "uid")));
    json_decref(made);
    json_decref(sb);
    wp_kube_error_clear(&err);
    return uid;
}

static void create_pod(const char *ns, const char *name, const char *owner)
{
    json_t *p = json_pack("{s:s, s:s, s:{s:s, s:s}, s:{s:[{s:s, s:s}]}}", "apiVersion", "v1", "kind", "Pod",
                          "metadata", "name", name, "namespace", ns, "spec", "containers", "name", "c", "image",
                          "busybox");
    if (owner)
        json_object_set_new(json_object_get(p, "metadata"), "ownerReferences",
                            json_pack("[{s:s, s:s, s:s, s:s}]", "apiVersion", "agents.x-k8s.io/v1beta1", "kind",
                                      "Sandbox", "name", "owner", "uid", owner));
    wp_kube_error err = WP_KUBE_ERROR_INIT;
    json_t *made = wp_kube_create(wpt_srv.ctl, wp_kube_kind_get(WP_KIND_POD), NULL, p, &err);
    ck_assert_msg(made != NULL, "%s", err.message);
    json_decref(made);
    json_decref(p);
    wp_kube_error_clear(&err);
}

static void label_pod(const char *ns, const char *name, const char *value)
{
    json_t *patch = json_pack("{s:{s:{s:s}}}", "metadata", "labels", "step", value);
    wp_kube_error err = WP_KUBE_ERROR_INIT;
    json_t *out = wp_kube_patch(wpt_srv.ctl, wp_kube_kind_get(WP_KIND_POD), ns, name, NULL, WP_KUBE_PATCH_MERGE, patch,
                                &err);
    ck_assert_msg(out != NULL, "%s", err.message);
    json_decref(out);
    json_decref(patch);
    wp_kube_error_clear(&err);
}

static void delete_pod(const char *ns, const char *name)
{
    wp_kube_delete_opts now = {.has_grace_period = true, .grace_period_seconds = 0};
    wp_kube_error err = WP_KUBE_ERROR_INIT;
    json_t *out = wp_kube_delete(wpt_srv.ctl, wp_kube_kind_get(WP_KIND_POD), ns, name, &now, &err);
    ck_assert_msg(out != NULL, "%s", err.message);
    json_decref(out);
    wp_kube_error_clear(&err);
}

/* A burst of changes: creates, label updates, deletes. */
static void churn(const char *ns, int round)
{
    char name[64], step[16];
    for (int i = 0; i < 6; i++) {
        snprintf(name, sizeof name, "r%d-%d", round, i);
        create_pod(ns, name, NULL);
    }
    snprintf(step, sizeof step, "s%d", round);
    for (int i = 0; i < 6; i += 2) {
        snprintf(name, sizeof name, "r%d-%d", round, i);
        label_pod(ns, name, step);
    }
    for (int i = 1; i < 6; i += 2) {
        snprintf(name, sizeof name, "r%d-%d", round, i);
        delete_pod(ns, name);
    }
}

/* --- tests --------------------------------------------------------------------------- */

START_TEST(sync_handlers_and_indexes)
{
    wpt_namespace(wpt_srv.ctl, "inf-basic");
    wpt_control_do(&wpt_srv, "bulk",
                   "{\"generate\":{\"kind\":\"Pod\",\"namespace\":\"inf-basic\",\"count\":20,\"namePrefix\":\"b-\"}}");
    scenario s;
    scenario_start(&s, "inf-basic", 0);
    ck_assert_uint_eq(s.m.adds, 20);
    char *owner = create_owner("inf-basic", "owner");
    create_pod("inf-basic", "owned-1", owner);
    create_pod("inf-basic", "owned-2", owner);
    label_pod("inf-basic", "b-3", "x");
    delete_pod("inf-basic", "b-4");
    scenario_converge(&s, 10);
    ck_assert_uint_eq(s.m.adds, 22);
    ck_assert_uint_ge(s.m.updates, 1);
    ck_assert_uint_eq(s.m.deletes, 1);
    ck_assert_uint_eq(wp_store_index_count(wp_informer_store(s.inf), "owner", owner), 2);
    free(owner);
    /* the Pod filter applies: no spec.containers in the cache */
    wp_store_item *it = wp_store_get(wp_informer_store(s.inf), "inf-basic/b-3");
    ck_assert_ptr_nonnull(it);
    ck_assert_ptr_null(strstr(wp_store_item_raw(it, NULL), "containers"));
    ck_assert_ptr_nonnull(strstr(wp_store_item_raw(it, NULL), "\"step\":\"x\""));
    wp_store_item_unref(it);
    ck_assert_uint_eq(s.st.lists, 1);
    ck_assert_uint_eq(s.st.list_failures, 0);
    double t0 = wp_kube_monotonic();
    scenario_end(&s);
    ck_assert_msg(wp_kube_monotonic() - t0 < 1.0, "stopping a watching informer is immediate");
}
END_TEST

START_TEST(dropped_watches_resume_without_relisting)
{
    scenario s;
    scenario_start(&s, "inf-drop", 0);
    for (int round = 0; round < 4; round++) {
        churn("inf-drop", round);
        wpt_control_do(&wpt_srv, "watches/drop", NULL);
    }
    scenario_converge(&s, 15);
    ck_assert_uint_eq(s.st.lists, 1); /* resumed from the last resourceVersion every time */
    ck_assert_uint_ge(s.st.watches, 2);
    scenario_end(&s);
}
END_TEST

START_TEST(watches_closed_every_second)
{
    scenario s;
    scenario_start(&s, "inf-close", 0);
    wpt_control_do(&wpt_srv, "watches/close-interval", "{\"seconds\":1}");
    double until = wp_kube_monotonic() + 3;
    for (int round = 0; wp_kube_monotonic() < until; round++) {
        churn("inf-close", round);
        wp_kube_sleep(0.2);
    }
    scenario_converge(&s, 15);
    wpt_control_do(&wpt_srv, "watches/close-interval", "{\"seconds\":0}");
    ck_assert_uint_eq(s.st.lists, 1);
    ck_assert_uint_ge(s.st.watches, 3);
    scenario_end(&s);
}
END_TEST

START_TEST(expired_watch_relists)
{
    scenario s;
    scenario_start(&s, "inf-expire", 0);
    create_pod("inf-expire", "a", NULL);
    scenario_converge(&s, 10);
    /* every open watch gets an ERROR event with 410 */
    wpt_control_do(&wpt_srv, "compact", "{\"expireWatches\":true}");
    create_pod("inf-expire", "b", NULL);
    scenario_converge(&s, 10);
    ck_assert_uint_ge(s.st.relists_gone, 1);
    ck_assert_uint_ge(s.st.lists, 2);
    ck_assert_uint_eq(s.m.adds, 2); /* the relist found nothing new: no duplicate adds */
    scenario_end(&s);
}
END_TEST

/* Objects deleted while the informer could not watch, then history
 * compacted: resuming gets 410, the relist reports them deleted. */
START_TEST(relist_after_gone_delivers_deletes_for_vanished_objects)
{
    wpt_namespace(wpt_srv.ctl, "inf-gone");
    create_pod("inf-gone", "stays", NULL);
    create_pod("inf-gone", "vanishes", NULL);
    create_pod("inf-gone", "changes", NULL);
    scenario s;
    scenario_start(&s, "inf-gone", 0);
    /* the collection path (lists and watches) fails; single objects work */
    wpt_control_do(&wpt_srv, "errors",
                   "{\"path\":\"/namespaces/inf-gone/pods$\",\"methods\":[\"GET\"],\"seconds\":30,\"code\":503}");
    wpt_control_do(&wpt_srv, "watches/drop", NULL);
    delete_pod("inf-gone", "vanishes");
    label_pod("inf-gone", "changes", "later");
    create_pod("inf-gone", "appears", NULL);
    wpt_control_do(&wpt_srv, "compact", "{\"expireWatches\":false}");
    wp_kube_sleep(0.3);
    pthread_mutex_lock(&s.m.mu);
    ck_assert_uint_eq(s.m.deletes, 0); /* nothing seen yet */
    pthread_mutex_unlock(&s.m.mu);
    wpt_control_do(&wpt_srv, "reset", NULL);
    scenario_converge(&s, 15);
    ck_assert_uint_eq(s.m.deletes, 1);
    ck_assert_uint_eq(s.m.adds, 4);
    ck_assert_uint_eq(s.m.updates, 1);
    ck_assert_uint_ge(s.st.relists_gone, 1);
    ck_assert_uint_ge(s.st.watch_failures, 1);
    scenario_end(&s);
}
END_TEST

START_TEST(garbage_in_the_stream_is_survived)
{
    scenario s;
    scenario_start(&s, "inf-garbage", 0);
    churn("inf-garbage", 0);
    wpt_control_do(&wpt_srv, "garbage",
                   "{\"path\":\"/namespaces/inf-garbage/pods$\",\"methods\":[\"GET\"],\"count\":2}");
    wpt_control_do(&wpt_srv, "watches/drop", NULL);
    churn("inf-garbage", 1);
    scenario_converge(&s, 15);
    ck_assert_uint_ge(s.st.watch_failures, 1);
    ck_assert_int_eq(s.st.last_error, WP_KUBE_EPROTOCOL);
    scenario_end(&s);
}
END_TEST

START_TEST(slow_and_throttling_server)
{
    wpt_namespace(wpt_srv.ctl, "inf-slow");
    wpt_control_do(&wpt_srv, "bulk",
                   "{\"generate\":{\"kind\":\"Pod\",\"namespace\":\"inf-slow\",\"count\":30,\"namePrefix\":\"s-\"}}");
    wpt_control_do(&wpt_srv, "throttle",
                   "{\"path\":\"/namespaces/inf-slow/pods$\",\"methods\":[\"GET\"],\"count\":2,\"retryAfter\":1}");
    wpt_control_do(&wpt_srv, "delay",
                   "{\"path\":\"/namespaces/inf-slow/pods$\",\"methods\":[\"GET\"],\"seconds\":3,\"ms\":150}");
    scenario s;
    scenario_start(&s, "inf-slow", 0);
    churn("inf-slow", 0);
    wpt_control_do(&wpt_srv, "watches/drop", NULL);
    churn("inf-slow", 1);
    scenario_converge(&s, 15);
    scenario_end(&s);
}
END_TEST

static bool resynced_twice(void *ctx)
{
    mirror *m = ctx;
    pthread_mutex_lock(&m->mu);
    bool ok = m->resyncs >= 6;
    pthread_mutex_unlock(&m->mu);
    return ok;
}

START_TEST(periodic_resync)
{
    wpt_namespace(wpt_srv.ctl, "inf-resync");
    create_pod("inf-resync", "a", NULL);
    create_pod("inf-resync", "b", NULL);
    create_pod("inf-resync", "c", NULL);
    scenario s;
    scenario_start(&s, "inf-resync", 0.2);
    ck_assert(wpt_eventually(5, resynced_twice, &s.m));
    ck_assert_uint_eq(s.m.updates, 0); /* resyncs are not changes */
    scenario_end(&s);
}
END_TEST

START_TEST(server_down_and_back)
{
    scenario s;
    scenario_start(&s, "inf-down", 0);
    churn("inf-down", 0);
    scenario_converge(&s, 10);
    wpt_apiserver_kill(&wpt_srv);
    wp_kube_sleep(1.0); /* the informer fails and backs off meanwhile */
    wpt_apiserver_restart(&wpt_srv);
    churn("inf-down", 1);
    scenario_converge(&s, 20);
    ck_assert_uint_ge(s.st.watch_failures + s.st.list_failures, 1);
    scenario_end(&s);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("kube-informer");
    TCase *tc = wpt_tcase("faults", setup, teardown, 90);
    tcase_add_test(tc, sync_handlers_and_indexes);
    tcase_add_test(tc, dropped_watches_resume_without_relisting);
    tcase_add_test(tc, watches_closed_every_second);
    tcase_add_test(tc, expired_watch_relists);
    tcase_add_test(tc, relist_after_gone_delivers_deletes_for_vanished_objects);
    tcase_add_test(tc, garbage_in_the_stream_is_survived);
    tcase_add_test(tc, slow_and_throttling_server);
    tcase_add_test(tc, periodic_resync);
    suite_add_tcase(s, tc);
    /* its own server: this one is killed and restarted */
    TCase *down = wpt_tcase("down", setup, teardown, 90);
    tcase_add_test(down, server_down_and_back);
    suite_add_tcase(s, down);
    return wpt_run(s);
}
