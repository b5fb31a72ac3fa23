/* digest-registry: resolves an image reference to the digest its registry
 * serves now, with the OCI distribution API. Internal to the plugin; the
 * ABI is include/warmpool/plugin.h. */
#ifndef WP_RESOLVER_OCI_H
#define WP_RESOLVER_OCI_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <warmpool/plugin.h>

/* ------------------------------------------------------------ references */

/* A parsed image reference, Docker Hub names normalised:
 *   "nginx"               -> registry-1.docker.io, library/nginx, latest
 *   "docker.io/x/y:1"     -> registry-1.docker.io, x/y, 1
 *   "reg:5000/a/b@sha256:<hex>" -> digest set (no lookup needed) */
typedef struct {
    char registry[256];   /* host[:port] to connect to */
    char repository[256]; /* path components, lowercase */
    char tag[129];        /* "latest" when none was given */
    char digest[80];      /* "sha256:<64 hex>" when pinned, else "" */
} oci_ref;

/* Parses s[0..len) (need not be NUL-terminated). 0, or -1 with a reason in
 * err (errlen bytes). Pure; fuzzed (tests/fuzz/fuzz_resolver_oci_ref.c). */
int oci_ref_parse(const char *s, size_t len, oci_ref *out, char *err, size_t errlen);

/* True when s is "sha256:" followed by exactly 64 lowercase hex digits. */
int oci_digest_valid(const char *s);

/* ------------------------------------------------------------ challenges */

/* A parsed WWW-Authenticate challenge (RFC 7235): the first one offered. */
typedef struct {
    char scheme[16];   /* "basic" or "bearer" (lowercased) or another scheme */
    char realm[512];
    char service[256];
    char scope[512];
} oci_challenge;

/* Parses a WWW-Authenticate value: scheme, then comma-separated
 * name=token or name="quoted \"string\"" parameters. 0, or -1 when
 * malformed or a value does not fit. Pure; fuzzed. */
int oci_challenge_parse(const char *s, size_t len, oci_challenge *out);

/* ------------------------------------------------------------ instance */

typedef struct {
    char *registry; /* normalised host[:port] the entry is for */
    char *username, *password;
} oci_credential;

typedef struct {
    char key[600];        /* "<registry>/<scope>" */
    char *header;         /* "Authorization: Bearer ..."; owned */
    int64_t expires_ms;   /* monotonic */
} oci_token;

#define OCI_TOKEN_CACHE 32

typedef struct {
    const wp_plugin_services *svc;
    wp_plugin_ctx *ctx;
    char *ca_file;              /* NULL: the system's CAs */
    char **insecure;            /* registries reached over plain HTTP; NULL-terminated */
    char *docker_config;        /* its path, NULL: anonymous only */
    oci_credential *creds;      /* from the Docker config file; under lock */
    size_t n_creds;
    int64_t creds_mtime_ns;     /* the file's mtime when read: re-read when it changes */
    int64_t creds_size;
    int64_t connect_timeout_ms;
    uint64_t max_body;          /* manifest and token answers */
    pthread_mutex_t lock;       /* guards creds and tokens */
    oci_token tokens[OCI_TOKEN_CACHE];
} resolver_oci;

/* The declared config keys (resolver_oci_conf.c). */
#define RESOLVER_OCI_N_KEYS 5
extern const wp_plugin_config_key resolver_oci_keys[RESOLVER_OCI_N_KEYS];

/* Reads the config and the Docker config file into r. OK, or
 * INVALID_CONFIG/FAIL with msg. */
int resolver_oci_conf_load(resolver_oci *r, const wp_plugin_services *svc, const wp_plugin_config *cfg,
                           wp_plugin_msg msg);
void resolver_oci_conf_free(resolver_oci *r);

/* "Authorization: Basic ..." from the credentials for registry, or NULL
 * (none: anonymous). Caller frees. Thread-safe. */
char *resolver_oci_basic_header(resolver_oci *r, const char *registry);
/* Re-reads the Docker config file when it changed since it was read (a
 * rotated Secret), dropping cached tokens; keeps the old credentials, with
 * a warning, when the new file is unreadable. Thread-safe. */
void resolver_oci_conf_refresh(resolver_oci *r);
/* Forgets every cached token (caller holds r->lock). */
void resolver_oci_tokens_clear(resolver_oci *r);
/* True when registry is listed as insecure (plain HTTP). */
int resolver_oci_insecure(const resolver_oci *r, const char *registry);

/* ------------------------------------------------------------ HTTP */

/* One HTTP exchange's outcome. */
typedef struct {
    long code;                  /* HTTP status; 0 when no answer */
    int transport_error;        /* 1: no answer (connect, timeout); 2: TLS verification */
    char digest[WP_PLUGIN_DIGEST_MAX];   /* Docker-Content-Digest, "" if absent */
    char challenge[1024];       /* WWW-Authenticate, "" if absent */
    char *body;                 /* GET only; malloc'd, NUL-terminated; caller frees */
    size_t body_len;
    int body_too_big;
} oci_answer;

/* Requests url (HEAD when head, else GET with a body of at most
 * r->max_body) with the extra header lines (NULL-terminated, may be NULL)
 * within the call's remaining time. Fills a (free a->body). msg gets the
 * transport error, if any. */
void resolver_oci_http(resolver_oci *r, const char *url, int head, const char *const *headers, oci_answer *a,
                       wp_plugin_msg msg);

/* The "Authorization: ..." header line for the challenge a 401 carried
 * (Basic from the credentials, or a Bearer token from the realm, cached
 * until it expires). NULL with the status and msg when none can be had.
 * Caller frees. */
char *resolver_oci_authorize(resolver_oci *r, const oci_ref *ref, const char *challenge, int *status,
                             wp_plugin_msg msg);
/* A cached "Authorization: ..." header for ref's registry and repository,
 * or NULL. Caller frees. */
char *resolver_oci_cached_auth(resolver_oci *r, const oci_ref *ref);
void resolver_oci_tokens_free(resolver_oci *r);

/* Milliseconds the call has left (10 s on a thread without a deadline). */
int64_t resolver_oci_left_ms(const resolver_oci *r);

#endif
