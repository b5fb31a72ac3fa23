/* Post-start hooks (CONTROLLER.md, "Plugins at work"): events to every
 * hook plugin the operator configured (--plugin-config):
 *   ready     a Sandbox first becomes Ready; recorded as the annotation
 *             warmpool.io/post-start-hooks
 *   claimed   a Ready Sandbox controlled by a SandboxClaim (a warm adoption
 *             or a cold start); recorded as warmpool.io/claimed-hooks
 *   released  a claimed Sandbox is deleted (its claim was deleted or
 *             expired, or it was deleted itself); not recorded on the
 *             object (it is gone): counted and logged
 * Each annotation is a JSON object
 *   {"<instance>":{"result":"ok","attempts":1,"message":""}, ...}
 * and every call is counted by the plugin host's metrics.
 *
 * "First" is kept on the object, not in memory: a due Sandbox without the
 * annotation and with no event in flight gets the event, so a restart
 * between the event and its recording sends it again (at least once).
 *
 * Threads: wp_sbhooks_step runs on reconcile workers; outcomes arrive on
 * the plugin host's threads and only enqueue the Sandbox's key. Without a
 * plugin host (or a build without controller/plugin) every call is a no-op. */
#ifndef WP_CONTROLLER_SANDBOX_HOOKS_H
#define WP_CONTROLLER_SANDBOX_HOOKS_H

#include <jansson.h>

#include "controller/reconciler.h"

#define WP_ANNOT_POST_START_HOOKS "warmpool.io/post-start-hooks"
#define WP_ANNOT_CLAIMED_HOOKS "warmpool.io/claimed-hooks"

typedef struct wp_sbhooks wp_sbhooks;

/* Caller frees with wp_sbhooks_free, after the plugin host stopped calling
 * back (the program frees the host first). */
wp_sbhooks *wp_sbhooks_new(void);
void wp_sbhooks_free(wp_sbhooks *s);

/* One look at the Sandbox sb (cache copy, borrowed) with its owned pod
 * (or NULL): sends the "ready" and "claimed" events when due. Returns the merge patch that
 * records finished outcomes (caller writes it, then calls
 * wp_sbhooks_recorded), or NULL. */
json_t *wp_sbhooks_step(wp_sbhooks *s, wp_rec *r, const json_t *sb, const json_t *pod);
/* The patch from wp_sbhooks_step was written: forget the outcomes. */
void wp_sbhooks_recorded(wp_sbhooks *s, const char *key);
/* The Sandbox is gone: drop whatever is pending for it. */
void wp_sbhooks_forget(wp_sbhooks *s, const char *key);

/* sb (its last state) was released by claim (from the cache, or just its
 * name and namespace when it is gone too): sends the "released" event.
 * Any thread; only the leader sends. */
void wp_sbhooks_released(wp_ctl *ctl, const json_t *claim, const json_t *sb);

#endif
