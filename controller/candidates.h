/* The adoption candidates: per namespace/pool, a FIFO of the warm pool
 * members a claim may adopt (UPSTREAM.md §5 "Candidates"; upstream's
 * queue/simple_sandbox_queue.go).
 *
 * The Sandbox event handler puts a member here when it becomes adoptable
 * (not deleting, warm-pool and template-ref-hash labels, controlled by a
 * SandboxWarmPool), moves it when it changes pool or gains a node, and
 * removes it when it is deleted or adopted. A claim worker takes the best
 * one: among members with a node, one on the node with the most members
 * still queued (spreading claims over nodes; ties: the oldest), otherwise
 * the oldest. A taken member is out of the queue until put back, so two
 * workers never try the same member at once; the API's resourceVersion
 * precondition on the adoption patch is what makes adoption exclusive
 * (adoption.h), this queue only keeps workers from colliding.
 *
 * Thread-safe (one mutex). Strings are copied in; strings handed out are
 * the caller's to free. */
#ifndef WP_CONTROLLER_CANDIDATES_H
#define WP_CONTROLLER_CANDIDATES_H

#include <stddef.h>

typedef struct wp_candidates wp_candidates;

wp_candidates *wp_candidates_new(void); /* free with wp_candidates_free */
void wp_candidates_free(wp_candidates *c);

/* Queues member ns/name of pool ns/pool on node ("" or NULL: not
 * scheduled). A member already queued in the same pool keeps its place (its
 * node is updated); one queued in another pool moves to this pool's end. */
void wp_candidates_put(wp_candidates *c, const char *ns, const char *pool, const char *name, const char *node);
/* Forgets member ns/name wherever it is queued. */
void wp_candidates_remove(wp_candidates *c, const char *ns, const char *name);
/* Forgets every member of pool ns/pool (the pool was deleted). */
void wp_candidates_remove_pool(wp_candidates *c, const char *ns, const char *pool);

/* Takes the best member of ns/pool out of the queue (see above). Returns
 * its name (caller frees) and, when node is not NULL, its node in *node
 * (caller frees; "" when unscheduled), or NULL when the pool has none. */
char *wp_candidates_take(wp_candidates *c, const char *ns, const char *pool, char **node);

/* Members queued for ns/pool. */
size_t wp_candidates_len(wp_candidates *c, const char *ns, const char *pool);

#endif
