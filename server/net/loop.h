/*
 * loop.h - one event loop thread and what it owns: its connections (conn.h)
 * and a mailbox, the only way other threads reach it (loop_post in net.h).
 * Private to the network layer.
 */
#ifndef REFGW_LOOP_H
#define REFGW_LOOP_H

#include <stdbool.h>
#include <time.h>

#include "net.h"

struct conns;

/* A loop of net n; NULL when out of memory. */
struct loop *loop_new(struct net *n);

/* Runs the loop in a thread of its own, or in the calling thread until stopped. */
int loop_start_thread(struct loop *l);
void loop_run(struct loop *l);
void loop_join(struct loop *l);

struct event_base *loop_base(struct loop *l);
struct conns *loop_conns(struct loop *l);
struct net *loop_net(struct loop *l);

/* Hands an accepted, counted socket to the loop (from loop 0's thread);
 * seq is its place in accept order. */
void loop_adopt(struct loop *l, int fd, unsigned long long seq);

/* After a reload: re-check the loop's connections against the new
 * configuration and CRL (from any thread). */
void loop_recheck(struct loop *l);

/* Stop accepting, and end once no request is in flight or at deadline. */
void loop_stop(struct loop *l, time_t deadline);

/* Runs what the mailbox holds now; whether there was anything. */
bool loop_run_mail(struct loop *l);

/* After every loop's thread has ended: runs what the mailboxes hold until
 * all are quiet, and only then closes connections and frees the loops. What
 * the store hands back late may post to any loop (a send wakes long-polls
 * everywhere), so no loop may be gone while another's mail still runs. */
void loop_free_all(struct loop **loops, int count);

#endif
