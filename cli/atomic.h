/* Writing a file so that readers see the old content or the new one,
 * never a mix: a temporary file in the same directory, fsync, then
 * rename (or link, for a file that must not exist yet). */
#ifndef WP_CLI_ATOMIC_H
#define WP_CLI_ATOMIC_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* Replaces the content of path with data, keeping path's permission bits.
 * A symlink is followed: its target is rewritten, the link stays.
 * With create_new, path must not exist yet; it is created with mode.
 * Returns 0, or -1 with a message in err. */
int wp_cli_write_atomic(const char *path, const char *data, size_t len, bool create_new, mode_t mode, char *err,
                        size_t err_size);

#endif
