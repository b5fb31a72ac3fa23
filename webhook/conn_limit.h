/* How many admission connections the process can actually hold.
 *
 * 1,000 idle connections once locked everyone out: the open-file soft limit
 * (often 1024) and a fixed --max-connections 1000 were the ceiling. Now the
 * soft limit is raised to the hard one, and --max-connections 0 (the
 * default) means: as many as the descriptors allow, as many as the memory
 * limit of the container (cgroup v2 memory.max or v1
 * memory.limit_in_bytes) allows at WP_CONNECTION_COST_KIB each after
 * WP_MEMORY_RESERVE_MIB for requests, and at most WP_AUTO_MAX_CONNECTIONS. */
#ifndef WP_CONN_LIMIT_H
#define WP_CONN_LIMIT_H

/* An idle TLS connection costs 12-14 KiB of RSS (measured with 1,000 and
 * 10,000: tests/bench/webhook/idle_connections.py); 16 leaves headroom. */
#define WP_CONNECTION_COST_KIB 16
/* Memory kept for everything else: request bodies (7 MiB each, one per
 * event thread at a time), their decoded documents, TLS pairs, config. */
#define WP_MEMORY_RESERVE_MIB 96
/* Connections of the metrics and probe server (metrics_server.c). */
#define WP_METRICS_MAX_CONNECTIONS 256
/* Descriptors kept for everything but admission connections: the metrics
 * server's connections, listening sockets, watched files, logs, epoll and
 * MHD's inter-thread descriptors. */
#define WP_RESERVED_FDS (WP_METRICS_MAX_CONNECTIONS + 128)
/* 32768 idle connections are about 450 MiB: the most a webhook should hold
 * whatever its limits say. */
#define WP_AUTO_MAX_CONNECTIONS 32768

/* Raises RLIMIT_NOFILE's soft limit to the hard one, then returns the
 * connection limit: requested when it fits the descriptors (a larger value
 * is lowered, with a warning), or with requested 0 the automatic value
 * above. */
unsigned wp_connection_limit(int requested);

/* The automatic value for fds open files and a memory limit of
 * memory_bytes (0: none). Exposed for tests. */
unsigned wp_connection_limit_auto(unsigned long long fds, unsigned long long memory_bytes);

#endif
