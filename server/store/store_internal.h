/*
 * store_internal.h - the store's private parts, shared only by the files
 * that implement store.h and store_stats.h. Nothing else includes this.
 */
#ifndef REFGW_STORE_INTERNAL_H
#define REFGW_STORE_INTERNAL_H

#include <sqlite3.h>
#include <stdbool.h>

#include "digests.h"
#include "tally.h"

#define SECRET_LEN 32

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
    S_MARK_ACKED,
    S_MARK_EXPIRED,
    S_SELECT_EXPIRED,
    S_STATUS,
    S_COUNT,
    S_REJECTION,
    S_PING,
    S_SELECT_UNCOUNTED,
    S_SET_COUNTED,
    S_COUNT_UNCOUNTED,
    S_COUNT_STMTS
};

struct store {
    sqlite3 *db;
    sqlite3_stmt *stmt[S_COUNT_STMTS];
    unsigned char secret[SECRET_LEN]; /* keys the digests (store_digester_new) */
    int last_error;
    char *data_dir;          /* for the free-space check */
    bool room, room_checked; /* its answer, and whether this transaction has one */
    size_t bytes_since_room_check;
    /* Counter increments of the current op (inside a savepoint) and of the
     * batch; written by store_commit(). */
    struct tally *op_counts, *batch_counts;
    bool in_savepoint;
    int wal_frames; /* after the last commit */
    /* Sends stored since sends were last counted; never fewer than wait: a
     * put undone by a rollback stays in it, and a rollback that may have
     * undone a counting makes it at least 1. */
    long uncounted;
    /* The sends waiting to be counted, tallied as they are stored, so that
     * counting them need not read them back: those committed (accepted) and
     * those of this transaction (batch_accepted). Exact only while no
     * rollback has happened since sends were last counted; counting then
     * reads the sends from the table instead, and the tally is exact again
     * once that counting commits (store.c: store_count_accepted). */
    struct tally *accepted, *batch_accepted;
    bool accepted_exact;
    bool counted_in_op, counted_in_tx; /* this savepoint, this transaction */
    bool exact_after_commit;           /* counted from the table, no rollback since */
    long long last_put_seq;
};

/* Records a failed SQLite call's code for store_error_class(); returns -1. */
int store_failed(struct store *s, int rc);

/* Counts the sends waiting to be counted and writes the current tally (the
 * op's inside a savepoint, else the batch's) to the counts table, so that a
 * query of the counts that follows sees every event. */
int store_counts_settle(struct store *s);

#endif
