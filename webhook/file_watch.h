/* Noticing that a group of files changed, by polling.
 *
 * inotify misses the way Kubernetes updates a mounted Secret or ConfigMap:
 * the files are symlinks through `..data`, which is atomically re-pointed to
 * a new timestamped directory. So each poll resolves every path again,
 * compares (device, inode, size, mtime) of the resolved file, and when
 * anything moved reads the files and compares a SHA-256 of their content.
 * Every few polls the content is hashed even when stat looks the same, in
 * case a file was rewritten within one mtime tick.
 *
 * A group (certificate + key) is read together, so a consumer gets both
 * contents from the same moment. A content is reported once: if the
 * consumer rejects it (a broken pair), the next poll stays quiet until the
 * content changes again. Not thread-safe: one poller owns a watch. */
#ifndef WP_FILE_WATCH_H
#define WP_FILE_WATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>

#define WP_WATCH_MAX_FILES 4
/* Watched files are certificates, keys and small configs. */
#define WP_WATCH_MAX_FILE_BYTES (1 << 20)

typedef struct {
    const char *flag;             /* the flag the path came from ("tls-cert-file"), static, may be NULL */
    char *path;                   /* as configured, owned */
    char *resolved;               /* realpath at the last poll, owned, may be NULL */
    struct stat st;               /* of resolved */
    unsigned char hash[32];       /* SHA-256 of the content last reported */
    bool seen;                    /* stat and hash are valid */
} wp_watched_file;

typedef struct {
    wp_watched_file files[WP_WATCH_MAX_FILES];
    size_t n;
    unsigned polls;
} wp_watch;

/* The content of one file, read during a poll. */
typedef struct {
    char *data;                   /* malloc'd, NUL-terminated; see wp_watch_contents_free */
    size_t len;
} wp_file_content;

/* Starts watching paths (copied). flags (NULL, or one static string per
 * path) name the flag each path came from, for error messages. Returns 0
 * or -1 when out of memory or too many paths. Only regular files are read
 * (symlinks followed); a FIFO, device or directory is an error, never a
 * hang. */
int wp_watch_init(wp_watch *w, const char *const *paths, const char *const *flags, size_t n);
void wp_watch_free(wp_watch *w);

/* Reads the files now and records them as seen, for a consumer that loads
 * them at startup. Returns 0 with out[0..n) filled, or -1 with err filled
 * (naming the file). */
int wp_watch_read(wp_watch *w, wp_file_content *out, char *err, size_t err_size);

/* Checks for changes. Returns 1 when some content differs from the last
 * reported one (out[0..n) then holds every file of the group), 0 when
 * nothing changed, -1 when a file cannot be read (err filled; retried on
 * the next poll). */
int wp_watch_poll(wp_watch *w, wp_file_content *out, char *err, size_t err_size);

/* Frees the data of n contents. */
void wp_watch_contents_free(wp_file_content *c, size_t n);

#endif
