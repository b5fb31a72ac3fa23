/* wp_selfcert_opts from the webhook's flags. See selfcert_flags.h. */
#include "webhook/selfcert_flags.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/verdict.h"

#define DAY_MS 86400000LL

int wp_selfcert_config_init(wp_selfcert_config *c, const wp_webhook_options *o, char *err, size_t err_size)
{
    memset(c, 0, sizeof *c);
    if (!o->self_managed_secret || !*o->self_managed_secret) return 0;
    c->secret_ref = wp_xalloc_check(strdup(o->self_managed_secret));
    char *slash = strchr(c->secret_ref, '/');
    *slash = '\0';
    c->hosts_copy = wp_xalloc_check(strdup(o->self_managed_hosts));
    size_t n = 0;
    char *save = NULL;
    for (char *tok = strtok_r(c->hosts_copy, ", ", &save); tok; tok = strtok_r(NULL, ", ", &save)) {
        if (n == WP_SELFCERT_MAX_HOSTS) {
            snprintf(err, err_size, "--self-managed-hosts: more than %d hosts", WP_SELFCERT_MAX_HOSTS);
            wp_selfcert_config_destroy(c);
            return -1;
        }
        c->hosts[n++] = tok;
    }
    int days = (int)(o->self_managed_validity_ms / DAY_MS);
    c->opts = (wp_selfcert_opts){
        .kubeconfig = o->kubeconfig,
        .secret_namespace = c->secret_ref,
        .secret_name = slash + 1,
        .hosts = c->hosts,
        .n_hosts = n,
        .webhook_configuration = o->self_managed_webhook_configuration,
        .cert_file = o->tls_cert_file,
        .key_file = o->tls_key_file,
        .cert_days = days > 0 ? days : 1,
        .ca_days = days > 0 ? days * 10 : 10,
        .interval_ms = o->self_managed_interval_ms,
    };
    return 1;
}

void wp_selfcert_config_destroy(wp_selfcert_config *c)
{
    free(c->secret_ref);
    free(c->hosts_copy);
    memset(c, 0, sizeof *c);
}
