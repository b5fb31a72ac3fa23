/* See sandbox_hooks.h. */
#include "controller/sandbox_hooks.h"

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/verdict.h"
#include "controller/conditions.h"
#include "controller/keys.h"
#include "controller/kube/kube_time.h"
#ifdef WP_HAVE_PLUGINS
#include "controller/plugin/plugin_host.h"
#endif

/* One Sandbox's event in flight (or finished, waiting to be recorded). */
typedef struct pending {
    struct pending *next;
    char *key;
    size_t point; /* index into points[] */
    size_t expected; /* SIZE_MAX until the host said how many hooks got it */
    size_t received;
    json_t *results; /* instance → outcome */
    bool abandoned;  /* forgotten while callbacks were due: the last one frees */
    bool in_patch;   /* in the patch the last step returned */
    bool recorded;   /* that patch was written; kept until the cache shows it */
    wp_rec *rec;
    struct wp_sbhooks *owner;
} pending;

struct wp_sbhooks {
    pthread_mutex_t mu;
    pending *list;
};

wp_sbhooks *wp_sbhooks_new(void)
{
    wp_sbhooks *s = wp_xalloc_check(calloc(1, sizeof *s));
    pthread_mutex_init(&s->mu, NULL);
    return s;
}

static void pending_free(pending *p)
{
    json_decref(p->results);
    free(p->key);
    free(p);
}

void wp_sbhooks_free(wp_sbhooks *s)
{
    if (!s) return;
    for (pending *p = s->list, *next; p; p = next) {
        next = p->next;
        pending_free(p);
    }
    pthread_mutex_destroy(&s->mu);
    free(s);
}

/* The events a Sandbox's hooks get, each recorded in its own annotation
 * (whose presence means "sent and recorded"). */
typedef struct {
    const char *event;
    const char *annotation;
} hook_point;

static const hook_point points[] = {
    {"ready", WP_ANNOT_POST_START_HOOKS},
    {"claimed", WP_ANNOT_CLAIMED_HOOKS},
};
#define N_POINTS (sizeof points / sizeof *points)

static pending *find(wp_sbhooks *s, const char *key, size_t point)
{
    for (pending *p = s->list; p; p = p->next)
        if (p->point == point && strcmp(p->key, key) == 0) return p;
    return NULL;
}

static bool complete(const pending *p) { return p->expected != SIZE_MAX && p->received >= p->expected; }

/* Unlinks key's entries (mu held) into *out. */
static void unlink_key(wp_sbhooks *s, const char *key, pending **out)
{
    for (pending **pp = &s->list; *pp;) {
        pending *p = *pp;
        if (strcmp(p->key, key) == 0) {
            *pp = p->next;
            p->next = *out;
            *out = p;
        } else {
            pp = &p->next;
        }
    }
}

/* Kept (not freed) so a pass on a cache copy from before the write does
 * not send the event again; step_point drops it once the cache has the
 * annotation. */
void wp_sbhooks_recorded(wp_sbhooks *s, const char *key)
{
    if (!s) return;
    pthread_mutex_lock(&s->mu);
    for (pending *p = s->list; p; p = p->next)
        if (strcmp(p->key, key) == 0 && p->in_patch) p->recorded = true;
    pthread_mutex_unlock(&s->mu);
}

/* Unlinks and frees key's entry for point (mu held). */
static void drop(wp_sbhooks *s, const char *key, size_t point)
{
    for (pending **pp = &s->list; *pp; pp = &(*pp)->next) {
        pending *p = *pp;
        if (p->point == point && strcmp(p->key, key) == 0 && complete(p)) {
            *pp = p->next;
            pending_free(p);
            return;
        }
    }
}

void wp_sbhooks_forget(wp_sbhooks *s, const char *key)
{
    if (!s) return;
    pending *gone = NULL, *free_now = NULL;
    pthread_mutex_lock(&s->mu);
    unlink_key(s, key, &gone);
    for (pending *next; gone; gone = next) {
        next = gone->next;
        if (complete(gone)) {
            gone->next = free_now;
            free_now = gone;
        } else {
            gone->abandoned = true; /* the last callback frees it */
        }
    }
    pthread_mutex_unlock(&s->mu);
    for (pending *next; free_now; free_now = next) {
        next = free_now->next;
        pending_free(free_now);
    }
}

#ifdef WP_HAVE_PLUGINS

/* A hook instance settled (plugin host thread). */
static void on_done(void *arg, const char *instance, int status, const char *message, unsigned attempts)
{
    pending *p = arg;
    wp_sbhooks *s = p->owner;
    pthread_mutex_lock(&s->mu);
    json_object_set_new(p->results, instance,
                        json_pack("{s:s, s:I, s:s}", "result", wp_plugin_status_name(status), "attempts",
                                  (json_int_t)attempts, "message", message ? message : ""));
    p->received++;
    bool done = complete(p), abandoned = p->abandoned;
    char key[WP_CTL_KEY_MAX];
    snprintf(key, sizeof key, "%s", p->key);
    wp_rec *r = p->rec;
    pthread_mutex_unlock(&s->mu);
    if (done && abandoned) pending_free(p);
    else if (done) wp_ctl_enqueue(r->ctl, WP_CTL_SANDBOX, key);
}

/* The event JSON of the plugin ABI: {"event","time","sandbox","claim","pod"}. */
static char *event_json(const char *event, const json_t *sb, const json_t *claim, const json_t *pod, size_t *len)
{
    char t[WP_KUBE_TIME_LEN];
    wp_kube_time_format_micro(wp_kube_wallclock(), t);
    json_t *ev = json_pack("{s:s, s:s, s:O?, s:O?, s:O?}", "event", event, "time", t, "sandbox", sb, "claim", claim,
                           "pod", pod);
    static const char *const nullable[] = {"sandbox", "claim", "pod"};
    for (size_t i = 0; i < 3; i++)
        if (!json_object_get(ev, nullable[i])) json_object_set_new(ev, nullable[i], json_null());
    char *out = json_dumps(ev, JSON_COMPACT);
    json_decref(ev);
    *len = out ? strlen(out) : 0;
    return out;
}

static const char *pod_ip(const json_t *sb, const json_t *pod)
{
    const char *ip = json_string_value(json_object_get(json_object_get(pod, "status"), "podIP"));
    if (!ip) ip = json_string_value(json_array_get(json_object_get(json_object_get(sb, "status"), "podIPs"), 0));
    return ip ? ip : "";
}

/* The name of the SandboxClaim controlling sb, or NULL. */
static const char *claim_of(const json_t *sb)
{
    const json_t *refs = json_object_get(json_object_get(sb, "metadata"), "ownerReferences");
    for (size_t i = 0; i < json_array_size(refs); i++) {
        const json_t *ref = json_array_get(refs, i);
        const char *kind = json_string_value(json_object_get(ref, "kind"));
        if (json_is_true(json_object_get(ref, "controller")) && kind && strcmp(kind, WP_KIND_NAME_CLAIM) == 0)
            return json_string_value(json_object_get(ref, "name"));
    }
    return NULL;
}

/* Whether points[point]'s event is due for sb (Ready; and for "claimed",
 * bound to a claim: a warm adoption or a cold start). */
static bool due(size_t point, const json_t *sb)
{
    if (!wp_conditions_is_true(json_object_get(json_object_get(sb, "status"), "conditions"), WP_COND_READY))
        return false;
    return point == 0 || claim_of(sb);
}

static void send_event(wp_sbhooks *s, wp_rec *r, const char *key, size_t point, const json_t *sb, const json_t *pod)
{
    pending *p = wp_xalloc_check(calloc(1, sizeof *p));
    p->key = wp_xalloc_check(strdup(key));
    p->point = point;
    p->expected = SIZE_MAX;
    p->results = json_object();
    p->rec = r;
    p->owner = s;
    pthread_mutex_lock(&s->mu);
    p->next = s->list;
    s->list = p;
    pthread_mutex_unlock(&s->mu);
    size_t len;
    const json_t *meta = json_object_get(sb, "metadata");
    const char *claim = point == 0 ? NULL : claim_of(sb);
    json_t *claim_ref = claim ? json_pack("{s:{s:s, s:O}}", "metadata", "name", claim, "namespace",
                                          json_object_get(meta, "namespace"))
                              : NULL;
    char *json = event_json(points[point].event, sb, claim_ref, pod, &len);
    json_decref(claim_ref);
    wp_plugin_host_event ev = {
        .event = points[point].event,
        .namespace_ = json_string_value(json_object_get(meta, "namespace")),
        .sandbox = json_string_value(json_object_get(meta, "name")),
        .pod_ip = pod_ip(sb, pod),
        .claim = claim ? claim : "",
        .json = json,
        .json_len = len,
    };
    size_t n = wp_plugin_host_hook(r->ctl->plugins, &ev, on_done, p);
    free(json);
    pthread_mutex_lock(&s->mu);
    p->expected = n;
    bool done = complete(p);
    pthread_mutex_unlock(&s->mu);
    if (done) wp_ctl_enqueue(r->ctl, WP_CTL_SANDBOX, key); /* every callback came first */
}

/* One hook point's look at sb: merges its finished outcomes into *patch,
 * or sends its event when due. */
static void step_point(wp_sbhooks *s, wp_rec *r, const char *key, size_t point, const json_t *sb, const json_t *pod,
                       json_t **patch)
{
    const json_t *annotations = json_object_get(json_object_get(sb, "metadata"), "annotations");
    pthread_mutex_lock(&s->mu);
    if (json_object_get(annotations, points[point].annotation)) {
        drop(s, key, point); /* recorded, and the cache shows it */
        pthread_mutex_unlock(&s->mu);
        return;
    }
    pending *p = find(s, key, point);
    bool in_flight = p != NULL;
    if (p && complete(p) && !p->recorded) {
        p->in_patch = true;
        char *value = json_dumps(p->results, JSON_COMPACT | JSON_SORT_KEYS);
        if (!*patch) *patch = json_pack("{s:{s:{}}}", "metadata", "annotations");
        json_object_set_new(json_object_get(json_object_get(*patch, "metadata"), "annotations"),
                            points[point].annotation, json_string(value));
        free(value);
    }
    pthread_mutex_unlock(&s->mu);
    if (!in_flight && due(point, sb)) send_event(s, r, key, point, sb, pod);
}

json_t *wp_sbhooks_step(wp_sbhooks *s, wp_rec *r, const json_t *sb, const json_t *pod)
{
    wp_plugin_host *h = r->ctl->plugins;
    if (!s || !h || !wp_plugin_host_count(h, WP_PLUGIN_KIND_HOOK)) return NULL;
    const json_t *meta = json_object_get(sb, "metadata");
    char key[WP_CTL_KEY_MAX];
    wp_ctl_key(json_string_value(json_object_get(meta, "namespace")), json_string_value(json_object_get(meta, "name")),
               key);
    json_t *patch = NULL;
    for (size_t i = 0; i < N_POINTS; i++) step_point(s, r, key, i, sb, pod, &patch);
    return patch;
}

/* A released event settled (plugin host thread): nothing to record on a
 * Sandbox that is going away; the host's metrics count it (by plugin and
 * result) and a failure is logged. */
static void on_released_done(void *arg, const char *instance, int status, const char *message, unsigned attempts)
{
    (void)arg;
    (void)attempts;
    if (status != WP_PLUGIN_OK)
        wp_log(WP_LOG_WARN, "released hook failed", "plugin", instance, "result", wp_plugin_status_name(status),
               "error", message ? message : "", NULL);
}

void wp_sbhooks_released(wp_ctl *ctl, const json_t *claim, const json_t *sb)
{
    wp_plugin_host *h = ctl->plugins;
    if (!h || !sb || !wp_plugin_host_count(h, WP_PLUGIN_KIND_HOOK) || !atomic_load(&ctl->writable)) return;
    const json_t *meta = json_object_get(sb, "metadata");
    size_t len;
    char *json = event_json("released", sb, claim, NULL, &len);
    wp_plugin_host_event ev = {
        .event = "released",
        .namespace_ = json_string_value(json_object_get(meta, "namespace")),
        .sandbox = json_string_value(json_object_get(meta, "name")),
        .pod_ip = pod_ip(sb, NULL),
        .claim = json_string_value(json_object_get(json_object_get(claim, "metadata"), "name")),
        .json = json,
        .json_len = len,
    };
    wp_plugin_host_hook(h, &ev, on_released_done, NULL);
    free(json);
}

#else

json_t *wp_sbhooks_step(wp_sbhooks *s, wp_rec *r, const json_t *sb, const json_t *pod)
{
    (void)s;
    (void)r;
    (void)sb;
    (void)pod;
    return NULL;
}

void wp_sbhooks_released(wp_ctl *ctl, const json_t *claim, const json_t *sb)
{
    (void)ctl;
    (void)claim;
    (void)sb;
}

#endif
