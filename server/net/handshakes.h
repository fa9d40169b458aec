/*
 * handshakes.h - the connections still in their TLS handshake, per loop, in
 * the order they were accepted, so that at max_connections a new connection
 * can evict the oldest of them on any loop (SPEC §8): a flood of connections
 * that never authenticate cannot lock partners out, and a connection whose
 * handshake has completed is never chosen.
 *
 * Each loop has a queue. Its connections join it when adopted and leave it
 * when their handshake completes or they close, on the loop's own thread.
 * The listener (loop 0's thread) chooses with every queue locked, so a
 * connection is either chosen or through its handshake, never both:
 * handshakes_done() says which. A connection chosen on the listener's own
 * loop is closed at once; on another loop, that loop closes it soon (a task
 * through loop_post). At most HANDSHAKES_IN_FLIGHT evictions are on their
 * way to other loops at a time: each still holds a descriptor, and refgwd's
 * descriptor limit is max_connections + 64.
 *
 * Private to the network layer.
 */
#ifndef REFGW_HANDSHAKES_H
#define REFGW_HANDSHAKES_H

#include <stdbool.h>

#define HANDSHAKES_IN_FLIGHT 16

struct loop;
struct handshakes;

enum hs_where { HS_NONE, HS_WAITING, HS_EVICTED };

/* Embedded in a connection; zeroed, it is in no queue. */
struct hs_entry {
    struct hs_entry *prev, *next;
    unsigned long long seq; /* accept order */
    enum hs_where where;    /* under its queue's lock */
};

/* loop's queue; close_evicted(e) closes a chosen connection on loop's
 * thread, and must end in handshakes_remove(). NULL when out of memory. */
struct handshakes *handshakes_new(struct loop *loop,
                                  void (*close_evicted)(struct hs_entry *e));

/* Once its connections are closed (each has left the queue). */
void handshakes_free(struct handshakes *q);

/* The connection accepted as number seq begins its handshake. */
void handshakes_add(struct handshakes *q, struct hs_entry *e, unsigned long long seq);

/* Its handshake completed: true, and it has left the queue; false if it was
 * chosen for eviction meanwhile, and the caller closes it. */
bool handshakes_done(struct handshakes *q, struct hs_entry *e);

/* The connection closes, whatever the reason: it leaves the queue. */
void handshakes_remove(struct handshakes *q, struct hs_entry *e);

/*
 * From the listener, on here's thread: evicts the connection accepted first
 * among every queue's (or, with HANDSHAKES_IN_FLIGHT evictions already on
 * their way to other loops, the first of here's own). 0, or -1 when there is
 * none to evict.
 */
int handshakes_evict_oldest(struct handshakes *const *queues, int count,
                            struct handshakes *here);

#endif
