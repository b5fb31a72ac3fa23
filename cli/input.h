/* Finding and reading manifest files: explicit files, `-` for standard
 * input, and directories walked recursively for *.yaml, *.yml and *.json
 * (sorted by name, so output is stable; entries whose name starts with '.'
 * are skipped, which keeps .git and .github out). Symlinks are followed; a
 * link that leads back into a directory being walked is reported as a loop
 * instead of being followed forever, and a directory reached twice is read
 * once. Every file is read whole, up to a size cap. */
#ifndef WP_CLI_INPUT_H
#define WP_CLI_INPUT_H

#include <stdbool.h>
#include <stddef.h>

#define WP_CLI_DEFAULT_MAX_FILE_SIZE ((size_t)32 << 20)
#define WP_CLI_STDIN_NAME "<stdin>"

typedef struct {
    /* A file's content (data is valid during the call only; data[len] is a
     * NUL byte). Return nonzero to stop the walk. */
    int (*on_file)(void *ctx, const char *path, const char *data, size_t len);
    /* A path that could not be read; message says why. */
    void (*on_error)(void *ctx, const char *path, const char *message);
    void *ctx;
    size_t max_file_size;
} wp_cli_input;

/* Walks one command-line path ("-" is standard input). Returns nonzero
 * when on_file asked to stop. */
int wp_cli_input_walk(const wp_cli_input *in, const char *path);

/* Reads a whole file, or standard input for "-", refusing more than
 * max_bytes. Returns a malloc'd, NUL-terminated buffer (caller frees) with
 * its length in *len, or NULL with a message in err. */
char *wp_cli_read_file(const char *path, size_t max_bytes, size_t *len, char *err, size_t err_size);

/* True when path names a file the directory walk would pick up. */
bool wp_cli_is_manifest_name(const char *name);

#endif
