/* Writing a file so that readers see the old content or the new one, never
 * a mix: a temporary file in the same directory, fsync, then rename (or
 * link, for a file that must not exist yet). Used by warmpoolctl migrate
 * (rewritten manifests, new shadow pools) and by warmpool-webhook certs
 * (keys and certificates the webhook's reloader may be reading). */
#ifndef WP_FILE_WRITE_H
#define WP_FILE_WRITE_H

#include <stddef.h>
#include <sys/types.h>

typedef enum {
    /* path exists: replace its content, keep its permission bits; a symlink
     * is followed (its target is rewritten, the link stays). */
    WP_WRITE_REPLACE,
    /* path must not exist yet: create it with `mode` (fails if it does). */
    WP_WRITE_CREATE_NEW,
    /* create or replace path, which ends up with exactly `mode`. */
    WP_WRITE_WITH_MODE,
} wp_write_how;

/* Writes data[0..len) to path as `how` says. Returns 0, or -1 with a
 * message naming the path and the failed step in err. */
int wp_file_write_atomic(const char *path, const char *data, size_t len, wp_write_how how, mode_t mode,
                         char *err, size_t err_size);

#endif
