/*
 * refindex.c - the client_ref keys of the SQLite store: which referral a
 * sender's client_ref named, for ever (SPEC §5: a resend after the end
 * still gets its id).
 *
 * A key lives in one of two places. A new one is appended to ref_log (keyed
 * by seq, so a batch's keys share a leaf) and added to the in-memory map
 * (refmap.h). Once the map holds DB_REFS_MERGE_AT keys, the writer merges them into
 * the refs table (keyed by ref_key) in key order, DB_REFS_MERGE_STEP keys per
 * batch, then deletes them from ref_log and the map in the transaction of
 * the last step. A merge of K sorted keys dirties each leaf of refs once,
 * where K sends would each dirty a random leaf of their own. A crash in
 * the middle leaves the keys in ref_log, and the next merge inserts again
 * what is already in refs (OR IGNORE). At open the map is read back from
 * ref_log: at most a merge's worth of rows, so the start stays fast.
 *
 * A key not in the map is looked for in refs only if the filter
 * (keyfilter.h) says it may be there: a new client_ref, nearly every
 * send's, costs no descent of refs. The filter holds every key merged since
 * the store opened, and those refs held then, read in key order a step per
 * batch (DB_REFS_FILTER_STEP): until the last step, every lookup asks refs.
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "db_internal.h"
#include "keyfilter.h"
#include "refmap.h"

struct refindex {
    struct refmap *map;
    size_t op_mark;             /* the map's mark at the op's savepoint */
    struct refmap_entry *merge; /* the merge's keys in key order; NULL: none */
    size_t merge_n, merge_done, merge_done_committed;
    long long merge_upto; /* the merge covers the keys with seq <= this */
    bool merge_ending;    /* this transaction deletes the merged keys */
    bool step_failed;     /* since db_refs_take_failure */

    struct keyfilter *filter;               /* NULL once given up: not used */
    bool filter_ready;                      /* it holds every key in refs */
    unsigned char filter_after[DIGEST_LEN]; /* the last key read from refs */
    bool filter_started;
};

static void merge_end(struct refindex *x)
{
    free(x->merge);
    x->merge = NULL;
    x->merge_n = x->merge_done = x->merge_done_committed = 0;
    x->merge_ending = false;
}

void db_refs_close(struct db *s)
{
    if (s->refs == NULL)
        return;
    merge_end(s->refs);
    refmap_free(s->refs->map);
    keyfilter_free(s->refs->filter);
    free(s->refs);
    s->refs = NULL;
}

int db_refs_open(struct db *s)
{
    s->refs = calloc(1, sizeof(*s->refs));
    if (s->refs == NULL || (s->refs->map = refmap_new()) == NULL)
        return db_failed(s, SQLITE_NOMEM);
    struct refindex *x = s->refs;
    sqlite3_stmt *st = db_prepared(s, S_READ_REF_LOG);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        long long seq = sqlite3_column_int64(st, 0), known;
        const void *key = sqlite3_column_blob(st, 1);
        if (sqlite3_column_bytes(st, 1) != DIGEST_LEN || seq <= 0) {
            rc = SQLITE_CORRUPT;
            break;
        }
        if (refmap_find(x->map, key, &known))
            continue;
        if (refmap_add(x->map, key, seq) < 0) {
            rc = SQLITE_NOMEM;
            break;
        }
    }
    sqlite3_reset(st);
    refmap_commit(x->map);
    if (rc != SQLITE_DONE)
        return db_failed(s, rc);
    /* Out of memory, lookups ask refs as they did before the filter. */
    x->filter = keyfilter_new();
    db_refs_filter_step(s); /* a small store's filter is ready at once */
    return 0;
}

/* The filter is dropped (out of memory, or damage), and lookups ask refs:
 * a key it missed would be taken for new. */
static void filter_lost(struct refindex *x)
{
    keyfilter_free(x->filter);
    x->filter = NULL;
    x->filter_ready = false;
}

void db_refs_filter_step(struct db *s)
{
    struct refindex *x = s->refs;
    if (x->filter == NULL || x->filter_ready)
        return;
    sqlite3_stmt *st = db_prepared(s, S_READ_REFS_AFTER);
    /* The first step reads from the smallest key: any blob is > x''. */
    sqlite3_bind_blob(st, 1, x->filter_after, x->filter_started ? DIGEST_LEN : 0,
                      SQLITE_STATIC);
    sqlite3_bind_int(st, 2, DB_REFS_FILTER_STEP);
    int rc, read = 0;
    bool lost = false;
    unsigned char last[DIGEST_LEN];
    while (!lost && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        const void *key = sqlite3_column_blob(st, 0);
        /* A key of another length is damage no lookup can name, but the
         * steps go by key order: the filter is given up, not trusted. */
        lost = sqlite3_column_bytes(st, 0) != DIGEST_LEN ||
               keyfilter_add(x->filter, key) < 0;
        if (!lost)
            memcpy(last, key, DIGEST_LEN);
        read++;
    }
    sqlite3_reset(st);
    if (lost) {
        filter_lost(x);
        return;
    }
    if (rc != SQLITE_DONE)
        return; /* read again by a later batch */
    if (read > 0) {
        memcpy(x->filter_after, last, DIGEST_LEN);
        x->filter_started = true;
    }
    x->filter_ready = read < DB_REFS_FILTER_STEP;
}

int db_ref_find(struct db *s, const unsigned char key[DIGEST_LEN], long long *seq,
                bool *found)
{
    *found = refmap_find(s->refs->map, key, seq);
    if (*found)
        return 0;
    struct refindex *x = s->refs;
    if (x->filter_ready && !keyfilter_may_hold(x->filter, key))
        return 0;
    sqlite3_stmt *st = db_prepared(s, S_REF_SEQ);
    sqlite3_bind_blob(st, 1, key, DIGEST_LEN, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    *found = rc == SQLITE_ROW;
    if (*found)
        *seq = sqlite3_column_int64(st, 0);
    sqlite3_reset(st);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : db_failed(s, rc);
}

int db_ref_add(struct db *s, const unsigned char key[DIGEST_LEN], long long seq)
{
    sqlite3_stmt *st = db_prepared(s, S_LOG_REF);
    sqlite3_bind_int64(st, 1, seq);
    sqlite3_bind_blob(st, 2, key, DIGEST_LEN, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    if (rc != SQLITE_DONE)
        return db_failed(s, rc);
    if (refmap_add(s->refs->map, key, seq) < 0)
        return db_failed(s, SQLITE_NOMEM); /* the op's rollback takes the row back */
    return 0;
}

void db_refs_op_begin(struct db *s)
{
    s->refs->op_mark = refmap_mark(s->refs->map);
}

void db_refs_op_undo(struct db *s)
{
    refmap_undo_to(s->refs->map, s->refs->op_mark);
}

/* The next DB_REFS_MERGE_STEP keys into refs; with the last, their ref_log rows
 * deleted. 0 or -1. */
static int merge_step(struct db *s, struct refindex *x)
{
    size_t end = x->merge_done + DB_REFS_MERGE_STEP < x->merge_n
                     ? x->merge_done + DB_REFS_MERGE_STEP
                     : x->merge_n;
    for (size_t i = x->merge_done; i < end; i++) {
        /* Into the filter first: a key in refs it did not hold would be
         * taken for new. One from a step undone later only costs a lookup. */
        if (x->filter != NULL && keyfilter_add(x->filter, x->merge[i].key) < 0)
            filter_lost(x);
        sqlite3_stmt *st = db_prepared(s, S_MERGE_REF);
        sqlite3_bind_blob(st, 1, x->merge[i].key, DIGEST_LEN, SQLITE_STATIC);
        sqlite3_bind_int64(st, 2, x->merge[i].seq);
        int rc = sqlite3_step(st);
        sqlite3_reset(st);
        if (rc != SQLITE_DONE)
            return db_failed(s, rc);
    }
    x->merge_done = end;
    if (end < x->merge_n)
        return 0;
    sqlite3_stmt *st = db_prepared(s, S_DROP_REF_LOG);
    sqlite3_bind_int64(st, 1, x->merge_upto);
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    if (rc != SQLITE_DONE)
        return db_failed(s, rc);
    x->merge_ending = true;
    return 0;
}

/* What the next step may write: its rows, and with the last the ref_log
 * leaves it empties (some 90 rows to a leaf). */
static struct room_cost step_cost(const struct db *s, const struct refindex *x)
{
    long long left = (long long)(x->merge_n - x->merge_done);
    long long rows = left > DB_REFS_MERGE_STEP ? DB_REFS_MERGE_STEP
                                               : left + (long long)x->merge_n / 64 + 1;
    return room_cost_rows(s->room, rows);
}

void db_refs_merge(struct db *s)
{
    struct refindex *x = s->refs;
    if (x->merge == NULL)
        return;
    struct room_cost cost = step_cost(s, x);
    if (!room_admits(s->room, cost))
        return; /* the disk is short: sends are refused, and merges wait */
    room_charge(s->room, cost);
    if (merge_step(s, x) == 0)
        return;
    /* A statement that fails is undone alone and the batch goes on (a
     * disk error that ends the transaction fails the batch at its commit,
     * as it would have anyway). The next step starts where the last
     * committed one ended: what this one inserted is inserted again (OR
     * IGNORE). */
    x->merge_done = x->merge_done_committed;
    x->merge_ending = false;
    x->step_failed = true;
}

bool db_refs_take_failure(struct db *s)
{
    bool failed = s->refs->step_failed;
    s->refs->step_failed = false;
    return failed;
}

/* Between transactions, so every key in the map is committed: all of
 * them, in key order. Out of memory, the keys stay where they are. */
static void merge_begin(struct refindex *x)
{
    if (refmap_sorted(x->map, LLONG_MAX, &x->merge, &x->merge_n) < 0) {
        x->merge = NULL;
        return;
    }
    x->merge_upto = 0;
    for (size_t i = 0; i < x->merge_n; i++)
        if (x->merge[i].seq > x->merge_upto)
            x->merge_upto = x->merge[i].seq;
}

void db_refs_committed(struct db *s)
{
    struct refindex *x = s->refs;
    refmap_commit(x->map);
    x->merge_done_committed = x->merge_done;
    if (x->merge_ending) {
        /* Out of memory, the merged keys stay in the map too: still right. */
        (void)refmap_drop_upto(x->map, x->merge_upto);
        merge_end(x);
    }
    if (x->merge == NULL && refmap_size(x->map) >= DB_REFS_MERGE_AT)
        merge_begin(x);
}

void db_refs_rolled_back(struct db *s)
{
    struct refindex *x = s->refs;
    refmap_undo_to(x->map, 0);
    x->merge_done = x->merge_done_committed;
    x->merge_ending = false;
}
