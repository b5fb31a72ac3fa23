/* Bounded, non-blocking reads of regular files. See file_read.h. */
#include "common/file_read.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

const char *wp_file_type_name(mode_t mode)
{
    if (S_ISREG(mode)) return "a regular file";
    if (S_ISDIR(mode)) return "a directory";
    if (S_ISFIFO(mode)) return "a FIFO";
    if (S_ISCHR(mode)) return "a character device";
    if (S_ISBLK(mode)) return "a block device";
    if (S_ISSOCK(mode)) return "a socket";
    return "not a regular file";
}

/* Reads fd to its end into a new buffer, failing past max bytes (a
 * regular file may grow after fstat, or lie about its size as /proc
 * files do). */
static char *read_bounded(int fd, size_t size_hint, size_t max, size_t *len, char *err, size_t err_size)
{
    size_t cap = (size_hint < max ? size_hint : max) + 1, n = 0;
    char *buf = malloc(cap + 1);
    if (!buf) {
        snprintf(err, err_size, "out of memory");
        errno = ENOMEM;
        return NULL;
    }
    for (;;) {
        if (n == cap) {
            if (cap > max) break; /* read max + 1 bytes: too large */
            size_t bigger = cap * 2 > max + 1 ? max + 1 : cap * 2;
            char *p = realloc(buf, bigger + 1);
            if (!p) { free(buf); snprintf(err, err_size, "out of memory"); errno = ENOMEM; return NULL; }
            buf = p;
            cap = bigger;
        }
        ssize_t r = read(fd, buf + n, cap - n);
        if (r < 0 && errno == EINTR) continue;
        if (r < 0) {
            int e = errno;
            snprintf(err, err_size, "cannot read: %s", strerror(e));
            free(buf);
            errno = e;
            return NULL;
        }
        if (r == 0) break;
        n += (size_t)r;
    }
    if (n > max) {
        snprintf(err, err_size, "file is larger than the %zu-byte limit", max);
        free(buf);
        errno = EFBIG;
        return NULL;
    }
    buf[n] = '\0';
    *len = n;
    return buf;
}

char *wp_file_read_regular(const char *path, size_t max, size_t *len, struct stat *st, char *err,
                           size_t err_size)
{
    /* O_NONBLOCK: open() on a FIFO returns at once instead of waiting for
     * a writer; on a regular file the flag changes nothing. */
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
    if (fd < 0) {
        int e = errno;
        snprintf(err, err_size, "%s", strerror(e));
        errno = e;
        return NULL;
    }
    struct stat own;
    if (!st) st = &own;
    char *buf = NULL;
    int e;
    if (fstat(fd, st) != 0) {
        e = errno;
        snprintf(err, err_size, "cannot stat: %s", strerror(e));
    } else if (!S_ISREG(st->st_mode)) {
        e = EINVAL;
        snprintf(err, err_size, "not a regular file (%s)", wp_file_type_name(st->st_mode));
    } else if ((unsigned long long)st->st_size > max) {
        e = EFBIG;
        snprintf(err, err_size, "file is %lld bytes, larger than the %zu-byte limit", (long long)st->st_size,
                 max);
    } else {
        buf = read_bounded(fd, (size_t)st->st_size, max, len, err, err_size);
        e = errno;
    }
    close(fd);
    errno = e;
    return buf;
}
