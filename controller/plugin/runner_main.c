/* warmpool-plugin-runner: hosts one plugin instance for a controller
 * running it in isolation mode (plugin_child.h). Reads an init frame on
 * stdin, loads and creates the instance with the host's own code, answers
 * with a hello frame, then serves one call frame at a time until stdin
 * closes. Logs (the plugin's included) go to stderr, the controller's. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "controller/plugin/plugin_child.h"
#include "controller/plugin/plugin_instance.h"
#include "controller/plugin/plugin_lib.h"

static const char *str(const json_t *o, const char *k)
{
    const char *s = json_string_value(json_object_get(o, k));
    return s ? s : "";
}

static int refuse(const wp_plugin_error *err)
{
    json_t *j = json_pack("{sbsssisi}", "ok", 0, "error", err->message, "code", (int)err->code, "status", err->status);
    wp_plugin_frame_write(1, j);
    json_decref(j);
    return 1;
}

static const wp_plugin_op ops_by_name[] = {WP_PLUGIN_OP_HOOK, WP_PLUGIN_OP_RESOLVE, WP_PLUGIN_OP_APPEND,
                                           WP_PLUGIN_OP_QUERY, WP_PLUGIN_OP_HEALTH};

static json_t *serve(wp_plugin_instance *inst, const json_t *req)
{
    wp_plugin_call c = {.op = WP_PLUGIN_OP__COUNT};
    for (size_t i = 0; i < sizeof ops_by_name / sizeof *ops_by_name; i++)
        if (strcmp(str(req, "op"), wp_plugin_op_name(ops_by_name[i])) == 0) c.op = ops_by_name[i];
    if (c.op == WP_PLUGIN_OP__COUNT) return json_pack("{sisssb}", "status", WP_PLUGIN_FAIL, "message", "unknown operation", "contained", 1);
    c.event = str(req, "event");
    c.namespace_ = str(req, "namespace");
    c.sandbox = str(req, "sandbox");
    c.pod_ip = str(req, "pod_ip");
    c.claim = str(req, "claim");
    c.attempt = (unsigned)json_integer_value(json_object_get(req, "attempt"));
    c.input = str(req, "input");
    c.input_len = json_string_length(json_object_get(req, "input"));
    c.deadline_ms = json_integer_value(json_object_get(req, "deadline_ms"));
    wp_plugin_instance_call(inst, &c);
    json_t *resp = json_pack("{sisssbsb}", "status", c.status, "message", c.message, "contained", c.contained,
                             "stuck", wp_plugin_instance_stuck(inst));
    if (c.status == WP_PLUGIN_OK && c.op == WP_PLUGIN_OP_RESOLVE) json_object_set_new(resp, "digest", json_string(c.digest));
    if (c.out) json_object_set_new(resp, "out", json_stringn(c.out, c.out_len));
    free(c.out);
    return resp;
}

int main(void)
{
    signal(SIGPIPE, SIG_IGN);
    json_t *init;
    if (wp_plugin_frame_read(0, 0, &init) != 0) {
        fprintf(stderr, "warmpool-plugin-runner: started by hand? it speaks frames on stdin to the controller\n");
        return 2;
    }
    wp_plugin_error err = {0};
    const char *sha = str(init, "sha256");
    wp_plugin_lib *lib = wp_plugin_lib_open(str(init, "name"), str(init, "path"), sha[0] ? sha : NULL,
                                            json_is_true(json_object_get(init, "skip_file_checks")), &err);
    if (!lib) {
        json_decref(init);
        return refuse(&err);
    }
    const json_t *config = json_object_get(init, "config");
    wp_plugin_instance_spec spec = {.name = str(init, "name"), .lib = lib,
                                    .config = json_is_object(config) ? config : NULL,
                                    .deadline_ms = json_integer_value(json_object_get(init, "deadline_ms")),
                                    .workers = 1, .failure_threshold = 1 << 30};
    int kind = lib->desc.kind;
    uint32_t flags = lib->desc.flags;
    bool health = lib->desc.health != NULL;
    char plugin[64], version[64];
    snprintf(plugin, sizeof plugin, "%s", lib->desc.name);
    snprintf(version, sizeof version, "%s", lib->desc.version ? lib->desc.version : "");
    wp_plugin_instance *inst = wp_plugin_instance_start(&spec, &err);
    json_decref(init); /* spec's strings are copied by now */
    if (!inst) return refuse(&err);
    json_t *hello = json_pack("{sbsisisbssss}", "ok", 1, "kind", kind, "flags", (int)flags, "health", health,
                              "plugin", plugin, "version", version);
    wp_plugin_frame_write(1, hello);
    json_decref(hello);
    json_t *req;
    while (wp_plugin_frame_read(0, 0, &req) == 0) {
        json_t *resp = serve(inst, req);
        json_decref(req);
        int rc = wp_plugin_frame_write(1, resp);
        json_decref(resp);
        if (rc != 0) break;
    }
    wp_plugin_instance_stop(inst);
    return 0;
}
