/*
 * worker.h - one thread's share of the load: its connections, the open-loop
 * schedule of its requests, and what each mode's connections do.
 *
 * Scheduling is open-loop: with a rate, request n is due at t_start + n/rate
 * whether or not a connection is free then, and its latency is counted from
 * that due time, so time spent queueing for a connection is part of it (no
 * coordinated omission). Without a rate each free connection sends at once.
 */
#ifndef BENCH_WORKER_H
#define BENCH_WORKER_H

#include <stddef.h>

#include "bench.h"

/* Sets up worker index of nworkers for b's mode. Returns 0, or -1 with a
 * message in err. */
int worker_init(struct worker *w, const struct bench *b, unsigned index,
                unsigned nworkers, char *err, size_t errlen);

/* Opens the connections and runs the event loop until this worker's part is
 * over: the window (and e2e's drain) has ended, or idle has opened them all. */
void worker_run(struct worker *w);

/* Counts what can only be counted at the end (e2e: lost and foreign ids). */
void worker_finish(struct worker *w);

/* Closes every connection and frees everything. */
void worker_free(struct worker *w);

#endif
