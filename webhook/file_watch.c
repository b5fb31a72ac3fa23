/* Polling change detection for small files. See file_watch.h. */
#include "webhook/file_watch.h"

#include "common/file_read.h"

#include <errno.h>
#include <fcntl.h>
#include <gnutls/crypto.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Hash even an unchanged-looking file every this many polls. */
#define FORCE_HASH_EVERY 8

int wp_watch_init(wp_watch *w, const char *const *paths, const char *const *flags, size_t n)
{
    memset(w, 0, sizeof *w);
    if (n > WP_WATCH_MAX_FILES) return -1;
    for (size_t i = 0; i < n; i++) {
        w->files[i].flag = flags ? flags[i] : NULL;
        w->files[i].path = strdup(paths[i]);
        if (!w->files[i].path) { wp_watch_free(w); return -1; }
        w->n++;
    }
    return 0;
}

void wp_watch_free(wp_watch *w)
{
    for (size_t i = 0; i < w->n; i++) {
        free(w->files[i].path);
        free(w->files[i].resolved);
    }
    memset(w, 0, sizeof *w);
}

void wp_watch_contents_free(wp_file_content *c, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(c[i].data);
        c[i].data = NULL;
        c[i].len = 0;
    }
}

static bool same_stat(const struct stat *a, const struct stat *b)
{
    return a->st_dev == b->st_dev && a->st_ino == b->st_ino && a->st_size == b->st_size &&
           a->st_mtim.tv_sec == b->st_mtim.tv_sec && a->st_mtim.tv_nsec == b->st_mtim.tv_nsec &&
           a->st_ctim.tv_sec == b->st_ctim.tv_sec && a->st_ctim.tv_nsec == b->st_ctim.tv_nsec;
}

/* "--tls-cert-file /etc/tls/tls.crt: " or "/etc/tls/tls.crt: ": what an
 * error about f starts with, so it names the flag the path came from. */
static void describe(const wp_watched_file *f, char *out, size_t size)
{
    if (f->flag) snprintf(out, size, "--%s %s", f->flag, f->path);
    else snprintf(out, size, "%s", f->path);
}

/* Resolves and reads one file (a regular file only, without blocking: see
 * file_read.h). On success fills the candidate resolved path, the stat of
 * the file read and its content. */
static int read_one(const wp_watched_file *f, char **resolved, struct stat *st,
                    wp_file_content *out, char *err, size_t err_size)
{
    char what[300], why[200];
    describe(f, what, sizeof what);
    *resolved = realpath(f->path, NULL);
    if (!*resolved) {
        snprintf(err, err_size, "%s: %s", what, strerror(errno));
        return -1;
    }
    out->data = wp_file_read_regular(*resolved, WP_WATCH_MAX_FILE_BYTES, &out->len, st, why, sizeof why);
    if (!out->data) {
        snprintf(err, err_size, "%s: %s", what, why);
        free(*resolved);
        *resolved = NULL;
        return -1;
    }
    return 0;
}

/* Reads the whole group into out; records resolved paths and stats and
 * returns whether any hash differs from the one last reported (and records
 * the new hashes). */
static int read_group(wp_watch *w, wp_file_content *out, bool *changed, char *err,
                      size_t err_size)
{
    char *resolved[WP_WATCH_MAX_FILES] = {0};
    struct stat st[WP_WATCH_MAX_FILES];
    unsigned char hash[WP_WATCH_MAX_FILES][32];
    memset(out, 0, w->n * sizeof *out);
    for (size_t i = 0; i < w->n; i++) {
        if (read_one(&w->files[i], &resolved[i], &st[i], &out[i], err, err_size) != 0 ||
            gnutls_hash_fast(GNUTLS_DIG_SHA256, out[i].data, out[i].len, hash[i]) != 0) {
            if (resolved[i]) snprintf(err, err_size, "%s: cannot hash", w->files[i].path);
            for (size_t j = 0; j <= i; j++) free(resolved[j]);
            wp_watch_contents_free(out, w->n);
            return -1;
        }
    }
    *changed = false;
    for (size_t i = 0; i < w->n; i++) {
        wp_watched_file *f = &w->files[i];
        if (!f->seen || memcmp(f->hash, hash[i], sizeof f->hash) != 0) *changed = true;
        free(f->resolved);
        f->resolved = resolved[i];
        f->st = st[i];
        memcpy(f->hash, hash[i], sizeof f->hash);
        f->seen = true;
    }
    return 0;
}

int wp_watch_read(wp_watch *w, wp_file_content *out, char *err, size_t err_size)
{
    bool changed;
    return read_group(w, out, &changed, err, err_size);
}

/* True when every file still resolves to the same path with the same stat. */
static bool looks_unchanged(const wp_watch *w)
{
    for (size_t i = 0; i < w->n; i++) {
        const wp_watched_file *f = &w->files[i];
        if (!f->seen || !f->resolved) return false;
        char *now = realpath(f->path, NULL);
        struct stat st;
        bool same = now && strcmp(now, f->resolved) == 0 && stat(now, &st) == 0 &&
                    same_stat(&st, &f->st);
        free(now);
        if (!same) return false;
    }
    return true;
}

int wp_watch_poll(wp_watch *w, wp_file_content *out, char *err, size_t err_size)
{
    w->polls++;
    if (w->polls % FORCE_HASH_EVERY != 0 && looks_unchanged(w)) return 0;
    bool changed;
    if (read_group(w, out, &changed, err, err_size) != 0) return -1;
    if (!changed) {
        wp_watch_contents_free(out, w->n);
        return 0;
    }
    return 1;
}
