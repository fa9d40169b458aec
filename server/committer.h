/*
 * committer.h - group commit: one thread owns the store and runs queued ops
 * in batches, one transaction and one fsync per batch.
 *
 * Each op runs in its own savepoint, so one op's failure does not undo the
 * others; if the commit itself fails, every op of the batch is marked failed.
 * Only after the commit returns are the ops handed back to the event loop
 * (op->done), so a 202 is never sent before its referral is durable.
 */
#ifndef REFGW_COMMITTER_H
#define REFGW_COMMITTER_H

#include <stdbool.h>

#include <event2/event.h>

#include "ops.h"

struct committer;

/* Takes ownership of store; completions run on base's loop. */
struct committer *committer_new(struct store *store, struct event_base *base);

/* Queues op; its done() runs later on the loop thread. */
void committer_submit(struct committer *c, struct op *op);

/* Whether the last batch (or the opening, before any) committed. */
bool committer_healthy(struct committer *c);

/* Ops queued or executing, for the shutdown drain. */
int committer_in_flight(struct committer *c);

/* The class of the last store failure, for the log ("disk full"); NULL if none new. */
const char *committer_take_error(struct committer *c);

/* Runs what is queued, stops the thread, closes the store (checkpointing it). */
void committer_free(struct committer *c);

#endif
