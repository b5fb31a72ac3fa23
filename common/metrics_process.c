/* The standard process_* metrics every Prometheus client exports, read from
 * /proc at scrape time (Linux). See wp_metrics_register_process. */
#include "common/metrics.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* Fields 14 (utime), 15 (stime) and 22 (starttime, in clock ticks after
 * boot) of /proc/self/stat. The command name (field 2) may contain spaces
 * and parentheses, so parsing starts after its last ')'. */
static int read_stat(unsigned long long *utime, unsigned long long *stime,
                     unsigned long long *start)
{
    char buf[1024];
    FILE *f = fopen("/proc/self/stat", "r");
    if (!f) return -1;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    char *p = strrchr(buf, ')');
    if (!p) return -1;
    /* After ")": field 3 (state) is the first token. */
    unsigned long long v[20] = {0};
    int field = 3;
    char *save = NULL;
    for (char *tok = strtok_r(p + 1, " ", &save); tok && field <= 22;
         tok = strtok_r(NULL, " ", &save), field++) {
        if (field >= 14 && field <= 22) v[field - 14] = strtoull(tok, NULL, 10);
    }
    if (field <= 22) return -1;
    *utime = v[0];
    *stime = v[1];
    *start = v[8];
    return 0;
}

static double cpu_seconds(void *arg)
{
    (void)arg;
    unsigned long long u, s, start;
    if (read_stat(&u, &s, &start) != 0) return 0;
    return (double)(u + s) / (double)sysconf(_SC_CLK_TCK);
}

static double btime(void)
{
    FILE *f = fopen("/proc/stat", "r");
    if (!f) return 0;
    char line[256];
    double boot = 0;
    while (fgets(line, sizeof line, f)) {
        if (strncmp(line, "btime ", 6) == 0) { boot = strtod(line + 6, NULL); break; }
    }
    fclose(f);
    return boot;
}

static double start_time_seconds(void *arg)
{
    (void)arg;
    unsigned long long u, s, start;
    if (read_stat(&u, &s, &start) != 0) return 0;
    return btime() + (double)start / (double)sysconf(_SC_CLK_TCK);
}

/* Field 1 (size) and 2 (resident) of /proc/self/statm, in pages. */
static double statm_bytes(int field)
{
    unsigned long long size = 0, resident = 0;
    FILE *f = fopen("/proc/self/statm", "r");
    if (!f) return 0;
    int got = fscanf(f, "%llu %llu", &size, &resident);
    fclose(f);
    if (got != 2) return 0;
    return (double)(field == 0 ? size : resident) * (double)sysconf(_SC_PAGESIZE);
}

static double virtual_bytes(void *arg) { (void)arg; return statm_bytes(0); }
static double resident_bytes(void *arg) { (void)arg; return statm_bytes(1); }

static double open_fds(void *arg)
{
    (void)arg;
    DIR *d = opendir("/proc/self/fd");
    if (!d) return 0;
    double n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] != '.') n++;
    }
    closedir(d);
    return n - 1; /* the directory stream's own descriptor */
}

static double max_fds(void *arg)
{
    (void)arg;
    long n = sysconf(_SC_OPEN_MAX);
    return n > 0 ? (double)n : 0;
}

int wp_metrics_register_process(wp_metrics *m)
{
    struct {
        wp_metric_type type;
        const char *name, *help;
        double (*fn)(void *);
    } const table[] = {
        {WP_METRIC_COUNTER, "process_cpu_seconds_total", "Total user and system CPU time spent in seconds.", cpu_seconds},
        {WP_METRIC_GAUGE, "process_start_time_seconds", "Start time of the process since unix epoch in seconds.", start_time_seconds},
        {WP_METRIC_GAUGE, "process_resident_memory_bytes", "Resident memory size in bytes.", resident_bytes},
        {WP_METRIC_GAUGE, "process_virtual_memory_bytes", "Virtual memory size in bytes.", virtual_bytes},
        {WP_METRIC_GAUGE, "process_open_fds", "Number of open file descriptors.", open_fds},
        {WP_METRIC_GAUGE, "process_max_fds", "Maximum number of open file descriptors.", max_fds},
    };
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++) {
        if (!wp_metrics_func(m, table[i].type, table[i].name, table[i].help, table[i].fn, NULL)) return -1;
    }
    return 0;
}
