/* See sandbox_hooks.h. */
#include "controller/sandbox_hooks.h"

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

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
    size_t expected; /* SIZE_MAX until the host said how many hooks got it */
    size_t received;
    json_t *results; /* instance → outcome */
    bool abandoned;  /* forgotten while callbacks were due: the last one frees */
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

/* Unlinks and returns the entry for key (mu held), or NULL. */
static pending *unlink_key(wp_sbhooks *s, const char *key)
{
    for (pending **pp = &s->list; *pp; pp = &(*pp)->next) {
        if (strcmp((*pp)->key, key) == 0) {
            pending *p = *pp;
            *pp = p->next;
            return p;
        }
    }
    return NULL;
}

static pending *find(wp_sbhooks *s, const char *key)
{
    for (pending *p = s->list; p; p = p->next)
        if (strcmp(p->key, key) == 0) return p;
    return NULL;
}

static bool complete(const pending *p) { return p->expected != SIZE_MAX && p->received >= p->expected; }

void wp_sbhooks_recorded(wp_sbhooks *s, const char *key)
{
    if (!s) return;
    pthread_mutex_lock(&s->mu);
    pending *p = find(s, key);
    if (p && complete(p)) p = unlink_key(s, key);
    else p = NULL;
    pthread_mutex_unlock(&s->mu);
    if (p) pending_free(p);
}

void wp_sbhooks_forget(wp_sbhooks *s, const char *key)
{
    if (!s) return;
    pthread_mutex_lock(&s->mu);
    pending *p = unlink_key(s, key);
    bool free_now = p && complete(p);
    if (p && !free_now) p->abandoned = true; /* the last callback frees it */
    pthread_mutex_unlock(&s->mu);
    if (free_now) pending_free(p);
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
static char *event_json(const json_t *sb, const json_t *pod, size_t *len)
{
    char t[WP_KUBE_TIME_LEN];
    wp_kube_time_format_micro(wp_kube_wallclock(), t);
    json_t *ev = json_pack("{s:s, s:s, s:O, s:n, s:O?}", "event", "ready", "time", t, "sandbox", sb, "claim", "pod",
                           pod);
    if (!json_object_get(ev, "pod")) json_object_set_new(ev, "pod", json_null());
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

static void send_ready(wp_sbhooks *s, wp_rec *r, const char *key, const json_t *sb, const json_t *pod)
{
    pending *p = wp_xalloc_check(calloc(1, sizeof *p));
    p->key = wp_xalloc_check(strdup(key));
    p->expected = SIZE_MAX;
    p->results = json_object();
    p->rec = r;
    p->owner = s;
    pthread_mutex_lock(&s->mu);
    p->next = s->list;
    s->list = p;
    pthread_mutex_unlock(&s->mu);
    size_t len;
    char *json = event_json(sb, pod, &len);
    const json_t *meta = json_object_get(sb, "metadata");
    wp_plugin_host_event ev = {
        .event = "ready",
        .namespace_ = json_string_value(json_object_get(meta, "namespace")),
        .sandbox = json_string_value(json_object_get(meta, "name")),
        .pod_ip = pod_ip(sb, pod),
        .claim = "",
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

json_t *wp_sbhooks_step(wp_sbhooks *s, wp_rec *r, const json_t *sb, const json_t *pod)
{
    wp_plugin_host *h = r->ctl->plugins;
    if (!s || !h || !wp_plugin_host_count(h, WP_PLUGIN_KIND_HOOK)) return NULL;
    const json_t *meta = json_object_get(sb, "metadata");
    if (json_object_get(json_object_get(meta, "annotations"), WP_ANNOT_POST_START_HOOKS)) return NULL;
    char key[WP_CTL_KEY_MAX];
    wp_ctl_key(json_string_value(json_object_get(meta, "namespace")), json_string_value(json_object_get(meta, "name")),
               key);
    pthread_mutex_lock(&s->mu);
    pending *p = find(s, key);
    json_t *patch = NULL;
    if (p && complete(p)) {
        char *value = json_dumps(p->results, JSON_COMPACT | JSON_SORT_KEYS);
        patch = json_pack("{s:{s:{s:s}}}", "metadata", "annotations", WP_ANNOT_POST_START_HOOKS, value);
        free(value);
    }
    pthread_mutex_unlock(&s->mu);
    if (patch || p) return patch; /* recorded next, or still in flight */
    if (!wp_conditions_is_true(json_object_get(json_object_get(sb, "status"), "conditions"), WP_COND_READY))
        return NULL;
    send_ready(s, r, key, sb, pod);
    return NULL;
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

#endif
