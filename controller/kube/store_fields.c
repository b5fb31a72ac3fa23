/* What the cache keeps of an object: field filters. See store.h. */
#include <string.h>

#include "controller/kube/store.h"

#define END {NULL, NULL}

static const wp_store_field default_metadata_annotations_drop[] = {
    {"kubectl.kubernetes.io/last-applied-configuration", NULL},
    END,
};

static const wp_store_field default_metadata_drop[] = {
    {"managedFields", NULL},
    {"annotations", default_metadata_annotations_drop},
    END,
};

const wp_store_field wp_store_drop_default[] = {
    {"metadata", default_metadata_drop},
    END,
};

const wp_store_field wp_store_drop_nothing[] = {END};

static const wp_store_field pod_metadata[] = {
    {"name", NULL},           {"namespace", NULL},         {"uid", NULL},
    {"resourceVersion", NULL}, {"generation", NULL},        {"creationTimestamp", NULL},
    {"deletionTimestamp", NULL}, {"labels", NULL},          {"annotations", NULL},
    {"ownerReferences", NULL}, {"finalizers", NULL},        END,
};

static const wp_store_field pod_spec[] = {{"nodeName", NULL}, END};

static const wp_store_field pod_condition[] = {{"type", NULL}, {"status", NULL}, {"reason", NULL}, END};

static const wp_store_field pod_status[] = {
    {"phase", NULL}, {"conditions", pod_condition}, {"podIP", NULL}, {"podIPs", NULL}, {"startTime", NULL}, END,
};

const wp_store_field wp_store_pod_fields[] = {
    {"apiVersion", NULL}, {"kind", NULL}, {"metadata", pod_metadata}, {"spec", pod_spec}, {"status", pod_status}, END,
};

static const wp_store_field *find(const wp_store_field *list, const char *name)
{
    for (; list && list->name; list++) {
        if (strcmp(list->name, name) == 0) return list;
    }
    return NULL;
}

void wp_store_filter_write(wp_sb *b, const wp_jval *v, const wp_store_field *keep, const wp_store_field *drop)
{
    if (drop && !drop->name) drop = NULL; /* an empty drop list filters nothing */
    if (wp_jval_is_object(v) && (keep || drop)) {
        bool first = true;
        wp_sb_putc(b, '{');
        for (size_t i = 0; i < v->n; i++) {
            const wp_jmember *m = &v->u.members[i];
            const wp_store_field *k = keep ? find(keep, m->key) : NULL;
            const wp_store_field *d = drop ? find(drop, m->key) : NULL;
            if ((keep && !k) || (d && !d->fields)) continue;
            if (!first) wp_sb_putc(b, ',');
            first = false;
            wp_sb_json_string(b, m->key, m->key_len);
            wp_sb_putc(b, ':');
            wp_store_filter_write(b, &m->value, k ? k->fields : NULL, d ? d->fields : NULL);
        }
        wp_sb_putc(b, '}');
    } else if (wp_jval_is_array(v) && (keep || drop)) {
        wp_sb_putc(b, '[');
        for (size_t i = 0; i < v->n; i++) {
            if (i) wp_sb_putc(b, ',');
            wp_store_filter_write(b, &v->u.items[i], keep, drop);
        }
        wp_sb_putc(b, ']');
    } else {
        wp_jval_write(b, v);
    }
}
