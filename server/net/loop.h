/*
 * loop.h - one event loop thread and what it owns: its connections and its
 * parked long-polls. The first loop also accepts, and hands connections to
 * the loops in turn.
 *
 * Other threads talk to a loop only through its mailbox: completed store ops
 * (their done() then runs on the loop), organisations whose long-polls to
 * wake, a re-check of connections after a reload, and stop.
 */
#ifndef REFGW_LOOP_H
#define REFGW_LOOP_H

#include <stdbool.h>
#include <time.h>

#include "app.h"
#include "conn.h"

struct digester;
struct op;
struct loop;

struct loop *loop_new(struct app *app);

/* Accepts connections on fd (taking it). */
int loop_listen(struct loop *l, int fd, char err[LISTEN_ERR_MAX]);

/* Runs the loop in a thread of its own, or in the calling thread until stopped. */
int loop_start_thread(struct loop *l);
void loop_run(struct loop *l);
void loop_join(struct loop *l);

/* After every loop has ended and the committer is gone: completes what each
 * mailbox holds (ops the committer handed back late), and only then closes
 * the connections and frees the loops. A late op may wake long-polls on
 * every loop (app_referral_arrived), so no loop is freed while another's
 * mail may still post to it; wakes posted to a loop already done are
 * dropped, as no one waits any more. */
void loop_free_all(struct loop **loops, int count);

struct event_base *loop_base(struct loop *l);
struct waiters *loop_waiters(struct loop *l);

/* The loop's own digester (digests.h), set before its thread starts; the
 * loop takes ownership. */
void loop_set_digester(struct loop *l, struct digester *d);
struct digester *loop_digester(struct loop *l);

/* Thread-safe. loop_deliver hands back ops linked through op->next, in
 * order, with one lock and one wake-up for them all. */
void loop_deliver(struct loop *l, struct op *ops);
void loop_wake(struct loop *l, const char *org_id);

/*
 * Long-polls alive on the loop: counted from the request until the call is
 * freed, so that a referral's arrival wakes only loops where one may wait.
 * Counted before the inbox op is queued, a poll is seen by every send the
 * committer runs after that op (the committer's and the mailboxes' locks
 * order them).
 */
void loop_longpolls_add(struct loop *l, long n);
bool loop_has_longpolls(struct loop *l);

/* An accepted, counted socket for this loop to serve. */
void loop_adopt(struct loop *l, int fd);
void loop_recheck(struct loop *l);
/* Stop accepting, answer parked long-polls, and end once no request is in
 * flight or at deadline. */
void loop_stop(struct loop *l, time_t deadline);

#endif
