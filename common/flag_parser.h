/* Table-driven long-option parsing: GNU-style flags on the command line and
 * the same names as keys of a YAML/JSON file (ARCHITECTURE.md: "every flag
 * also readable from a config file").
 *
 * A program describes its flags once (name, type, default, help, where the
 * value goes in its options struct); this module applies the defaults,
 * reads the file, parses argv (which wins over the file), validates ranges
 * and prints --help. Errors go to a caller-supplied buffer; nothing here
 * prints except wp_flags_print_help. */
#ifndef WP_FLAG_PARSER_H
#define WP_FLAG_PARSER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

typedef enum {
    WP_FLAG_STRING,   /* char * (owned by the options struct) */
    WP_FLAG_INT,      /* int */
    WP_FLAG_BOOL,     /* bool: --x, --x=true|false */
    WP_FLAG_DURATION, /* long long milliseconds: "10s", "250ms", "2m", "1h", "1.5s"; bare number = seconds */
    WP_FLAG_SIZE,     /* size_t bytes: "7340032", "7Mi", "512KiB", "1G" */
    WP_FLAG_LIST,     /* wp_flag_list: repeatable; each use appends */
} wp_flag_type;

typedef struct {
    char **items; /* owned */
    size_t n;
} wp_flag_list;

typedef struct {
    const char *name;     /* without dashes: "tls-cert-file" */
    wp_flag_type type;
    const char *def;      /* default in the flag's own syntax, NULL for none */
    const char *metavar;  /* "FILE", "HOST:PORT" (help only) */
    const char *help;
    size_t offset;        /* offsetof(options struct, field) */
    long long min, max;   /* INT, DURATION (ms), SIZE: inclusive range; both 0 = unchecked */
} wp_flag_spec;

typedef struct {
    const wp_flag_spec *specs;
    size_t n_specs;
    /* A flag naming a file of further flags ("flags-file"), or NULL. */
    const char *file_flag;
} wp_flag_set;

/* Sets every field to its default. Returns 0, or -1 if a default does not
 * parse (a programming error; err says which). */
int wp_flags_defaults(const wp_flag_set *set, void *opts, char *err, size_t err_size);

/* Parses argv[start..argc): --name=value, --name value, --bool-flag.
 * "--" ends the flags; the first argument not starting with "-" also does.
 * "-h" means --help when the set has a help flag. An unknown flag is an
 * error that suggests the closest known one ("did you mean --listen?").
 * When set->file_flag is given on the command line, that file is applied
 * first so the command line wins. *next (may be NULL) receives the index
 * of the first unparsed argument. Returns 0 or -1 with err filled. */
int wp_flags_parse(const wp_flag_set *set, void *opts, int argc, char **argv, int start,
                   int *next, char *err, size_t err_size);

/* Applies the keys of a YAML/JSON mapping file: key = flag name, value a
 * scalar (or a list for LIST flags). Unknown keys are errors. */
int wp_flags_apply_file(const wp_flag_set *set, void *opts, const char *path, char *err,
                        size_t err_size);

/* Releases strings and lists held in opts. */
void wp_flags_free(const wp_flag_set *set, void *opts);

/* Finds the flag name closest to word (a mistyped flag, with or without
 * dashes) and writes "--name" to out. Returns 0, or -1 when nothing is
 * close. */
int wp_flags_suggest(const wp_flag_set *set, const char *word, char *out, size_t size);

/* Writes one line per flag: name, metavar, help and default, then what
 * DURATION and SIZE values look like. */
void wp_flags_print_help(const wp_flag_set *set, FILE *out);

/* The value parsers, exposed for tests and for other inputs that use the
 * same syntax. Return 0 or -1. */
int wp_flag_parse_duration_ms(const char *s, long long *out);
int wp_flag_parse_size(const char *s, size_t *out);
int wp_flag_parse_bool(const char *s, bool *out);

#endif
