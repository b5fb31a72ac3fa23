/* Listening sockets from "host:port" flag values. */
#ifndef WP_LISTEN_ADDR_H
#define WP_LISTEN_ADDR_H

#include <stddef.h>

/* Splits "host:port", "[v6]:port" or ":port" (all interfaces). host gets
 * "" for all interfaces. Returns 0 or -1 with err filled. */
int wp_listen_split(const char *addr, char *host, size_t host_size, char *port,
                    size_t port_size, char *err, size_t err_size);

/* Binds and listens (SO_REUSEADDR, close-on-exec, non-blocking) on addr;
 * ":port" listens on every IPv6 and IPv4 address when the host has IPv6,
 * else on 0.0.0.0. Port 0 picks a free port. bound receives the actual
 * address ("127.0.0.1:40123", "[::]:9443"). Returns the socket, or -1 with
 * err filled. */
int wp_listen_socket(const char *addr, int backlog, char *bound, size_t bound_size, char *err,
                     size_t err_size);

#endif
