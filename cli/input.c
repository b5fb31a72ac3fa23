/* Manifest discovery and reading. See input.h. */
#include "cli/input.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/arena.h"
#include "common/verdict.h"

/* Directories on the way from the command-line path down to the current
 * one, plus every directory already walked. */
typedef struct {
    dev_t dev;
    ino_t ino;
    const char *path; /* borrowed while on the stack */
} dir_id;

typedef struct {
    const wp_cli_input *in;
    dir_id *stack;
    size_t depth, cap_stack;
    dir_id *seen;
    size_t n_seen, cap_seen;
    char *buf; /* read buffer, reused between files */
    size_t cap_buf;
} walk;

bool wp_cli_is_manifest_name(const char *name)
{
    const char *dot = strrchr(name, '.');
    return dot && (strcmp(dot, ".yaml") == 0 || strcmp(dot, ".yml") == 0 || strcmp(dot, ".json") == 0);
}

static void report(walk *w, const char *path, const char *fmt, const char *detail)
{
    char msg[512];
    snprintf(msg, sizeof msg, fmt, detail);
    w->in->on_error(w->in->ctx, path, msg);
}

/* Reads fd to the end into w->buf. Returns the length, or -1 with a message
 * reported (too big or a read error). */
static long long read_all(walk *w, int fd, const char *path, size_t size_hint)
{
    size_t max = w->in->max_file_size;
    size_t len = 0;
    for (;;) {
        if (w->cap_buf < len + 2) { /* room for one more byte and the NUL */
            /* The size the file claims (one more byte shows the end), else
             * double: a pipe has no size. */
            size_t want = size_hint > 0 && size_hint >= len ? size_hint + 2 : (len < 32768 ? 65536 : 2 * len);
            if (want > max + 2) want = max + 2; /* enough to notice one byte too many */
            w->buf = wp_xalloc_check(realloc(w->buf, want));
            w->cap_buf = want;
        }
        ssize_t n = read(fd, w->buf + len, w->cap_buf - len - 1);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            report(w, path, "cannot read: %s", strerror(errno));
            return -1;
        }
        if (n == 0) break;
        len += (size_t)n;
        if (len > max) {
            char limit[64];
            snprintf(limit, sizeof limit, "%zu", max);
            report(w, path, "file is larger than the %s-byte limit (--max-file-size)", limit);
            return -1;
        }
    }
    w->buf[len] = '\0';
    return (long long)len;
}

static int read_and_deliver(walk *w, int fd, const char *path, const struct stat *st)
{
    if (S_ISREG(st->st_mode) && (size_t)st->st_size > w->in->max_file_size) {
        char detail[128];
        snprintf(detail, sizeof detail, "%lld bytes, larger than the %zu-byte limit", (long long)st->st_size,
                 w->in->max_file_size);
        report(w, path, "file is %s (--max-file-size)", detail);
        return 0;
    }
    long long len = read_all(w, fd, path, S_ISREG(st->st_mode) ? (size_t)st->st_size : 0);
    if (len < 0) return 0;
    return w->in->on_file(w->in->ctx, path, w->buf, (size_t)len);
}

static int walk_file(walk *w, const char *path)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
    if (fd < 0) {
        report(w, path, errno == ELOOP ? "cannot open: too many levels of symbolic links (a symlink loop?)"
                                       : "cannot open: %s", strerror(errno));
        return 0;
    }
    struct stat st;
    int rc = 0;
    if (fstat(fd, &st) != 0) report(w, path, "cannot stat: %s", strerror(errno));
    else if (S_ISDIR(st.st_mode)) report(w, path, "%s", "is a directory");
    else rc = read_and_deliver(w, fd, path, &st);
    close(fd);
    return rc;
}

static const dir_id *find_dir(const dir_id *list, size_t n, const struct stat *st)
{
    for (size_t i = 0; i < n; i++)
        if (list[i].dev == st->st_dev && list[i].ino == st->st_ino) return &list[i];
    return NULL;
}

static int compare_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sorted names of the entries of dir, skipping dot entries. NULL on error. */
static char **list_dir(walk *w, const char *path, size_t *n_out)
{
    DIR *d = opendir(path);
    if (!d) {
        report(w, path, "cannot open directory: %s", strerror(errno));
        return NULL;
    }
    char **names = NULL;
    size_t n = 0, cap = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.') continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 32;
            names = wp_xalloc_check(realloc(names, cap * sizeof *names));
        }
        names[n++] = wp_xalloc_check(strdup(e->d_name));
    }
    closedir(d);
    if (n > 1) qsort(names, n, sizeof *names, compare_names); /* names is NULL for an empty directory */
    *n_out = n;
    return names;
}

static int walk_path(walk *w, const char *path, bool explicit_arg);

static int walk_dir(walk *w, const char *path, const struct stat *st)
{
    const dir_id *loop = find_dir(w->stack, w->depth, st);
    if (loop) {
        report(w, path, "symlink loop: leads back to %s; not followed", loop->path);
        return 0;
    }
    if (find_dir(w->seen, w->n_seen, st)) return 0; /* reached again through a link: read once */
    if (w->n_seen == w->cap_seen) {
        w->cap_seen = w->cap_seen ? w->cap_seen * 2 : 16;
        w->seen = wp_xalloc_check(realloc(w->seen, w->cap_seen * sizeof *w->seen));
    }
    w->seen[w->n_seen++] = (dir_id){st->st_dev, st->st_ino, NULL};
    size_t n = 0;
    char **names = list_dir(w, path, &n);
    if (!names && n == 0) return 0;
    if (w->depth == w->cap_stack) {
        w->cap_stack = w->cap_stack ? w->cap_stack * 2 : 16;
        w->stack = wp_xalloc_check(realloc(w->stack, w->cap_stack * sizeof *w->stack));
    }
    w->stack[w->depth++] = (dir_id){st->st_dev, st->st_ino, path};
    int rc = 0;
    size_t plen = strlen(path);
    bool slash = plen > 0 && path[plen - 1] == '/';
    for (size_t i = 0; i < n; i++) {
        if (rc == 0) {
            char *child = wp_cli_format("%s%s%s", path, slash ? "" : "/", names[i]);
            rc = walk_path(w, child, false);
            free(child);
        }
        free(names[i]);
    }
    free(names);
    w->depth--;
    return rc;
}

static int walk_path(walk *w, const char *path, bool explicit_arg)
{
    struct stat st;
    if (stat(path, &st) != 0) {
        int e = errno;
        struct stat lst;
        if (e == ELOOP) report(w, path, "%s", "symlink loop: too many levels of symbolic links");
        else if (!explicit_arg && lstat(path, &lst) == 0 && S_ISLNK(lst.st_mode))
            report(w, path, "dangling symlink: %s", strerror(e));
        else report(w, path, "cannot access: %s", strerror(e));
        return 0;
    }
    if (S_ISDIR(st.st_mode)) return walk_dir(w, path, &st);
    if (!explicit_arg) {
        /* In a directory walk, only manifests; never block on a FIFO. */
        const char *base = strrchr(path, '/');
        if (!S_ISREG(st.st_mode) || !wp_cli_is_manifest_name(base ? base + 1 : path)) return 0;
    }
    return walk_file(w, path);
}

int wp_cli_input_walk(const wp_cli_input *in, const char *path)
{
    walk w = {.in = in};
    int rc;
    if (strcmp(path, "-") == 0) {
        struct stat st = {0};
        st.st_mode = S_IFIFO;
        rc = read_and_deliver(&w, STDIN_FILENO, WP_CLI_STDIN_NAME, &st);
    } else {
        rc = walk_path(&w, path, true);
    }
    free(w.stack);
    free(w.seen);
    free(w.buf);
    return rc;
}

typedef struct {
    char *data;
    size_t len;
    char *err;
    size_t err_size;
} one_file;

static int keep_file(void *ctx, const char *path, const char *data, size_t len)
{
    (void)path;
    one_file *o = ctx;
    o->data = wp_xalloc_check(malloc(len + 1));
    memcpy(o->data, data, len + 1);
    o->len = len;
    return 1;
}

static void keep_error(void *ctx, const char *path, const char *message)
{
    one_file *o = ctx;
    snprintf(o->err, o->err_size, "%s: %s", path, message);
}

char *wp_cli_read_file(const char *path, size_t max_bytes, size_t *len, char *err, size_t err_size)
{
    one_file o = {.err = err, .err_size = err_size};
    err[0] = '\0';
    wp_cli_input in = {.on_file = keep_file, .on_error = keep_error, .ctx = &o, .max_file_size = max_bytes};
    struct stat st;
    if (strcmp(path, "-") != 0 && stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
        snprintf(err, err_size, "%s: is a directory", path);
        return NULL;
    }
    wp_cli_input_walk(&in, path);
    if (!o.data && !err[0]) snprintf(err, err_size, "%s: cannot read", path);
    *len = o.len;
    return o.data;
}
