/* FROZEN COPY of include/warmpool/plugin.h at ABI 1.0, for the compatibility test:
 * a plugin built against this header must keep loading as the header grows.
 * Never edit. */
/* warmpool plugin ABI: the one header a plugin author needs.
 *
 * A plugin is a shared object the warmpool controller loads with
 * dlopen(RTLD_NOW | RTLD_LOCAL). It exports exactly one symbol,
 * warmpool_plugin_entry (WP_PLUGIN_ENTRY_SYMBOL), which returns a
 * descriptor: what the plugin is, which ABI it was built for, which config
 * keys it accepts and its operations. A plugin never links against the
 * controller: everything it may ask of the host is in the services table
 * (wp_plugin_services) handed to create(). JSON crosses the boundary as
 * (const char *, size_t); no jansson, OpenSSL or libcurl object ever does.
 *
 * Three kinds (PLUGINS.md):
 *   WP_PLUGIN_KIND_HOOK      post-start hook: sandbox ready, claimed, released
 *   WP_PLUGIN_KIND_RESOLVER  digest resolver: image reference -> sha256:<hex>
 *   WP_PLUGIN_KIND_HISTORY   history store: append records, answer queries
 *
 * Lifecycle, per instance (one .so may back several configured instances):
 *   entry (once per load) -> create (validated config) -> calls ... ->
 *   destroy -> dlclose (skipped with WP_PLUGIN_FLAG_NO_UNLOAD).
 *
 * Threads. The host never calls a plugin on a controller (reconcile)
 * thread. Each instance has its own host worker thread(s); create, every
 * kind operation and destroy run there. Without WP_PLUGIN_FLAG_THREAD_SAFE
 * the host serializes all calls on one instance (one at a time, always the
 * same worker thread); with it, calls on one instance may run concurrently
 * on different worker threads. entry may run on any thread. Services may be
 * called from any thread the host called the plugin on, and from threads
 * the plugin creates itself, except where a service says otherwise.
 *
 * Deadlines. Every call has one (the instance's `deadline` in the plugin
 * configuration file). wp_plugin_services.remaining_ms tells the plugin
 * how long it has left; a plugin should return WP_PLUGIN_RETRY or
 * WP_PLUGIN_TIMEOUT itself before it runs out. A call that runs past its
 * deadline is abandoned by the host: the caller gets WP_PLUGIN_TIMEOUT, the
 * instance is quarantined until the call returns and then backed off. The
 * call's arguments stay valid until the plugin returns.
 *
 * Messages. Every operation gets a host-owned message buffer
 * (wp_plugin_msg): on any status but OK the plugin writes a short,
 * human-readable reason there (at most len bytes, NUL included). The host
 * prefixes the plugin name; do not repeat it.
 *
 * Compatibility promise. ABI major versions never mix: the host refuses a
 * plugin built for another major. Within a major, the host accepts any
 * minor up to its own. Every struct that can grow starts with struct_size
 * and grows only at its end; members added later are marked "since ABI
 * 1.N". The host reads min(its size, the plugin's size) of each struct and
 * treats members beyond the plugin's struct_size as absent (NULL / 0). A
 * plugin must check a services member is inside services->struct_size
 * before calling it (WP_PLUGIN_HAS).
 *
 * Naming: types are wp_plugin_<thing>; operations the plugin implements are
 * the members of wp_plugin_descriptor and wp_plugin_<kind>_ops; services
 * the host implements are the members of wp_plugin_services. Ownership is
 * in each type's OWNERSHIP line: "host" memory is lent to the plugin for
 * the duration stated, "plugin" memory is lent to the host.
 *
 * Only C standard headers; C99 or later; no link-time dependency. */
#ifndef WARMPOOL_PLUGIN_H
#define WARMPOOL_PLUGIN_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---------------------------------------------------------------- versions */

/* The ABI this header describes. A plugin stores these in its descriptor
 * (abi_major, abi_minor); the host compares them with its own. */
#define WP_PLUGIN_ABI_MAJOR 1
#define WP_PLUGIN_ABI_MINOR 0

/* The one exported symbol, and its name as a string for dlsym. */
#define WP_PLUGIN_ENTRY warmpool_plugin_entry
#define WP_PLUGIN_ENTRY_SYMBOL "warmpool_plugin_entry"

/* Exports a symbol from a plugin built with -fvisibility=hidden. */
#if defined(__GNUC__) || defined(__clang__)
#define WP_PLUGIN_EXPORT __attribute__((visibility("default")))
#else
#define WP_PLUGIN_EXPORT
#endif

/* True when the struct *p (which starts with uint32_t struct_size) is large
 * enough to contain member m: use before calling a services member added
 * after the ABI minor the plugin requires. */
#define WP_PLUGIN_HAS(p, type, m) \
    ((p) != NULL && (p)->struct_size >= offsetof(type, m) + sizeof(((type *)0)->m))

/* ---------------------------------------------------------------- statuses */

/* What every operation returns (as an int holding one of these). Anything
 * else is contained by the host: logged as "returned status N, outside the
 * ABI" and treated as WP_PLUGIN_FAIL. */
typedef enum wp_plugin_status {
    WP_PLUGIN_OK = 0,             /* done; output (if any) is valid */
    WP_PLUGIN_RETRY = 1,          /* transient failure (connection refused, 5xx, store busy):
                                     the host may call again after a backoff, within the
                                     deadline */
    WP_PLUGIN_FAIL = 2,           /* permanent failure for this input (4xx, no such image):
                                     the host does not retry this input */
    WP_PLUGIN_INVALID_CONFIG = 3, /* create only: the config is unusable (the message
                                     names the key); the controller refuses to start */
    WP_PLUGIN_TIMEOUT = 4         /* the plugin saw its deadline pass and gave up; the host
                                     also reports this for a call it abandoned */
} wp_plugin_status;

/* ---------------------------------------------------------------- buffers */

/* A message buffer for a failure reason.
 * OWNERSHIP: host. The plugin may write ptr[0..len) during the call that
 * received it, NUL-terminated within len bytes; never past len. The host
 * reads it after the call returns, forces a NUL at ptr[len-1] and detects
 * (and reports) writes past len. len is at least 256. */
typedef struct wp_plugin_msg {
    char *ptr;
    size_t len;
} wp_plugin_msg;

/* Bytes the host lends for reading (JSON documents, image references).
 * OWNERSHIP: host. Valid until the call that received it returns. ptr[len]
 * is always '\0', so a plugin may treat ptr as a C string too. */
typedef struct wp_plugin_bytes {
    const char *ptr;
    size_t len;
} wp_plugin_bytes;

/* A sink the plugin writes variable-length output to (history query
 * results) with wp_plugin_services.out_write.
 * OWNERSHIP: host, opaque; valid until the call that received it returns. */
typedef struct wp_plugin_out wp_plugin_out;

/* The host's per-instance context: pass it back to every service.
 * OWNERSHIP: host, opaque; valid from create until destroy returns. */
typedef struct wp_plugin_ctx wp_plugin_ctx;

/* The instance's validated config, read through the config_* services.
 * OWNERSHIP: host, opaque; valid from create until destroy returns. */
typedef struct wp_plugin_config wp_plugin_config;

/* ---------------------------------------------------------------- config keys */

/* The type of a config key; the host parses and validates values before
 * create, so a plugin never sees a malformed value. */
typedef enum wp_plugin_config_type {
    WP_PLUGIN_CONFIG_STRING = 0,   /* any text */
    WP_PLUGIN_CONFIG_INT = 1,      /* signed 64-bit integer ("8080", "-1") */
    WP_PLUGIN_CONFIG_BOOL = 2,     /* true/false (YAML yes/no/on/off too) */
    WP_PLUGIN_CONFIG_DURATION = 3, /* "250ms", "10s", "2m", "1h"; bare number = seconds;
                                      read as milliseconds */
    WP_PLUGIN_CONFIG_SIZE = 4,     /* bytes: "4096", "512Ki", "7Mi", "1G" */
    WP_PLUGIN_CONFIG_LIST = 5,     /* a list of strings */
    WP_PLUGIN_CONFIG_MAP = 6       /* a mapping of string keys to string values */
} wp_plugin_config_type;

/* One accepted config key. The plugin declares them as a static array in
 * its descriptor; the host refuses unknown keys, missing required keys and
 * values of the wrong type before create, and applies defaults.
 * OWNERSHIP: plugin; static, valid as long as the library is loaded. */
typedef struct wp_plugin_config_key {
    const char *name;        /* "port"; [A-Za-z0-9_.-], 1..63 characters */
    int type;                /* wp_plugin_config_type */
    const char *def;         /* default in the value's own syntax ("8080", "5s");
                                NULL: no default (the key is absent unless given).
                                LIST and MAP keys have no default. */
    const char *description; /* one line, for `warmpoolctl plugin check` and docs */
    int required;            /* nonzero: the operator must give it (def is ignored) */
} wp_plugin_config_key;

/* ---------------------------------------------------------------- kinds */

typedef enum wp_plugin_kind {
    WP_PLUGIN_KIND_HOOK = 1,     /* config file: kind: hook */
    WP_PLUGIN_KIND_RESOLVER = 2, /* config file: kind: digest-resolver */
    WP_PLUGIN_KIND_HISTORY = 3   /* config file: kind: history-store */
} wp_plugin_kind;

/* Descriptor flags. */
#define WP_PLUGIN_FLAG_THREAD_SAFE 0x1u /* calls on one instance may run concurrently */
#define WP_PLUGIN_FLAG_NO_UNLOAD 0x2u   /* never dlclose (the plugin's library keeps
                                           global state, threads or atexit handlers) */

/* A post-start hook event.
 * OWNERSHIP: host; every pointer is valid until the call returns. Strings
 * are NUL-terminated and never NULL (empty when unknown). */
typedef struct wp_plugin_hook_event {
    uint32_t struct_size;   /* sizeof(wp_plugin_hook_event) as the host knows it */
    const char *event;      /* "ready" (sandbox first Ready), "claimed", "released" */
    const char *namespace_; /* the sandbox's namespace */
    const char *sandbox;    /* the sandbox's name */
    const char *pod_ip;     /* the pod's IP (status.podIP), "" when it has none */
    const char *claim;      /* the claim's name, "" for "ready" */
    /* The whole event as a JSON object:
     *   {"event":"claimed","time":"2026-12-06T04:00:00.123Z",
     *    "sandbox":{...object...},"claim":{...}|null,"pod":{...}|null}
     * The objects are the Kubernetes objects as the controller sees them. */
    wp_plugin_bytes json;
    uint32_t attempt;       /* 1 for the first call of this event, 2 for the first retry... */
} wp_plugin_hook_event;

/* Operations of a hook plugin.
 * OWNERSHIP: plugin; static, valid as long as the library is loaded. */
typedef struct wp_plugin_hook_ops {
    uint32_t struct_size; /* sizeof(wp_plugin_hook_ops) */
    /* Delivers one event. Called on an instance worker thread when a sandbox
     * first becomes Ready, is claimed or is released; never concurrently on
     * one instance unless THREAD_SAFE. Deadline: the instance's.
     * Returns OK (delivered), RETRY (transient: the host calls again with
     * attempt+1 after a backoff while the deadline allows), FAIL (permanent;
     * recorded on the sandbox), TIMEOUT. msg: why, on anything but OK. */
    int (*on_event)(void *instance, const wp_plugin_hook_event *event, wp_plugin_msg msg);
} wp_plugin_hook_ops;

/* Room for "sha256:" + 64 hex + NUL, with slack for future algorithms. */
#define WP_PLUGIN_DIGEST_MAX 128

/* Operations of a digest resolver.
 * OWNERSHIP: plugin; static, valid as long as the library is loaded. */
typedef struct wp_plugin_resolver_ops {
    uint32_t struct_size; /* sizeof(wp_plugin_resolver_ops) */
    /* Resolves an image reference as written in a pod spec ("nginx",
     * "ghcr.io/org/app:1.2", "registry:5000/a/b:tag") to the digest of the
     * manifest (or index) the registry serves for it now. Called on an
     * instance worker thread when a template becomes pod specs and the
     * host's TTL cache has no fresh answer. Deadline: the instance's.
     * image: host-owned, valid until the call returns.
     * digest: host-owned buffer; on OK write "sha256:" followed by exactly
     * 64 lowercase hex digits and a NUL (at most digest.len bytes). The
     * host refuses anything else as a malformed digest.
     * Returns OK, RETRY (registry unreachable, 5xx, 429), FAIL (no such
     * repository or tag, 401/403 with the configured credentials), TIMEOUT. */
    int (*resolve)(void *instance, wp_plugin_bytes image, wp_plugin_msg digest, wp_plugin_msg msg);
} wp_plugin_resolver_ops;

/* Operations of a history store.
 *
 * A record is a JSON object describing one claim or sandbox state change:
 *   {"time":"2026-12-06T04:00:00.123Z",   RFC 3339, UTC, milliseconds
 *    "namespace":"team-a",
 *    "kind":"claim" | "sandbox",
 *    "name":"c-1",                          the claim's or sandbox's name
 *    "event":"claimed" | "ready" | "released" | "expired" | "failed" | "deleted",
 *    "pool":"p"?, "claim":"c-1"?, "sandbox":"s-1"?, optional, "" = absent
 *    "warm":true?, "latencyMs":12?, "reason":"..."?,
 *    "id":"<host-assigned unique id>"}
 * Unknown members must be kept or ignored, never refused: the host may add
 * members in later versions. id is unique per record and stable across
 * redelivery, so a store can make append idempotent.
 *
 * OWNERSHIP: plugin; static, valid as long as the library is loaded. */
typedef struct wp_plugin_history_ops {
    uint32_t struct_size; /* sizeof(wp_plugin_history_ops) */
    /* Stores a batch of records: records is a JSON array of record objects
     * (host-owned, valid until the call returns). Called on an instance
     * worker thread by the host's flusher; the host keeps the records in its
     * own durable buffer until this returns OK, then drops them, so a store
     * sees a record again after RETRY/TIMEOUT/a controller restart (dedupe
     * by id). Returns OK (all stored, durably), RETRY (none or some stored;
     * the whole batch will come again), FAIL (the batch is unstorable; the
     * host logs and drops it), TIMEOUT. */
    int (*append)(void *instance, wp_plugin_bytes records, wp_plugin_msg msg);
    /* Answers a query. filter is a JSON object (host-owned, valid until the
     * call returns), every member optional, all given members must match:
     *   {"namespace":"team-a","claim":"c-1","sandbox":"s-1","pool":"p",
     *    "since":"<RFC 3339>","until":"<RFC 3339>","limit":100}
     * (since inclusive, until exclusive; limit default 1000.) The plugin
     * writes a JSON array of matching records, oldest first, to out with
     * services->out_write. Called on an instance worker thread when the
     * controller serves GET /history. Returns OK, RETRY, FAIL (a filter
     * it cannot answer; msg says why), TIMEOUT. */
    int (*query)(void *instance, wp_plugin_bytes filter, wp_plugin_out *out, wp_plugin_msg msg);
} wp_plugin_history_ops;

/* ---------------------------------------------------------------- host services */

/* Log levels for wp_plugin_services.log. */
typedef enum wp_plugin_log_level {
    WP_PLUGIN_LOG_DEBUG = 0,
    WP_PLUGIN_LOG_INFO = 1,
    WP_PLUGIN_LOG_WARN = 2,
    WP_PLUGIN_LOG_ERROR = 3
} wp_plugin_log_level;

/* What the host offers a plugin. Passed to create; the plugin may keep the
 * pointer until destroy returns.
 * OWNERSHIP: host; static, valid until destroy returns.
 * APPEND ONLY: members are only ever added at the end, each marked with
 * the ABI minor that added it; check with WP_PLUGIN_HAS before calling a
 * member newer than the minor the plugin was built for. */
typedef struct wp_plugin_services {
    uint32_t struct_size; /* sizeof(wp_plugin_services) as the host knows it */
    uint16_t abi_major;   /* the host's ABI */
    uint16_t abi_minor;

    /* Writes one log line through the controller's logger with the
     * instance's name attached ("plugin":"<name>"). message: plugin-owned,
     * NUL-terminated, borrowed for the call; longer than 1024 bytes is cut.
     * Any thread. */
    void (*log)(wp_plugin_ctx *ctx, int level, const char *message);

    /* Adds n to the counter warmpool_plugin_custom_total{plugin,name}.
     * name: plugin-owned, borrowed; at most 63 bytes used. Any thread;
     * lock-free after a name's first use. */
    void (*counter_add)(wp_plugin_ctx *ctx, const char *name, uint64_t n);
    /* Sets the gauge warmpool_plugin_custom{plugin,name}. As counter_add. */
    void (*gauge_set)(wp_plugin_ctx *ctx, const char *name, double value);

    /* Milliseconds left before the deadline of the call running on the
     * calling thread (0 when it has passed); -1 on a thread the host did not
     * call the plugin on (no deadline known). */
    int64_t (*remaining_ms)(wp_plugin_ctx *ctx);

    /* Memory counted against the instance (reported as the gauge
     * warmpool_plugin_memory_bytes{plugin}). alloc returns NULL when out of
     * memory; free(NULL) does nothing. Memory from alloc must be freed with
     * this free, never with libc free, and before destroy returns. */
    void *(*alloc)(wp_plugin_ctx *ctx, size_t size);
    void (*free)(wp_plugin_ctx *ctx, void *ptr);

    /* Config accessors: cfg is the one create received. key must be one
     * the descriptor declares, with the matching type; anything else is a
     * plugin bug and answers "absent". Returned strings are host-owned and
     * valid until destroy returns.
     * config_string: the value of a STRING key, or NULL when absent.
     * config_int / config_bool / config_duration_ms / config_size: 1 and
     *   *out set when the key has a value (given or default), 0 when absent.
     *   (bool: *out is 0 or 1.)
     * config_count: the number of items of a LIST or MAP key (0 if absent).
     * config_item: item i of a LIST (*name set to NULL) or MAP (*name the
     *   key, in file order); 1, or 0 when i is out of range. */
    const char *(*config_string)(const wp_plugin_config *cfg, const char *key);
    int (*config_int)(const wp_plugin_config *cfg, const char *key, int64_t *out);
    int (*config_bool)(const wp_plugin_config *cfg, const char *key, int *out);
    int (*config_duration_ms)(const wp_plugin_config *cfg, const char *key, int64_t *out);
    int (*config_size)(const wp_plugin_config *cfg, const char *key, uint64_t *out);
    size_t (*config_count)(const wp_plugin_config *cfg, const char *key);
    int (*config_item)(const wp_plugin_config *cfg, const char *key, size_t i,
                       const char **name, const char **value);

    /* Appends len bytes to an output sink (history query results). Returns
     * 0, or -1 when the output would exceed the host's limit (then stop and
     * return FAIL). Only on the thread and during the call that got out. */
    int (*out_write)(wp_plugin_out *out, const char *ptr, size_t len);

    /* New members go here, each with a "since ABI 1.N" comment. */
} wp_plugin_services;

/* ---------------------------------------------------------------- descriptor */

/* What the entry symbol returns.
 * OWNERSHIP: plugin; static (or at least valid, unchanged, until the host
 * dlcloses the library), never written by the host.
 * APPEND ONLY, like wp_plugin_services. */
typedef struct wp_plugin_descriptor {
    uint32_t struct_size; /* sizeof(wp_plugin_descriptor): set it, the host checks it */
    uint16_t abi_major;   /* WP_PLUGIN_ABI_MAJOR the plugin was built against */
    uint16_t abi_minor;   /* WP_PLUGIN_ABI_MINOR the plugin was built against */
    int kind;             /* wp_plugin_kind */
    uint32_t flags;       /* WP_PLUGIN_FLAG_* */
    const char *name;     /* the plugin's own name ("hook-http"), [a-z0-9-], 1..63 */
    const char *version;  /* the plugin's version, free text ("1.2.0") */
    const char *description; /* one line */

    /* The accepted config keys: n_config_keys rows, each config_key_size
     * bytes apart (set it to sizeof(wp_plugin_config_key); the row may grow
     * in later minors and the host reads min(sizes)). NULL/0 for none. */
    const wp_plugin_config_key *config_keys;
    uint32_t n_config_keys;
    uint32_t config_key_size;

    /* Creates an instance from its validated config. Called once per
     * configured instance, on that instance's worker thread, before any
     * other call; deadline: the instance's. services and ctx are valid until
     * destroy returns (keep them); cfg likewise. On OK set *instance (may
     * be NULL if the plugin needs no state); it is passed back to every
     * call and to destroy. Returns OK, INVALID_CONFIG (a value is unusable:
     * name it in msg), FAIL (e.g. cannot open its store), RETRY/TIMEOUT
     * (the controller refuses to start either way). Required. */
    int (*create)(const wp_plugin_services *services, wp_plugin_ctx *ctx,
                  const wp_plugin_config *cfg, void **instance, wp_plugin_msg msg);
    /* Releases an instance: after the last call returned, on the instance's
     * worker thread; never called for a create that did not return OK.
     * Must not fail and should be quick (the host waits for it up to the
     * instance's deadline). Required. */
    void (*destroy)(void *instance);

    /* The operations of the plugin's kind; the others are NULL.
     * OWNERSHIP: plugin, static. */
    const wp_plugin_hook_ops *hook;
    const wp_plugin_resolver_ops *resolver;
    const wp_plugin_history_ops *history;

    /* New members go here, each with a "since ABI 1.N" comment. */
} wp_plugin_descriptor;

/* The entry point every plugin exports (WP_PLUGIN_ENTRY_SYMBOL). Called
 * once after dlopen, on any thread, before anything else; must not block
 * or allocate resources that need freeing (do that in create). host_major
 * and host_minor are the host's ABI, so a plugin built for a newer minor
 * can lower its descriptor's abi_minor if it can live without the newer
 * services. Returns the static descriptor, or NULL to refuse to load.
 *
 *   WP_PLUGIN_EXPORT const wp_plugin_descriptor *
 *   WP_PLUGIN_ENTRY(uint32_t host_major, uint32_t host_minor) { return &desc; }
 */
typedef const wp_plugin_descriptor *(*wp_plugin_entry_fn)(uint32_t host_abi_major,
                                                          uint32_t host_abi_minor);

WP_PLUGIN_EXPORT const wp_plugin_descriptor *WP_PLUGIN_ENTRY(uint32_t host_abi_major,
                                                            uint32_t host_abi_minor);

#ifdef __cplusplus
}
#endif

#endif
