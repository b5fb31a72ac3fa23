/* Probing one plugin file the way the controller loads it, in a child
 * process: what `warmpoolctl plugin check` runs. The child opens the
 * library (every host check), validates the config against the declared
 * keys, creates an instance, runs the health probe (ABI 1.1) and a sample
 * call of the plugin's kind, and destroys it, reporting each step over a
 * pipe as it goes; the parent turns a crash or a hang into a finding
 * naming the step, so a broken plugin never takes the caller down. */
#ifndef WP_PLUGIN_PLUGIN_PROBE_H
#define WP_PLUGIN_PLUGIN_PROBE_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

typedef struct {
    const char *path;          /* the .so */
    const json_t *config;      /* the plugin's config mapping, or NULL */
    int64_t deadline_ms;       /* per call (0: 5000) */
    const char *pod_ip;        /* hook sample event (NULL: 127.0.0.1) */
    const char *image;         /* resolver sample (NULL: docker.io/library/busybox:latest) */
    bool skip_file_checks;
} wp_plugin_probe_options;

/* Runs the probe. Returns a new report (caller decrefs), never NULL:
 *   {"file": path, "usable": bool,
 *    "descriptor": {"name","version","description","kind","abi","flags":[...]} | null,
 *    "configKeys": [{"name","type","default","required","description","value"}],
 *    "checks": [{"step","result":"ok"|"warning"|"problem","message"}]}
 * usable is false when any check is a problem. A sample call answering
 * RETRY or FAIL is a warning (it depends on the environment); TIMEOUT,
 * misbehaviour, a crash or a hang is a problem. */
json_t *wp_plugin_probe(const wp_plugin_probe_options *o);

#endif
