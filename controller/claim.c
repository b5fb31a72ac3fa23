/* The SandboxClaim reconciler (claim.h). */
#include "controller/claim.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/verdict.h"
#include "controller/adoption.h"
#include "controller/blueprint.h"
#include "controller/candidates.h"
#include "controller/claim_cold.h"
#include "controller/history.h"
#include "controller/image_pins.h"
#include "controller/sandbox_hooks.h"
#include "controller/claim_lifecycle.h"
#include "controller/claim_memory.h"
#include "controller/claim_merge.h"
#include "controller/claim_status.h"
#include "controller/conditions.h"
#include "controller/keys.h"
#include "controller/kube/kube_time.h"
#include "controller/metrics.h"
#include "controller/naming.h"

#define IMMEDIATE_REQUEUE 0.001     /* upstream's immediateRequeueDelay */
#define CREATE_PENDING_REQUEUE 0.2  /* AlreadyExists: wait for the cache */
#define MISSING_REF_REQUEUE 60.0    /* pool or template missing */
#define WARM_CANDIDATE_GRACE 2.0    /* upstream's warmCandidateGracePeriod */
#define WARM_CANDIDATE_RETRY 0.5    /* upstream's warmCandidateRetryInterval */
#define ADOPTION_ATTEMPTS 3         /* candidates tried per pass, as upstream */
#define MIN_EXPIRY_REQUEUE 2.0

/* ---- state ------------------------------------------------------------------ */

typedef struct {
    wp_candidates *candidates;
    wp_claim_memory *memory;
    wp_adoption_stats adoption;
    atomic_ulong warm, cold, status_writes, status_conflicts, annotation_writes;
} claim_state;

static claim_state *state_of(wp_rec *r) { return r->state; }

static int claim_init(wp_rec *r, char *err, size_t err_size)
{
    (void)err, (void)err_size;
    claim_state *st = wp_xalloc_check(calloc(1, sizeof *st));
    st->candidates = wp_candidates_new();
    st->memory = wp_claim_memory_new();
    r->state = st;
    return 0;
}

static void claim_destroy(wp_rec *r)
{
    claim_state *st = state_of(r);
    if (!st) return;
    wp_candidates_free(st->candidates);
    wp_claim_memory_free(st->memory);
    free(st);
    r->state = NULL;
}

/* ---- one pass ----------------------------------------------------------------- */

typedef struct {
    wp_rec *r;
    wp_ctl *ctl;
    claim_state *st;
    json_t *claim;
    const char *ns, *name, *uid; /* point into the buffers below (the claim's
                                  * metadata is replaced after its writes) */
    char key[WP_CTL_KEY_MAX], ns_buf[WP_CTL_KEY_MAX], name_buf[WP_CTL_KEY_MAX], uid_buf[128];
    double observed_at;
    double started;         /* when the worker took the key */
    double api_seconds;     /* spent waiting for the API server's answers */
    wp_claim_errors errs;
    json_t *sandbox;        /* the resolved Sandbox (owned), or NULL */
    bool adopted;           /* bound by this pass */
    double requeue;         /* > 0: look again after this long */
    bool hold_status;       /* warm candidates pending: no status write */
} pass;

static const json_t *meta_of(const json_t *o) { return json_object_get(o, "metadata"); }

static const char *str_at(const json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    return s ? s : "";
}

static const char *annotation(const json_t *o, const char *key)
{
    return json_string_value(json_object_get(json_object_get(meta_of(o), "annotations"), key));
}

static const char *label(const json_t *o, const char *key)
{
    return json_string_value(json_object_get(json_object_get(meta_of(o), "labels"), key));
}

static const char *pool_name(const pass *p)
{
    return str_at(json_object_get(json_object_get(p->claim, "spec"), "warmPoolRef"), "name");
}

static void requeue_within(pass *p, double seconds)
{
    if (seconds > 0 && (p->requeue <= 0 || seconds < p->requeue)) p->requeue = seconds;
}

static void api_error(pass *p, const char *what, const wp_kube_error *err)
{
    wp_claim_errors_add(&p->errs, WP_CLAIM_ERR_OTHER, "%s: %s", what, err->message);
}

static bool ours(const pass *p, const json_t *sandbox) { return wp_ctl_controlled_by_uid(sandbox, p->uid); }

/* PATCHes (merge) object `name` of `cache` with patch (stolen). Returns
 * the server's object (new reference) or NULL; err (may be NULL: nothing
 * reported) is filled and must be cleared by the caller. */
static json_t *send_patch(pass *p, wp_cache_id cache, const char *name, json_t *patch, wp_kube_error *err)
{
    wp_kube_error local = WP_KUBE_ERROR_INIT;
    json_t *out = wp_ctl_patch(p->ctl, cache, p->ns, name, NULL, WP_KUBE_PATCH_MERGE, patch, err ? err : &local);
    wp_kube_error_clear(&local);
    json_decref(patch);
    return out;
}

/* send_patch on the claim's status subresource (the subresource a literal
 * at the call, so the chart's RBAC scan sees which one). */
static json_t *send_claim_status_patch(pass *p, json_t *patch, wp_kube_error *err)
{
    json_t *out = wp_ctl_patch(p->ctl, WP_CACHE_CLAIM, p->ns, p->name, "status", WP_KUBE_PATCH_MERGE, patch, err);
    json_decref(patch);
    return out;
}

/* Step b': launch-type on a Sandbox we control (upstream patches it when
 * absent: warm when its name is not the claim's). */
static void ensure_launch_type(pass *p)
{
    if (label(p->sandbox, WP_LABEL_LAUNCH_TYPE)) return;
    const char *type = strcmp(str_at(meta_of(p->sandbox), "name"), p->name) != 0 ? WP_LAUNCH_WARM : WP_LAUNCH_COLD;
    json_t *patch = json_pack("{s:{s:{s:s}}}", "metadata", "labels", WP_LABEL_LAUNCH_TYPE, type);
    json_t *out = send_patch(p, WP_CACHE_SANDBOX, str_at(meta_of(p->sandbox), "name"), patch, NULL);
    if (out) {
        json_decref(p->sandbox);
        p->sandbox = out;
    }
}

/* A cached Sandbox by name that this claim controls (new reference), or NULL. */
static json_t *cached_ours(pass *p, const char *name)
{
    if (!name || !*name) return NULL;
    json_t *sb = wp_ctl_get(p->ctl, WP_CACHE_SANDBOX, p->ns, name);
    if (sb && !ours(p, sb)) {
        json_decref(sb);
        sb = NULL;
    }
    return sb;
}

/* The Sandbox the owner-uid index says this claim controls. */
static json_t *indexed_ours(pass *p)
{
    size_t n = 0;
    wp_store_item **items = wp_ctl_list_index(p->ctl, WP_CACHE_SANDBOX, WP_INDEX_OWNER, p->uid, &n);
    json_t *found = NULL;
    for (size_t i = 0; i < n && !found; i++) {
        json_t *sb = wp_store_item_json(items[i]);
        if (ours(p, sb)) found = sb;
        else json_decref(sb);
    }
    wp_store_items_free(items, n);
    return found;
}

/* Drops the legacy sandbox-name reference (annotation and label). */
static void drop_reference(pass *p)
{
    json_t *patch = json_pack("{s:{s:{s:n}, s:{s:n}}}", "metadata", "annotations", WP_ANNOT_SANDBOX_NAME, "labels",
                              WP_ANNOT_SANDBOX_NAME);
    json_decref(send_patch(p, WP_CACHE_CLAIM, p->name, patch, NULL));
}

/* Moves the legacy label to the annotation (claims bound by old upstream). */
static void migrate_legacy_label(pass *p, const char *sandbox_name)
{
    json_t *patch = json_pack("{s:{s:{s:s}, s:{s:n}}}", "metadata", "annotations", WP_ANNOT_SANDBOX_NAME,
                              sandbox_name, "labels", WP_ANNOT_SANDBOX_NAME);
    json_decref(send_patch(p, WP_CACHE_CLAIM, p->name, patch, NULL));
}

static bool adopt_one(pass *p, const json_t *candidate, const json_t *tmpl);

/* Steps b-d: a Sandbox this claim already has. True when the pass is
 * decided (p->sandbox set, or an error recorded). */
static bool resolve_bound(pass *p, const json_t *tmpl)
{
    const char *status_name = str_at(json_object_get(json_object_get(p->claim, "status"), "sandbox"), "name");
    /* b. status.sandbox.name */
    if ((p->sandbox = cached_ours(p, status_name))) {
        wp_claim_memory_unbind(p->st->memory, p->uid);
        ensure_launch_type(p);
        return true;
    }
    /* b'. an adoption this process made that the cache has not shown yet */
    json_t *mine = wp_claim_memory_bound(p->st->memory, p->uid);
    if (mine) {
        json_t *cached = cached_ours(p, str_at(meta_of(mine), "name"));
        if (cached) {
            wp_claim_memory_unbind(p->st->memory, p->uid);
            json_decref(mine);
            p->sandbox = cached;
        } else {
            p->sandbox = mine;
        }
        return true;
    }
    /* c. the sandbox-name annotation, else the legacy label (upstream-bound claims) */
    const char *assigned = annotation(p->claim, WP_ANNOT_SANDBOX_NAME);
    bool from_label = false;
    if (!assigned || !*assigned) {
        assigned = label(p->claim, WP_ANNOT_SANDBOX_NAME);
        from_label = assigned && *assigned;
    }
    if (assigned && *assigned) {
        json_t *sb = wp_ctl_get(p->ctl, WP_CACHE_SANDBOX, p->ns, assigned);
        const char *owner_pool = NULL;
        if (sb && ours(p, sb)) {
            if (from_label) migrate_legacy_label(p, assigned);
            p->sandbox = sb;
            ensure_launch_type(p);
            return true;
        }
        if (sb && wp_adoption_adoptable(sb, &owner_pool) && strcmp(owner_pool, pool_name(p)) == 0) {
            bool done = adopt_one(p, sb, tmpl); /* upstream's interrupted adoption */
            json_decref(sb);
            if (done) return true;
        } else {
            json_decref(sb);
            drop_reference(p);
        }
    }
    /* d. a Sandbox named after the claim */
    json_t *named = wp_ctl_get(p->ctl, WP_CACHE_SANDBOX, p->ns, p->name);
    if (named) {
        if (ours(p, named)) {
            p->sandbox = named;
            ensure_launch_type(p);
            return true;
        }
        char *s = wp_naming_quote(p->name), *c = wp_naming_quote(p->name);
        wp_claim_errors_add(&p->errs, WP_CLAIM_ERR_OTHER, WP_MSG_SANDBOX_NOT_CONTROLLED_FMT, s, c);
        free(s), free(c);
        json_decref(named);
        return true;
    }
    /* e'. the owner-uid index: how the binding survives a restart (no claim
     * annotation records it) */
    if ((p->sandbox = indexed_ours(p))) {
        ensure_launch_type(p);
        return true;
    }
    return false;
}

/* ---- warm adoption ------------------------------------------------------------ */

static bool is_ready(const json_t *sandbox)
{
    return wp_conditions_is_true(json_object_get(json_object_get(sandbox, "status"), "conditions"), WP_COND_READY);
}

static bool has_ips(const json_t *sandbox)
{
    return json_array_size(json_object_get(json_object_get(sandbox, "status"), "podIPs")) > 0;
}

/* Upstream's verifySandboxCandidate: same namespace, adoptable, of this
 * claim's pool; under Recreate a stale template hash with a differing
 * blueprint is refused. */
static bool candidate_valid(pass *p, const json_t *sb, const json_t *pool, const json_t *tmpl)
{
    const char *owner_pool = NULL;
    if (strcmp(str_at(meta_of(sb), "namespace"), p->ns) != 0) return false;
    if (!wp_adoption_adoptable(sb, &owner_pool) || strcmp(owner_pool, pool_name(p)) != 0) return false;
    const char *strategy = str_at(json_object_get(json_object_get(pool, "spec"), "updateStrategy"), "type");
    if (tmpl && strcmp(strategy, WP_UPDATE_RECREATE) == 0) {
        char hash[WP_NAMING_HASH_LEN];
        wp_blueprint_template_hash(json_object_get(tmpl, "spec"), hash);
        const char *have = label(sb, WP_LABEL_TEMPLATE_HASH);
        if ((!have || strcmp(have, hash) != 0) &&
            !wp_blueprint_matches(json_object_get(tmpl, "spec"), json_object_get(sb, "spec")))
            return false;
    }
    return true;
}

static const char *template_name_of(const json_t *pool)
{
    return str_at(json_object_get(json_object_get(pool, "spec"), "sandboxTemplateRef"), "name");
}

/* Binds candidate; true when bound (p->sandbox set) or when the pass must
 * stop on an error. */
static bool adopt_one(pass *p, const json_t *candidate, const json_t *tmpl)
{
    json_t *bound = NULL;
    wp_kube_error err = WP_KUBE_ERROR_INIT;
    const char *tname = tmpl ? str_at(meta_of(tmpl), "name") : annotation(candidate, WP_ANNOT_TEMPLATE_REF);
    double t0 = wp_ctl_now(p->ctl);
    wp_adoption_result r = wp_adoption_bind(p->ctl, p->claim, candidate, tmpl ? json_object_get(tmpl, "spec") : NULL,
                                            tname, &bound, &p->st->adoption, &err);
    p->api_seconds += wp_ctl_now(p->ctl) - t0;
    wp_claim_err_kind kind = err.rc == WP_KUBE_ECONFLICT ? WP_CLAIM_ERR_ADOPTION_CONFLICT : WP_CLAIM_ERR_OTHER;
    char message[sizeof err.message];
    snprintf(message, sizeof message, "%s", err.message);
    wp_kube_error_clear(&err);
    if (r == WP_ADOPTION_LOST) return false;
    if (r == WP_ADOPTION_BUSY || r == WP_ADOPTION_ERROR) { /* still a member: back in line */
        const char *owner_pool = NULL;
        if (wp_adoption_adoptable(candidate, &owner_pool))
            wp_candidates_put(p->st->candidates, p->ns, owner_pool, str_at(meta_of(candidate), "name"),
                              str_at(json_object_get(candidate, "status"), "nodeName"));
        if (r == WP_ADOPTION_BUSY) return false;
        char *q = wp_naming_quote(str_at(meta_of(candidate), "name"));
        wp_claim_errors_add(&p->errs, kind, "failed to adopt sandbox %s: %s", q, message);
        free(q);
        return true;
    }
    p->sandbox = bound;
    p->adopted = true;
    wp_claim_memory_bind(p->st->memory, p->uid, bound);
    atomic_fetch_add(&p->st->warm, 1);
    const char *sname = str_at(meta_of(bound), "name");
    wp_rec_event(p->r, p->claim, "Normal", WP_EVENT_REASON_SANDBOX_ADOPTED, WP_EVENT_ACTION_ADOPTION,
                 WP_EVENT_MSG_ADOPTED_FMT, sname);
    const char *owner_pool = NULL;
    wp_adoption_adoptable(candidate, &owner_pool);
    const char *tref = annotation(bound, WP_ANNOT_TEMPLATE_REF);
    wp_ctl_metrics_claim_created(p->ctl->metrics, p->ns, tref ? tref : WP_METRIC_UNKNOWN, WP_LAUNCH_WARM,
                                 owner_pool && *owner_pool ? owner_pool : WP_METRIC_NONE, is_ready(bound),
                                 label(p->claim, WP_LABEL_CREATED_BY));
    wp_history_claimed(p->ctl, p->claim, sname, owner_pool, true, wp_ctl_now(p->ctl) - p->observed_at);
    return true;
}

/* Upstream's getCandidate: the first Ready candidate with pod IPs, else the
 * first valid unready one as a fallback; candidates without IPs stay
 * queued (counted in *pending). New reference or NULL. */
static json_t *pick_candidate(pass *p, const json_t *pool, const json_t *tmpl, size_t *pending)
{
    json_t *fallback = NULL, *chosen = NULL;
    char **skipped = NULL;
    size_t n_skipped = 0;
    char *name;
    while (!chosen && (name = wp_candidates_take(p->st->candidates, p->ns, pool_name(p), NULL))) {
        json_t *sb = wp_ctl_get(p->ctl, WP_CACHE_SANDBOX, p->ns, name);
        if (!sb || !candidate_valid(p, sb, pool, tmpl)) { /* gone or no longer ours to take */
            json_decref(sb);
            free(name);
            continue;
        }
        if (!has_ips(sb)) {
            (*pending)++;
            skipped = wp_xalloc_check(realloc(skipped, (n_skipped + 1) * sizeof *skipped));
            skipped[n_skipped++] = name;
            json_decref(sb);
            continue;
        }
        if (is_ready(sb)) chosen = sb;
        else if (!fallback) fallback = sb;
        else {
            skipped = wp_xalloc_check(realloc(skipped, (n_skipped + 1) * sizeof *skipped));
            skipped[n_skipped++] = wp_xalloc_check(strdup(name));
            json_decref(sb);
        }
        free(name);
    }
    if (chosen && fallback) {
        skipped = wp_xalloc_check(realloc(skipped, (n_skipped + 1) * sizeof *skipped));
        skipped[n_skipped++] = wp_xalloc_check(strdup(str_at(meta_of(fallback), "name")));
        json_decref(fallback);
        fallback = NULL;
    }
    for (size_t i = 0; i < n_skipped; i++) {
        json_t *sb = wp_ctl_get(p->ctl, WP_CACHE_SANDBOX, p->ns, skipped[i]);
        if (sb) wp_candidates_put(p->st->candidates, p->ns, pool_name(p), skipped[i],
                                  str_at(json_object_get(sb, "status"), "nodeName"));
        json_decref(sb);
        free(skipped[i]);
    }
    free(skipped);
    return chosen ? chosen : fallback;
}

/* Steps f-g. True when the pass is decided. */
static bool adopt_warm(pass *p, const json_t *pool, const json_t *tmpl)
{
    size_t pending = 0;
    for (int attempt = 0; attempt < ADOPTION_ATTEMPTS; attempt++) {
        json_t *candidate = pick_candidate(p, pool, tmpl, &pending);
        if (!candidate) break;
        bool done = adopt_one(p, candidate, tmpl);
        json_decref(candidate);
        if (done) return true;
    }
    if (pending) {
        double age = wp_ctl_now(p->ctl) - p->observed_at;
        const char *created = str_at(meta_of(p->claim), "creationTimestamp");
        double created_at;
        if (wp_kube_time_parse(created, &created_at)) age = wp_ctl_now(p->ctl) - created_at;
        if (age < WARM_CANDIDATE_GRACE) {
            double wait = WARM_CANDIDATE_GRACE - age;
            requeue_within(p, wait < WARM_CANDIDATE_RETRY ? wait : WARM_CANDIDATE_RETRY);
            p->hold_status = true;
            return true;
        }
    }
    return false;
}

/* ---- cold start ------------------------------------------------------------------ */

/* Pins the cold Sandbox's images as pool members' are (image_pins.h).
 * False when --digest-failure-policy=hold holds the start (Ready=False
 * ImageDigestUnresolved; looked at again shortly). */
static bool pin_cold(pass *p, json_t *sandbox)
{
    char failure[512];
    char *pins = wp_image_pins_apply_spec(json_object_get(sandbox, "spec"), p->ctl->plugins, failure, sizeof failure);
    if (failure[0] && p->ctl->opts.digest_failure_hold) {
        free(pins);
        wp_claim_errors_add(&p->errs, WP_CLAIM_ERR_IMAGE_DIGEST_HOLD, WP_MSG_IMAGE_DIGEST_HOLD_FMT, failure);
        requeue_within(p, WP_IMAGE_PINS_HOLD_RETRY);
        return false;
    }
    wp_image_pins_annotate(sandbox, pins);
    free(pins);
    return true;
}

static void cold_start(pass *p, const json_t *tmpl)
{
    json_t *sandbox = wp_claim_cold_sandbox(p->claim, tmpl, &p->errs);
    if (!sandbox || !pin_cold(p, sandbox)) {
        json_decref(sandbox);
        return;
    }
    wp_kube_error err = WP_KUBE_ERROR_INIT;
    double t0 = wp_ctl_now(p->ctl);
    json_t *created = wp_ctl_create(p->ctl, WP_CACHE_SANDBOX, sandbox, &err);
    p->api_seconds += wp_ctl_now(p->ctl) - t0;
    json_decref(sandbox);
    if (!created) {
        if (err.rc == WP_KUBE_EEXISTS) {
            wp_claim_errors_add(&p->errs, WP_CLAIM_ERR_SANDBOX_CREATE_PENDING, "%s", err.message);
            requeue_within(p, CREATE_PENDING_REQUEUE);
        } else {
            api_error(p, "sandbox create error", &err);
        }
        wp_kube_error_clear(&err);
        return;
    }
    p->sandbox = created;
    atomic_fetch_add(&p->st->cold, 1);
    wp_rec_event(p->r, p->claim, "Normal", WP_EVENT_REASON_SANDBOX_PROVISIONED, WP_EVENT_ACTION_PROVISIONING,
                 WP_EVENT_MSG_PROVISIONED_FMT, str_at(meta_of(created), "name"));
    wp_ctl_metrics_claim_created(p->ctl->metrics, p->ns, str_at(meta_of(tmpl), "name"), WP_LAUNCH_COLD, pool_name(p),
                                 false, label(p->claim, WP_LABEL_CREATED_BY));
    wp_history_claimed(p->ctl, p->claim, str_at(meta_of(created), "name"), pool_name(p), false,
                       wp_ctl_now(p->ctl) - p->observed_at);
}

static void pool_missing(pass *p)
{
    char *q = wp_naming_quote(pool_name(p));
    wp_claim_errors_add(&p->errs, WP_CLAIM_ERR_WARM_POOL_NOT_FOUND, "SandboxWarmPool %s not found", q);
    free(q);
}

static void template_missing(pass *p, const json_t *pool)
{
    char *q = wp_naming_quote(template_name_of(pool));
    wp_claim_errors_add(&p->errs, WP_CLAIM_ERR_TEMPLATE_NOT_FOUND, "SandboxTemplate %s not found", q);
    free(q);
}

static bool wants_cold(const json_t *claim)
{
    const json_t *spec = json_object_get(claim, "spec");
    return json_array_size(json_object_get(spec, "env")) ||
           json_array_size(json_object_get(spec, "volumeClaimTemplates"));
}

/* A claim whose status or annotation names a Sandbox was bound; when that
 * Sandbox is gone, the claim itself may be gone too (background deletion:
 * the garbage collector deletes the Sandbox, and its delete event can
 * arrive before the claim's). Binding again would waste a warm member on a
 * dead claim, so such a claim is confirmed with one live GET first. True
 * when the claim is gone, replaced (another uid) or being deleted. Unbound
 * claims (the common path) never pay this read. */
static bool bound_claim_vanished(pass *p)
{
    const char *status_name = str_at(json_object_get(json_object_get(p->claim, "status"), "sandbox"), "name");
    const char *assigned = annotation(p->claim, WP_ANNOT_SANDBOX_NAME);
    if (!*status_name && !(assigned && *assigned)) return false;
    wp_kube_error err = WP_KUBE_ERROR_INIT;
    json_t *live = wp_ctl_get_live(p->ctl, WP_CACHE_CLAIM, p->ns, p->name, &err);
    bool gone = false;
    if (!live) {
        gone = err.rc == WP_KUBE_ENOTFOUND;
        if (!gone) api_error(p, "failed to confirm claim", &err); /* retried */
    } else {
        gone = strcmp(str_at(meta_of(live), "uid"), p->uid) != 0 ||
               json_object_get(meta_of(live), "deletionTimestamp") != NULL;
    }
    wp_kube_error_clear(&err);
    json_decref(live);
    return gone || !live;
}

/* Step 4. A missing pool or template matters only when the claim has no
 * Sandbox yet (WarmPoolNotFound / TemplateNotFound: retried when it
 * appears, or after a minute); adoption works without the template. */
static void reconcile_active(pass *p)
{
    if (!wp_claim_check_pod_metadata(p->ctl->opts.rules, p->claim, &p->errs)) return;
    json_t *pool = wp_ctl_get(p->ctl, WP_CACHE_POOL, p->ns, pool_name(p));
    json_t *tmpl = pool ? wp_ctl_get(p->ctl, WP_CACHE_TEMPLATE, p->ns, template_name_of(pool)) : NULL;
    if (resolve_bound(p, tmpl)) {
        /* already has one */
    } else if (bound_claim_vanished(p)) {
        p->hold_status = true; /* nothing to bind or report */
    } else if (!pool) {
        pool_missing(p);
    } else if (!wants_cold(p->claim) && adopt_warm(p, pool, tmpl)) {
        /* adopted, or waiting for candidates' pod IPs */
    } else if (!tmpl) {
        template_missing(p, pool);
    } else {
        cold_start(p, tmpl);
    }
    json_decref(pool);
    json_decref(tmpl);
}

/* ---- expiry ---------------------------------------------------------------------- */

/* Step 3 (Retain): delete the Sandbox if this claim controls it. */
static void reconcile_expired(pass *p)
{
    const char *status_name = str_at(json_object_get(json_object_get(p->claim, "status"), "sandbox"), "name");
    const char *name = *status_name ? status_name : p->name;
    json_t *sb = wp_ctl_get(p->ctl, WP_CACHE_SANDBOX, p->ns, name);
    if (!sb) return;
    if (!ours(p, sb)) {
        char *q = wp_naming_quote(name);
        wp_claim_errors_add(&p->errs, WP_CLAIM_ERR_SANDBOX_NOT_OWNED, "sandbox %s not owned by this claim", q);
        free(q);
    } else if (!json_object_get(meta_of(sb), "deletionTimestamp")) {
        wp_kube_error err = WP_KUBE_ERROR_INIT;
        if (wp_ctl_delete(p->ctl, WP_CACHE_SANDBOX, p->ns, name, NULL, &err) != 0 && err.rc != WP_KUBE_ENOTFOUND)
            api_error(p, "failed to delete sandbox", &err);
        else wp_history_claim_event(p->ctl, p->claim, "released", name);
        wp_kube_error_clear(&err);
    }
    wp_claim_memory_unbind(p->st->memory, p->uid);
    json_decref(sb);
}

static bool ready_reason_is(const json_t *claim, const char *reason)
{
    const json_t *ready = wp_claim_condition(json_object_get(claim, "status"), WP_COND_READY);
    return ready && strcmp(wp_condition_reason(ready), reason) == 0;
}

/* ---- status ------------------------------------------------------------------------ */

/* Writes the status computed for this pass (once, only if changed). Returns
 * true when Ready turned True with this write. */
static bool write_status(pass *p, bool expired, bool ready_only)
{
    char now[40];
    wp_ctl_now_rfc3339(p->ctl, now);
    const json_t *old = json_object_get(p->claim, "status");
    wp_claim_status_input in = {&p->errs, expired, p->sandbox,
                                json_integer_value(json_object_get(meta_of(p->claim), "generation")), now,
                                ready_only};
    json_t *next = wp_claim_status_compute(old, &in);
    json_t *patch = wp_claim_status_patch(old, next, str_at(meta_of(p->claim), "resourceVersion"));
    bool was_ready = wp_conditions_is_true(json_object_get(old, "conditions"), WP_COND_READY);
    bool now_ready = wp_conditions_is_true(json_object_get(next, "conditions"), WP_COND_READY);
    bool turned_ready = false;
    if (patch) {
        if (now_ready && !was_ready) {
            double t = wp_ctl_now(p->ctl);
            wp_claim_memory_sample(p->st->memory, t - p->observed_at, t - p->started - p->api_seconds);
        }
        wp_kube_error err = WP_KUBE_ERROR_INIT;
        json_t *out = send_claim_status_patch(p, patch, &err);
        atomic_fetch_add(&p->st->status_writes, 1);
        if (out) {
            turned_ready = now_ready && !was_ready;
            if (turned_ready) wp_history_claim_event(p->ctl, p->claim, "ready", str_at(meta_of(p->sandbox), "name"));
            if (expired && !ready_reason_is(p->claim, WP_REASON_CLAIM_EXPIRED))
                wp_history_claim_event(p->ctl, p->claim, "expired", NULL);
            wp_claim_memory_wrote(p->st->memory, p->key, str_at(meta_of(out), "resourceVersion"), wp_ctl_now(p->ctl));
            json_object_set(p->claim, "status", json_object_get(out, "status"));
            json_object_set(p->claim, "metadata", json_object_get(out, "metadata"));
        } else if (err.rc == WP_KUBE_ECONFLICT) {
            /* Computed from a stale view: the write that beat us brings a
             * watch event; look again shortly in case it does not. */
            atomic_fetch_add(&p->st->status_conflicts, 1);
            requeue_within(p, IMMEDIATE_REQUEUE * 50);
        } else if (err.rc != WP_KUBE_ENOTFOUND) {
            api_error(p, "failed to update claim status", &err);
        }
        wp_kube_error_clear(&err);
        json_decref(out);
    }
    json_decref(next);
    return turned_ready;
}

/* The observability annotations, written off the hot path: never in the
 * pass that binds, but in the pass its own status write triggers (upstream
 * writes controller-first-observed-at before binding and
 * claim-first-ready-at after; both fold into one patch here).
 * --disable-claim-observability-annotations skips them. */
static void write_annotations(pass *p)
{
    if (p->ctl->opts.disable_claim_observability) return;
    bool ready = wp_conditions_is_true(json_object_get(json_object_get(p->claim, "status"), "conditions"),
                                       WP_COND_READY);
    bool need_observed = !annotation(p->claim, WP_ANNOT_CONTROLLER_FIRST_OBSERVED);
    bool need_ready = ready && !annotation(p->claim, WP_ANNOT_CLAIM_FIRST_READY);
    if (!need_ready && !(need_observed && !ready)) return;
    json_t *ann = json_object();
    char t[WP_KUBE_TIME_LEN];
    if (need_observed) {
        wp_kube_time_format_micro(p->observed_at, t);
        json_object_set_new(ann, WP_ANNOT_CONTROLLER_FIRST_OBSERVED, json_string(t));
    }
    if (need_ready) {
        wp_kube_time_format_micro(wp_ctl_now(p->ctl), t);
        json_object_set_new(ann, WP_ANNOT_CLAIM_FIRST_READY, json_string(t));
    }
    json_t *out = send_patch(p, WP_CACHE_CLAIM, p->name, json_pack("{s:{s:o}}", "metadata", "annotations", ann),
                             NULL);
    if (out) wp_claim_memory_wrote(p->st->memory, p->key, str_at(meta_of(out), "resourceVersion"), wp_ctl_now(p->ctl));
    json_decref(out);
    atomic_fetch_add(&p->st->annotation_writes, 1);
}

static void observe_ready_metrics(pass *p)
{
    json_t *claim = json_deep_copy(p->claim);
    json_t *ann = json_object_get(json_object_get(claim, "metadata"), "annotations");
    if (!json_is_object(ann)) {
        ann = json_object();
        json_object_set_new(json_object_get(claim, "metadata"), "annotations", ann);
    }
    if (!json_object_get(ann, WP_ANNOT_CONTROLLER_FIRST_OBSERVED)) {
        char t[WP_KUBE_TIME_LEN];
        wp_kube_time_format_micro(p->observed_at, t);
        json_object_set_new(ann, WP_ANNOT_CONTROLLER_FIRST_OBSERVED, json_string(t));
    }
    wp_ctl_metrics_claim_ready(p->ctl->metrics, claim, p->sandbox, wp_ctl_now(p->ctl));
    json_decref(claim);
}

/* ---- the reconcile function ----------------------------------------------------------- */

static wp_work_result finish(pass *p, double *after)
{
    wp_work_result r = WP_WORK_DONE;
    if (wp_claim_errors_retryable(&p->errs)) r = WP_WORK_RETRY;
    else if (p->requeue > 0) {
        *after = p->requeue;
        r = WP_WORK_REQUEUE_AFTER;
    }
    wp_claim_errors_clear(&p->errs);
    json_decref(p->sandbox);
    json_decref(p->claim);
    return r;
}

/* Loads the claim of key into p; false when there is nothing to do. */
static bool begin(pass *p, const char *key)
{
    char ns[WP_CTL_KEY_MAX], name[WP_CTL_KEY_MAX];
    if (!wp_ctl_key_split(key, ns, name)) return false;
    p->claim = wp_ctl_get(p->ctl, WP_CACHE_CLAIM, ns, name);
    if (!p->claim) {
        wp_claim_memory_forget(p->st->memory, key);
        return false;
    }
    snprintf(p->key, sizeof p->key, "%s", key);
    snprintf(p->ns_buf, sizeof p->ns_buf, "%s", ns);
    snprintf(p->name_buf, sizeof p->name_buf, "%s", name);
    snprintf(p->uid_buf, sizeof p->uid_buf, "%s", str_at(meta_of(p->claim), "uid"));
    p->ns = p->ns_buf, p->name = p->name_buf, p->uid = p->uid_buf;
    return true;
}

static wp_claim_expiry expiry_now(pass *p)
{
    double wall = wp_ctl_now(p->ctl);
    struct timespec now = {.tv_sec = (time_t)wall};
    now.tv_nsec = (long)((wall - (double)now.tv_sec) * 1e9);
    return wp_claim_expiry_at(p->claim, &now);
}

/* The first pass of a claim since this process started (as the leader)
 * re-derives its history records (history.h: wp_history_claim_rederive). */
static void rederive_history(pass *p)
{
    if (!wp_history_enabled(p->ctl) || !atomic_load(&p->ctl->writable)) return;
    if (!wp_claim_memory_first_pass(p->st->memory, p->key)) return;
    const char *bound = str_at(json_object_get(json_object_get(p->claim, "status"), "sandbox"), "name");
    json_t *sb = *bound ? wp_ctl_get(p->ctl, WP_CACHE_SANDBOX, p->ns, bound) : NULL;
    wp_history_claim_rederive(p->ctl, p->claim, sb);
    json_decref(sb);
}

/* Expiry steps 1 and 2: report ClaimExpired first; then Delete and
 * DeleteForeground delete the claim. True when the pass ends here. */
static bool expire(pass *p, const wp_claim_expiry *exp)
{
    if (!exp->expired) return false;
    if (!ready_reason_is(p->claim, WP_REASON_CLAIM_EXPIRED)) {
        write_status(p, true, true);
        wp_rec_event(p->r, p->claim, "Normal", WP_EVENT_REASON_CLAIM_EXPIRED, WP_EVENT_ACTION_CLAIM_EXPIRED, "%s",
                     WP_EVENT_MSG_CLAIM_EXPIRED);
        requeue_within(p, IMMEDIATE_REQUEUE);
        return true;
    }
    wp_claim_shutdown_policy policy = wp_claim_shutdown_policy_of(p->claim);
    if (policy == WP_CLAIM_SHUTDOWN_RETAIN) return false;
    wp_rec_event(p->r, p->claim, "Normal", WP_EVENT_REASON_CLAIM_EXPIRED, WP_EVENT_ACTION_DELETING,
                 WP_EVENT_MSG_DELETING_FMT, wp_claim_shutdown_policy_name(policy));
    wp_kube_delete_opts opts = {.propagation_policy =
                                    policy == WP_CLAIM_SHUTDOWN_DELETE_FOREGROUND ? "Foreground" : NULL};
    wp_kube_error err = WP_KUBE_ERROR_INIT;
    if (wp_ctl_delete(p->ctl, WP_CACHE_CLAIM, p->ns, p->name, &opts, &err) != 0 && err.rc != WP_KUBE_ENOTFOUND)
        api_error(p, "failed to delete claim", &err);
    wp_kube_error_clear(&err);
    wp_claim_memory_unbind(p->st->memory, p->uid);
    return true;
}

static wp_work_result reconcile(void *ctx, const char *key, double *after)
{
    wp_rec *r = ctx;
    pass p = {.r = r, .ctl = r->ctl, .st = state_of(r)};
    p.started = wp_ctl_now(p.ctl);
    if (!begin(&p, key)) return WP_WORK_DONE;
    if (json_object_get(meta_of(p.claim), "deletionTimestamp")) {
        wp_claim_memory_unbind(p.st->memory, p.uid);
        return finish(&p, after);
    }
    p.observed_at = wp_claim_memory_observe(p.st->memory, key, p.uid, wp_ctl_now(p.ctl));
    rederive_history(&p);
    if (wp_claim_memory_stale(p.st->memory, key, str_at(meta_of(p.claim), "resourceVersion"), wp_ctl_now(p.ctl)))
        return finish(&p, after); /* our own write's watch event brings it back */

    wp_claim_expiry exp = expiry_now(&p);
    if (expire(&p, &exp)) return finish(&p, after);
    if (exp.expired) reconcile_expired(&p);
    else reconcile_active(&p);
    if (p.hold_status) return finish(&p, after);

    if (write_status(&p, exp.expired, false)) observe_ready_metrics(&p);
    else if (!p.adopted) write_annotations(&p);

    if (wp_claim_errors_has(&p.errs, WP_CLAIM_ERR_WARM_POOL_NOT_FOUND) ||
        wp_claim_errors_has(&p.errs, WP_CLAIM_ERR_TEMPLATE_NOT_FOUND))
        requeue_within(&p, MISSING_REF_REQUEUE);
    if (!exp.expired && exp.remaining > 0)
        requeue_within(&p, exp.remaining > MIN_EXPIRY_REQUEUE ? exp.remaining : MIN_EXPIRY_REQUEUE);
    return finish(&p, after);
}

/* ---- watches ---------------------------------------------------------------------------- */

/* A claim is gone: its sandbox (if any) is released (deleted by garbage
 * collection, or orphaned): a history record. A claim a Retain expiry
 * already released is not released twice. */
static void released(wp_ctl *ctl, wp_store_item *old)
{
    if (!wp_history_enabled(ctl)) return;
    json_t *claim = wp_store_item_json(old);
    const char *sb = str_at(json_object_get(json_object_get(claim, "status"), "sandbox"), "name");
    bool retained = ready_reason_is(claim, WP_REASON_CLAIM_EXPIRED) &&
                    wp_claim_shutdown_policy_of(claim) == WP_CLAIM_SHUTDOWN_RETAIN;
    if (*sb && !retained) wp_history_claim_event(ctl, claim, "released", sb);
    json_decref(claim);
}

static void on_claim(wp_rec *r, wp_store_item *old, wp_store_item *cur)
{
    wp_claim_memory *mem = state_of(r)->memory;
    if (!old && cur) wp_claim_memory_observe(mem, wp_store_item_key(cur), wp_store_item_uid(cur), wp_ctl_now(r->ctl));
    if (old && !cur) {
        wp_claim_memory_unbind(mem, wp_store_item_uid(old));
        released(r->ctl, old);
    }
    wp_ctl_watch_self(r, old, cur);
}

/* Upstream's owned-Sandbox predicate: deletion, podIPs, Ready or Finished changed. */
static bool sandbox_change_matters(const json_t *before, const json_t *now)
{
    if (!before || !now) return true;
    if (!json_equal(json_object_get(meta_of(before), "deletionTimestamp"),
                    json_object_get(meta_of(now), "deletionTimestamp")))
        return true;
    const json_t *bs = json_object_get(before, "status"), *ns = json_object_get(now, "status");
    if (!json_equal(json_object_get(bs, "podIPs"), json_object_get(ns, "podIPs"))) return true;
    static const char *const types[] = {WP_COND_READY, WP_COND_FINISHED};
    for (size_t i = 0; i < 2; i++) {
        const json_t *a = wp_claim_condition(bs, types[i]), *b = wp_claim_condition(ns, types[i]);
        if (!json_equal((json_t *)a, (json_t *)b) && (a || b)) return true;
    }
    /* a new controller (adoption) is a change too */
    return !json_equal(json_object_get(meta_of(before), "ownerReferences"),
                       json_object_get(meta_of(now), "ownerReferences"));
}

/* A claimed Sandbox is gone (its claim was deleted or expired, or it was
 * deleted itself): the hooks get "released" with its last state (the pod
 * usually outlives it briefly: garbage collection deletes it next). */
static void sandbox_released(wp_ctl *ctl, const json_t *sb)
{
    if (!ctl->plugins) return;
    const json_t *refs = json_object_get(meta_of(sb), "ownerReferences");
    const char *claim_name = NULL;
    for (size_t i = 0; i < json_array_size(refs) && !claim_name; i++)
        if (json_is_true(json_object_get(json_array_get(refs, i), "controller")))
            claim_name = str_at(json_array_get(refs, i), "name");
    if (!claim_name || !*claim_name) return;
    const char *ns = str_at(meta_of(sb), "namespace");
    json_t *claim = wp_ctl_get(ctl, WP_CACHE_CLAIM, ns, claim_name);
    if (!claim) claim = json_pack("{s:{s:s, s:s}}", "metadata", "name", claim_name, "namespace", ns);
    wp_sbhooks_released(ctl, claim, sb);
    json_decref(claim);
}

static void on_sandbox(wp_rec *r, wp_store_item *old, wp_store_item *cur)
{
    wp_adoption_track(state_of(r)->candidates, old, cur);
    json_t *now = cur ? wp_store_item_json(cur) : NULL;
    json_t *before = old ? wp_store_item_json(old) : NULL;
    const json_t *it = now ? now : before;
    bool claimed = wp_ctl_controlled_by_kind(it, WP_GROUP_EXTENSIONS, WP_KIND_NAME_CLAIM);
    if (claimed && sandbox_change_matters(before, now)) wp_ctl_watch_controller(r, old, cur);
    if (claimed && !now) sandbox_released(r->ctl, before);
    json_decref(now);
    json_decref(before);
}

/* Claims of pool ns/pool that have no Sandbox yet. */
static void enqueue_unbound_claims(wp_rec *r, const char *ns, const char *pool)
{
    size_t n = 0;
    wp_store_item **items = wp_ctl_list_index(r->ctl, WP_CACHE_CLAIM, WP_INDEX_WARM_POOL_REF, pool, &n);
    for (size_t i = 0; i < n; i++) {
        if (strcmp(wp_store_item_namespace(items[i]), ns) != 0) continue;
        json_t *c = wp_store_item_json(items[i]);
        if (!*str_at(json_object_get(json_object_get(c, "status"), "sandbox"), "name"))
            wp_ctl_enqueue(r->ctl, WP_CTL_CLAIM, wp_store_item_key(items[i]));
        json_decref(c);
    }
    wp_store_items_free(items, n);
}

static long long generation_of(wp_store_item *it)
{
    json_t *o = wp_store_item_json(it);
    long long g = json_integer_value(json_object_get(meta_of(o), "generation"));
    json_decref(o);
    return g;
}

static void on_pool(wp_rec *r, wp_store_item *old, wp_store_item *cur)
{
    if (!cur) {
        wp_candidates_remove_pool(state_of(r)->candidates, wp_store_item_namespace(old), wp_store_item_name(old));
        return;
    }
    if (old && generation_of(old) == generation_of(cur)) return;
    enqueue_unbound_claims(r, wp_store_item_namespace(cur), wp_store_item_name(cur));
}

static void on_template(wp_rec *r, wp_store_item *old, wp_store_item *cur)
{
    if (old || !cur) return; /* upstream: template creation only */
    size_t n = 0;
    wp_store_item **pools =
        wp_ctl_list_index(r->ctl, WP_CACHE_POOL, WP_INDEX_TEMPLATE_REF, wp_store_item_name(cur), &n);
    for (size_t i = 0; i < n; i++)
        if (strcmp(wp_store_item_namespace(pools[i]), wp_store_item_namespace(cur)) == 0)
            enqueue_unbound_claims(r, wp_store_item_namespace(pools[i]), wp_store_item_name(pools[i]));
    wp_store_items_free(pools, n);
}

static const wp_ctl_watch watches[] = {
    {WP_CACHE_CLAIM, on_claim},
    {WP_CACHE_SANDBOX, on_sandbox},
    {WP_CACHE_POOL, on_pool},
    {WP_CACHE_TEMPLATE, on_template},
};

const wp_reconciler wp_claim_reconciler = {
    .id = WP_CTL_CLAIM,
    .flag_name = "claim",
    .name = WP_CONTROLLER_CLAIM,
    .reporter = WP_REPORTER_CLAIM,
    .default_workers = 50,
    .watches = watches,
    .n_watches = sizeof watches / sizeof *watches,
    .init = claim_init,
    .destroy = claim_destroy,
    .reconcile = reconcile,
};

/* ---- for tests and benchmarks ----------------------------------------------------------- */

void wp_claim_stats_get(wp_rec *r, wp_claim_stats *out)
{
    claim_state *st = state_of(r);
    memset(out, 0, sizeof *out);
    if (!st) return;
    out->warm = atomic_load(&st->warm);
    out->cold = atomic_load(&st->cold);
    out->adoption_patches = atomic_load(&st->adoption.patches);
    out->adoption_conflicts = atomic_load(&st->adoption.conflicts);
    out->status_writes = atomic_load(&st->status_writes);
    out->status_conflicts = atomic_load(&st->status_conflicts);
    out->annotation_writes = atomic_load(&st->annotation_writes);
}

size_t wp_claim_latencies(wp_rec *r, double *total, double *own, size_t max)
{
    return wp_claim_memory_samples(state_of(r)->memory, total, own, max);
}
