/*
 * worker_internal.h - what worker.c (the schedule, the requests, the
 * worker's life) shares with the roles of its connections: worker_roles.c
 * (senders, GETs, handshakes, idle) and worker_e2e.c (e2e's recipients and
 * the matching of sends with receipts). Not for the rest of refgw-bench.
 */
#ifndef BENCH_WORKER_INTERNAL_H
#define BENCH_WORKER_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <event2/event.h>

#include "bench.h"
#include "idtab.h"

#define BACKOFF_MS 100 /* before reconnecting or retrying after a failure */
/* Request line and headers, in front of the body: the longest host (255),
 * path (200) and ack path fit with room to spare. */
#define HEADER_ROOM 1024

/* ---- worker.c: scheduling ---- */

/* c is free for the next due request (once; removal is lazy). */
void wk_ready_push(struct conn *c);
/* Starts every request that is due while a connection is free. */
void wk_dispatch(struct worker *w);
void wk_arm(struct event *ev, uint64_t delay_ns);
/* Runs c's role retry after ms milliseconds. */
void wk_later(struct conn *c, unsigned ms);
/* Opens c, or tries again a little later. */
void wk_reopen(struct conn *c);
/* This worker's part is over: its loop ends. */
void wk_finish(struct worker *w);
int wk_conn_init(struct worker *w, struct conn *c, const struct target *t,
                 enum conn_role role, const struct conn_ops *ops,
                 const struct ident *id);

/* ---- worker.c: requests and answers ---- */

unsigned wk_request_timeout(const struct worker *w);
/* The request line and headers put in front of the body already written at
 * w->scratch + HEADER_ROOM: one write; *len its whole length. */
const char *wk_frame(struct conn *c, const char *method, const char *path,
                     const char *extra, size_t body_len, size_t *len);
/* A bodiless GET; close asks the server to end the connection after it. */
const char *wk_get_request(struct conn *c, const char *path, bool close, size_t *len);
/* A referral as the API describes it, into out. */
size_t wk_referral_json(struct worker *w, char *out, size_t cap);
/* Counts an answer; true if it has the expected status. */
bool wk_count_answer(struct worker *w, int status, int expected, const char *body,
                     size_t len, uint64_t now);
void wk_record_latency(struct worker *w, struct conn *c, uint64_t now);
/* Whether an id can go into a path as it is (ids are URL-safe by contract). */
bool wk_id_url_safe(const char *s, size_t len);

/* ---- worker_roles.c ---- */

extern const struct conn_ops sender_ops, getter_ops, hs_ops, idle_ops;
void sender_start(struct conn *c, uint64_t due);
void getter_start(struct conn *c, uint64_t due);
void hs_start(struct conn *c, uint64_t due);
/* idle: opens more connections, at most max_connecting at once. */
void idle_more(struct worker *w);

/* ---- worker_e2e.c ---- */

/* Every measured 202 has been received. */
bool e2e_drained(const struct worker *w);
/* A 202's id (body is its answer), at now. */
void e2e_accepted(struct worker *w, const char *body, size_t len, uint64_t now);
/* For idtab_walk at the end: lost and foreign ids, into arg (struct stats). */
void e2e_count_leftovers(const struct id_entry *e, void *arg);
/* The recipients' pollers and ackers. 0, or -1 out of memory. */
int recipients_init(struct worker *w);

#endif
