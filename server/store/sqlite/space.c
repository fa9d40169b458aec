/*
 * space.c - the SQLite store's side of the disk reserve (room.h): what its
 * committed state will still write, the WAL truncated when the reserve is
 * short, and the reserve file released or remade.
 */
#include "db.h"

#include <stdio.h>
#include <sys/stat.h>
#include <time.h>

#include <sqlite3.h>

#include "db_internal.h"
#include "log.h"

/* A TRUNCATE checkpoint finds the checkpointer's pass under way now and
 * then (it is short while the WAL is): try again this often, this long.
 * Each try waits TRUNCATE_BUSY_MS for readers (an online backup; the
 * background check gives way when the disk is short): at most about 120 ms
 * before the batch goes on without. */
#define TRUNCATE_TRIES 10
#define TRUNCATE_PAUSE_NS 2000000L
#define TRUNCATE_BUSY_MS 10
/* Counting the waiting sends writes their counters; until it does, the
 * reserve must hold what it will write, an upper bound far above what it
 * does write. With less than this many reserves left, every batch counts
 * its own sends, so that no such debt stays. */
#define SHORT_RESERVES 64

static long long file_bytes(const struct db *s, const char *suffix)
{
    char path[4096];
    struct stat st;
    snprintf(path, sizeof(path), "%s/refgw.db%s", s->data_dir, suffix);
    return stat(path, &st) == 0 ? (long long)st.st_size : 0;
}

/* A PRAGMA's number, or -1. */
static long long pragma(struct db *s, enum stmt_id id)
{
    sqlite3_stmt *st = db_prepared(s, id);
    long long v = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -1;
    sqlite3_reset(st);
    return v;
}

/* Read inside the transaction, the two PRAGMAs cost nothing more; read by
 * the survey, outside one, each was a read transaction of its own, taking
 * and giving back its locks on the WAL's index (4 % of the writer's samples
 * at saturation; about half of that is saved, as BEGIN now takes the read
 * lock afresh: bench/notes.md). Only the writer changes the database, and
 * only by committing, so they hold until its next commit. */
void db_space_note(struct db *s)
{
    s->pages = pragma(s, S_PAGE_COUNT);
    s->free_pages = pragma(s, S_FREELIST_COUNT);
    s->pages_known = s->pages >= 0 && s->free_pages >= 0;
}

/* What the committed state will still add to the files: the database file
 * growing to its logical size when the WAL is checkpointed, and the counter
 * rows that counting the waiting sends will write. */
static long long pending_bytes(struct db *s, long long pages)
{
    long long growth = pages * s->page_size - file_bytes(s, "");
    if (growth < 0)
        growth = 0;
    /* A subject key is written to three periods' rows, a flow key to one. */
    long long rows =
        s->accepted_exact
            ? 3 * (long long)(tally_size(s->accepted) + tally_size(s->batch_accepted))
            : s->uncounted * ROOM_ROWS_PER_EVENT;
    return growth + room_bytes(room_cost_rows(s->room, rows));
}

/* Copies the WAL into the database and truncates it to nothing, so that
 * the space it held is the filesystem's again. */
static void truncate_wal(struct db *s)
{
    sqlite3_busy_timeout(s->db, TRUNCATE_BUSY_MS);
    for (int i = 0; i < TRUNCATE_TRIES; i++) {
        int rc = sqlite3_wal_checkpoint_v2(s->db, NULL, SQLITE_CHECKPOINT_TRUNCATE,
                                           NULL, NULL);
        if (rc == SQLITE_OK) {
            __atomic_store_n(&s->wal_frames, 0, __ATOMIC_RELAXED);
            break;
        }
        if ((rc & 0xff) != SQLITE_BUSY)
            break; /* a full disk or an I/O error: the batch will say */
        struct timespec pause = {0, TRUNCATE_PAUSE_NS};
        nanosleep(&pause, NULL);
    }
    sqlite3_busy_timeout(s->db, DB_BUSY_MS);
}

static void survey(struct db *s)
{
    s->refused_since_survey = false;
    long long pages = s->pages_known ? s->pages : pragma(s, S_PAGE_COUNT);
    long long free_pages = s->pages_known ? s->free_pages : pragma(s, S_FREELIST_COUNT);
    room_survey(s->room, pending_bytes(s, pages < 0 ? 0 : pages),
                (free_pages < 0 ? 0 : free_pages) * s->page_size);
    s->degraded = room_degraded(s->room);
}

long long db_space_prepare(struct db *s, long long need, bool drains)
{
    struct room *r = s->room;
    long long tx = room_bytes(room_cost_tx(r));
    survey(s);
    /* The WAL's space comes back when it is truncated: first that. */
    if ((room_spendable(r) < need + tx || room_degraded(r)) &&
        file_bytes(s, "-wal") > 0) {
        truncate_wal(s);
        survey(s);
    }
    if (drains && room_spendable(r) < need + tx && room_release(r)) {
        log_line("store: disk full: the reserve file is released for deliveries and "
                 "acknowledgements");
        survey(s);
    } else if (!room_held(r) && room_restore(r)) {
        log_line("store: room again: the reserve file is made anew");
        survey(s);
    }
    s->short_of_room = room_spendable(r) < SHORT_RESERVES * room_reserve(r);
    return room_spendable(r) - tx;
}

bool db_space_short(const struct db *s)
{
    return s->short_of_room;
}

bool db_space_degraded(const struct db *s)
{
    return s->refused_since_survey || s->degraded;
}

struct room *db_room(struct db *s)
{
    return s->room;
}

int db_space_refuse(struct db *s)
{
    s->refused_since_survey = true;
    return db_refuse(s);
}

long long db_space_release_cost(struct db *s)
{
    /* A release publishes at most one row per exact counter of the period
     * and erases those counters, then marks the period. */
    sqlite3_stmt *st;
    long long rows = -1;
    if (sqlite3_prepare_v2(s->db, "SELECT count(*) FROM subject_counts", -1, &st,
                           NULL) == SQLITE_OK) {
        if (sqlite3_step(st) == SQLITE_ROW)
            rows = sqlite3_column_int64(st, 0);
        sqlite3_finalize(st);
    }
    return rows < 0 ? -1 : room_bytes(room_cost_rows(s->room, 2 * rows + 1));
}
