/*
 * store.h - the durable store: SQLite in data_dir, WAL, synchronous=FULL,
 * secure_delete, one writer.
 *
 * Every function runs inside a transaction the caller opened with
 * store_begin() (the committer batches many requests into one), and returns
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
 * by store_count_accepted(): counting thousands of sends at once writes each
 * distinct counter once instead of once per batch. The waiting sends are
 * tallied as they are stored; after a rollback or a restart they are read
 * back from their rows instead. A mark kept in the store and moved in the
 * same transaction says which sends are counted, so after a crash the
 * others are counted once. Whatever erases content (ack, expiry) or reads
 * counters (store_stats.h) first counts the sends still waiting: no
 * attribute is lost and no reader misses a send.
 */
#ifndef REFGW_STORE_H
#define REFGW_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "errors.h"
#include "ids.h"
#include "referral.h"

struct digester;
struct put_digests;

#define STORE_ERR_MAX 256

struct store;

/* Opens (creating if needed) data_dir/refgw.db and checks its integrity. */
struct store *store_open(const char *data_dir, char err[STORE_ERR_MAX]);

/* Checkpoints and truncates the WAL, so erased content leaves no copy, and closes. */
void store_close(struct store *s);

/* The class of the last failure, for logs ("disk full", "I/O error"...). */
const char *store_error_class(const struct store *s);

int store_begin(struct store *s);
int store_commit(struct store *s);
void store_rollback(struct store *s);
int store_savepoint(struct store *s);
int store_release(struct store *s);
void store_rollback_to(struct store *s);

/* Truncates the WAL so old page images of erased content are gone (a busy
 * checkpoint is not a failure: it is tried again later). */
int store_checkpoint(struct store *s);

/* Copies the whole WAL into the database, waiting for a checkpoint running
 * elsewhere to end, so that the next commit starts the WAL from its beginning. */
int store_checkpoint_restart(struct store *s);

/* Frames in the WAL after the last commit (the writer does not checkpoint by
 * itself: see checkpointer.h). */
int store_wal_frames(const struct store *s);
const char *store_data_dir(const struct store *s);

/* The parties of a referral, as the configuration names them at send time. */
struct parties {
    const char *sender, *sender_type, *recipient, *recipient_type;
};

enum put_outcome { PUT_CREATED, PUT_DUPLICATE, PUT_CONFLICT };

struct referral_status;
enum referral_state {
    STATE_QUEUED,
    STATE_DELIVERED,
    STATE_ACKNOWLEDGED,
    STATE_EXPIRED
};

/*
 * A digester keyed with this store's secret, for another thread to make the
 * digests store_put needs (digests.h). The caller owns it; it does not need
 * the store once made. NULL if OpenSSL cannot make one.
 */
struct digester *store_digester_new(const struct store *s);

/*
 * Stores a new referral (PUT_CREATED), or finds the one this sender sent with
 * the same client_ref: PUT_DUPLICATE (same content; *state is its state now)
 * or PUT_CONFLICT. id is the new or earlier referral's. d holds r's digests
 * as sent by p->sender (digester_put).
 */
int store_put(struct store *s, const struct rg_referral *r, const struct parties *p,
              const struct put_digests *d, time_t now, char id[RG_ID_LEN + 1],
              enum put_outcome *outcome, enum referral_state *state);

struct inbox_item {
    char id[RG_ID_LEN + 1];
    char from[RG_ORG_ID_MAX + 1];
    char from_type[RG_VALUE_MAX];
    time_t created_at;
    char signal[RG_VALUE_MAX];
    char urgency[RG_VALUE_MAX];
    char subject[RG_SUBJECT_ATTRS][RG_VALUE_MAX];
    char *body;
    size_t body_len;
    int deliveries; /* this delivery included */
};

/*
 * Hands out up to limit pending referrals of recipient, oldest first, marking
 * each delivered once more. Stops early once max_bytes of bodies are out.
 */
int store_inbox(struct store *s, const char *recipient, int limit, size_t max_bytes,
                time_t now, struct inbox_item **items, size_t *count);
void store_items_free(struct inbox_item *items, size_t count);

/* Acknowledges: erases the content and counts. found=false: not this recipient's. */
int store_ack(struct store *s, const char *recipient, const char *id, time_t now,
              bool *found);

const char *referral_state_name(enum referral_state st);

struct referral_status {
    char to[RG_ORG_ID_MAX + 1];
    enum referral_state state;
    time_t created_at, delivered_at, acknowledged_at; /* 0: not yet */
};

/* The sender's view. found=false: unknown id or another sender's. */
int store_status(struct store *s, const char *sender, const char *id,
                 struct referral_status *st, bool *found);

/* Expires up to max referrals created before cutoff; *expired says how many. */
int store_expire(struct store *s, time_t cutoff, time_t now, int max, int *expired);

/* Adds rejections by code (counts[code]) to the month's counters. */
int store_add_rejections(struct store *s, time_t now,
                         const unsigned counts[RG_CODE_COUNT]);

/* Counts as accepted, each in the month it was stored, the sends not yet
 * counted, and moves the mark past them. */
int store_count_accepted(struct store *s);

/* How many sends wait to be counted (at least; after a rollback, 1 if unsure). */
long store_uncounted(const struct store *s);

/* A read whose cost does not grow with the store: can it answer at all? */
int store_ping(struct store *s);

#endif
