/* The reconcilers warmpool-controller can run, in wp_ctl_id order. Each
 * lives in its own file and is added here with one line. */
#include <string.h>

#include "controller/reconciler.h"

extern const wp_reconciler wp_sandbox_reconciler;  /* sandbox.c */
extern const wp_reconciler wp_template_reconciler; /* template.c */
/* pool.c (ctl-pool): extern const wp_reconciler wp_pool_reconciler; */

/* claim.c (ctl-claim): extern const wp_reconciler wp_claim_reconciler; */

const wp_reconciler *const wp_reconcilers[] = {
    &wp_sandbox_reconciler,
    &wp_template_reconciler,
    /* pool: &wp_pool_reconciler, */

    /* claim: &wp_claim_reconciler, */
    NULL,
};

const wp_reconciler *wp_reconciler_find(const char *flag_name)
{
    for (size_t i = 0; wp_reconcilers[i]; i++) {
        if (strcmp(wp_reconcilers[i]->flag_name, flag_name) == 0) return wp_reconcilers[i];
    }
    return NULL;
}
