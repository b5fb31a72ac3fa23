/* TLS hooks of one admission connection. See conn.h.
 *
 * MHD owns the GnuTLS session; these hooks only add to it. Each hook finds
 * its wp_conn through the session's receive transport pointer, which
 * wp_tls_conn_attach points at the wp_conn (MHD reads through our pull
 * function, writes through the untouched send pointer). */
#include "webhook/conn.h"

#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <sys/socket.h>

#include "common/log.h"

long long wp_conn_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static wp_conn *conn_of(gnutls_session_t session)
{
    gnutls_transport_ptr_t recv_ptr, send_ptr;
    gnutls_transport_get_ptr2(session, &recv_ptr, &send_ptr);
    return recv_ptr;
}

/* A TLS connection starts with a handshake record (0x16); an HTTP request
 * starts with an upper-case method. */
static bool looks_like_plain_http(const char *data, size_t n)
{
    return n > 0 && data[0] >= 'A' && data[0] <= 'Z';
}

/* Tells a client that spoke plain HTTP to the TLS port what went wrong,
 * in plain HTTP (it cannot read anything else), before the connection is
 * closed. Best effort: one non-blocking send. */
static void refuse_plain_http(wp_conn *c)
{
    static const char msg[] = "HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain; charset=utf-8\r\n"
                              "Connection: close\r\nContent-Length: 48\r\n\r\n"
                              "Client sent an HTTP request to an HTTPS server.\n";
    ssize_t w = send(c->fd, msg, sizeof msg - 1, MSG_NOSIGNAL | MSG_DONTWAIT);
    (void)w;
    wp_log(WP_LOG_DEBUG, "plain HTTP on the TLS port; answered 400", NULL);
}

static ssize_t conn_pull(gnutls_transport_ptr_t ptr, void *buf, size_t size)
{
    wp_conn *c = ptr;
    if (c->busy && wp_conn_now_ms() > c->deadline_ms) {
        c->timed_out = true;
        errno = ETIMEDOUT; /* a hard error: MHD closes the connection */
        return -1;
    }
    ssize_t n = recv(c->fd, buf, size, 0);
    if (n > 0 && !c->seen_bytes && looks_like_plain_http(buf, (size_t)n)) {
        refuse_plain_http(c);
        errno = EPROTO;
        return -1;
    }
    if (n > 0) c->seen_bytes = true;
    if (n > 0 && (!c->busy || (c->handshake_done && c->first_request_pending))) {
        /* First bytes of a request: the clock starts, and a client that
         * goes quiet now is cut at --read-timeout rather than
         * --idle-timeout. */
        c->busy = true;
        c->first_request_pending = false;
        c->deadline_ms = wp_conn_now_ms() + c->settings->read_timeout_ms;
        MHD_set_connection_option(c->mhd, MHD_CONNECTION_OPTION_TIMEOUT, c->settings->read_timeout_s);
    }
    return n;
}

static int conn_pull_timeout(gnutls_transport_ptr_t ptr, unsigned int ms)
{
    wp_conn *c = ptr;
    struct pollfd p = {.fd = c->fd, .events = POLLIN};
    return poll(&p, 1, ms == GNUTLS_INDEFINITE_TIMEOUT ? -1 : (int)ms);
}

static int on_handshake_message(gnutls_session_t session, unsigned int htype, unsigned when,
                                unsigned int incoming, const gnutls_datum_t *msg)
{
    (void)htype; (void)when; (void)msg;
    /* The client's Finished is the last message of every handshake
     * (TLS 1.2 full and resumed, TLS 1.3). The first request must then
     * start before the handshake deadline runs out. */
    if (incoming) conn_of(session)->handshake_done = true;
    return 0;
}

static int verify_client(gnutls_session_t session)
{
    wp_conn *c = conn_of(session);
    wp_tls_trust *trust = wp_live_trust(c->settings->live);
    char why[256] = "no client CA loaded";
    int rc = trust ? wp_tls_trust_verify_peer(trust, session, why, sizeof why) : -1;
    wp_tls_trust_unref(trust);
    if (rc != 0) {
        wp_log(WP_LOG_WARN, "client certificate refused", "reason", why, NULL);
        return -1; /* the handshake fails with a certificate alert */
    }
    c->client_verified = true;
    return 0;
}

void wp_tls_conn_attach(wp_conn *c)
{
    c->busy = true;
    c->first_request_pending = true;
    c->deadline_ms = wp_conn_now_ms() + c->settings->handshake_timeout_ms;
    MHD_set_connection_option(c->mhd, MHD_CONNECTION_OPTION_TIMEOUT, c->settings->handshake_timeout_s);
    gnutls_transport_ptr_t recv_ptr, send_ptr;
    gnutls_transport_get_ptr2(c->tls, &recv_ptr, &send_ptr);
    gnutls_transport_set_ptr2(c->tls, c, send_ptr);
    gnutls_transport_set_pull_function(c->tls, conn_pull);
    gnutls_transport_set_pull_timeout_function(c->tls, conn_pull_timeout);
    gnutls_handshake_set_hook_function(c->tls, GNUTLS_HANDSHAKE_FINISHED, GNUTLS_HOOK_POST,
                                       on_handshake_message);
    if (c->settings->require_client_cert) {
        gnutls_certificate_server_set_request(c->tls, GNUTLS_CERT_REQUIRE);
        gnutls_session_set_verify_function(c->tls, verify_client);
    }
}

int wp_tls_conn_retrieve_cert(gnutls_session_t session, const gnutls_datum_t *req_ca_dn,
                              int nreqs, const gnutls_pk_algorithm_t *pk_algos,
                              int pk_algos_length, gnutls_pcert_st **pcert,
                              unsigned int *pcert_length, gnutls_privkey_t *privkey)
{
    (void)req_ca_dn; (void)nreqs; (void)pk_algos; (void)pk_algos_length;
    wp_conn *c = conn_of(session);
    /* The pair stays referenced until the connection closes: GnuTLS keeps
     * pointers into it after this returns. */
    if (!c->pair) c->pair = wp_live_pair(c->settings->live);
    if (!c->pair) return -1;
    *pcert = c->pair->chain;
    *pcert_length = c->pair->chain_len;
    *privkey = c->pair->key;
    return 0;
}

void wp_tls_conn_request_done(wp_conn *c)
{
    c->busy = false;
    MHD_set_connection_option(c->mhd, MHD_CONNECTION_OPTION_TIMEOUT, c->settings->idle_timeout_s);
}

bool wp_tls_conn_send_raw(wp_conn *c, const void *data, size_t len)
{
    ssize_t n = gnutls_record_send(c->tls, data, len);
    return n == (ssize_t)len;
}
