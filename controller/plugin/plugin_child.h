/* Isolation mode: a plugin instance in a child process
 * (warmpool-plugin-runner), so a plugin that crashes or hangs takes only
 * its child down. The child runs the same host code (lib open, config
 * checks, its own instance with deadlines); the parent's instance worker
 * forwards each call as a frame (4-byte little-endian length + JSON) over a
 * socket. A crash is contained as FAIL and the child is restarted on the
 * next call; a call past its deadline gets the child killed, which ends
 * the quarantine at once instead of leaving a hung thread behind. */
#ifndef WP_PLUGIN_PLUGIN_CHILD_H
#define WP_PLUGIN_PLUGIN_CHILD_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "controller/plugin/plugin_host.h"

#define WP_PLUGIN_FRAME_MAX (64u << 20)

/* What the child needs to load and create its instance; copied. */
typedef struct wp_plugin_child_spec_s {
    const char *runner;    /* warmpool-plugin-runner executable */
    const char *name, *path, *sha256;
    const json_t *config;
    int64_t deadline_ms;
    bool skip_file_checks;
} wp_plugin_child_spec;

/* What the child's descriptor says, for the parent's instance record. */
typedef struct {
    int kind;
    uint32_t flags;
    bool has_health;
    char plugin_name[64];
    char version[64];
} wp_plugin_child_info;

typedef struct wp_plugin_child wp_plugin_child;

/* Spawns the runner and waits (up to the deadline) for its instance to be
 * created. NULL with err filled (the child's own refusal, or its crash or
 * hang). Free with wp_plugin_child_stop. */
wp_plugin_child *wp_plugin_child_start(const wp_plugin_child_spec *spec, wp_plugin_child_info *info,
                                       wp_plugin_error *err);

/* One call: request is {"op":..., ...}; on return *response is a new
 * reference ({"status","message","digest","out","contained"}), or NULL with
 * why filled when the child died or did not answer by deadline_ns (it is
 * then killed and restarted by the next call). Not thread-safe: the
 * instance's single worker calls it. */
json_t *wp_plugin_child_call(wp_plugin_child *c, const json_t *request, int64_t deadline_ns, char *why,
                             size_t why_size);

/* Kills the child now (from any thread): a caller gave up on its call. */
void wp_plugin_child_kill(wp_plugin_child *c);

/* Kills and reaps the child now; the next call starts a new one. Only
 * on the thread that makes the calls. */
void wp_plugin_child_restart(wp_plugin_child *c);

/* Closes the pipe (the runner destroys its instance and exits), waits up
 * to the deadline, kills if needed, frees. */
void wp_plugin_child_stop(wp_plugin_child *c);

/* Frame I/O, shared with the runner. 0 or -1 (EOF, error, too large, or
 * deadline_ns passed; deadline_ns 0 = none). *out is a new reference. */
int wp_plugin_frame_write(int fd, const json_t *j);
int wp_plugin_frame_read(int fd, int64_t deadline_ns, json_t **out);

/* The runner to use: $WARMPOOL_PLUGIN_RUNNER, else warmpool-plugin-runner
 * next to the running executable. Caller frees. */
char *wp_plugin_child_default_runner(void);

#endif
