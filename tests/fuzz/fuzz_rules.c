/* Fuzzer for the admission rule engine (common/rules*.c, common/names.c):
 * - no input crashes, leaks or trips a sanitizer, whatever its shape;
 * - every cause is well formed (a known reason, a message, a pointer);
 * - modes are consistent: with every group set to warn there is no cause,
 *   and exactly one warning per cause the enforcing run found (plus the
 *   warnings it gave anyway); with every group off there is nothing. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/config.h"
#include "common/jdoc.h"
#include "common/names.h"
#include "common/rules.h"

static wp_config *config_all(wp_rule_mode mode)
{
    wp_config *cfg = wp_config_new_default();
    for (int g = 0; g < WP_RULE__COUNT; g++) cfg->modes[g] = mode;
    return cfg;
}

static void check_causes(const wp_verdict *v)
{
    static const char *const reasons[] = {"FieldValueRequired", "FieldValueInvalid", "FieldValueNotSupported",
                                          "FieldValueForbidden", "FieldValueDuplicate", "FieldValueTooLong"};
    for (size_t i = 0; i < v->n_causes; i++) {
        const wp_cause *c = &v->causes[i];
        int known = 0;
        for (size_t r = 0; r < sizeof reasons / sizeof *reasons; r++) known |= strcmp(c->reason, reasons[r]) == 0;
        if (!known || !c->message[0] || (c->field[0] && c->pointer[0] != '/')) abort();
    }
}

static void run(const wp_jval *obj, wp_kind kind, wp_operation op)
{
    static wp_config *enforce, *warn, *off;
    if (!enforce) {
        enforce = config_all(WP_MODE_ENFORCE);
        warn = config_all(WP_MODE_WARN);
        off = config_all(WP_MODE_OFF);
    }
    struct timespec now = {1767225600, 0};
    wp_verdict e = WP_VERDICT_INIT, w = WP_VERDICT_INIT, o = WP_VERDICT_INIT;
    wp_rules_validate(enforce, kind, op, obj, obj, &now, &e);
    wp_rules_validate(warn, kind, op, obj, obj, &now, &w);
    wp_rules_validate(off, kind, op, obj, obj, &now, &o);
    check_causes(&e);
    if (w.n_causes != 0 || w.n_warnings != e.n_causes + e.n_warnings) abort();
    if (o.n_causes != 0 || o.n_warnings != 0) abort();
    wp_verdict_free(&e);
    wp_verdict_free(&w);
    wp_verdict_free(&o);
}

/* The raw bytes through every name check: a valid label is always a
 * valid subdomain. */
static void names(const char *s, size_t len)
{
    wp_name_problems p;
    const char *label = wp_name_dns1123_label(s, len, &p);
    if (!label && wp_name_dns1123_subdomain(s, len, NULL)) abort();
    wp_name_qualified(s, len, &p);
    wp_name_label_value(s, len, &p);
    wp_name_env_var(s, len, &p);
    wp_name_image_pinned(s, len);
    struct timespec t;
    wp_name_parse_rfc3339(s, len, &t);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    names((const char *)data, size);
    wp_jdoc *doc = wp_jdoc_parse((const char *)data, size, NULL);
    if (!doc) return 0;
    const wp_jval *root = wp_jdoc_root(doc);
    static const wp_kind kinds[] = {WP_KIND_SANDBOX_CLAIM, WP_KIND_SANDBOX_WARM_POOL, WP_KIND_SANDBOX_TEMPLATE};
    for (size_t k = 0; k < 3; k++) {
        run(root, kinds[k], WP_OP_CREATE);
        run(root, kinds[k], WP_OP_UPDATE);
    }
    wp_jdoc_free(doc);
    return 0;
}
