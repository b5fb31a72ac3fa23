/* Plugin instances: workers, deadlines, containment, backoff. See
 * plugin_instance.h. */
#include "controller/plugin/plugin_instance.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/log.h"
#include "common/verdict.h"
#include "controller/plugin/plugin_ctx.h"

/* Bytes after each plugin-writable buffer that must come back untouched. */
#define GUARD_LEN 64
#define GUARD_BYTE 0xA5
/* How long a caller (for its result) and an idle worker (for the next job)
 * spin before sleeping: a futex wake-up costs tens of microseconds, a
 * plugin call that answers from memory far less. Adaptive, like glibc's
 * adaptive mutexes (see adapt): slow plugins and sparse calls end up
 * sleeping at once instead of burning shared CPU. */
#define SPIN_MAX_NS 20000
#define SPIN_MIN_NS 500
#define MAX_QUEUED 4096

enum { JOB_QUEUED, JOB_RUNNING, JOB_DONE, JOB_ABANDONED };
enum { RESULT_BACKOFF = 5 };

struct wp_plugin_job {
    wp_plugin_op op;
    int64_t deadline_ns;
    atomic_int state;
    char *input; /* owned, NUL-terminated copy */
    size_t input_len;
    char *strs;  /* owned: the hook event's strings, back to back */
    wp_plugin_hook_event ev;
    int status;  /* final, contained */
    bool contained; /* the plugin misbehaved (bad status, overrun, bad digest) */
    char message[WP_PLUGIN_MSG_LEN + 96];
    char msg[WP_PLUGIN_MSG_LEN + GUARD_LEN];
    char digest[WP_PLUGIN_DIGEST_MAX + GUARD_LEN];
    struct wp_plugin_out out;
    wp_plugin_job *next;
};

const char *wp_plugin_op_name(wp_plugin_op op)
{
    static const char *const names[] = {"create", "destroy", "event", "resolve", "append", "query", "health"};
    return op < WP_PLUGIN_OP__COUNT ? names[op] : "unknown";
}

static inline void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#endif
}

int wp_plugin_metrics_register(wp_plugin_metrics *pm, wp_metrics *m)
{
    static const double buckets[] = {1e-5, 1e-4, 1e-3, 0.01, 0.1, 0.5, 1, 5, 30};
    pm->calls = wp_metrics_counter(m, "warmpool_plugin_calls_total",
                                   "Plugin calls by instance, kind, operation and result.",
                                   (const char *[]){"plugin", "kind", "operation", "result", NULL});
    pm->duration = wp_metrics_histogram(m, "warmpool_plugin_call_duration_seconds",
                                        "Plugin call latency as the caller saw it (queueing included).",
                                        (const char *[]){"plugin", "kind", NULL}, buckets,
                                        sizeof buckets / sizeof *buckets);
    pm->custom_counter = wp_metrics_counter(m, "warmpool_plugin_custom_total",
                                            "Counters plugins report through the host.",
                                            (const char *[]){"plugin", "name", NULL});
    pm->custom_gauge = wp_metrics_gauge(m, "warmpool_plugin_custom", "Gauges plugins report through the host.",
                                        (const char *[]){"plugin", "name", NULL});
    pm->memory = wp_metrics_gauge(m, "warmpool_plugin_memory_bytes",
                                  "Bytes plugins hold from the host's allocator.",
                                  (const char *[]){"plugin", NULL});
    return pm->calls && pm->duration && pm->custom_counter && pm->custom_gauge && pm->memory ? 0 : -1;
}

static void lookup_metrics(wp_plugin_instance *inst)
{
    static const char *const results[] = {"ok", "retry", "fail", "invalid_config", "timeout", "backoff"};
    if (!inst->pm) return;
    const char *kind = wp_plugin_kind_name(inst->lib->desc.kind);
    for (int op = 0; op < WP_PLUGIN_OP__COUNT; op++)
        for (int r = 0; r < 6; r++)
            inst->calls[op][r] = wp_metric_with(
                inst->pm->calls, (const char *[]){inst->name, kind, wp_plugin_op_name(op), results[r]});
    inst->duration = wp_metric_with(inst->pm->duration, (const char *[]){inst->name, kind});
    inst->memory = wp_metric_with(inst->pm->memory, (const char *[]){inst->name});
}

/* ------------------------------------------------------------ jobs */

static char *copy_bytes(const char *s, size_t n)
{
    char *p = wp_xalloc_check(malloc(n + 1));
    if (n) memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

static wp_plugin_job *job_new(const wp_plugin_call *c, int64_t deadline_ns)
{
    wp_plugin_job *j = wp_xalloc_check(malloc(sizeof *j));
    j->op = c->op;
    j->deadline_ns = deadline_ns;
    atomic_init(&j->state, JOB_QUEUED);
    j->input = copy_bytes(c->input ? c->input : "", c->input ? c->input_len : 0);
    j->input_len = c->input ? c->input_len : 0;
    j->strs = NULL;
    j->status = WP_PLUGIN_FAIL;
    j->contained = false;
    j->message[0] = '\0';
    j->out = (struct wp_plugin_out){.sb = WP_SB_INIT, .limit = WP_PLUGIN_OUT_MAX};
    j->next = NULL;
    if (c->op == WP_PLUGIN_OP_HOOK) {
        const char *src[5] = {c->event, c->namespace_, c->sandbox, c->pod_ip, c->claim};
        size_t len[5], total = 0;
        for (int i = 0; i < 5; i++) total += (len[i] = src[i] ? strlen(src[i]) : 0) + 1;
        char *p = j->strs = wp_xalloc_check(malloc(total));
        const char *dst[5];
        for (int i = 0; i < 5; i++) {
            memcpy(p, src[i] ? src[i] : "", len[i] + 1);
            dst[i] = p;
            p += len[i] + 1;
        }
        j->ev = (wp_plugin_hook_event){.struct_size = sizeof(wp_plugin_hook_event),
                                       .event = dst[0], .namespace_ = dst[1], .sandbox = dst[2],
                                       .pod_ip = dst[3], .claim = dst[4],
                                       .json = {j->input, j->input_len},
                                       .attempt = c->attempt ? c->attempt : 1};
    }
    return j;
}

static void job_free(wp_plugin_job *j)
{
    if (!j) return;
    free(j->input);
    free(j->strs);
    wp_sb_free(&j->out.sb);
    free(j);
}

/* ------------------------------------------------------------ running a job (worker side) */

static bool guard_intact(const char *g)
{
    for (int i = 0; i < GUARD_LEN; i++)
        if ((unsigned char)g[i] != GUARD_BYTE) return false;
    return true;
}

bool wp_plugin_digest_valid(const char *s)
{
    if (strncmp(s, "sha256:", 7) != 0) return false;
    for (int i = 7; i < 71; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f'))) return false;
    return s[71] == '\0';
}

/* Printable, bounded rendering of what a plugin wrote, for messages. */
static void printable(char *dst, size_t size, const char *src, size_t max)
{
    size_t o = 0;
    for (size_t i = 0; i < max && src[i] && o + 5 < size; i++) {
        unsigned char ch = (unsigned char)src[i];
        if (ch >= 0x20 && ch < 0x7f) dst[o++] = (char)ch;
        else o += (size_t)snprintf(dst + o, size - o, "\\x%02x", ch);
    }
    dst[o] = '\0';
}

/* Calls into the plugin. */
static int invoke(wp_plugin_instance *inst, wp_plugin_job *j, wp_plugin_msg msg)
{
    const wp_plugin_descriptor *d = &inst->lib->desc;
    wp_plugin_msg digest = {j->digest, WP_PLUGIN_DIGEST_MAX};
    wp_plugin_bytes in = {j->input, j->input_len};
    switch (j->op) {
    case WP_PLUGIN_OP_CREATE:
        return d->create(&wp_plugin_services_table, inst, inst->cfg, &inst->self, msg);
    case WP_PLUGIN_OP_DESTROY: d->destroy(inst->self); return WP_PLUGIN_OK;
    case WP_PLUGIN_OP_HOOK: return d->hook->on_event(inst->self, &j->ev, msg);
    case WP_PLUGIN_OP_RESOLVE: return d->resolver->resolve(inst->self, in, digest, msg);
    case WP_PLUGIN_OP_APPEND: return d->history->append(inst->self, in, msg);
    case WP_PLUGIN_OP_QUERY: return d->history->query(inst->self, in, &j->out, msg);
    case WP_PLUGIN_OP_HEALTH: return d->health ? d->health(inst->self, msg) : WP_PLUGIN_OK;
    default: return WP_PLUGIN_FAIL;
    }
}

/* Turns what the plugin did into a status inside the enum and a
 * log-ready message. */
static void contain(wp_plugin_instance *inst, wp_plugin_job *j, int raw)
{
    char shown[400];
    j->status = raw;
    if (!guard_intact(j->msg + WP_PLUGIN_MSG_LEN)) {
        j->status = WP_PLUGIN_FAIL;
        j->contained = true;
        snprintf(j->message, sizeof j->message,
                 "plugin %s: wrote past the end of its %d-byte message buffer; result discarded",
                 inst->name, WP_PLUGIN_MSG_LEN);
        return;
    }
    j->msg[WP_PLUGIN_MSG_LEN - 1] = '\0';
    if (raw < WP_PLUGIN_OK || raw > WP_PLUGIN_TIMEOUT ||
        (raw == WP_PLUGIN_INVALID_CONFIG && j->op != WP_PLUGIN_OP_CREATE)) {
        j->status = WP_PLUGIN_FAIL;
        j->contained = true;
        snprintf(j->message, sizeof j->message,
                 "plugin %s: %s returned status %d, outside the ABI (%s); treated as FAIL", inst->name,
                 wp_plugin_op_name(j->op), raw,
                 j->op == WP_PLUGIN_OP_CREATE ? "0-4" : "0-2 or 4");
        return;
    }
    if (raw == WP_PLUGIN_OK && j->op == WP_PLUGIN_OP_RESOLVE) {
        j->contained = true; /* until the digest passes */
        if (!guard_intact(j->digest + WP_PLUGIN_DIGEST_MAX)) {
            j->status = WP_PLUGIN_FAIL;
            snprintf(j->message, sizeof j->message,
                     "plugin %s: wrote past the end of its %d-byte digest buffer; result discarded",
                     inst->name, WP_PLUGIN_DIGEST_MAX);
        } else if (j->digest[WP_PLUGIN_DIGEST_MAX - 1] = '\0', !wp_plugin_digest_valid(j->digest)) {
            j->status = WP_PLUGIN_FAIL;
            printable(shown, sizeof shown, j->digest, 80);
            snprintf(j->message, sizeof j->message,
                     "plugin %s: returned a malformed digest \"%s\" for %s (want \"sha256:\" and 64 "
                     "lowercase hex digits)",
                     inst->name, shown, j->input);
        } else {
            j->contained = false;
        }
        return;
    }
    if (raw != WP_PLUGIN_OK) {
        printable(shown, sizeof shown, j->msg, sizeof shown);
        snprintf(j->message, sizeof j->message, "plugin %s: %s: %s", inst->name,
                 wp_plugin_status_name(raw), shown[0] ? shown : "(no message)");
    }
}

/* Isolation mode: the call goes to the child, which contains it itself
 * and answers with a final status and message. */
static void run_remote(wp_plugin_instance *inst, wp_plugin_job *j)
{
    /* The child gets a tenth less, so its TIMEOUT answer arrives before the
     * caller here gives up. */
    int64_t left_ms = (j->deadline_ns - wp_plugin_now_ns()) / 1000000;
    left_ms -= left_ms / 10;
    json_t *req = json_pack("{sssssssssssssIsIss#}", "op", wp_plugin_op_name(j->op), "event",
                            j->strs ? j->ev.event : "", "namespace", j->strs ? j->ev.namespace_ : "",
                            "sandbox", j->strs ? j->ev.sandbox : "", "pod_ip", j->strs ? j->ev.pod_ip : "",
                            "claim", j->strs ? j->ev.claim : "", "attempt", (json_int_t)(j->strs ? j->ev.attempt : 1),
                            "deadline_ms", (json_int_t)(left_ms > 0 ? left_ms : 1), "input", j->input, j->input_len);
    char why[400];
    json_t *resp = wp_plugin_child_call(inst->child, req, j->deadline_ns, why, sizeof why);
    json_decref(req);
    if (!resp) {
        j->status = WP_PLUGIN_FAIL;
        j->contained = true;
        snprintf(j->message, sizeof j->message, "plugin %s: %s: %s", inst->name, wp_plugin_op_name(j->op), why);
        return;
    }
    j->status = (int)json_integer_value(json_object_get(resp, "status"));
    j->contained = json_is_true(json_object_get(resp, "contained"));
    snprintf(j->message, sizeof j->message, "%s", json_string_value(json_object_get(resp, "message")) ?: "");
    snprintf(j->digest, WP_PLUGIN_DIGEST_MAX, "%s", json_string_value(json_object_get(resp, "digest")) ?: "");
    json_t *out = json_object_get(resp, "out");
    if (json_is_string(out)) wp_sb_putn(&j->out.sb, json_string_value(out), json_string_length(out));
    /* A call the child abandoned leaves a hung thread there: restart it. */
    if (json_is_true(json_object_get(resp, "stuck"))) wp_plugin_child_restart(inst->child);
    json_decref(resp);
}

static void run_job(wp_plugin_instance *inst, wp_plugin_job *j)
{
    if (wp_plugin_now_ns() >= j->deadline_ns) {
        j->status = WP_PLUGIN_TIMEOUT;
        snprintf(j->message, sizeof j->message,
                 "plugin %s: the deadline passed while the call waited in the queue", inst->name);
        return;
    }
    if (inst->child) {
        run_remote(inst, j);
        return;
    }
    memset(j->msg + WP_PLUGIN_MSG_LEN, GUARD_BYTE, GUARD_LEN);
    memset(j->digest + WP_PLUGIN_DIGEST_MAX, GUARD_BYTE, GUARD_LEN);
    j->msg[0] = j->digest[0] = '\0';
    wp_plugin_services_enter(inst, j->deadline_ns);
    int raw = invoke(inst, j, (wp_plugin_msg){j->msg, WP_PLUGIN_MSG_LEN});
    wp_plugin_services_enter(NULL, 0);
    contain(inst, j, raw);
}

/* Spins up to *budget ns until *queued is nonzero or *state is JOB_DONE
 * (whichever is given); true when that happened. */
static bool spin(_Atomic int64_t *budget, atomic_size_t *queued, atomic_int *state)
{
    int64_t until = wp_plugin_now_ns() + atomic_load_explicit(budget, memory_order_relaxed);
    for (unsigned i = 0;; i++) {
        if (queued ? atomic_load(queued) != 0 : atomic_load(state) == JOB_DONE) return true;
        if ((i & 15) == 0 && wp_plugin_now_ns() >= until) return false;
        cpu_relax();
    }
}

/* Moves a spin budget toward what would have caught the event just
 * waited for (twice the wait), or toward the minimum when the wait was
 * longer than spinning is worth. Learns from waits that ended asleep too,
 * so a budget that collapsed under load grows back when the load goes. */
static void adapt(_Atomic int64_t *budget, int64_t waited_ns)
{
    int64_t want = waited_ns * 2 > SPIN_MAX_NS ? SPIN_MIN_NS : waited_ns * 2;
    int64_t b = atomic_load_explicit(budget, memory_order_relaxed);
    b += (want - b) / 4;
    atomic_store_explicit(budget, b < SPIN_MIN_NS ? SPIN_MIN_NS : b > SPIN_MAX_NS ? SPIN_MAX_NS : b,
                          memory_order_relaxed);
}

/* Takes the first job off the queue, spinning briefly then sleeping when
 * there is none. NULL when stopping. Called with inst->mu held. */
static wp_plugin_job *next_job(wp_plugin_instance *inst)
{
    int64_t idle_since = inst->head ? 0 : wp_plugin_now_ns();
    while (!inst->head) {
        if (inst->stopping) return NULL;
        pthread_mutex_unlock(&inst->mu);
        spin(&inst->worker_spin_ns, &inst->queued, NULL);
        pthread_mutex_lock(&inst->mu);
        if (inst->head || inst->stopping) continue;
        inst->sleeping++;
        pthread_cond_wait(&inst->work_cv, &inst->mu);
        inst->sleeping--;
    }
    if (idle_since) adapt(&inst->worker_spin_ns, wp_plugin_now_ns() - idle_since);
    wp_plugin_job *j = inst->head;
    inst->head = j->next;
    if (!inst->head) inst->tail = NULL;
    atomic_fetch_sub(&inst->queued, 1);
    atomic_store(&j->state, JOB_RUNNING);
    return j;
}

static void instance_free(wp_plugin_instance *inst, bool unload);

/* The last worker of an orphaned instance (torn down while a call was
 * stuck) frees it once that call has returned. */
static void worker_exit(wp_plugin_instance *inst)
{
    bool last_orphan = --inst->live_threads == 0 && inst->orphaned;
    pthread_mutex_unlock(&inst->mu);
    if (last_orphan) {
        pthread_mutex_destroy(&inst->mu);
        pthread_cond_destroy(&inst->work_cv);
        pthread_cond_destroy(&inst->done_cv);
        instance_free(inst, true);
    }
}

static void *worker_main(void *arg)
{
    wp_plugin_instance *inst = arg;
    pthread_mutex_lock(&inst->mu);
    wp_plugin_job *j;
    while ((j = next_job(inst))) {
        pthread_mutex_unlock(&inst->mu);
        run_job(inst, j);
        int expected = JOB_RUNNING;
        if (!atomic_compare_exchange_strong(&j->state, &expected, JOB_DONE)) {
            /* The caller gave up on this call: lift the quarantine. */
            wp_log(WP_LOG_WARN, "plugin call returned after its caller gave up", "plugin", inst->name,
                   "operation", wp_plugin_op_name(j->op), "status", wp_plugin_status_name(j->status),
                   NULL);
            job_free(j);
            atomic_fetch_sub(&inst->overdue, 1);
        }
        pthread_mutex_lock(&inst->mu);
        if (atomic_load(&inst->waiting) > 0) pthread_cond_broadcast(&inst->done_cv);
    }
    worker_exit(inst);
    return NULL;
}

/* ------------------------------------------------------------ calling (caller side) */

static void enqueue(wp_plugin_instance *inst, wp_plugin_job *j)
{
    pthread_mutex_lock(&inst->mu);
    if (inst->tail) inst->tail->next = j;
    else inst->head = j;
    inst->tail = j;
    atomic_fetch_add(&inst->queued, 1);
    if (inst->sleeping) pthread_cond_signal(&inst->work_cv);
    pthread_mutex_unlock(&inst->mu);
}

/* Waits until j is done or the deadline passes; true when done. */
static bool wait_done(wp_plugin_instance *inst, wp_plugin_job *j, int64_t deadline_ns)
{
    int64_t start = wp_plugin_now_ns();
    if (spin(&inst->caller_spin_ns, NULL, &j->state)) {
        adapt(&inst->caller_spin_ns, wp_plugin_now_ns() - start);
        return true;
    }
    atomic_fetch_add(&inst->waiting, 1);
    pthread_mutex_lock(&inst->mu);
    struct timespec ts = wp_plugin_timespec(deadline_ns);
    while (atomic_load(&j->state) != JOB_DONE)
        if (pthread_cond_timedwait(&inst->done_cv, &inst->mu, &ts) == ETIMEDOUT) break;
    pthread_mutex_unlock(&inst->mu);
    atomic_fetch_sub(&inst->waiting, 1);
    adapt(&inst->caller_spin_ns, wp_plugin_now_ns() - start);
    return atomic_load(&j->state) == JOB_DONE;
}

/* The deadline passed: take the job back if it is still queued, else
 * abandon it to the worker. Returns true when the job finished after all. */
static bool give_up(wp_plugin_instance *inst, wp_plugin_job *j, wp_plugin_call *c, int64_t ms)
{
    pthread_mutex_lock(&inst->mu);
    if (atomic_load(&j->state) == JOB_QUEUED) {
        wp_plugin_job **pp = &inst->head, *prev = NULL;
        while (*pp != j) prev = *pp, pp = &(*pp)->next;
        *pp = j->next;
        if (inst->tail == j) inst->tail = prev;
        atomic_fetch_sub(&inst->queued, 1);
        pthread_mutex_unlock(&inst->mu);
        snprintf(c->message, sizeof c->message,
                 "plugin %s: %s waited %" PRId64 " ms in the queue behind a slow call; timed out",
                 inst->name, wp_plugin_op_name(j->op), ms);
        job_free(j);
        return false;
    }
    atomic_fetch_add(&inst->overdue, 1);
    int expected = JOB_RUNNING;
    bool abandoned = atomic_compare_exchange_strong(&j->state, &expected, JOB_ABANDONED);
    pthread_mutex_unlock(&inst->mu);
    if (!abandoned) {
        atomic_fetch_sub(&inst->overdue, 1);
        return true;
    }
    if (inst->child) {
        /* Killing the child ends the call at once: wait (briefly) for the
         * worker to notice, so the next call finds the instance usable. */
        wp_plugin_child_kill(inst->child);
        for (int i = 0; i < 1000 && atomic_load(&inst->overdue) > 0; i++) usleep(1000);
    }
    snprintf(c->message, sizeof c->message,
             "plugin %s: %s did not return within its %" PRId64
             " ms deadline; abandoned, instance quarantined until it returns",
             inst->name, wp_plugin_op_name(c->op), ms); /* j belongs to the worker now */
    return false;
}

/* Refuses the call up front while quarantined or backed off. */
static bool admitted(wp_plugin_instance *inst, wp_plugin_call *c, int64_t now)
{
    if (c->op == WP_PLUGIN_OP_CREATE || c->op == WP_PLUGIN_OP_DESTROY) return true;
    if (atomic_load(&inst->overdue) > 0) {
        c->status = WP_PLUGIN_TIMEOUT;
        snprintf(c->message, sizeof c->message,
                 "plugin %s: quarantined: an earlier call is still running past its deadline", inst->name);
        return false;
    }
    int64_t until = atomic_load(&inst->backoff_until_ns);
    if (until > now) {
        c->status = WP_PLUGIN_RETRY;
        snprintf(c->message, sizeof c->message,
                 "plugin %s: backed off for %" PRId64 " ms more after %d consecutive failures",
                 inst->name, (until - now) / 1000000 + 1, atomic_load(&inst->consecutive_failures));
        return false;
    }
    if (atomic_load(&inst->queued) >= MAX_QUEUED) {
        c->status = WP_PLUGIN_RETRY;
        snprintf(c->message, sizeof c->message, "plugin %s: %d calls already queued", inst->name,
                 MAX_QUEUED);
        return false;
    }
    return true;
}

/* Consecutive failures (RETRY, TIMEOUT, contained misbehaviour) back the
 * instance off; an answer (OK, or FAIL for this input) resets the count. */
static void account(wp_plugin_instance *inst, int status, bool contained, int64_t now)
{
    if ((status == WP_PLUGIN_OK || status == WP_PLUGIN_FAIL) && !contained) {
        if (atomic_load(&inst->consecutive_failures)) atomic_store(&inst->consecutive_failures, 0);
        return;
    }
    int n = atomic_fetch_add(&inst->consecutive_failures, 1) + 1;
    if (n < inst->failure_threshold) return;
    int shift = n - inst->failure_threshold;
    int64_t ms = inst->backoff_base_ms << (shift > 20 ? 20 : shift);
    if (ms > inst->backoff_max_ms) ms = inst->backoff_max_ms;
    atomic_store(&inst->backoff_until_ns, now + ms * 1000000);
}

int wp_plugin_instance_call(wp_plugin_instance *inst, wp_plugin_call *c)
{
    int64_t start = wp_plugin_now_ns();
    int64_t ms = c->deadline_ms > 0 ? c->deadline_ms : inst->deadline_ms;
    c->message[0] = '\0';
    c->out = NULL;
    c->out_len = 0;
    if (!admitted(inst, c, start)) {
        wp_counter_inc(inst->calls[c->op][RESULT_BACKOFF]);
        return c->status;
    }
    wp_plugin_job *j = job_new(c, start + ms * 1000000);
    enqueue(inst, j);
    bool done = wait_done(inst, j, j->deadline_ns) || give_up(inst, j, c, ms);
    bool contained = false;
    c->contained = false;
    if (done) {
        c->status = j->status;
        contained = j->contained;
        memcpy(c->message, j->message, sizeof c->message);
        if (c->status == WP_PLUGIN_OK && c->op == WP_PLUGIN_OP_RESOLVE)
            memcpy(c->digest, j->digest, sizeof c->digest);
        if (c->status == WP_PLUGIN_OK && c->op == WP_PLUGIN_OP_QUERY) {
            c->out_len = j->out.sb.len;
            c->out = wp_sb_finish(&j->out.sb);
        }
        job_free(j);
    } else {
        c->status = WP_PLUGIN_TIMEOUT;
    }
    int64_t end = wp_plugin_now_ns();
    c->contained = contained;
    account(inst, c->status, contained, end);
    wp_counter_inc(inst->calls[c->op][c->status]);
    wp_histogram_observe(inst->duration, (double)(end - start) / 1e9);
    return c->status;
}

/* ------------------------------------------------------------ lifecycle */

static int start_workers(wp_plugin_instance *inst, int n)
{
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_mutex_init(&inst->mu, NULL);
    pthread_cond_init(&inst->work_cv, NULL);
    pthread_cond_init(&inst->done_cv, &ca);
    pthread_condattr_destroy(&ca);
    inst->threads = wp_xalloc_check(calloc((size_t)n, sizeof *inst->threads));
    for (int i = 0; i < n; i++) {
        pthread_mutex_lock(&inst->mu);
        inst->live_threads++;
        pthread_mutex_unlock(&inst->mu);
        if (pthread_create(&inst->threads[i], NULL, worker_main, inst) != 0) {
            pthread_mutex_lock(&inst->mu);
            inst->live_threads--;
            pthread_mutex_unlock(&inst->mu);
            return -1;
        }
        inst->n_threads++;
    }
    return 0;
}

/* Stops and joins the workers; false when a call is still stuck inside
 * the plugin: the threads are then detached and the last one frees the
 * instance when the call returns (never, if it never does). */
static bool stop_workers(wp_plugin_instance *inst)
{
    pthread_mutex_lock(&inst->mu);
    inst->stopping = true;
    pthread_cond_broadcast(&inst->work_cv);
    if (atomic_load(&inst->overdue) > 0 && inst->live_threads > 0) {
        for (int i = 0; i < inst->n_threads; i++) pthread_detach(inst->threads[i]);
        inst->orphaned = true;
        pthread_mutex_unlock(&inst->mu);
        return false;
    }
    pthread_mutex_unlock(&inst->mu);
    for (int i = 0; i < inst->n_threads; i++) pthread_join(inst->threads[i], NULL);
    pthread_mutex_destroy(&inst->mu);
    pthread_cond_destroy(&inst->work_cv);
    pthread_cond_destroy(&inst->done_cv);
    return true;
}

static void instance_free(wp_plugin_instance *inst, bool unload)
{
    wp_plugin_child_stop(inst->child);
    wp_plugin_conf_free(inst->cfg);
    wp_plugin_lib_close(inst->lib, unload);
    free(inst->threads);
    free(inst->name);
    free(inst);
}

/* Stops the workers and frees inst unless a call is stuck in the plugin
 * (then the instance, its thread and its library are left behind). */
static void teardown(wp_plugin_instance *inst)
{
    char name[64];
    snprintf(name, sizeof name, "%s", inst->name); /* inst may be gone once orphaned */
    if (stop_workers(inst)) instance_free(inst, true);
    else wp_log(WP_LOG_WARN, "plugin left loaded: a call is still running past its deadline", "plugin",
                name, NULL);
}

static void init_record(wp_plugin_instance *inst, const wp_plugin_instance_spec *spec)
{
    inst->name = wp_xalloc_check(strdup(spec->name));
    inst->deadline_ms = spec->deadline_ms > 0 ? spec->deadline_ms : 5000;
    inst->failure_threshold = spec->failure_threshold > 0 ? spec->failure_threshold : 5;
    inst->backoff_base_ms = spec->backoff_base_ms > 0 ? spec->backoff_base_ms : 1000;
    inst->backoff_max_ms = spec->backoff_max_ms > 0 ? spec->backoff_max_ms : 60000;
    inst->pm = spec->metrics;
    atomic_init(&inst->caller_spin_ns, SPIN_MAX_NS);
    atomic_init(&inst->worker_spin_ns, SPIN_MAX_NS);
}

/* A lib record standing for a plugin loaded in the child: what the parent
 * needs of the descriptor (kind, flags, name) and no handle. */
static wp_plugin_lib *child_lib(const wp_plugin_child_spec *cs, const wp_plugin_child_info *info, const char **name)
{
    wp_plugin_lib *lib = wp_xalloc_check(calloc(1, sizeof *lib));
    lib->path = wp_xalloc_check(strdup(cs->path));
    lib->desc.struct_size = sizeof lib->desc;
    lib->desc.abi_major = WP_PLUGIN_ABI_MAJOR;
    lib->desc.abi_minor = WP_PLUGIN_ABI_MINOR;
    lib->desc.kind = info->kind;
    lib->desc.flags = info->flags & ~WP_PLUGIN_FLAG_THREAD_SAFE; /* one child, one call at a time */
    lib->desc.name = *name;
    return lib;
}

static wp_plugin_instance *start_isolated(const wp_plugin_instance_spec *spec, wp_plugin_error *err);

wp_plugin_instance *wp_plugin_instance_start(const wp_plugin_instance_spec *spec, wp_plugin_error *err)
{
    if (spec->child) return start_isolated(spec, err);
    wp_plugin_lib *lib = spec->lib;
    char why[512];
    wp_plugin_config *cfg = wp_plugin_conf_build(lib->keys, lib->n_keys, spec->config, why, sizeof why);
    if (!cfg) {
        wp_plugin_error_set(err, WP_PLUGIN_ERR_PLUGIN_CONFIG, spec->name, lib->path, "%s", why);
        wp_plugin_lib_close(lib, true);
        return NULL;
    }
    wp_plugin_instance *inst = wp_xalloc_check(calloc(1, sizeof *inst));
    init_record(inst, spec);
    inst->lib = lib;
    inst->cfg = cfg;
    lookup_metrics(inst);
    int workers = (lib->desc.flags & WP_PLUGIN_FLAG_THREAD_SAFE) && spec->workers > 1 ? spec->workers : 1;
    if (start_workers(inst, workers) != 0) {
        wp_plugin_error_set(err, WP_PLUGIN_ERR_CREATE, spec->name, lib->path, "cannot start a worker thread");
        teardown(inst);
        return NULL;
    }
    wp_plugin_call c = {.op = WP_PLUGIN_OP_CREATE};
    if (wp_plugin_instance_call(inst, &c) != WP_PLUGIN_OK) {
        /* Strip our "plugin <name>: " prefix: the error adds name and path. */
        const char *m = c.message + strlen("plugin ") + strlen(inst->name) + 2;
        wp_plugin_error_set(err, WP_PLUGIN_ERR_CREATE, spec->name, lib->path, "create failed: %s",
                            strlen(c.message) > strlen(inst->name) + 9 ? m : c.message);
        err->status = c.status;
        teardown(inst);
        return NULL;
    }
    return inst;
}

static wp_plugin_instance *start_isolated(const wp_plugin_instance_spec *spec, wp_plugin_error *err)
{
    wp_plugin_instance *inst = wp_xalloc_check(calloc(1, sizeof *inst));
    wp_plugin_child_spec cs = *spec->child;
    cs.name = spec->name;
    cs.deadline_ms = spec->deadline_ms > 0 ? spec->deadline_ms : 5000;
    inst->child = wp_plugin_child_start(&cs, &inst->child_info, err);
    if (!inst->child) {
        free(inst);
        return NULL;
    }
    init_record(inst, spec);
    const char *plugin_name = inst->child_info.plugin_name;
    inst->lib = child_lib(&cs, &inst->child_info, &plugin_name);
    lookup_metrics(inst);
    if (start_workers(inst, 1) != 0) {
        wp_plugin_error_set(err, WP_PLUGIN_ERR_CREATE, spec->name, cs.path, "cannot start a worker thread");
        teardown(inst);
        return NULL;
    }
    return inst;
}

bool wp_plugin_instance_stuck(const wp_plugin_instance *inst)
{
    return atomic_load(&((wp_plugin_instance *)inst)->overdue) > 0;
}

void wp_plugin_instance_stop(wp_plugin_instance *inst)
{
    if (!inst) return;
    if (atomic_load(&inst->overdue) == 0 && !inst->child) {
        wp_plugin_call c = {.op = WP_PLUGIN_OP_DESTROY};
        wp_plugin_instance_call(inst, &c);
    }
    teardown(inst);
}

const char *wp_plugin_instance_name(const wp_plugin_instance *inst) { return inst->name; }
const wp_plugin_lib *wp_plugin_instance_lib(const wp_plugin_instance *inst) { return inst->lib; }
const wp_plugin_config *wp_plugin_instance_config(const wp_plugin_instance *inst) { return inst->cfg; }
int64_t wp_plugin_instance_deadline_ms(const wp_plugin_instance *inst) { return inst->deadline_ms; }
