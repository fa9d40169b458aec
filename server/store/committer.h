/*
 * committer.h - group commit: one thread owns the store and runs queued ops
 * in batches, one transaction and one fsync per batch.
 *
 * Each op runs in its own savepoint, so one op's failure does not undo the
 * others; if the commit itself fails, every op of the batch is marked failed.
 * Only after the commit returns is each op handed back to the event loop that
 * sent it (op->loop, where op->done runs), so a 202 is never sent before its
 * referral is durable.
 */
#ifndef REFGW_COMMITTER_H
#define REFGW_COMMITTER_H

#include <stdbool.h>

#include "ops.h"

struct committer;

/* Takes ownership of store. */
struct committer *committer_new(struct store *store);

/* Queues op (from any thread); its done() runs later on op->loop. */
void committer_submit(struct committer *c, struct op *op);

/* Whether the last batch (or the opening, before any) committed. */
bool committer_healthy(struct committer *c);

/* The class of the last store failure, for the log ("disk full"); NULL if none new. */
const char *committer_take_error(struct committer *c);

/* Runs what is queued, stops the thread, closes the store (checkpointing it).
 * The ops it completes meanwhile wait in their loops' mailboxes. */
void committer_free(struct committer *c);

#endif
