/* Probing a plugin in a child process. See plugin_probe.h. */
#include "controller/plugin/plugin_probe.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/strbuf.h"
#include "controller/plugin/plugin_conf.h"
#include "controller/plugin/plugin_ctx.h"
#include "controller/plugin/plugin_instance.h"
#include "controller/plugin/plugin_lib.h"

#define PROBE_NAME "check"
#define LINE_MAX_BYTES (256 * 1024)

/* ------------------------------------------------------------ child side */

static void send_line(int fd, json_t *j)
{
    char *s = json_dumps(j, JSON_COMPACT);
    json_decref(j);
    if (!s) return;
    wp_sb b = WP_SB_INIT;
    wp_sb_puts(&b, s);
    wp_sb_putc(&b, '\n');
    free(s);
    for (size_t off = 0; off < b.len;) {
        ssize_t n = write(fd, b.s + off, b.len - off);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        off += (size_t)n;
    }
    wp_sb_free(&b);
}

static void begin(int fd, const char *step)
{
    send_line(fd, json_pack("{ss}", "begin", step));
}

static void check(int fd, const char *step, const char *result, const char *message)
{
    send_line(fd, json_pack("{s{ssssss}}", "check", "step", step, "result", result, "message", message));
}

static json_t *describe(const wp_plugin_lib *lib, const wp_plugin_config *cfg)
{
    const wp_plugin_descriptor *d = &lib->desc;
    char abi[32];
    snprintf(abi, sizeof abi, "%u.%u", d->abi_major, d->abi_minor);
    json_t *flags = json_array();
    if (d->flags & WP_PLUGIN_FLAG_THREAD_SAFE) json_array_append_new(flags, json_string("thread-safe"));
    if (d->flags & WP_PLUGIN_FLAG_NO_UNLOAD) json_array_append_new(flags, json_string("no-unload"));
    json_t *keys = json_array();
    for (size_t i = 0; i < lib->n_keys; i++) {
        const wp_plugin_config_key *k = &lib->keys[i];
        const char *value = cfg ? wp_plugin_conf_text(cfg, i) : NULL;
        json_array_append_new(keys, json_pack("{sssssosbssso}", "name", k->name, "type",
                                              wp_plugin_config_type_name(k->type), "default",
                                              k->def && !k->required ? json_string(k->def) : json_null(),
                                              "required", k->required != 0, "description",
                                              k->description ? k->description : "", "value",
                                              value ? json_string(value) : json_null()));
    }
    return json_pack("{s{ssssssssssso}so}", "descriptor", "name", d->name, "version",
                     d->version ? d->version : "", "description", d->description ? d->description : "",
                     "kind", wp_plugin_kind_name(d->kind), "abi", abi, "flags", flags, "configKeys", keys);
}

/* The sample call for the plugin's kind. */
static void sample_call(int fd, wp_plugin_instance *inst, const wp_plugin_probe_options *o)
{
    static const char event_json[] =
        "{\"event\":\"ready\",\"time\":\"2026-01-01T00:00:00.000Z\",\"sandbox\":{\"metadata\":"
        "{\"name\":\"check\",\"namespace\":\"default\"}},\"claim\":null,\"pod\":null}";
    wp_plugin_call c = {.op = WP_PLUGIN_OP_HOOK};
    const char *step = "sample event";
    switch (wp_plugin_instance_lib(inst)->desc.kind) {
    case WP_PLUGIN_KIND_HOOK:
        c = (wp_plugin_call){.op = WP_PLUGIN_OP_HOOK, .event = "ready", .namespace_ = "default",
                             .sandbox = "check", .pod_ip = o->pod_ip ? o->pod_ip : "127.0.0.1",
                             .input = event_json, .input_len = sizeof event_json - 1, .attempt = 1};
        break;
    case WP_PLUGIN_KIND_RESOLVER:
        step = "sample resolve";
        c.op = WP_PLUGIN_OP_RESOLVE;
        c.input = o->image ? o->image : "docker.io/library/busybox:latest";
        c.input_len = strlen(c.input);
        break;
    default:
        step = "sample query";
        c.op = WP_PLUGIN_OP_QUERY;
        c.input = "{\"limit\":1}";
        c.input_len = strlen(c.input);
        break;
    }
    begin(fd, step);
    int st = wp_plugin_instance_call(inst, &c);
    char msg[sizeof c.message + 128];
    if (st == WP_PLUGIN_OK && c.op == WP_PLUGIN_OP_RESOLVE) snprintf(msg, sizeof msg, "%s -> %s", c.input, c.digest);
    else if (st == WP_PLUGIN_OK) snprintf(msg, sizeof msg, "ok");
    else snprintf(msg, sizeof msg, "%s", c.message);
    bool problem = c.contained || st == WP_PLUGIN_TIMEOUT || st == WP_PLUGIN_INVALID_CONFIG;
    check(fd, step, st == WP_PLUGIN_OK ? "ok" : problem ? "problem" : "warning", msg);
    free(c.out);
}

static void run_child(int fd, const wp_plugin_probe_options *o)
{
    wp_plugin_error err;
    begin(fd, "load");
    wp_plugin_lib *lib = wp_plugin_lib_open(PROBE_NAME, o->path, NULL, o->skip_file_checks, &err);
    if (!lib) {
        check(fd, "load", "problem", err.message);
        return;
    }
    char why[512];
    wp_plugin_config *cfg = wp_plugin_conf_build(lib->keys, lib->n_keys, o->config, why, sizeof why);
    send_line(fd, describe(lib, cfg));
    check(fd, "load", "ok", "descriptor and config keys are valid");
    begin(fd, "config");
    if (!cfg) {
        check(fd, "config", "problem", why);
        wp_plugin_lib_close(lib, true);
        return;
    }
    wp_plugin_conf_free(cfg);
    check(fd, "config", "ok", "every key known, required keys given, types right");
    begin(fd, "create");
    wp_plugin_instance_spec spec = {.name = PROBE_NAME, .lib = lib, .config = o->config,
                                    .deadline_ms = o->deadline_ms, .workers = 1, .failure_threshold = 1000};
    wp_plugin_instance *inst = wp_plugin_instance_start(&spec, &err);
    if (!inst) {
        check(fd, "create", "problem", err.message);
        return;
    }
    check(fd, "create", "ok", "instance created");
    if (wp_plugin_instance_lib(inst)->desc.health) {
        begin(fd, "health");
        wp_plugin_call c = {.op = WP_PLUGIN_OP_HEALTH};
        int st = wp_plugin_instance_call(inst, &c);
        check(fd, "health", st == WP_PLUGIN_OK ? "ok" : c.contained || st == WP_PLUGIN_TIMEOUT ? "problem" : "warning",
              st == WP_PLUGIN_OK ? "ok" : c.message);
    }
    sample_call(fd, inst, o);
    begin(fd, "destroy");
    wp_plugin_instance_stop(inst);
    check(fd, "destroy", "ok", "destroyed");
}

/* ------------------------------------------------------------ parent side */

static void add_check(json_t *report, const char *step, const char *result, const char *message)
{
    json_array_append_new(json_object_get(report, "checks"),
                          json_pack("{ssssss}", "step", step, "result", result, "message", message));
}

/* Applies one line from the child to the report; remembers the step begun. */
static void apply_line(json_t *report, const char *line, char *current, size_t current_size)
{
    json_t *j = json_loads(line, 0, NULL);
    if (!j) return;
    const char *b = json_string_value(json_object_get(j, "begin"));
    json_t *c = json_object_get(j, "check");
    if (b) snprintf(current, current_size, "%s", b);
    if (c) {
        json_array_append(json_object_get(report, "checks"), c);
        current[0] = '\0';
    }
    if (json_object_get(j, "descriptor")) {
        json_object_set(report, "descriptor", json_object_get(j, "descriptor"));
        json_object_set(report, "configKeys", json_object_get(j, "configKeys"));
    }
    json_decref(j);
}

/* Reads the child's lines until EOF or the deadline; false on timeout. */
static bool read_child(int fd, json_t *report, int64_t timeout_ms, char *current, size_t current_size)
{
    wp_sb buf = WP_SB_INIT;
    int64_t until = wp_plugin_now_ns() + timeout_ms * 1000000;
    bool eof = false;
    while (!eof) {
        int64_t left = (until - wp_plugin_now_ns()) / 1000000;
        if (left <= 0) break;
        struct pollfd p = {fd, POLLIN, 0};
        if (poll(&p, 1, (int)(left > 1000 ? 1000 : left)) <= 0) continue;
        char chunk[4096];
        ssize_t n = read(fd, chunk, sizeof chunk);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            eof = true;
            break;
        }
        if (buf.len < LINE_MAX_BYTES) wp_sb_putn(&buf, chunk, (size_t)n);
        char *nl;
        while (buf.s && (nl = memchr(buf.s, '\n', buf.len))) {
            *nl = '\0';
            apply_line(report, buf.s, current, current_size);
            size_t rest = buf.len - (size_t)(nl + 1 - buf.s);
            memmove(buf.s, nl + 1, rest);
            buf.len = rest;
        }
    }
    wp_sb_free(&buf);
    return eof;
}

json_t *wp_plugin_probe(const wp_plugin_probe_options *opts)
{
    wp_plugin_probe_options o = *opts;
    if (o.deadline_ms <= 0) o.deadline_ms = 5000;
    json_t *report = json_pack("{sssbsns[]s[]}", "file", o.path, "usable", 0, "descriptor", "configKeys",
                               "checks");
    int p[2];
    if (pipe(p) != 0) {
        add_check(report, "start", "problem", strerror(errno));
        return report;
    }
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        add_check(report, "start", "problem", strerror(errno));
        close(p[0]);
        close(p[1]);
        return report;
    }
    if (pid == 0) {
        close(p[0]);
        run_child(p[1], &o);
        _exit(0);
    }
    close(p[1]);
    char current[64] = "";
    /* create, health, sample and destroy each get a deadline; loading a
     * few seconds. */
    bool finished = read_child(p[0], report, 4 * o.deadline_ms + 5000, current, sizeof current);
    close(p[0]);
    int status = 0;
    if (!finished) kill(pid, SIGKILL);
    waitpid(pid, &status, 0);
    char msg[256];
    if (!finished) {
        snprintf(msg, sizeof msg, "the plugin hung during %s (no answer within %lld ms); killed",
                 current[0] ? current : "start-up", (long long)(4 * o.deadline_ms + 5000));
        add_check(report, current[0] ? current : "start", "problem", msg);
    } else if (WIFSIGNALED(status)) {
        snprintf(msg, sizeof msg, "the plugin crashed (SIG%s) during %s", sigabbrev_np(WTERMSIG(status)) ? sigabbrev_np(WTERMSIG(status)) : "?",
                 current[0] ? current : "start-up");
        add_check(report, current[0] ? current : "start", "problem", msg);
    } else if (current[0]) {
        snprintf(msg, sizeof msg, "the check process exited (status %d) during %s", WEXITSTATUS(status), current);
        add_check(report, current, "problem", msg);
    }
    bool usable = json_array_size(json_object_get(report, "checks")) > 0;
    size_t i;
    json_t *c;
    json_array_foreach(json_object_get(report, "checks"), i, c)
        if (strcmp(json_string_value(json_object_get(c, "result")), "problem") == 0) usable = false;
    json_object_set_new(report, "usable", json_boolean(usable));
    return report;
}
