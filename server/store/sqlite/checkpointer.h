/*
 * checkpointer.h - copies the WAL back into the database file from a thread
 * and a connection of its own, so that the writer never stalls on it.
 *
 * The store's writer connection does not checkpoint inside its commits (its
 * WAL hook replaces SQLite's automatic checkpoints). This thread runs PASSIVE
 * checkpoints, which never block the writer, in large steps: once
 * CHECKPOINT_STEP_FRAMES frames wait uncopied (and at least once a second).
 * Each page is then copied once per step rather than once per batch, and the
 * database file sees fewer, larger writes and syncs: under a steady stream of
 * sends the disk, not the processor, is what limits the writer.
 *
 * The WAL only starts again from its beginning once fully copied, which a
 * steady stream never allows on its own. So once the WAL holds a step, the
 * thread keeps copying what arrived during its last pass until it is within
 * CHECKPOINT_SLACK_FRAMES of the writer, and the writer then completes the
 * checkpoint itself between batches, copying at most those few frames. Past
 * CHECKPOINT_MAX_FRAMES (the thread cannot keep up, or never started) the
 * writer completes it whatever is left. Erasing old page images (every half
 * minute, db_checkpoint; at shutdown, a TRUNCATE checkpoint) stays with the
 * writer.
 */
#ifndef REFGW_CHECKPOINTER_H
#define REFGW_CHECKPOINTER_H

#include <stdbool.h>

#define CHECKPOINT_STEP_FRAMES 32000 /* 128 MiB of 4 KiB pages */
#define CHECKPOINT_SLACK_FRAMES 256
#define CHECKPOINT_MAX_FRAMES (4 * CHECKPOINT_STEP_FRAMES)

struct checkpointer;

/* Opens its own connection to data_dir's store and starts the thread. */
struct checkpointer *checkpointer_start(const char *data_dir);

/* The writer committed and the WAL holds frames: checkpoint if due. */
void checkpointer_nudge(struct checkpointer *c, int frames);

/* Whether the writer should complete the checkpoint now, with the WAL
 * holding frames: it is large and the thread has copied all but a few of
 * them (or there is no thread), or it has grown past the bound. */
bool checkpointer_restart_due(struct checkpointer *c, int frames);

/* Stops the thread and closes its connection. */
void checkpointer_stop(struct checkpointer *c);

#endif
