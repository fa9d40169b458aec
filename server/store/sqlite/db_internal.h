/*
 * db_internal.h - the SQLite store's private parts, shared only by the files
 * that implement db.h and db_stats.h: open and transactions (db.c),
 * referral operations (referrals.c), counting (counting.c), count queries
 * (db_stats.c). Nothing else includes this.
 */
#ifndef REFGW_DB_INTERNAL_H
#define REFGW_DB_INTERNAL_H

#include <sqlite3.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include "digests.h"
#include "idperm.h"
#include "room.h"
#include "tally.h"

#define SECRET_LEN 32
/* How long the writer waits for a lock another connection holds. */
#define DB_BUSY_MS 5000

enum stmt_id {
    S_BEGIN,
    S_COMMIT,
    S_ROLLBACK,
    S_SAVEPOINT,
    S_RELEASE,
    S_ROLLBACK_TO,
    S_FIND_REF,
    S_INSERT_REFERRAL,
    S_INSERT_CONTENT,
    S_SELECT_PENDING,
    S_MARK_DELIVERED,
    S_SELECT_FOR_END,
    S_DELETE_CONTENT,
    S_INSERT_TAIL,
    S_DELETE_TAIL,
    S_MARK_ACKED,
    S_MARK_EXPIRED,
    S_SELECT_EXPIRED,
    S_STATUS,
    S_FLOW_COUNT,
    S_SUBJECT_COUNT,
    S_REJECTION,
    S_PING,
    S_SELECT_UNCOUNTED,
    S_SET_COUNTED,
    S_COUNT_UNCOUNTED,
    S_RUNNING_PERIODS,
    S_PERIOD_CELLS,
    S_PUBLISH,
    S_ERASE_PERIOD,
    S_MARK_RELEASED,
    S_RELEASED_ROWS,
    S_PAGE_COUNT,
    S_FREELIST_COUNT,
    S_SEQ_OF_ID,
    S_REF_SEQ,
    S_LOG_REF,
    S_MERGE_REF,
    S_DROP_REF_LOG,
    S_READ_REF_LOG,
    S_READ_REFS_AFTER,
    S_COUNT_STMTS
};

struct db;

/* schema.c: the tables, and each statement's SQL. */
extern const char db_schema[];
extern const char db_referrals_rebuild[]; /* schema 2's referrals to 3's */
extern const char *const db_stmt_sql[S_COUNT_STMTS];

/* migrate.c: creates the schema, or brings an older store to it (*migrated),
 * in one transaction; refuses a newer one (err says so). 0 or -1. */
int db_migrate(struct db *s, char err[RG_ERR_MAX], bool *migrated);

struct db {
    sqlite3 *db;
    sqlite3_stmt *stmt[S_COUNT_STMTS];
    unsigned char secret[SECRET_LEN]; /* keys the digests (store_digester_new) */
    struct rg_idperm *ids;            /* ids from seqs, keyed from the secret */
    struct refindex *refs;            /* the client_ref keys (refindex.c) */
    int last_error;
    char *data_dir;
    long long page_size;
    struct room *room;           /* the disk reserve (room.h) */
    struct room_cost room_at_op; /* what was charged at the op's savepoint */
    /* The last op failed because a send was refused for room, not because
     * the store failed; whether any was since the last survey; whether that
     * survey found sends refused; whether the disk is short enough that
     * every batch counts its sends (space.c). */
    bool refused, refused_since_survey, degraded, short_of_room;
    /* The database's pages and free pages as the last commit left them,
     * read inside its transaction (db_space_note): the survey's, while
     * pages_known. A rollback makes them unknown again. */
    long long pages, free_pages;
    bool pages_known;
    /* Counter increments of the current op (inside a savepoint) and of the
     * batch; written by db_commit(). */
    struct tally *op_counts, *batch_counts;
    bool in_savepoint;
    int wal_frames;            /* after the last commit; atomic (the check reads it) */
    long long wal_starts_seen; /* walbuf_wal_starts at the last db_checkpoint */
    /* Sends stored since sends were last counted; never fewer than wait: a
     * put undone by a rollback stays in it, and a rollback that may have
     * undone a counting makes it at least 1. */
    long uncounted;
    /* The sends waiting to be counted, tallied as they are stored, so that
     * counting them need not read them back: those committed (accepted) and
     * those of this transaction (batch_accepted). Exact only while no
     * rollback has happened since sends were last counted; counting then
     * reads the sends from the table instead, and the tally is exact again
     * once that counting commits (counting.c: db_count_accepted). */
    struct tally *accepted, *batch_accepted;
    bool accepted_exact;
    bool counted_in_op, counted_in_tx; /* this savepoint, this transaction */
    bool exact_after_commit;           /* counted from the table, no rollback since */
    long long last_put_seq;
    bool erased; /* content or exact counters erased since the connection opened */
};

/* A referral's routing and subject as read back for counting an event. */
struct ending {
    long long seq;
    int state;
    struct rg_routing route;
    char subject[RG_SUBJECT_ATTRS][RG_VALUE_MAX];
    uint32_t rkey; /* its record key (SPEC §6) */
};

/* Records a failed SQLite call's code for db_error_class(); returns -1. */
int db_failed(struct db *s, int rc);

/* A send refused for room (space.c): not a failure of the store, so
 * db_error_class() has no class for it; returns -1. */
int db_space_refuse(struct db *s);

/* Notes the pages the transaction at hand leaves, for the next survey:
 * called as it is about to commit (space.c). */
void db_space_note(struct db *s);

/* Resets a statement for reuse; bindings are cleared so no content lingers. */
static inline sqlite3_stmt *db_prepared(struct db *s, enum stmt_id id)
{
    sqlite3_stmt *st = s->stmt[id];
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return st;
}

/* Runs a statement that returns no row; 0 or -1. */
static inline int db_run(struct db *s, enum stmt_id id)
{
    sqlite3_stmt *st = db_prepared(s, id);
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? 0 : db_failed(s, rc);
}

static inline void db_bind_text(sqlite3_stmt *st, int i, const char *v)
{
    sqlite3_bind_text(st, i, v, -1, SQLITE_STATIC);
}

/* src into dst (size > 0), cut to fit. Not snprintf: counting copies a
 * dozen fields for every send, and printf's machinery showed in profiles. */
static inline void db_copy_str(char *dst, size_t size, const char *src)
{
    size_t n = strnlen(src, size - 1);
    memcpy(dst, src, n);
    dst[n] = '\0';
}

static inline void db_column_copy(sqlite3_stmt *st, int col, char *dst, size_t size)
{
    const unsigned char *v = sqlite3_column_text(st, col);
    db_copy_str(dst, size, v ? (const char *)v : "");
}

/* The permutation of ids (idperm.h), its key derived from the store's
 * secret; 0 or -1. referrals.c */
int db_ids_open(struct db *s);

/* Columns 0 and 2-16 of S_SELECT_FOR_END and S_SELECT_UNCOUNTED (column 1
 * differs: the state or the creation time). referrals.c */
void db_read_ending(sqlite3_stmt *st, struct ending *e);

/* ---- counting.c: the counters' side of events and transactions ---- */

/* One event of the referral e, counted with this op (inside a savepoint)
 * or transaction. */
int db_count_event(struct db *s, time_t now, const char *event, const struct ending *e);

/* A send stored now, to be counted as accepted later (db_count_accepted). */
int db_count_put(struct db *s, time_t now, const struct ending *e);

/* Around an op's savepoint: opened; released (0 or -1); undone. */
void db_counts_op_begin(struct db *s);
int db_counts_op_release(struct db *s);
void db_counts_op_undo(struct db *s);

/* Around a transaction: write its counters before the commit (0 or -1);
 * after the commit; after a rollback. */
int db_counts_write(struct db *s);
void db_counts_committed(struct db *s);
void db_counts_rolled_back(struct db *s);

/* Counts the sends waiting to be counted and writes the current tally (the
 * op's inside a savepoint, else the batch's) to the counts table, so that a
 * query of the counts that follows sees every event. */
int db_counts_settle(struct db *s);

/* ---- refindex.c: the client_ref keys, kept for ever ---- */

/* Keys in memory that start a merge into the refs table, and keys merged
 * per batch: a step adds a few hundred pages at most to its batch. */
#define DB_REFS_MERGE_AT 8192
#define DB_REFS_MERGE_STEP 256
/* Keys of refs read into the filter per batch (and one step at open), until
 * all are: well under a millisecond a step, so neither the start nor a
 * batch waits long, however large the store. */
#define DB_REFS_FILTER_STEP 2048

/* Reads the keys not yet merged back from ref_log; 0 or -1. */
int db_refs_open(struct db *s);
void db_refs_close(struct db *s);

/* Whether a sender's client_ref key is known; then *seq is its referral's.
 * 0 or -1. */
int db_ref_find(struct db *s, const unsigned char key[DIGEST_LEN], long long *seq,
                bool *found);
/* Records the key of the referral seq (stored in this op); 0 or -1. */
int db_ref_add(struct db *s, const unsigned char key[DIGEST_LEN], long long seq);

/* Around an op's savepoint: opened; undone. */
void db_refs_op_begin(struct db *s);
void db_refs_op_undo(struct db *s);

/* Before the commit: one step of merging the keys into the refs table when
 * one is due (a step that fails is done again by a later batch, and
 * db_refs_take_failure says so). After the commit; after a rollback. */
void db_refs_merge(struct db *s);
/* Before the commit too: one step of reading refs into the filter, until
 * it holds them all; a step that fails is read again by a later batch. */
void db_refs_filter_step(struct db *s);
void db_refs_committed(struct db *s);
void db_refs_rolled_back(struct db *s);

#endif
