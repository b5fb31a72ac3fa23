/* Per-connection state of the admission server, shared by the HTTP side
 * (server.c) and the TLS hooks (tls_conn.c). A connection belongs to one
 * event-loop thread, so nothing here needs locking. */
#ifndef WP_CONN_H
#define WP_CONN_H

#include <gnutls/gnutls.h>
#include <microhttpd.h>
#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "webhook/live.h"
#include "webhook/tls_pair.h"
#include "webhook/webhook_metrics.h"

/* What every connection's TLS hooks need from the server. */
typedef struct {
    wp_live *live;
    bool require_client_cert;
    long long read_timeout_ms;
    long long handshake_timeout_ms;
    unsigned read_timeout_s, idle_timeout_s, handshake_timeout_s; /* MHD timeouts are whole seconds */
} wp_conn_settings;

typedef struct wp_conn {
    const wp_conn_settings *settings;
    struct MHD_Connection *mhd;
    gnutls_session_t tls;
    int fd;
    wp_tls_pair *pair;         /* presented in this connection's handshake; a reference */
    bool handshake_done;
    bool client_verified;
    /* Deadlines. A new connection has --handshake-timeout for its TLS
     * handshake and the start of its first request, so connections that
     * never send a byte (or stop after the handshake) are dropped within
     * seconds, not after --idle-timeout. A request has --read-timeout from
     * its first byte; busy is cleared when the response is sent, so a
     * client trickling a byte at a time cannot hold a connection past
     * either. */
    bool busy;
    bool first_request_pending; /* under the handshake deadline */
    bool seen_bytes;
    long long deadline_ms;     /* CLOCK_MONOTONIC */
    bool timed_out;
    /* The request being received. The body buffer is kept between
     * keep-alive requests (unless a large one grew it). */
    bool in_request;
    wp_route route;
    struct timespec started;
    bool too_large;
    bool chunked;              /* no Content-Length: charged to the body budget as it arrives */
    bool over_budget;          /* a chunked body did not fit the server's body budget */
    size_t budget_held;        /* bytes of the server's body budget this request holds */
    const struct wp_http_refusal *refusal; /* HTTP error to answer once the body is in, or NULL */
    char *body;
    size_t body_len, body_cap;
} wp_conn;

/* Milliseconds on CLOCK_MONOTONIC. */
long long wp_conn_now_ms(void);

/* Hooks the TLS session of a new connection: read deadline, handshake
 * completion tracking, client-certificate requirement and verification.
 * Called from MHD's connection-started notification. */
void wp_tls_conn_attach(wp_conn *c);

/* The certificate callback for MHD_OPTION_HTTPS_CERT_CALLBACK: presents the
 * current pair and pins it to the connection. */
int wp_tls_conn_retrieve_cert(gnutls_session_t session, const gnutls_datum_t *req_ca_dn,
                              int nreqs, const gnutls_pk_algorithm_t *pk_algos,
                              int pk_algos_length, gnutls_pcert_st **pcert,
                              unsigned int *pcert_length, gnutls_privkey_t *privkey);

/* Writes data straight into the TLS session, bypassing MHD (for the one
 * reply MHD cannot send: see refuse_chunked_body). Best effort: returns
 * false if the socket would block or failed. */
bool wp_tls_conn_send_raw(wp_conn *c, const void *data, size_t len);

/* Marks the current request finished: the read deadline stops, the idle
 * timeout applies again. */
void wp_tls_conn_request_done(wp_conn *c);

#endif
