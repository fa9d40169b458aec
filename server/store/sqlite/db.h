/*
 * db.h - the SQLite store: one file in data_dir, WAL, synchronous=FULL,
 * secure_delete, one writer.
 *
 * Every function runs inside a transaction the caller opened with
 * db_begin() (the writer batches many requests into one), and returns
 * 0, or -1 when the store failed (the caller then rolls back and answers 503).
 *
 * What is kept: per referral, its routing metadata and status times for as
 * long as the gateway runs; its content (subject attributes and body) only
 * until it is acknowledged or expires, then deleted with secure_delete so the
 * bytes are zeroed. client_ref is never stored: only a keyed hash of it, for
 * idempotency.
 *
 * Counters (SPEC §6): an acknowledgement or expiry is counted in the same
 * transaction as the event. A send is counted as accepted later, in bulk,
 * by db_count_accepted(): counting thousands of sends at once writes each
 * distinct counter once instead of once per batch. The waiting sends are
 * tallied as they are stored; after a rollback or a restart they are read
 * back from their rows instead. A mark kept in the store and moved in the
 * same transaction says which sends are counted, so after a crash the
 * others are counted once. Whatever erases content (ack, expiry) or reads
 * counters (db_stats.h) first counts the sends still waiting: no
 * attribute is lost and no reader misses a send.
 */
#ifndef REFGW_DB_H
#define REFGW_DB_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "errors.h"
#include "ids.h"
#include "ops.h"
#include "referral.h"

struct digester;
struct put_digests;

struct db;

/* Opens (creating if needed) data_dir/refgw.db and checks its integrity. */
struct db *db_open(const char *data_dir, char err[RG_ERR_MAX]);

/* Checkpoints and truncates the WAL, so erased content leaves no copy, and closes. */
void db_close(struct db *s);

/* Whether anything secret was erased since the connection was opened: a
 * referral's content (an acknowledgement, an expiry) or a period's exact
 * subject counters (a release). */
bool db_erased_since_refresh(const struct db *s);

/* Opens the writer's connection again and closes the old one, between
 * transactions. SQLite keeps some buffers for as long as a connection is
 * open (a page-sized scratch copy of the last page it edited, and of the
 * last cell it built), which may hold erased content until overwritten;
 * closing frees them, and freeing wipes them (wiping.h). If the new
 * connection cannot be opened the old one serves on: -1. */
int db_refresh(struct db *s);

/* The class of the last failure, for logs ("disk full", "I/O error"...). */
const char *db_error_class(const struct db *s);

int db_begin(struct db *s);
int db_commit(struct db *s);
void db_rollback(struct db *s);
int db_savepoint(struct db *s);
int db_release(struct db *s);
void db_rollback_to(struct db *s);

/* Erases the WAL's old page images (those of erased content among them),
 * called every half minute (refgwd's OP_CHECKPOINT): when the WAL has started again
 * since the last call, what lies past its new frames is zeroed; otherwise it is copied
 * back to its end (a RESTART checkpoint) and zeroed whole, and a busy checkpoint is
 * tried again at the next call. No page image so stays in the WAL two calls long. The
 * file is never truncated (walbuf.h). */
int db_checkpoint(struct db *s);

/* Whether a step of merging client_ref keys (refindex.c) failed since the
 * last call; db_error_class() says how. The batch committed without it: the
 * keys stay in memory and in ref_log, and later batches try again. */
bool db_refs_take_failure(struct db *s);

/* Copies the whole WAL into the database, waiting for a checkpoint running
 * elsewhere to end, so that the next commit starts the WAL from its beginning. */
int db_checkpoint_restart(struct db *s);

/* Frames in the WAL after the last commit (the writer does not checkpoint by
 * itself: see checkpointer.h). Any thread may ask. */
int db_wal_frames(const struct db *s);
const char *db_data_dir(const struct db *s);

/*
 * A digester keyed with this store's secret, for another thread to make the
 * digests db_put needs (digests.h). The caller owns it; it does not need
 * the store once made. NULL if OpenSSL cannot make one.
 */
struct digester *db_digester_new(const struct db *s);

/*
 * Stores a new referral (PUT_CREATED), or finds the one this sender sent with
 * the same client_ref: PUT_DUPLICATE (same content; *state is its state now)
 * or PUT_CONFLICT. id is the new or earlier referral's. d holds r's digests
 * as sent by p->sender (digester_put).
 */
int db_put(struct db *s, const struct rg_referral *r, const struct rg_routing *p,
           const struct put_digests *d, time_t now, char id[RG_ID_LEN + 1],
           enum put_outcome *outcome, enum referral_state *state);

/*
 * Hands out up to limit pending referrals of recipient, oldest first, marking
 * each delivered once more. Stops early once max_bytes of bodies are out.
 */
int db_inbox(struct db *s, const char *recipient, int limit, size_t max_bytes,
             time_t now, struct inbox_item **items, size_t *count);

/* Acknowledges: erases the content and counts. found=false: not this recipient's. */
int db_ack(struct db *s, const char *recipient, const char *id, time_t now,
           bool *found);

/* The sender's view. found=false: unknown id or another sender's. */
int db_status(struct db *s, const char *sender, const char *id,
              struct referral_status *st, bool *found);

/* Expires up to max referrals created before cutoff; *expired says how many. */
int db_expire(struct db *s, time_t cutoff, time_t now, int max, int *expired);

/* Adds rejections by code (counts[code]) to the month's counters. */
int db_add_rejections(struct db *s, time_t now, const unsigned counts[RG_CODE_COUNT]);

/* Counts as accepted, each in the month it was stored, the sends not yet
 * counted, and moves the mark past them. */
int db_count_accepted(struct db *s);

/* How many sends wait to be counted (at least; after a rollback, 1 if unsure). */
long db_uncounted(const struct db *s);

/* A read whose cost does not grow with the store: can it answer at all? */
int db_ping(struct db *s);

/* Fails the op at hand on purpose (the store refuses it; the store works):
 * db_error_class() has no class for it. Returns -1. */
int db_refuse(struct db *s);

/* ---- the disk reserve (space.c; room.h says how it works) ---- */

/* Before a batch, outside a transaction: measures what the store may still
 * write, truncating the WAL when less than `need` bytes are left (or sends
 * are refused), then if `drains` (the batch's first op drains the store)
 * releasing the reserve file when that was not enough; makes the file again
 * once there is room. Returns the bytes the batch may write. */
long long db_space_prepare(struct db *s, long long need, bool drains);

/* Whether sends are refused now: as of the last db_space_prepare, or
 * because one was refused since. */
bool db_space_degraded(const struct db *s);

/* Whether the disk is short enough that sends should be counted in the
 * batch that stores them (their counting's cost then leaves no debt). */
bool db_space_short(const struct db *s);

/* The reserve's accounts, for the writer's costs of ops. */
struct room *db_room(struct db *s);

/* What releasing the ended subject periods may write (inside the
 * transaction), or -1 if the store cannot say. */
long long db_space_release_cost(struct db *s);

#endif
