/*
 * backend.c - the SQLite store as a backend of the writer (backend.h): each
 * op kind mapped to its db.h call, and the checkpointer thread that copies
 * the WAL back into the database beside the writer.
 */
#include "backend.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>

#include "api_limits.h"
#include "check.h"
#include "checkpointer.h"
#include "db.h"
#include "db_stats.h"
#include "room.h"
#include "wiping.h"

#define EXPIRE_BATCH 1000
#define CHECK_YIELD_FRAMES (2 * CHECKPOINT_STEP_FRAMES)

struct sqlite_backend {
    struct db *db;
    struct checkpointer *checkpointer; /* NULL if it could not start */
    struct checker *checker;           /* the background check, once started */
    /* How many referrals one inbox or expiry op may touch in this batch,
     * so that its cost fits what the batch may write (prepare). */
    int inbox_cap, expire_cap;
};

#define DB(impl) (((struct sqlite_backend *)(impl))->db)

static void *open_sqlite(const struct store_options *opt, char err[RG_ERR_MAX])
{
    struct sqlite_backend *b = calloc(1, sizeof(*b));
    if (b == NULL) {
        snprintf(err, RG_ERR_MAX, "out of memory");
        return NULL;
    }
    b->db = db_open(opt->data_dir, err);
    if (b->db == NULL) {
        free(b);
        return NULL;
    }
    /* Without the thread the writer checkpoints alone (checkpointer.h). */
    b->checkpointer = checkpointer_start(opt->data_dir);
    b->inbox_cap = RG_LIMIT_MAX;
    b->expire_cap = EXPIRE_BATCH;
    return b;
}

static void close_sqlite(void *impl)
{
    struct sqlite_backend *b = impl;
    /* The check first: its reads would hold the last checkpoint up, and a
     * read transaction locks the database file, which closing the
     * checkpointer's descriptor for pacing would unlock (walbuf.c). */
    checker_stop(b->checker);
    checkpointer_stop(b->checkpointer);
    db_close(b->db); /* checkpoints and truncates the WAL */
    checker_free(b->checker);
    free(b);
}

static const char *error_class(void *impl)
{
    return db_error_class(DB(impl));
}

static int begin(void *impl)
{
    return db_begin(DB(impl));
}

static int commit(void *impl)
{
    return db_commit(DB(impl));
}

static void rollback(void *impl)
{
    db_rollback(DB(impl));
}

static int savepoint(void *impl)
{
    return db_savepoint(DB(impl));
}

static int release(void *impl)
{
    return db_release(DB(impl));
}

static void rollback_to(void *impl)
{
    db_rollback_to(DB(impl));
}

static int run_put(void *impl, struct op *op)
{
    struct sqlite_backend *b = impl;
    /* A store found corrupt takes nothing more: what it holds is served
     * while it can be, and the operator restores it (operations.md). */
    if (checker_corrupt(b->checker))
        return db_refuse(b->db);
    return db_put(DB(impl), &op->u.put.referral, &op->u.put.route, &op->u.put.digests,
                  op->now, op->u.put.id, &op->u.put.outcome, &op->u.put.state);
}

static int inbox_limit(const struct sqlite_backend *b, const struct op *op)
{
    return op->u.inbox.limit < b->inbox_cap ? op->u.inbox.limit : b->inbox_cap;
}

static int run_inbox(void *impl, struct op *op)
{
    /* Fewer than asked when the disk is short: the rest come next time. */
    return db_inbox(DB(impl), op->u.inbox.recipient, inbox_limit(impl, op),
                    RG_INBOX_MAX_BYTES, op->now, &op->u.inbox.items,
                    &op->u.inbox.count);
}

static int run_ack(void *impl, struct op *op)
{
    return db_ack(DB(impl), op->u.ack.recipient, op->u.ack.id, op->now,
                  &op->u.ack.found);
}

static int run_status(void *impl, struct op *op)
{
    return db_status(DB(impl), op->u.status.sender, op->u.status.id, &op->u.status.st,
                     &op->u.status.found);
}

static int run_expire(void *impl, struct op *op)
{
    struct sqlite_backend *b = impl;
    return db_expire(b->db, op->u.expire.cutoff, op->now, b->expire_cap,
                     &op->u.expire.expired);
}

static int run_health(void *impl, struct op *op)
{
    return db_ping(DB(impl));
}

/* One counter row per code rejected. */
static long long rejection_rows(const struct op *op)
{
    long long rows = 0;
    for (int code = 0; code < RG_CODE_COUNT; code++)
        rows += op->u.rejections.counts[code] != 0;
    return rows;
}

static long long rejection_cost(void *impl, const struct op *op)
{
    return room_bytes(room_cost_rows(db_room(DB(impl)), rejection_rows(op)));
}

static int run_rejections(void *impl, struct op *op)
{
    room_charge(db_room(DB(impl)),
                room_cost_rows(db_room(DB(impl)), rejection_rows(op)));
    return db_add_rejections(DB(impl), op->now, op->u.rejections.counts);
}

static int run_checkpoint(void *impl, struct op *op)
{
    return 0; /* done after the batch commits (after_commit) */
}

static int run_stats(void *impl, struct op *op)
{
    return db_stats(DB(impl), op->u.stats.req, op->now, op->u.stats.table);
}

static int run_metrics(void *impl, struct op *op)
{
    return db_metrics(DB(impl), op->u.metrics.store);
}

static int run_release(void *impl, struct op *op)
{
    /* Short of room, a release waits for the next check (a minute on). */
    struct db *db = DB(impl);
    long long cost = db_space_release_cost(db);
    if (cost < 0 || cost > room_spendable(db_room(db)))
        return 0;
    struct room_cost charge = {cost, 0};
    room_charge(db_room(db), charge);
    return db_release_due(db, op->now, op->u.release.min_count,
                          &op->u.release.released);
}

static int run_count(void *impl, struct op *op)
{
    return db_count_accepted(DB(impl));
}

static long uncounted(void *impl)
{
    /* Short of room, sends are counted in the batch that stored them: the
     * writer counts once this many wait (store.c). */
    long n = db_uncounted(DB(impl));
    return n > 0 && db_space_short(DB(impl)) ? LONG_MAX : n;
}

static int after_commit(void *impl, bool checkpoint)
{
    struct sqlite_backend *b = impl;
    int rc = checkpoint ? db_checkpoint(b->db) : 0;
    if (db_refs_take_failure(b->db))
        rc = -1; /* said once; the sends of the batch are committed */
    /* Under a steady stream the checkpointer's passes never quite catch up
     * with the writer, and the WAL restarts only once fully copied: the
     * writer completes the checkpoint between batches (checkpointer.h). */
    int frames = db_wal_frames(b->db);
    /* The background check's snapshot keeps the WAL from starting again: it
     * gives way once the WAL holds two of the checkpointer's steps, so that
     * a restart after a crash recovers no more than the WAL usually holds. */
    checker_busy(b->checker);
    if (frames > CHECK_YIELD_FRAMES)
        checker_yield(b->checker);
    checkpointer_nudge(b->checkpointer, frames);
    if (checkpointer_restart_due(b->checkpointer, frames) &&
        db_checkpoint_restart(b->db) < 0)
        rc = -1;
    return rc;
}

/* What was erased since the writer's connection opened may linger in
 * buffers SQLite keeps for that connection: a fresh one frees them (wiped),
 * once the writer idles. Failing, the old connection serves on; the next
 * idle tries again. */
static void idle(void *impl)
{
    struct db *db = DB(impl);
    if (db_erased_since_refresh(db))
        db_refresh(db);
}

/* An upper bound of what op writes, with the inbox and expiry caps this
 * batch set. */
static long long op_cost(void *impl, const struct op *op)
{
    struct sqlite_backend *b = impl;
    struct room *r = db_room(b->db);
    switch (op->kind) {
    case OP_PUT:
        return room_bytes(room_cost_put(r, op->u.put.referral.body_len)) +
               room_bytes(room_cost_rows(r, ROOM_ROWS_PER_EVENT));
    case OP_INBOX:
        return inbox_limit(b, op) * room_bytes(room_cost_delivery(r));
    case OP_ACK:
        return room_bytes(room_cost_end(r));
    case OP_EXPIRE:
        return b->expire_cap * room_bytes(room_cost_end(r));
    case OP_REJECTIONS:
        return rejection_cost(b, op);
    default:
        /* Reads; counting and releases, which check for themselves. */
        return 0;
    }
}

static long long prepare(void *impl, const struct op *next)
{
    struct sqlite_backend *b = impl;
    struct room *r = db_room(b->db);
    /* The next op needs room at least for one of what it handles. */
    b->inbox_cap = b->expire_cap = 1;
    long long need = next != NULL ? op_cost(b, next) : 0;
    /* Sends refused for room: the WAL must be truncated to give space
     * back, which the background check's snapshot would prevent (check.h). */
    if (db_space_degraded(b->db))
        checker_yield(b->checker);
    long long budget =
        db_space_prepare(b->db, need, next != NULL && next->kind != OP_PUT);
    long long inbox = budget / room_bytes(room_cost_delivery(r));
    long long expire = budget / room_bytes(room_cost_end(r));
    b->inbox_cap = inbox < 1 ? 1 : inbox > RG_LIMIT_MAX ? RG_LIMIT_MAX : (int)inbox;
    b->expire_cap = expire < 1 ? 1 : expire > EXPIRE_BATCH ? EXPIRE_BATCH : (int)expire;
    return budget;
}

static bool degraded(void *impl)
{
    return db_space_degraded(DB(impl));
}

static void store_path(const char *data_dir, char path[4096])
{
    snprintf(path, 4096, "%s/refgw.db", data_dir);
}

static int check(const struct store_options *opt, struct store_check *out,
                 char err[RG_ERR_MAX])
{
    char path[4096];
    store_path(opt->data_dir, path);
    return check_store_file(path, true, out, err);
}

static void check_start(void *impl)
{
    struct sqlite_backend *b = impl;
    char path[4096];
    store_path(db_data_dir(b->db), path);
    if (b->checker == NULL)
        b->checker = checker_start(path);
}

static bool corrupt(void *impl)
{
    return checker_corrupt(((struct sqlite_backend *)impl)->checker);
}

static struct digester *new_digester(void *impl)
{
    return db_digester_new(DB(impl));
}

const struct store_backend sqlite_backend = {
    .name = "sqlite",
    .configure_process = sqlite_memory_configure,
    .open = open_sqlite,
    .close = close_sqlite,
    .error_class = error_class,
    .begin = begin,
    .commit = commit,
    .rollback = rollback,
    .savepoint = savepoint,
    .release = release,
    .rollback_to = rollback_to,
    .run =
        {
            [OP_PUT] = run_put,
            [OP_INBOX] = run_inbox,
            [OP_ACK] = run_ack,
            [OP_STATUS] = run_status,
            [OP_EXPIRE] = run_expire,
            [OP_HEALTH] = run_health,
            [OP_REJECTIONS] = run_rejections,
            [OP_CHECKPOINT] = run_checkpoint,
            [OP_STATS] = run_stats,
            [OP_METRICS] = run_metrics,
            [OP_COUNT] = run_count,
            [OP_RELEASE] = run_release,
        },
    .uncounted = uncounted,
    .after_commit = after_commit,
    .idle = idle,
    .prepare = prepare,
    .op_cost = op_cost,
    .degraded = degraded,
    .digester_new = new_digester,
    .check = check,
    .check_start = check_start,
    .corrupt = corrupt,
};
