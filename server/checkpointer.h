/*
 * checkpointer.h - copies the WAL back into the database file from a thread
 * and a connection of its own, so that the writer never stalls on it.
 *
 * The store's writer connection does not checkpoint inside its commits (its
 * WAL hook replaces SQLite's automatic checkpoints). This thread runs PASSIVE
 * checkpoints, which never block the writer, whenever the WAL has grown past
 * a threshold and at least once a second. Under a steady stream such passes
 * never quite catch up, and the WAL only starts again from its beginning once
 * fully copied: past a higher bound the writer completes a checkpoint itself
 * between batches. The TRUNCATE checkpoints that erase old page images (every
 * minute and at shutdown) stay with the writer.
 */
#ifndef REFGW_CHECKPOINTER_H
#define REFGW_CHECKPOINTER_H

#define CHECKPOINT_FRAMES 1000

struct checkpointer;

/* Opens its own connection to data_dir's store and starts the thread. */
struct checkpointer *checkpointer_start(const char *data_dir);

/* The writer committed and the WAL holds frames: checkpoint soon if many. */
void checkpointer_nudge(struct checkpointer *c, int frames);

/* Stops the thread and closes its connection. */
void checkpointer_stop(struct checkpointer *c);

#endif
