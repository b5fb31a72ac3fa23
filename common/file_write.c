/* Atomic file writes. See file_write.h. */
#include "common/file_write.h"

#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/verdict.h"

static int write_all(int fd, const char *data, size_t len)
{
    while (len > 0) {
        ssize_t n = write(fd, data, len);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return -1;
        data += n;
        len -= (size_t)n;
    }
    return 0;
}

/* "<dir>/.<base>.warmpoolctl-XXXXXX" for path. Returns malloc'd. */
static char *temp_template(const char *path)
{
    char *d = wp_xalloc_check(strdup(path)), *b = wp_xalloc_check(strdup(path));
    char *t = NULL;
    if (asprintf(&t, "%s/.%s.tmp-XXXXXX", dirname(d), basename(b)) < 0) t = NULL;
    wp_xalloc_check(t);
    free(d);
    free(b);
    return t;
}

int wp_file_write_atomic(const char *path, const char *data, size_t len, wp_write_how how, mode_t mode,
                         char *err, size_t err_size)
{
    bool create_new = how == WP_WRITE_CREATE_NEW;
    char resolved[PATH_MAX];
    const char *target = path;
    if (how == WP_WRITE_REPLACE) {
        struct stat st;
        if (!realpath(path, resolved) || stat(resolved, &st) != 0) {
            snprintf(err, err_size, "%s: %s", path, strerror(errno));
            return -1;
        }
        target = resolved;
        mode = st.st_mode & 07777;
    }
    char *tmp = temp_template(target);
    int fd = mkstemp(tmp);
    if (fd < 0) {
        snprintf(err, err_size, "%s: cannot create a temporary file: %s", path, strerror(errno));
        free(tmp);
        return -1;
    }
    int rc = -1;
    const char *step = "write";
    if (fchmod(fd, mode) != 0) step = "chmod";
    else if (write_all(fd, data, len) != 0) step = "write";
    else if (fsync(fd) != 0) step = "fsync";
    else rc = 0;
    if (close(fd) != 0 && rc == 0) rc = -1;
    if (rc == 0) {
        step = create_new ? "create" : "rename";
        rc = create_new ? link(tmp, target) : rename(tmp, target);
    }
    if (rc != 0) snprintf(err, err_size, "%s: cannot %s: %s", path, step, strerror(errno));
    if (rc != 0 || create_new) unlink(tmp);
    free(tmp);
    return rc;
}
