/* Sizing the connection limit. See conn_limit.h. */
#include "webhook/conn_limit.h"

#include <stdio.h>
#include <sys/resource.h>

#include "common/log.h"

static rlim_t raise_fd_limit(void)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0) return 1024;
    if (rl.rlim_cur < rl.rlim_max) {
        struct rlimit raised = {rl.rlim_max, rl.rlim_max};
        if (setrlimit(RLIMIT_NOFILE, &raised) == 0) rl.rlim_cur = rl.rlim_max;
    }
    return rl.rlim_cur;
}

/* The container's memory limit in bytes, 0 when there is none (or none
 * readable). cgroup v2 writes "max" for none; v1 a huge number. */
static unsigned long long memory_limit(void)
{
    static const char *const files[] = {"/sys/fs/cgroup/memory.max",
                                        "/sys/fs/cgroup/memory/memory.limit_in_bytes"};
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        FILE *f = fopen(files[i], "re");
        if (!f) continue;
        unsigned long long v = 0;
        int got = fscanf(f, "%llu", &v);
        fclose(f);
        if (got == 1 && v < (1ULL << 50)) return v;
        return 0;
    }
    return 0;
}

static unsigned long long fd_room(unsigned long long fds)
{
    return fds > WP_RESERVED_FDS + 16 ? fds - WP_RESERVED_FDS : 16;
}

unsigned wp_connection_limit_auto(unsigned long long fds, unsigned long long memory_bytes)
{
    unsigned long long limit = fd_room(fds);
    if (limit > WP_AUTO_MAX_CONNECTIONS) limit = WP_AUTO_MAX_CONNECTIONS;
    if (memory_bytes) {
        unsigned long long reserve = (unsigned long long)WP_MEMORY_RESERVE_MIB << 20;
        unsigned long long room = memory_bytes > reserve ? (memory_bytes - reserve) / (WP_CONNECTION_COST_KIB * 1024ULL) : 0;
        if (room < 64) room = 64; /* a tiny container still serves */
        if (room < limit) limit = room;
    }
    return (unsigned)limit;
}

unsigned wp_connection_limit(int requested)
{
    unsigned long long fds = raise_fd_limit();
    if (requested <= 0) return wp_connection_limit_auto(fds, memory_limit());
    unsigned long long room = fd_room(fds);
    if ((unsigned long long)requested <= room) return (unsigned)requested;
    char want[24], have[24];
    snprintf(want, sizeof want, "%d", requested);
    snprintf(have, sizeof have, "%llu", room);
    wp_log(WP_LOG_WARN, "--max-connections is more than the open-file limit allows; lowered", "requested", want,
           "limit", have, NULL);
    return (unsigned)room;
}
