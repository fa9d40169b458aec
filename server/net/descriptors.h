/*
 * descriptors.h - what connections hold of the descriptor limit.
 *
 * The connections counter (counters.h) counts every accepted socket until
 * its descriptor is closed, so that the listener can keep the descriptors
 * in use within the limit. A refused socket is closed at once; a connection's
 * is closed by libevent when it finalizes the bufferevent, after the callback
 * that freed it, so it is released from the count on its loop's next turn.
 *
 * The listener reads the limit and the descriptors open now to know how
 * many connections over max_connections it may hold for a moment: those
 * evicted at max_connections whose descriptors are not closed yet.
 * Private to the network layer.
 */
#ifndef REFGW_DESCRIPTORS_H
#define REFGW_DESCRIPTORS_H

struct event_base;
struct descriptors;
struct net;

/* One per loop of net; NULL when out of memory. */
struct descriptors *descriptors_new(struct event_base *base, struct net *net);

/* Counts what is still pending out, then frees. */
void descriptors_free(struct descriptors *d);

/* A connection's descriptor is being closed: uncounted on the loop's next turn
 * (the loop's thread only). */
void descriptors_release_later(struct descriptors *d);

/* The descriptor limit (LONG_MAX without one), and the descriptors open in
 * this process now (-1 if it cannot tell). */
long descriptors_limit(void);
long descriptors_open(void);

#endif
