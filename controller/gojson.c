/* Go encoding/json emulation for Kubernetes shapes (see gojson.h). The
 * tables follow k8s.io/api core/v1 types.go declaration order and tags. */
#include "controller/gojson.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* How a field's Go type and tag decide whether and how it is written. */
typedef enum {
    GO_OMIT,   /* `omitempty` on a string, number, bool, slice or map: zero is dropped */
    GO_PTR,    /* `omitempty` on a pointer: dropped only when nil (absent or null) */
    GO_STRUCT, /* a struct value: always written, `{}`-shaped when absent */
    GO_NULL,   /* no omitempty, slice/map/pointer: absent is written as null */
    GO_STR,    /* no omitempty, string: absent is "" */
    GO_NUM,    /* no omitempty, number (or IntOrString): absent is 0 */
} go_mode;

typedef struct {
    const char *name;
    go_mode mode;
    const wp_goshape *shape; /* for an object value, or for each item of an array */
} go_field;

struct wp_goshape {
    const go_field *fields;
    size_t n;
};

#define SHAPE(var, ...)                                                                                       \
    static const go_field var##_fields[] = {__VA_ARGS__};                                                    \
    static const wp_goshape var = {var##_fields, sizeof var##_fields / sizeof var##_fields[0]}

SHAPE(go_pod_metadata, {"labels", GO_OMIT, NULL}, {"annotations", GO_OMIT, NULL});
SHAPE(go_embedded_meta, {"name", GO_OMIT, NULL}, {"labels", GO_OMIT, NULL}, {"annotations", GO_OMIT, NULL});
SHAPE(go_label_requirement, {"key", GO_STR, NULL}, {"operator", GO_STR, NULL}, {"values", GO_OMIT, NULL});
SHAPE(go_label_selector, {"matchLabels", GO_OMIT, NULL},
      {"matchExpressions", GO_OMIT, &go_label_requirement});
SHAPE(go_volume_resources, {"limits", GO_OMIT, NULL}, {"requests", GO_OMIT, NULL});
SHAPE(go_pvc_spec, {"accessModes", GO_OMIT, NULL}, {"selector", GO_PTR, &go_label_selector},
      {"resources", GO_STRUCT, &go_volume_resources}, {"volumeName", GO_OMIT, NULL},
      {"storageClassName", GO_PTR, NULL}, {"volumeMode", GO_PTR, NULL}, {"dataSource", GO_PTR, NULL},
      {"dataSourceRef", GO_PTR, NULL}, {"volumeAttributesClassName", GO_PTR, NULL});
SHAPE(go_vct, {"metadata", GO_STRUCT, &go_embedded_meta}, {"spec", GO_STRUCT, &go_pvc_spec});

SHAPE(go_container_port, {"name", GO_OMIT, NULL}, {"hostPort", GO_OMIT, NULL}, {"containerPort", GO_NUM, NULL},
      {"protocol", GO_OMIT, NULL}, {"hostIP", GO_OMIT, NULL});
SHAPE(go_env_var, {"name", GO_STR, NULL}, {"value", GO_OMIT, NULL}, {"valueFrom", GO_PTR, NULL});
SHAPE(go_env_from, {"prefix", GO_OMIT, NULL}, {"configMapRef", GO_PTR, NULL}, {"secretRef", GO_PTR, NULL});
SHAPE(go_resources, {"limits", GO_OMIT, NULL}, {"requests", GO_OMIT, NULL}, {"claims", GO_OMIT, NULL});
SHAPE(go_volume_mount, {"name", GO_STR, NULL}, {"readOnly", GO_OMIT, NULL}, {"recursiveReadOnly", GO_PTR, NULL},
      {"mountPath", GO_STR, NULL}, {"subPath", GO_OMIT, NULL}, {"mountPropagation", GO_PTR, NULL},
      {"subPathExpr", GO_OMIT, NULL});
SHAPE(go_exec, {"command", GO_OMIT, NULL});
SHAPE(go_http_get, {"path", GO_OMIT, NULL}, {"port", GO_NUM, NULL}, {"host", GO_OMIT, NULL},
      {"scheme", GO_OMIT, NULL}, {"httpHeaders", GO_OMIT, NULL});
SHAPE(go_tcp_socket, {"port", GO_NUM, NULL}, {"host", GO_OMIT, NULL});
SHAPE(go_probe, {"exec", GO_PTR, &go_exec}, {"httpGet", GO_PTR, &go_http_get}, {"tcpSocket", GO_PTR, &go_tcp_socket},
      {"grpc", GO_PTR, NULL}, {"initialDelaySeconds", GO_OMIT, NULL}, {"timeoutSeconds", GO_OMIT, NULL},
      {"periodSeconds", GO_OMIT, NULL}, {"successThreshold", GO_OMIT, NULL}, {"failureThreshold", GO_OMIT, NULL},
      {"terminationGracePeriodSeconds", GO_PTR, NULL});
SHAPE(go_capabilities, {"add", GO_OMIT, NULL}, {"drop", GO_OMIT, NULL});
SHAPE(go_seccomp, {"type", GO_STR, NULL}, {"localhostProfile", GO_PTR, NULL});
SHAPE(go_security_context, {"capabilities", GO_PTR, &go_capabilities}, {"privileged", GO_PTR, NULL},
      {"seLinuxOptions", GO_PTR, NULL}, {"windowsOptions", GO_PTR, NULL}, {"runAsUser", GO_PTR, NULL},
      {"runAsGroup", GO_PTR, NULL}, {"runAsNonRoot", GO_PTR, NULL}, {"readOnlyRootFilesystem", GO_PTR, NULL},
      {"allowPrivilegeEscalation", GO_PTR, NULL}, {"procMount", GO_PTR, NULL},
      {"seccompProfile", GO_PTR, &go_seccomp}, {"appArmorProfile", GO_PTR, NULL});
SHAPE(go_container, {"name", GO_STR, NULL}, {"image", GO_OMIT, NULL}, {"command", GO_OMIT, NULL},
      {"args", GO_OMIT, NULL}, {"workingDir", GO_OMIT, NULL}, {"ports", GO_OMIT, &go_container_port},
      {"envFrom", GO_OMIT, &go_env_from}, {"env", GO_OMIT, &go_env_var}, {"resources", GO_STRUCT, &go_resources},
      {"resizePolicy", GO_OMIT, NULL}, {"restartPolicy", GO_PTR, NULL}, {"restartPolicyRules", GO_OMIT, NULL},
      {"volumeMounts", GO_OMIT, &go_volume_mount}, {"volumeDevices", GO_OMIT, NULL},
      {"livenessProbe", GO_PTR, &go_probe}, {"readinessProbe", GO_PTR, &go_probe},
      {"startupProbe", GO_PTR, &go_probe}, {"lifecycle", GO_PTR, NULL}, {"terminationMessagePath", GO_OMIT, NULL},
      {"terminationMessagePolicy", GO_OMIT, NULL}, {"imagePullPolicy", GO_OMIT, NULL},
      {"securityContext", GO_PTR, &go_security_context}, {"stdin", GO_OMIT, NULL}, {"stdinOnce", GO_OMIT, NULL},
      {"tty", GO_OMIT, NULL});
/* Volume: the name, then the inlined VolumeSource pointers. */
SHAPE(go_volume, {"name", GO_STR, NULL}, {"hostPath", GO_PTR, NULL}, {"emptyDir", GO_PTR, NULL},
      {"gcePersistentDisk", GO_PTR, NULL}, {"awsElasticBlockStore", GO_PTR, NULL}, {"gitRepo", GO_PTR, NULL},
      {"secret", GO_PTR, NULL}, {"nfs", GO_PTR, NULL}, {"iscsi", GO_PTR, NULL}, {"glusterfs", GO_PTR, NULL},
      {"persistentVolumeClaim", GO_PTR, NULL}, {"rbd", GO_PTR, NULL}, {"flexVolume", GO_PTR, NULL},
      {"cinder", GO_PTR, NULL}, {"cephfs", GO_PTR, NULL}, {"flocker", GO_PTR, NULL}, {"downwardAPI", GO_PTR, NULL},
      {"fc", GO_PTR, NULL}, {"azureFile", GO_PTR, NULL}, {"configMap", GO_PTR, NULL},
      {"vsphereVolume", GO_PTR, NULL}, {"quobyte", GO_PTR, NULL}, {"azureDisk", GO_PTR, NULL},
      {"photonPersistentDisk", GO_PTR, NULL}, {"projected", GO_PTR, NULL}, {"portworxVolume", GO_PTR, NULL},
      {"scaleIO", GO_PTR, NULL}, {"storageos", GO_PTR, NULL}, {"csi", GO_PTR, NULL}, {"ephemeral", GO_PTR, NULL},
      {"image", GO_PTR, NULL});
SHAPE(go_pod_security_context, {"seLinuxOptions", GO_PTR, NULL}, {"windowsOptions", GO_PTR, NULL},
      {"runAsUser", GO_PTR, NULL}, {"runAsGroup", GO_PTR, NULL}, {"runAsNonRoot", GO_PTR, NULL},
      {"supplementalGroups", GO_OMIT, NULL}, {"supplementalGroupsPolicy", GO_PTR, NULL}, {"fsGroup", GO_PTR, NULL},
      {"sysctls", GO_OMIT, NULL}, {"fsGroupChangePolicy", GO_PTR, NULL}, {"seccompProfile", GO_PTR, &go_seccomp},
      {"appArmorProfile", GO_PTR, NULL}, {"seLinuxChangePolicy", GO_PTR, NULL});
SHAPE(go_dns_option, {"name", GO_OMIT, NULL}, {"value", GO_PTR, NULL});
SHAPE(go_dns_config, {"nameservers", GO_OMIT, NULL}, {"searches", GO_OMIT, NULL},
      {"options", GO_OMIT, &go_dns_option});
SHAPE(go_toleration, {"key", GO_OMIT, NULL}, {"operator", GO_OMIT, NULL}, {"value", GO_OMIT, NULL},
      {"effect", GO_OMIT, NULL}, {"tolerationSeconds", GO_PTR, NULL});
SHAPE(go_local_ref, {"name", GO_OMIT, NULL});

static const go_field go_pod_spec_fields[] = {
    {"volumes", GO_OMIT, &go_volume},
    {"initContainers", GO_OMIT, &go_container},
    {"containers", GO_NULL, &go_container},
    {"ephemeralContainers", GO_OMIT, NULL},
    {"restartPolicy", GO_OMIT, NULL},
    {"terminationGracePeriodSeconds", GO_PTR, NULL},
    {"activeDeadlineSeconds", GO_PTR, NULL},
    {"dnsPolicy", GO_OMIT, NULL},
    {"nodeSelector", GO_OMIT, NULL},
    {"serviceAccountName", GO_OMIT, NULL},
    {"serviceAccount", GO_OMIT, NULL},
    {"automountServiceAccountToken", GO_PTR, NULL},
    {"nodeName", GO_OMIT, NULL},
    {"hostNetwork", GO_OMIT, NULL},
    {"hostPID", GO_OMIT, NULL},
    {"hostIPC", GO_OMIT, NULL},
    {"shareProcessNamespace", GO_PTR, NULL},
    {"securityContext", GO_PTR, &go_pod_security_context},
    {"imagePullSecrets", GO_OMIT, &go_local_ref},
    {"hostname", GO_OMIT, NULL},
    {"subdomain", GO_OMIT, NULL},
    {"affinity", GO_PTR, NULL},
    {"schedulerName", GO_OMIT, NULL},
    {"tolerations", GO_OMIT, &go_toleration},
    {"hostAliases", GO_OMIT, NULL},
    {"priorityClassName", GO_OMIT, NULL},
    {"priority", GO_PTR, NULL},
    {"dnsConfig", GO_PTR, &go_dns_config},
    {"readinessGates", GO_OMIT, NULL},
    {"runtimeClassName", GO_PTR, NULL},
    {"enableServiceLinks", GO_PTR, NULL},
    {"preemptionPolicy", GO_PTR, NULL},
    {"overhead", GO_OMIT, NULL},
    {"topologySpreadConstraints", GO_OMIT, NULL},
    {"setHostnameAsFQDN", GO_PTR, NULL},
    {"os", GO_PTR, NULL},
    {"hostUsers", GO_PTR, NULL},
    {"schedulingGates", GO_OMIT, NULL},
    {"resourceClaims", GO_OMIT, NULL},
    {"resources", GO_PTR, &go_resources},
};
static const wp_goshape go_pod_spec = {go_pod_spec_fields, sizeof go_pod_spec_fields / sizeof go_pod_spec_fields[0]};

static const go_field go_pod_template_fields[] = {
    {"spec", GO_STRUCT, &go_pod_spec},
    {"metadata", GO_STRUCT, &go_pod_metadata},
};
const wp_goshape wp_goshape_pod_template = {go_pod_template_fields, 2};

static const go_field go_blueprint_fields[] = {
    {"podTemplate", GO_STRUCT, &wp_goshape_pod_template},
    {"volumeClaimTemplates", GO_OMIT, &go_vct},
    {"service", GO_PTR, NULL},
};
const wp_goshape wp_goshape_blueprint = {go_blueprint_fields, 3};

/* --- writing ---------------------------------------------------------------- */

void wp_gojson_string(wp_sb *b, const char *s, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    wp_sb_putc(b, '"');
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\') {
            wp_sb_putc(b, '\\');
            wp_sb_putc(b, (char)c);
        } else if (c == '\n') {
            wp_sb_puts(b, "\\n");
        } else if (c == '\r') {
            wp_sb_puts(b, "\\r");
        } else if (c == '\t') {
            wp_sb_puts(b, "\\t");
        } else if (c < 0x20 || c == '<' || c == '>' || c == '&') {
            char esc[7] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15], 0};
            wp_sb_puts(b, esc);
        } else if (c == 0xe2 && i + 2 < n && (unsigned char)s[i + 1] == 0x80 &&
                   ((unsigned char)s[i + 2] == 0xa8 || (unsigned char)s[i + 2] == 0xa9)) {
            /* U+2028 and U+2029: Go escapes them for JavaScript's sake. */
            wp_sb_puts(b, (unsigned char)s[i + 2] == 0xa8 ? "\\u2028" : "\\u2029");
            i += 2;
        } else {
            wp_sb_putc(b, (char)c);
        }
    }
    wp_sb_putc(b, '"');
}

static bool is_nil(const json_t *v) { return !v || json_is_null(v); }

bool wp_gojson_empty(const json_t *v)
{
    if (is_nil(v)) return true;
    switch (json_typeof(v)) {
    case JSON_FALSE: return true;
    case JSON_INTEGER: return json_integer_value(v) == 0;
    case JSON_REAL: return json_real_value(v) == 0;
    case JSON_STRING: return json_string_length(v) == 0;
    case JSON_ARRAY: return json_array_size(v) == 0;
    case JSON_OBJECT: return json_object_size(v) == 0;
    default: return false;
    }
}

static int cmp_keys(const void *a, const void *b) { return strcmp(*(const char *const *)a, *(const char *const *)b); }

/* The keys of obj in Go map order (sorted bytes). Caller frees the array. */
static const char **sorted_keys(const json_t *obj, size_t *n)
{
    *n = json_object_size(obj);
    const char **keys = calloc(*n ? *n : 1, sizeof *keys);
    if (!keys) abort();
    size_t i = 0;
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)obj, k, v) keys[i++] = k;
    qsort(keys, *n, sizeof *keys, cmp_keys);
    return keys;
}

static void write_value(wp_sb *b, const json_t *v, const wp_goshape *shape);

static bool shape_has(const wp_goshape *shape, const char *key)
{
    for (size_t i = 0; i < shape->n; i++)
        if (strcmp(shape->fields[i].name, key) == 0) return true;
    return false;
}

static void write_member(wp_sb *b, bool *first, const char *key, const json_t *v, const wp_goshape *shape)
{
    if (!*first) wp_sb_putc(b, ',');
    *first = false;
    wp_gojson_string(b, key, strlen(key));
    wp_sb_putc(b, ':');
    write_value(b, v, shape);
}

static void write_field(wp_sb *b, bool *first, const go_field *f, const json_t *v)
{
    switch (f->mode) {
    case GO_OMIT:
        if (wp_gojson_empty(v)) return;
        break;
    case GO_PTR:
        if (is_nil(v)) return;
        break;
    case GO_STRUCT:
        break; /* write_value gives the shape's zero for a nil v */
    case GO_NULL:
    case GO_STR:
    case GO_NUM:
        if (is_nil(v)) {
            if (!*first) wp_sb_putc(b, ',');
            *first = false;
            wp_gojson_string(b, f->name, strlen(f->name));
            wp_sb_puts(b, f->mode == GO_NULL ? ":null" : f->mode == GO_STR ? ":\"\"" : ":0");
            return;
        }
        break;
    }
    write_member(b, first, f->name, v, f->shape);
}

/* An object read as the Go struct `shape`: its fields in order, then members
 * the table does not know, sorted. */
static void write_struct(wp_sb *b, const json_t *obj, const wp_goshape *shape)
{
    bool first = true;
    wp_sb_putc(b, '{');
    for (size_t i = 0; i < shape->n; i++) {
        const go_field *f = &shape->fields[i];
        write_field(b, &first, f, json_object_get(obj, f->name));
    }
    if (obj) {
        size_t n;
        const char **keys = sorted_keys(obj, &n);
        for (size_t i = 0; i < n; i++)
            if (!shape_has(shape, keys[i])) write_member(b, &first, keys[i], json_object_get(obj, keys[i]), NULL);
        free(keys);
    }
    wp_sb_putc(b, '}');
}

static void write_map(wp_sb *b, const json_t *obj)
{
    bool first = true;
    size_t n;
    const char **keys = sorted_keys(obj, &n);
    wp_sb_putc(b, '{');
    for (size_t i = 0; i < n; i++) write_member(b, &first, keys[i], json_object_get(obj, keys[i]), NULL);
    wp_sb_putc(b, '}');
    free(keys);
}

static void write_value(wp_sb *b, const json_t *v, const wp_goshape *shape)
{
    if (is_nil(v)) {
        if (shape) write_struct(b, NULL, shape);
        else wp_sb_puts(b, "null");
        return;
    }
    switch (json_typeof(v)) {
    case JSON_OBJECT:
        if (shape) write_struct(b, v, shape);
        else write_map(b, v);
        break;
    case JSON_ARRAY:
        wp_sb_putc(b, '[');
        for (size_t i = 0; i < json_array_size(v); i++) {
            if (i) wp_sb_putc(b, ',');
            write_value(b, json_array_get(v, i), shape);
        }
        wp_sb_putc(b, ']');
        break;
    case JSON_STRING: wp_gojson_string(b, json_string_value(v), json_string_length(v)); break;
    case JSON_INTEGER: wp_sb_printf(b, "%" JSON_INTEGER_FORMAT, json_integer_value(v)); break;
    case JSON_REAL: wp_sb_printf(b, "%.17g", json_real_value(v)); break;
    case JSON_TRUE: wp_sb_puts(b, "true"); break;
    case JSON_FALSE: wp_sb_puts(b, "false"); break;
    default: wp_sb_puts(b, "null"); break;
    }
}

void wp_gojson_write(wp_sb *b, const json_t *v, const wp_goshape *shape) { write_value(b, v, shape); }

char *wp_gojson_dump(const json_t *v, const wp_goshape *shape, size_t *len)
{
    wp_sb b = WP_SB_INIT;
    write_value(&b, v, shape);
    if (len) *len = b.len;
    return wp_sb_finish(&b);
}
