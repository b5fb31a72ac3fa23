/* Adopting a warm pool member for a claim in ONE write (docs/controller.md,
 * "Adoption in two writes").
 *
 * Upstream binds with three writes: the claim's `sandbox-name` annotation
 * (an Update), the Sandbox's owner reference and labels (a patch), then the
 * claim's status. Here the Sandbox's controller owner reference IS the
 * binding: one merge patch, under the resourceVersion the candidate was
 * read at, moves the owner from the pool to the claim and rewrites the
 * labels, annotations and pod-template metadata upstream's second and
 * fourth steps write. The API server applies it only if nobody changed the
 * Sandbox since, so of two claims racing for one member exactly one wins;
 * the loser gets 409 and takes the next candidate. The claim's status
 * (Ready, sandbox.name, sandbox.podIPs) is the second and last write. After
 * a restart a claim finds its Sandbox through the cache's owner-uid index,
 * so nothing else needs to record the binding.
 *
 * Objects are borrowed unless a function says it returns a new reference. */
#ifndef WP_CONTROLLER_ADOPTION_H
#define WP_CONTROLLER_ADOPTION_H

#include <jansson.h>
#include <stdatomic.h>
#include <stdbool.h>

#include "controller/candidates.h"
#include "controller/reconciler.h"

/* A Sandbox a claim may adopt (upstream's "adoptable"): not being deleted,
 * labelled warm-pool-sandbox and sandbox-template-ref-hash, and controlled
 * by a SandboxWarmPool (any version of the extensions group). On success
 * *pool (if not NULL) is the owning pool's name (borrowed from sandbox). */
bool wp_adoption_adoptable(const json_t *sandbox, const char **pool);

/* The one merge patch that binds sandbox to claim: metadata.resourceVersion
 * (the optimistic lock) = the sandbox's; ownerReferences = [claim as
 * controller]; labels: warm-pool-sandbox and both template hashes removed,
 * launch-type=warm, claim-uid, created-by copied raw from the claim (removed
 * when the claim has none), sandbox-template-ref-hash kept or set to
 * hash(template_name); annotations pod-name = the sandbox's name and the
 * claim's trace context; spec.podTemplate.metadata = the template's pod
 * metadata + the identity labels + the claim's additionalPodMetadata (keys
 * no longer wanted are nulled; safe-to-evict "true" goes).
 * template_spec may be NULL (template not cached): the pod metadata then
 * keeps the sandbox's own minus the warm keys. New reference. */
json_t *wp_adoption_patch(const json_t *sandbox, const json_t *claim, const json_t *template_spec,
                          const char *template_name);

typedef enum {
    WP_ADOPTION_BOUND,  /* *bound holds the Sandbox as the server returned it */
    WP_ADOPTION_LOST,   /* another claim (or a deletion) got there first: try the next candidate */
    WP_ADOPTION_BUSY,   /* still adoptable, but changing under us twice: queue it again, try the next */
    WP_ADOPTION_ERROR,  /* the API failed otherwise (err filled): put the candidate back, retry later */
} wp_adoption_result;

typedef struct {
    atomic_ulong patches;   /* adoption patches sent */
    atomic_ulong conflicts; /* of which 409 */
    atomic_ulong rechecks;  /* authoritative GETs after a 409 */
} wp_adoption_stats;

/* Sends the binding patch for candidate (the cached Sandbox). On 409 reads
 * the Sandbox from the API: already controlled by this claim ⇒ BOUND (a
 * previous pass's write we had not seen); still adoptable and of the same
 * pool ⇒ re-patch once at the fresh resourceVersion (our cache was merely
 * behind), BUSY if that conflicts too; otherwise LOST. 404 ⇒ LOST. stats may be NULL (counted
 * atomically otherwise). */
wp_adoption_result wp_adoption_bind(wp_ctl *ctl, const json_t *claim, const json_t *candidate,
                                    const json_t *template_spec, const char *template_name, json_t **bound,
                                    wp_adoption_stats *stats, wp_kube_error *err);

/* The Sandbox-cache watch hook that keeps the candidates current: a member
 * that became adoptable, changed pool or gained a node is queued; one that
 * stopped being adoptable (adopted, deleting) or was deleted is dropped. */
void wp_adoption_track(wp_candidates *c, wp_store_item *old, wp_store_item *cur);

#endif
