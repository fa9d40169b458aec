/*
 * conn.h - one mutual-TLS HTTP/1.1 client connection on a bufferevent.
 *
 * Every OpenSSL call of the load generator lives here. A connection is opened
 * (TCP connect and TLS handshake), carries one request at a time on
 * keep-alive, and reports each step to its role through c->ops. Failures are
 * counted here, once, by kind; the role only decides what to do next.
 *
 * TLS 1.3 finishes the client's side of the handshake before the server has
 * judged the client certificate, so a refused certificate shows up as an
 * alert on the first read: it is counted as a TLS error whenever it comes.
 */
#ifndef BENCH_CONN_H
#define BENCH_CONN_H

#include <stdbool.h>
#include <stddef.h>

#include "bench.h"

/* Makes id->ctx: a client context that verifies the server against ca and
 * presents id's certificate. lean: release buffers of idle connections.
 * Returns 0, or -1 with a message in err. */
int tls_ctx_load(struct ident *id, const char *ca, bool lean, char *err, size_t errlen);
void tls_ctx_free(struct ident *id);

/* Starts connecting c. Returns 0, or -1 after counting the error (the role's
 * down callback is not called then). */
int conn_open(struct conn *c);

/* Sends one request (len bytes, complete) on a CS_READY connection; the answer
 * is due within timeout_s seconds. due: when the request was scheduled. */
void conn_send(struct conn *c, const char *req, size_t len, uint64_t due,
               unsigned timeout_s);

/* Closes c at once, without callbacks. graceful: send close_notify first
 * (only when no request is outstanding). */
void conn_close(struct conn *c, bool graceful);

#endif
