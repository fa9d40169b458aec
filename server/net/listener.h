/*
 * listener.h - the listening socket, on loop 0: accepts, and hands each
 * connection to the loops in turn, so handshakes and HTTP use every core.
 * At max_connections a new connection first evicts the oldest connection
 * still in its TLS handshake on any loop (handshakes.h); when none is, it is
 * refused at once, and those authenticated keep being served. Evicted
 * connections' descriptors close a moment later: accepting waits for them
 * rather than run out of descriptors (descriptors.h). Private to the network
 * layer.
 */
#ifndef REFGW_LISTENER_H
#define REFGW_LISTENER_H

#include "errors.h"

struct loop;
struct listener;

/* Binds and listens on host:port; returns the socket, *bound_port the port bound. */
int listener_bind(const char *host, int port, int *bound_port, char err[RG_ERR_MAX]);

/* Accepts on fd (taken) from loop's thread. NULL with err. */
struct listener *listener_new(struct loop *loop, int fd, char err[RG_ERR_MAX]);

/* Stops accepting (shutdown); the socket is closed. */
void listener_stop(struct listener *l);
void listener_free(struct listener *l);

#endif
