/*
 * net_internal.h - what the network layer's own modules (loop, listener,
 * conn) ask of the net they belong to. Nothing outside net/ includes this.
 */
#ifndef REFGW_NET_INTERNAL_H
#define REFGW_NET_INTERNAL_H

#include "net.h"

/* At most this many event loops, whatever the number of processors. */
#define LOOPS_MAX 16

const struct net_hooks *net_hooks(struct net *n);
struct counters *net_counters(struct net *n);

/* The current TLS context (a reference the caller drops). */
struct tls_server *net_tls(struct net *n);

/* The loop that serves the next accepted connection (round robin). */
struct loop *net_next_loop(struct net *n);

/* A loop begins to stop (on its thread): tells the layer above. */
void net_loop_stopping(struct net *n, struct loop *l);

#endif
