/* Reading a small file that someone else controls (a mounted Secret, a
 * ConfigMap, a flags file), without ever hanging on it.
 *
 * open() on a FIFO blocks until a writer appears, and read() on a device
 * such as /dev/zero never ends; either wedges whoever reads. So the file is
 * opened with O_NONBLOCK (symlinks followed, as Secret mounts need: their
 * files link through "..data"), checked with fstat to be a regular file,
 * and read up to a byte limit. */
#ifndef WP_FILE_READ_H
#define WP_FILE_READ_H

#include <stddef.h>
#include <sys/stat.h>

/* Reads the whole regular file at path, at most max bytes. Returns a new
 * malloc'd NUL-terminated buffer (caller frees) with its length in *len
 * and, when st is not NULL, the opened file's stat in *st. Returns NULL
 * with err filled ("not a regular file (a FIFO)", "file is 2097152 bytes,
 * larger than the 1048576-byte limit", or the system error) and errno set
 * (EINVAL for a non-regular file, EFBIG for a too large one). err does not
 * name the path: callers prefix it. */
char *wp_file_read_regular(const char *path, size_t max, size_t *len, struct stat *st, char *err,
                           size_t err_size);

/* "a FIFO", "a directory", "a character device", ... for st_mode. */
const char *wp_file_type_name(mode_t mode);

#endif
