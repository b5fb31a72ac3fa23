/* JUnit XML output, the dialect CI systems (Jenkins, GitLab, GitHub test
 * reporters) read: one <testsuite> per file, one <testcase> per checked
 * object, plus a "(file)" test case for problems that belong to no object
 * (invalid YAML, unreadable files). Errors are <failure>s; warnings are
 * listed in <system-out>, or are failures with --warnings-as-errors. */
#include "cli/output.h"
#include "common/verdict.h"

#include <stdlib.h>
#include <string.h>

#include "cli/arena.h"

/* Length of the valid UTF-8 sequence at s (n bytes left), or 0. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
    size_t len = 0;
    if (s[0] < 0x80) len = 1;
    else if ((s[0] & 0xE0) == 0xC0) len = 2;
    else if ((s[0] & 0xF0) == 0xE0) len = 3;
    else if ((s[0] & 0xF8) == 0xF0) len = 4;
    if (len == 0 || len > n || (len == 2 && s[0] < 0xC2)) return 0;
    for (size_t i = 1; i < len; i++)
        if ((s[i] & 0xC0) != 0x80) return 0;
    return len;
}

/* Writes s escaped for XML text and attribute values. Characters XML 1.0
 * cannot hold (controls, invalid UTF-8) become '?'. */
static void xml_escaped(FILE *out, const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t n = strlen(s);
    while (n > 0) {
        size_t len = utf8_len(p, n);
        if (len == 0 || (p[0] < 0x20 && p[0] != '\t' && p[0] != '\n' && p[0] != '\r')) {
            fputc('?', out);
            len = len ? len : 1;
        } else if (p[0] == '&') fputs("&amp;", out);
        else if (p[0] == '<') fputs("&lt;", out);
        else if (p[0] == '>') fputs("&gt;", out);
        else if (p[0] == '"') fputs("&quot;", out);
        else if (p[0] == '\'') fputs("&apos;", out);
        else fwrite(p, 1, len, out);
        p += len;
        n -= len;
    }
}

static bool fails(const wp_cli_finding *f, bool warnings_as_errors)
{
    return f->severity == WP_CLI_ERROR || warnings_as_errors;
}

static void write_finding_line(FILE *out, const wp_cli_finding *f)
{
    char *text = wp_cli_finding_text(f);
    char where[64] = "";
    if (f->line) snprintf(where, sizeof where, "%zu:%zu: ", f->line, f->column);
    fprintf(out, "%s%s: ", where, f->severity == WP_CLI_ERROR ? "error" : "warning");
    xml_escaped(out, text);
    fprintf(out, " [%s]\n", wp_cli_finding_group(f));
    free(text);
}

/* One test case: the findings in [first, last) that belong to `object`. */
static void write_case(FILE *out, const wp_cli_report *r, size_t file, long object, size_t first, size_t last,
                       bool warnings_as_errors)
{
    size_t failing = 0, passing = 0;
    for (size_t i = first; i < last; i++) {
        if (r->findings[i].object != object) continue;
        if (fails(&r->findings[i], warnings_as_errors)) failing++;
        else passing++;
    }
    fputs("    <testcase classname=\"", out);
    xml_escaped(out, r->files[file].path);
    fputs("\" name=\"", out);
    if (object >= 0) {
        const wp_cli_object *o = &r->objects[object];
        char *name = wp_cli_format("%s %s%s%s", o->kind_name, o->namespace_ ? o->namespace_ : "",
                                   o->namespace_ ? "/" : "", o->name ? o->name : "(unnamed)");
        xml_escaped(out, name);
        free(name);
    } else {
        fputs("(file)", out);
    }
    fputs("\">\n", out);
    if (failing) {
        fprintf(out, "      <failure type=\"warmpoolctl\" message=\"%zu problem%s\">", failing,
                failing == 1 ? "" : "s");
        for (size_t i = first; i < last; i++)
            if (r->findings[i].object == object && fails(&r->findings[i], warnings_as_errors))
                write_finding_line(out, &r->findings[i]);
        fputs("</failure>\n", out);
    }
    if (passing) {
        fputs("      <system-out>", out);
        for (size_t i = first; i < last; i++)
            if (r->findings[i].object == object && !fails(&r->findings[i], warnings_as_errors))
                write_finding_line(out, &r->findings[i]);
        fputs("</system-out>\n", out);
    }
    fputs("    </testcase>\n", out);
}

typedef struct {
    size_t first_finding, last_finding; /* findings of the file (sorted by file) */
    size_t first_object, last_object;   /* objects of the file (recorded in file order) */
    bool file_level;                    /* a finding with no object */
    size_t tests, failures;
} file_span;

static file_span *file_spans(const wp_cli_report *r, bool warnings_as_errors)
{
    file_span *spans = wp_xalloc_check(calloc(r->n_files + 1, sizeof *spans));
    if (!spans) return NULL;
    for (size_t f = 0, i = 0, o = 0; f < r->n_files; f++) {
        file_span *s = &spans[f];
        s->first_finding = i;
        while (i < r->n_findings && r->findings[i].file == f) {
            if (r->findings[i].object < 0) s->file_level = true;
            i++;
        }
        s->last_finding = i;
        s->first_object = o;
        while (o < r->n_objects && r->objects[o].file == f) o++;
        s->last_object = o;
        s->tests = (s->last_object - s->first_object) + (s->file_level ? 1 : 0);
        for (size_t k = s->first_object; k < s->last_object; k++)
            if (r->objects[k].n_errors || (warnings_as_errors && r->objects[k].n_warnings)) s->failures++;
        for (size_t k = s->first_finding; k < s->last_finding && s->file_level; k++)
            if (r->findings[k].object < 0 && fails(&r->findings[k], warnings_as_errors)) { s->failures++; break; }
    }
    return spans;
}

int wp_cli_output_junit(FILE *out, const wp_cli_report *r, bool warnings_as_errors)
{
    file_span *spans = file_spans(r, warnings_as_errors);
    if (!spans) return -1;
    size_t tests = 0, failures = 0;
    for (size_t f = 0; f < r->n_files; f++) {
        tests += spans[f].tests;
        failures += spans[f].failures;
    }
    fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n", out);
    fprintf(out, "<testsuites name=\"warmpoolctl validate\" tests=\"%zu\" failures=\"%zu\" errors=\"0\">\n", tests,
            failures);
    for (size_t f = 0; f < r->n_files; f++) {
        const file_span *s = &spans[f];
        if (s->tests == 0) continue;
        fputs("  <testsuite name=\"", out);
        xml_escaped(out, r->files[f].path);
        fprintf(out, "\" tests=\"%zu\" failures=\"%zu\" errors=\"0\" skipped=\"0\">\n", s->tests, s->failures);
        if (s->file_level) write_case(out, r, f, -1, s->first_finding, s->last_finding, warnings_as_errors);
        for (size_t o = s->first_object; o < s->last_object; o++)
            write_case(out, r, f, (long)o, s->first_finding, s->last_finding, warnings_as_errors);
        fputs("  </testsuite>\n", out);
    }
    fputs("</testsuites>\n", out);
    free(spans);
    return 0;
}
