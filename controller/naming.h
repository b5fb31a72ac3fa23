/* Names and hashes the controller derives, computed the way upstream
 * agent-sandbox computes them (UPSTREAM.md §1, §2) so labels and selectors
 * written by either controller match.
 *
 * Nothing here allocates except where a function says "caller frees". */
#ifndef WP_CONTROLLER_NAMING_H
#define WP_CONTROLLER_NAMING_H

#include <stddef.h>

/* 8 lowercase hex digits and a NUL. */
#define WP_NAMING_HASH_LEN 9

/* FNV-1a 32-bit of bytes s[0..len), as upstream's NameHash. */
unsigned wp_naming_fnv1a(const char *s, size_t len);

/* The hash written into labels: FNV-1a of s as 8 lowercase, zero-padded hex
 * digits ("agents.x-k8s.io/sandbox-name-hash" and friends). */
void wp_naming_hash(const char *s, char out[WP_NAMING_HASH_LEN]);

/* Go's %q for a string: double quotes, with backslash escapes for '"',
 * '\\' and control bytes (\n, \t, \r, \xNN). Bytes >= 0x80 are copied (Go
 * keeps valid UTF-8 as is). Returns a malloc'd string: caller frees. */
char *wp_naming_quote(const char *s);

/* "<vct>-<sandbox>": the PVC a Sandbox's volume claim template makes.
 * Caller frees. */
char *wp_naming_pvc(const char *vct, const char *sandbox);

/* "<template>-network-policy". Caller frees. */
char *wp_naming_network_policy(const char *template_name);

/* "<service>.<namespace>.svc.<cluster domain>". Caller frees. */
char *wp_naming_service_fqdn(const char *service, const char *ns, const char *cluster_domain);

/* Upstream's NormalizeCreatedBy: "go-client", "python-client" and
 * "controller" stay; NULL or anything else becomes "unknown". Static. */
const char *wp_naming_created_by(const char *raw);

#endif
