/* The durable history buffer. See history_spool.h. */
#include "controller/plugin/history_spool.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/file_write.h"
#include "common/log.h"
#include "common/strbuf.h"
#include "common/verdict.h"
#include "controller/plugin/plugin_ctx.h"

#define BATCH_RECORDS 1000
#define BATCH_BYTES (1u << 20)
#define FIRST_BACKOFF_MS 100
#define MAX_BACKOFF_MS 5000

typedef struct line {
    struct line *next;
    size_t len;
    char text[]; /* one JSON object, no newline */
} line;

struct wp_history_spool {
    wp_plugin_instance *store;
    int fd;               /* spool.jsonl, -1 for memory only */
    char *offset_path;
    pthread_mutex_t mu;
    pthread_cond_t cv;    /* records added, stopping, or a batch settled */
    line *head, *tail;
    size_t n, bytes;
    uint64_t offset;      /* bytes of spool.jsonl the store has */
    uint64_t seq;
    /* Group commit: appends write under mu, then one of them fdatasyncs for
     * all lines written so far while the others wait for it. */
    uint64_t written, synced;
    bool syncing;
    pthread_cond_t synced_cv;
    bool stopping;
    bool running;         /* the flusher was started */
    pthread_t flusher;
};

static void set_err(wp_plugin_error *err, wp_plugin_error_code code, int status, const char *fmt, const char *a)
{
    if (!err) return;
    err->code = code;
    err->status = status;
    snprintf(err->message, sizeof err->message, fmt, a);
}

static void push(wp_history_spool *s, const char *text, size_t len)
{
    line *l = wp_xalloc_check(malloc(sizeof *l + len + 1));
    l->next = NULL;
    l->len = len;
    memcpy(l->text, text, len);
    l->text[len] = '\0';
    if (s->tail) s->tail->next = l;
    else s->head = l;
    s->tail = l;
    s->n++;
    s->bytes += len;
}

static void pop(wp_history_spool *s)
{
    line *l = s->head;
    s->head = l->next;
    if (!s->head) s->tail = NULL;
    s->n--;
    s->bytes -= l->len;
    free(l);
}

/* ------------------------------------------------------------ the files */

static void save_offset(wp_history_spool *s)
{
    char text[32], why[256];
    int n = snprintf(text, sizeof text, "%" PRIu64 "\n", s->offset);
    if (wp_file_write_atomic(s->offset_path, text, (size_t)n, WP_WRITE_WITH_MODE, 0600, why, sizeof why) != 0)
        wp_log(WP_LOG_ERROR, "history spool: cannot record progress", "error", why, NULL);
}

/* Everything delivered: start the file over. mu held. */
static void reset_file(wp_history_spool *s)
{
    if (s->fd < 0) return;
    if (ftruncate(s->fd, 0) != 0) return;
    s->offset = 0;
    save_offset(s);
}

/* Loads spool.jsonl[offset..] into the queue; a torn last line (a crash
 * mid-write) is cut off. */
static int load_pending(wp_history_spool *s, wp_plugin_error *err)
{
    FILE *f = fopen(s->offset_path, "r");
    unsigned long long off = 0;
    if (f) {
        if (fscanf(f, "%llu", &off) != 1) off = 0;
        fclose(f);
    }
    struct stat st;
    if (fstat(s->fd, &st) != 0) {
        set_err(err, WP_PLUGIN_ERR_CONFIG, 0, "history spool: %s", strerror(errno));
        return -1;
    }
    size_t size = (size_t)st.st_size;
    if (off > size) off = 0; /* a stale offset: deliver everything again */
    char *buf = wp_xalloc_check(malloc(size - off + 1));
    ssize_t got = size > off ? pread(s->fd, buf, size - off, (off_t)off) : 0;
    size_t used = 0;
    for (size_t i = 0; got > 0 && i < (size_t)got; i++) {
        if (buf[i] != '\n') continue;
        if (i > used) push(s, buf + used, i - used);
        used = i + 1;
    }
    if (got > 0 && used < (size_t)got) {
        wp_log(WP_LOG_WARN, "history spool: dropped a torn last record (crash mid-write)", NULL);
        if (ftruncate(s->fd, (off_t)(off + used)) != 0) used = (size_t)got;
    }
    free(buf);
    s->offset = off;
    return 0;
}

static int open_files(wp_history_spool *s, const char *dir, wp_plugin_error *err)
{
    if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
        set_err(err, WP_PLUGIN_ERR_CONFIG, 0, "history spool %s: cannot create the directory", dir);
        return -1;
    }
    size_t n = strlen(dir) + 16;
    char *path = wp_xalloc_check(malloc(n));
    snprintf(path, n, "%s/spool.jsonl", dir);
    s->fd = open(path, O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    free(path);
    if (s->fd < 0) {
        set_err(err, WP_PLUGIN_ERR_CONFIG, 0, "history spool %s: cannot open spool.jsonl", dir);
        return -1;
    }
    s->offset_path = wp_xalloc_check(malloc(n));
    snprintf(s->offset_path, n, "%s/offset", dir);
    return load_pending(s, err);
}

/* ------------------------------------------------------------ the flusher */

/* The first records (up to the batch limits) as a JSON array; *k = count. */
static char *take_batch(wp_history_spool *s, size_t *k, size_t *bytes)
{
    wp_sb b = WP_SB_INIT;
    wp_sb_putc(&b, '[');
    *k = *bytes = 0;
    for (line *l = s->head; l && *k < BATCH_RECORDS && (*k == 0 || b.len + l->len < BATCH_BYTES); l = l->next) {
        if (*k) wp_sb_putc(&b, ',');
        wp_sb_putn(&b, l->text, l->len);
        (*k)++;
        *bytes += l->len + 1;
    }
    wp_sb_putc(&b, ']');
    return wp_sb_finish(&b);
}

static void wait_ms(wp_history_spool *s, int64_t ms)
{
    int64_t until = wp_plugin_now_ns() + ms * 1000000;
    struct timespec ts = wp_plugin_timespec(until);
    while (!s->stopping && wp_plugin_now_ns() < until)
        if (pthread_cond_timedwait(&s->cv, &s->mu, &ts) == ETIMEDOUT) break;
}

static void *flusher_main(void *arg)
{
    wp_history_spool *s = arg;
    int64_t backoff = 0;
    pthread_mutex_lock(&s->mu);
    for (;;) {
        while (!s->stopping && s->n == 0) pthread_cond_wait(&s->cv, &s->mu);
        if (s->stopping) break;
        size_t k, bytes;
        char *batch = take_batch(s, &k, &bytes);
        pthread_mutex_unlock(&s->mu);
        wp_plugin_call c = {.op = WP_PLUGIN_OP_APPEND, .input = batch, .input_len = strlen(batch)};
        int st = wp_plugin_instance_call(s->store, &c);
        free(batch);
        pthread_mutex_lock(&s->mu);
        if (st == WP_PLUGIN_OK || st == WP_PLUGIN_FAIL) {
            if (st == WP_PLUGIN_FAIL)
                wp_log(WP_LOG_ERROR, "history store refused a batch; dropped", "error", c.message, NULL);
            for (size_t i = 0; i < k; i++) pop(s);
            s->offset += bytes;
            if (s->n == 0) reset_file(s);
            else if (s->fd >= 0) save_offset(s);
            backoff = 0;
            pthread_cond_broadcast(&s->cv);
        } else {
            backoff = backoff ? (backoff * 2 > MAX_BACKOFF_MS ? MAX_BACKOFF_MS : backoff * 2) : FIRST_BACKOFF_MS;
            wait_ms(s, backoff);
        }
    }
    pthread_mutex_unlock(&s->mu);
    return NULL;
}

/* ------------------------------------------------------------ API */

wp_history_spool *wp_history_spool_open(const char *dir, wp_plugin_instance *store, wp_plugin_error *err)
{
    wp_history_spool *s = wp_xalloc_check(calloc(1, sizeof *s));
    s->store = store;
    s->fd = -1;
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_mutex_init(&s->mu, NULL);
    pthread_cond_init(&s->cv, &ca);
    pthread_cond_init(&s->synced_cv, NULL);
    pthread_condattr_destroy(&ca);
    if (dir && open_files(s, dir, err) != 0) {
        wp_history_spool_close(s);
        return NULL;
    }
    if (!dir)
        wp_log(WP_LOG_WARN, "history records are buffered in memory only (no spool directory): a crash loses what the store has not taken", NULL);
    s->running = pthread_create(&s->flusher, NULL, flusher_main, s) == 0;
    if (!s->running) {
        set_err(err, WP_PLUGIN_ERR_CONFIG, 0, "history spool: %s", "cannot start the flusher thread");
        wp_history_spool_close(s);
        return NULL;
    }
    return s;
}

/* The record as one line with an "id". Caller frees; NULL if not an object. */
static char *normalize(wp_history_spool *s, const char *record, size_t len)
{
    json_t *j = json_loadb(record, len, JSON_REJECT_DUPLICATES, NULL);
    if (!json_is_object(j)) {
        json_decref(j);
        return NULL;
    }
    if (!json_is_string(json_object_get(j, "id"))) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        char id[64];
        snprintf(id, sizeof id, "%llx-%x-%llu",
                 (unsigned long long)ts.tv_sec * 1000000000ull + (unsigned long long)ts.tv_nsec,
                 (unsigned)getpid(), (unsigned long long)__atomic_add_fetch(&s->seq, 1, __ATOMIC_RELAXED));
        json_object_set_new(j, "id", json_string(id));
    }
    char *text = json_dumps(j, JSON_COMPACT | JSON_ENSURE_ASCII);
    json_decref(j);
    return text;
}

/* write(2) all of text and a newline. 0 or -1. */
static int write_line(int fd, const char *text, size_t len)
{
    wp_sb b = WP_SB_INIT;
    wp_sb_putn(&b, text, len);
    wp_sb_putc(&b, '\n');
    size_t off = 0;
    while (off < b.len) {
        ssize_t n = write(fd, b.s + off, b.len - off);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        off += (size_t)n;
    }
    int rc = off == b.len ? 0 : -1;
    wp_sb_free(&b);
    return rc;
}

/* Returns once line number `mine` is on disk: becomes the syncer when
 * nobody is, else waits for the syncer's fdatasync to cover it. mu held. */
static int wait_synced(wp_history_spool *s, uint64_t mine)
{
    int rc = 0;
    while (s->synced < mine) {
        if (s->syncing) {
            pthread_cond_wait(&s->synced_cv, &s->mu);
            continue;
        }
        s->syncing = true;
        uint64_t target = s->written;
        pthread_mutex_unlock(&s->mu);
        rc = fdatasync(s->fd);
        pthread_mutex_lock(&s->mu);
        s->syncing = false;
        s->synced = target; /* on failure too: the caller hears RETRY */
        pthread_cond_broadcast(&s->synced_cv);
    }
    return rc;
}

int wp_history_spool_append(wp_history_spool *s, const char *record, size_t len, wp_plugin_error *err)
{
    char *text = normalize(s, record, len);
    if (!text) {
        set_err(err, WP_PLUGIN_ERR_CALL, WP_PLUGIN_FAIL, "history record %s", "must be a JSON object");
        return WP_PLUGIN_FAIL;
    }
    size_t n = strlen(text);
    int st = WP_PLUGIN_OK;
    pthread_mutex_lock(&s->mu);
    if (s->n >= WP_HISTORY_SPOOL_MAX_RECORDS || s->bytes + n > WP_HISTORY_SPOOL_MAX_BYTES) {
        set_err(err, WP_PLUGIN_ERR_CALL, WP_PLUGIN_RETRY, "history spool full (%s records waiting for the store)",
                s->n >= WP_HISTORY_SPOOL_MAX_RECORDS ? "200000" : "256 MiB of");
        st = WP_PLUGIN_RETRY;
    } else if (s->fd >= 0 && write_line(s->fd, text, n) != 0) {
        set_err(err, WP_PLUGIN_ERR_CALL, WP_PLUGIN_RETRY, "history spool: cannot write: %s", strerror(errno));
        st = WP_PLUGIN_RETRY;
    } else {
        push(s, text, n);
        pthread_cond_broadcast(&s->cv);
        if (s->fd >= 0 && wait_synced(s, ++s->written) != 0) {
            /* Written but maybe not on disk: the record stays queued (it
             * survives a process crash), the caller hears about the disk. */
            set_err(err, WP_PLUGIN_ERR_CALL, WP_PLUGIN_RETRY, "history spool: cannot sync: %s", strerror(errno));
            st = WP_PLUGIN_RETRY;
        }
    }
    pthread_mutex_unlock(&s->mu);
    free(text);
    if (st == WP_PLUGIN_OK && err) *err = (wp_plugin_error){0};
    return st;
}

size_t wp_history_spool_pending(wp_history_spool *s)
{
    pthread_mutex_lock(&s->mu);
    size_t n = s->n;
    pthread_mutex_unlock(&s->mu);
    return n;
}

bool wp_history_spool_drain(wp_history_spool *s, int64_t timeout_ms)
{
    int64_t until = wp_plugin_now_ns() + timeout_ms * 1000000;
    struct timespec ts = wp_plugin_timespec(until);
    pthread_mutex_lock(&s->mu);
    while (s->n > 0)
        if (pthread_cond_timedwait(&s->cv, &s->mu, &ts) == ETIMEDOUT) break;
    bool drained = s->n == 0;
    pthread_mutex_unlock(&s->mu);
    return drained;
}

void wp_history_spool_close(wp_history_spool *s)
{
    if (!s) return;
    pthread_mutex_lock(&s->mu);
    bool started = s->running;
    s->running = false;
    s->stopping = true;
    pthread_cond_broadcast(&s->cv);
    pthread_mutex_unlock(&s->mu);
    if (started) pthread_join(s->flusher, NULL);
    if (s->n && s->fd < 0)
        wp_log(WP_LOG_WARN, "history records lost at shutdown (memory-only buffer)", NULL);
    while (s->head) pop(s);
    if (s->fd >= 0) close(s->fd);
    pthread_mutex_destroy(&s->mu);
    pthread_cond_destroy(&s->cv);
    pthread_cond_destroy(&s->synced_cv);
    free(s->offset_path);
    free(s);
}
