/* The Sandbox reconciler's decisions as pure functions (UPSTREAM.md §3):
 * what the Pod, Service and PVCs should look like, which metadata patch
 * brings an existing Pod in line, and what the status becomes. sandbox.c
 * reads the caches, calls these, and writes; tests/unit/controller/
 * test_sandbox_plan.c checks them field by field.
 *
 * Objects are jansson values borrowed for the call; functions returning
 * json_t * return a new reference (caller decrefs). */
#ifndef WP_CONTROLLER_SANDBOX_PLAN_H
#define WP_CONTROLLER_SANDBOX_PLAN_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

/* True for keys the Sandbox controller never propagates to its Pod:
 * prefix agents.x-k8s.io/ or extensions.agents.x-k8s.io/, and (annotations
 * only) opentelemetry.io/trace-context. */
bool wp_sbplan_system_key(const char *key, bool annotation);

/* --- the Pod -------------------------------------------------------------- */

/* The labels the Pod must have: podTemplate labels minus system keys,
 * sandbox-name-hash, created-by (normalized; absent when the Sandbox has
 * none), and the extension labels copied from the Sandbox's own labels when
 * its controller is in extensions.agents.x-k8s.io (warm-pool-sandbox only
 * for a SandboxWarmPool controller). */
json_t *wp_sbplan_pod_labels(const json_t *sandbox);
/* The annotations the Pod must have: podTemplate annotations minus system
 * keys, plus propagated-labels / propagated-annotations (sorted keys joined
 * by ",", omitted when empty). */
json_t *wp_sbplan_pod_annotations(const json_t *sandbox);

/* A merge patch {"metadata":{"labels":{..},"annotations":{..}}} bringing
 * pod's labels and annotations to the desired ones: sets what differs, and
 * nulls keys the Pod should lose (template keys listed in the Pod's
 * propagated-* annotations but gone from the template; created-by and the
 * extension labels when inapplicable). NULL when nothing differs. */
json_t *wp_sbplan_pod_metadata_patch(const json_t *sandbox, const json_t *pod);

/* The Pod to create: named after the Sandbox, controlled by it, spec a copy
 * of podTemplate.spec whose volumes named like a volume claim template are
 * replaced (or appended) by persistentVolumeClaim <vct>-<sandbox>. */
json_t *wp_sbplan_pod(const json_t *sandbox);

/* --- PVCs ------------------------------------------------------------------- */

/* The PVC for the volume claim template vct (labels + sandbox-name-hash,
 * annotations, spec; controlled by the Sandbox). */
json_t *wp_sbplan_pvc(const json_t *sandbox, const json_t *vct);

/* --- the Service ---------------------------------------------------------------- */

/* The ports of the headless Service: containerPorts of the containers and
 * of init containers with restartPolicy Always, deduplicated by (port,
 * protocol; default TCP), sorted by port then protocol; named by the first
 * unused explicit name, else p-<port>-<protocol lowercase> (+ -2, -3 ...);
 * targetPort = port. */
json_t *wp_sbplan_service_ports(const json_t *pod_spec);
/* The Service to create: headless, label and selector sandbox-name-hash,
 * the ports above, controlled by the Sandbox. */
json_t *wp_sbplan_service(const json_t *sandbox);
/* A merge patch fixing an owned Service's label/selector drift (and its
 * ports when spec.service is true), or NULL when none is needed. */
json_t *wp_sbplan_service_patch(const json_t *sandbox, const json_t *svc);

/* --- adoption ----------------------------------------------------------------------- */

/* Whom an object (Pod, Service, PVC) belongs to, seen from the Sandbox. */
typedef enum {
    WP_SBPLAN_OWNED,      /* controller reference = the Sandbox's uid */
    WP_SBPLAN_ADOPTABLE,  /* no controller; adoptable: "true" or the tracking label */
    WP_SBPLAN_UNOWNED,    /* no controller and not adoptable */
    WP_SBPLAN_FOREIGN,    /* another controller */
} wp_sbplan_owner;

wp_sbplan_owner wp_sbplan_ownership(const json_t *sandbox, const json_t *obj);
/* The object's ownerReferences with the Sandbox's controller reference
 * added (a new array). */
json_t *wp_sbplan_adopted_refs(const json_t *sandbox, const json_t *obj);

/* --- status ------------------------------------------------------------------------- */

/* What the reconcile saw; the status is a function of it. */
typedef struct {
    long long generation;
    const char *errors;       /* "\n"-joined error texts, NULL when none */
    size_t owned_pods;        /* pods controlled by the Sandbox (> 1: MultiplePods) */
    const json_t *pod;        /* the owned pod (cache copy) or NULL */
    bool suspended;           /* spec.operatingMode Suspended */
    bool pod_not_owned;       /* suspended, and the named pod is someone else's */
    bool pod_state_unknown;   /* suspended, and the pod could not be read or deleted */
    bool service_required;    /* spec.service true, or nil with an owned Service */
    bool service_exists;      /* an owned Service exists */
    const char *service_name; /* for status.service / serviceFQDN; NULL: none */
    const char *cluster_domain;
    const char *now;          /* RFC 3339 for new transition times */
} wp_sbplan_view;

/* The new status from the old one (borrowed; may be NULL) and the view:
 * conditions by SetStatusCondition in upstream's order (Suspended, Finished,
 * PodScheduled, Ready), podIPs, nodeName, selector (kept once set),
 * service, serviceFQDN. */
json_t *wp_sbplan_status(const json_t *sandbox, const wp_sbplan_view *v);

/* The status merge patch {"status":{...}} turning old into new (changed
 * members set, vanished ones null), or NULL when nothing to write: nothing
 * differs, or only nodeName changed while Ready is not True (upstream
 * skips that write). */
json_t *wp_sbplan_status_patch(const json_t *old_status, const json_t *new_status);

/* The status after expiry: old conditions with PodScheduled removed and
 * Ready False SandboxExpired; final = true drops everything but the
 * conditions (Retain after cleanup). */
json_t *wp_sbplan_expired_status(const json_t *sandbox, bool final, const char *now);

#endif
