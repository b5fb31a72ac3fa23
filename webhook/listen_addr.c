/* Listening sockets. See listen_addr.h. */
#include "webhook/listen_addr.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int wp_listen_split(const char *addr, char *host, size_t host_size, char *port,
                    size_t port_size, char *err, size_t err_size)
{
    const char *colon, *h = addr;
    size_t host_len;
    if (addr[0] == '[') {
        const char *close = strchr(addr, ']');
        if (!close || close[1] != ':') goto bad;
        h = addr + 1;
        host_len = (size_t)(close - h);
        colon = close + 1;
    } else {
        colon = strrchr(addr, ':');
        if (!colon || memchr(addr, ':', (size_t)(colon - addr))) goto bad;
        host_len = (size_t)(colon - addr);
    }
    const char *p = colon + 1;
    if (!*p || strlen(p) >= port_size || host_len >= host_size) goto bad;
    for (const char *q = p; *q; q++) {
        if (*q < '0' || *q > '9') goto bad;
    }
    if (strlen(p) > 5 || atoi(p) > 65535) goto bad;
    memcpy(host, h, host_len);
    host[host_len] = '\0';
    snprintf(port, port_size, "%s", p);
    return 0;
bad:
    snprintf(err, err_size, "invalid address \"%.64s\": expected HOST:PORT, [IPv6]:PORT or :PORT",
             addr);
    return -1;
}

static void describe(const struct sockaddr_storage *ss, char *out, size_t size)
{
    char ip[INET6_ADDRSTRLEN] = "?";
    unsigned port = 0;
    if (ss->ss_family == AF_INET6) {
        const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)ss;
        inet_ntop(AF_INET6, &a->sin6_addr, ip, sizeof ip);
        port = ntohs(a->sin6_port);
        snprintf(out, size, "[%s]:%u", ip, port);
    } else {
        const struct sockaddr_in *a = (const struct sockaddr_in *)ss;
        inet_ntop(AF_INET, &a->sin_addr, ip, sizeof ip);
        port = ntohs(a->sin_port);
        snprintf(out, size, "%s:%u", ip, port);
    }
}

static int try_bind(const struct addrinfo *ai, int backlog, char *err, size_t err_size)
{
    int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, ai->ai_protocol);
    if (fd < 0) {
        snprintf(err, err_size, "socket: %s", strerror(errno));
        return -1;
    }
    int on = 1, off = 0;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
    /* ":port" on IPv6 should also take IPv4 clients. */
    if (ai->ai_family == AF_INET6) setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof off);
    if (bind(fd, ai->ai_addr, ai->ai_addrlen) != 0 || listen(fd, backlog) != 0) {
        snprintf(err, err_size, "%s", strerror(errno));
        close(fd);
        return -1;
    }
    return fd;
}

int wp_listen_socket(const char *addr, int backlog, char *bound, size_t bound_size, char *err,
                     size_t err_size)
{
    char host[256], port[8];
    if (wp_listen_split(addr, host, sizeof host, port, sizeof port, err, err_size) != 0) return -1;
    struct addrinfo hints = {.ai_socktype = SOCK_STREAM, .ai_flags = AI_PASSIVE | AI_NUMERICSERV};
    hints.ai_family = host[0] ? AF_UNSPEC : AF_INET6;
    struct addrinfo *res = NULL;
    int rc = getaddrinfo(host[0] ? host : NULL, port, &hints, &res);
    if (rc != 0 && !host[0]) {
        hints.ai_family = AF_INET; /* no IPv6 on this host */
        rc = getaddrinfo(NULL, port, &hints, &res);
    }
    if (rc != 0) {
        snprintf(err, err_size, "%s: %s", addr, gai_strerror(rc));
        return -1;
    }
    int fd = -1;
    char why[128] = "no address";
    for (struct addrinfo *ai = res; ai && fd < 0; ai = ai->ai_next) fd = try_bind(ai, backlog, why, sizeof why);
    if (fd < 0 && !host[0] && res && res->ai_family == AF_INET6) {
        /* IPv6 resolved but is disabled in this network namespace. */
        struct addrinfo *v4 = NULL;
        hints.ai_family = AF_INET;
        if (getaddrinfo(NULL, port, &hints, &v4) == 0) {
            fd = try_bind(v4, backlog, why, sizeof why);
            freeaddrinfo(v4);
        }
    }
    freeaddrinfo(res);
    if (fd < 0) {
        snprintf(err, err_size, "listen on %s: %s", addr, why);
        return -1;
    }
    struct sockaddr_storage ss;
    socklen_t len = sizeof ss;
    if (getsockname(fd, (struct sockaddr *)&ss, &len) == 0) describe(&ss, bound, bound_size);
    else snprintf(bound, bound_size, "%s", addr);
    return fd;
}
