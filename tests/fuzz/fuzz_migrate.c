/* Fuzz target: `warmpoolctl migrate --dry-run` on one file's bytes: the
 * scan, the source tree, edit planning (flow-style cuts, quoting) and the
 * diff. The input goes to a file in a private temporary directory, since
 * migrate works on paths; a dry run writes nothing. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/migrate.h"

static char dir[] = "/tmp/wpcli-fuzz-XXXXXX";
static char path[4096];

static void cleanup(void)
{
    unlink(path);
    rmdir(dir);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!path[0]) {
        if (!mkdtemp(dir)) abort();
        snprintf(path, sizeof path, "%s/in.yaml", dir);
        atexit(cleanup);
    }
    FILE *f = fopen(path, "wb");
    if (!f) abort();
    fwrite(data, 1, size, f);
    fclose(f);
    wp_cli_migrate_options o = {.default_namespace = "default", .max_file_size = 1 << 20, .dry_run = true};
    char *diff = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&diff, &len);
    wp_cli_migrate_result res;
    char *paths[] = {path};
    wp_cli_migrate_run(&o, paths, 1, out, &res);
    fclose(out);
    /* Every note names a place in the input or the file itself. */
    for (size_t i = 0; i < res.n_notes; i++)
        if (!res.notes[i].path || !res.notes[i].message) abort();
    wp_cli_migrate_result_free(&res);
    free(diff);
    return 0;
}
