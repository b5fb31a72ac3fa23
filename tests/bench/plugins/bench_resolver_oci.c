/* digest-registry: the latency of one resolution (a HEAD on the manifest,
 * new connection each time) against Debian's docker-registry on loopback,
 * anonymous over plain HTTP and over TLS with a Bearer token (cached after
 * the first). Prints numbers, never pass/fail. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "controller/plugin/plugin_instance.h"
#include "controller/plugin/plugin_lib.h"

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static int sh(const char *fmt, const char *a, const char *b)
{
    char cmd[512];
    snprintf(cmd, sizeof cmd, fmt, WP_REGISTRY_PY, a, b);
    return system(cmd);
}

static int read_port(const char *dir)
{
    char path[128];
    snprintf(path, sizeof path, "%s/port", dir);
    FILE *f = fopen(path, "r");
    int port = 0;
    if (f && fscanf(f, "%d", &port) != 1) port = 0;
    if (f) fclose(f);
    return port;
}

static void measure(const char *label, const char *config, const char *image, int n)
{
    wp_plugin_error err;
    wp_plugin_lib *lib = wp_plugin_lib_open("bench", WP_PLUGIN_DIR "/resolver_oci.so", NULL, false, &err);
    json_t *cfg = json_loads(config, 0, NULL);
    wp_plugin_instance_spec spec = {.name = "bench", .lib = lib, .config = cfg, .deadline_ms = 10000};
    wp_plugin_instance *inst = lib ? wp_plugin_instance_start(&spec, &err) : NULL;
    json_decref(cfg);
    if (!inst) {
        fprintf(stderr, "%s\n", err.message);
        exit(1);
    }
    double *lat = calloc((size_t)n, sizeof *lat), first = 0;
    for (int i = 0; i <= n; i++) {
        wp_plugin_call c = {.op = WP_PLUGIN_OP_RESOLVE, .input = image, .input_len = strlen(image)};
        double t0 = now_ms();
        if (wp_plugin_instance_call(inst, &c) != 0) {
            fprintf(stderr, "%s: %s\n", image, c.message);
            exit(1);
        }
        if (i == 0) first = now_ms() - t0; /* with the 401 and the token fetch, if any */
        else lat[i - 1] = now_ms() - t0;
    }
    qsort(lat, (size_t)n, sizeof *lat, cmp_double);
    printf("%-32s first %.2f ms, then p50 %.2f ms, p99 %.2f ms (%d resolutions)\n", label, first, lat[n / 2],
           lat[n * 99 / 100], n);
    free(lat);
    wp_plugin_instance_stop(inst);
}

int main(int argc, char **argv)
{
    int n = argc > 1 ? atoi(argv[1]) : 300;
    if (n < 1) n = 1;
    char plain[] = "/tmp/wp-bench-registry-XXXXXX", tls[] = "/tmp/wp-bench-registry-XXXXXX";
    if (!mkdtemp(plain) || !mkdtemp(tls)) return 1;
    if (sh("python3 -W ignore %s start %s %s", plain, "") != 0 ||
        sh("python3 -W ignore %s push %s app v1 oci x >/dev/null%s", plain, "") != 0 ||
        sh("python3 -W ignore %s start %s %s", tls, "--tls --token bob:pw") != 0 ||
        sh("python3 -W ignore %s push %s app v1 oci-index x >/dev/null%s", tls, "") != 0)
        return 1;
    char config[512], image[128];
    int port = read_port(plain);
    snprintf(config, sizeof config, "{\"insecure_registries\":[\"127.0.0.1:%d\"]}", port);
    snprintf(image, sizeof image, "127.0.0.1:%d/app:v1", port);
    measure("plain HTTP, anonymous:", config, image, n);
    port = read_port(tls);
    char dc[256];
    snprintf(dc, sizeof dc, "%s/docker.json", tls);
    FILE *f = fopen(dc, "w");
    fprintf(f, "{\"auths\":{\"127.0.0.1:%d\":{\"auth\":\"Ym9iOnB3\"}}}", port);
    fclose(f);
    snprintf(config, sizeof config, "{\"ca_file\":\"%s/ca.pem\",\"docker_config\":\"%s\"}", tls, dc);
    snprintf(image, sizeof image, "127.0.0.1:%d/app:v1", port);
    measure("TLS, Bearer token (cached):", config, image, n);
    sh("python3 %s stop %s; rm -rf %s", plain, plain);
    sh("python3 %s stop %s; rm -rf %s", tls, tls);
    return 0;
}
