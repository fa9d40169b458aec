/*
 * conn.h - the network layer: listening socket, TLS connections, HTTP/1.1.
 *
 * Every connection is mutual TLS through an OpenSSL bufferevent; a connection
 * for which TLS cannot be set up is closed, never served in plaintext. HTTP is
 * parsed with http-parser under our own limits (SPEC §8): headers at most
 * 8 KiB, a body only with one Content-Length of at most 128 KiB, no
 * Transfer-Encoding, an absolute deadline per request so slow senders are cut
 * off, idle connections closed after 90 s, and at most max_connections open.
 * Requests on a connection are answered in order (pipelining is honoured).
 */
#ifndef REFGW_CONN_H
#define REFGW_CONN_H

#include <stdbool.h>

#include "app.h"

#define LISTEN_ERR_MAX 256
#define REQUEST_MAX (128 * 1024)
#define HEADERS_MAX (8 * 1024)

struct listener;
struct loop;

/* Binds and listens on host:port; returns the socket, *bound_port the port bound. */
int listener_bind(const char *host, int port, int *bound_port,
                  char err[LISTEN_ERR_MAX]);

/* The connections of loop. With fd >= 0 (taken) it also accepts there and
 * hands each connection to the loops in turn; with -1 it only adopts. */
struct listener *listener_new(struct app *app, struct loop *loop, int fd,
                              char err[LISTEN_ERR_MAX]);

/* Starts the TLS handshake of an accepted socket on this listener's loop
 * (its thread only); the connection is already counted. */
void listener_adopt(struct listener *l, int fd);

/* Stops accepting new connections (shutdown). */
void listener_stop_accepting(struct listener *l);

/* Closes connections whose certificate the current CRL revokes or whose
 * organisation the current configuration no longer admits (after a reload). */
void listener_recheck(struct listener *l);

/* Connections with a request being handled (the shutdown drain waits for 0). */
long listener_busy(const struct listener *l);

/* Closes every connection and the socket. */
void listener_free(struct listener *l);

#endif
