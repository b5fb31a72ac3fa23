/* Fuzz target: `warmpoolctl migrate` on one file's bytes, as a dry run and
 * for real: the scan, the source tree, edit planning (flow-style cuts,
 * quoting), the diff and the write. The input goes to a file in a private
 * temporary directory, since migrate works on paths.
 *
 * The invariant: migrate re-parses the text it would write and refuses a
 * file whose text does not read back as exactly the migrated objects. That
 * refusal exists for safety; reaching it means an edit landed in the wrong
 * place (a wrong offset: BOM, CR, multi-byte text...), so it aborts here. */
#include <dirent.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/migrate.h"

static char dir[] = "/tmp/wpcli-fuzz-XXXXXX";
static char path[4096];

static void clear_dir(void);

static void cleanup(void)
{
    clear_dir();
    rmdir(dir);
}

static const char misplaced[] = "would not read back as the migrated objects";

static void run(const char *file, bool dry_run, FILE *out)
{
    wp_cli_migrate_options o = {.default_namespace = "default", .max_file_size = 1 << 20, .dry_run = dry_run};
    wp_cli_migrate_result res;
    char *paths[] = {(char *)file};
    wp_cli_migrate_run(&o, paths, 1, out, &res);
    for (size_t i = 0; i < res.n_notes; i++) {
        if (!res.notes[i].path || !res.notes[i].message) abort(); /* every note names a file and says why */
        /* the refusal itself, not a left-alone note quoting input text that happens to say the same */
        if (res.notes[i].kind == WP_CLI_NOTE_IO && strncmp(res.notes[i].message, "not migrated (", 14) == 0
            && strstr(res.notes[i].message, misplaced))
            abort();
    }
    wp_cli_migrate_result_free(&res);
}

/* Removes what a real run wrote next to the input (shadow pools). */
static void clear_dir(void)
{
    DIR *d = opendir(dir);
    if (!d) abort();
    struct dirent *e;
    char p[4200];
    while ((e = readdir(d)))
        if (e->d_name[0] != '.') {
            snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
            unlink(p);
        }
    closedir(d);
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
    char *diff = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&diff, &len);
    run(path, true, out);
    fclose(out);
    free(diff);
    run(path, false, NULL);
    clear_dir();
    return 0;
}
