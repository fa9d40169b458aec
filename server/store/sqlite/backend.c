/*
 * backend.c - the SQLite store as a backend of the writer (backend.h): each
 * op kind mapped to its db.h call, and the checkpointer thread that copies
 * the WAL back into the database beside the writer.
 */
#include "backend.h"

#include <stdio.h>
#include <stdlib.h>

#include "checkpointer.h"
#include "db.h"
#include "db_stats.h"

#define EXPIRE_BATCH 1000

struct sqlite_backend {
    struct db *db;
    struct checkpointer *checkpointer; /* NULL if it could not start */
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
    return b;
}

static void close_sqlite(void *impl)
{
    struct sqlite_backend *b = impl;
    checkpointer_stop(b->checkpointer);
    db_close(b->db); /* checkpoints and truncates the WAL */
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
    return db_put(DB(impl), &op->u.put.referral, &op->u.put.route, &op->u.put.digests,
                  op->now, op->u.put.id, &op->u.put.outcome, &op->u.put.state);
}

static int run_inbox(void *impl, struct op *op)
{
    return db_inbox(DB(impl), op->u.inbox.recipient, op->u.inbox.limit,
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
    return db_expire(DB(impl), op->u.expire.cutoff, op->now, EXPIRE_BATCH,
                     &op->u.expire.expired);
}

static int run_health(void *impl, struct op *op)
{
    return db_ping(DB(impl));
}

static int run_rejections(void *impl, struct op *op)
{
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
    return db_release_due(DB(impl), op->now, op->u.release.min_count,
                          &op->u.release.released);
}

static int run_count(void *impl, struct op *op)
{
    return db_count_accepted(DB(impl));
}

static long uncounted(void *impl)
{
    return db_uncounted(DB(impl));
}

static int after_commit(void *impl, bool checkpoint)
{
    struct sqlite_backend *b = impl;
    int rc = checkpoint ? db_checkpoint(b->db) : 0;
    /* Under a steady stream the checkpointer's passes never quite catch up
     * with the writer, and the WAL restarts only once fully copied: the
     * writer completes the checkpoint between batches (checkpointer.h). */
    int frames = db_wal_frames(b->db);
    checkpointer_nudge(b->checkpointer, frames);
    if (checkpointer_restart_due(b->checkpointer, frames) &&
        db_checkpoint_restart(b->db) < 0)
        rc = -1;
    return rc;
}

static struct digester *new_digester(void *impl)
{
    return db_digester_new(DB(impl));
}

const struct store_backend sqlite_backend = {
    .name = "sqlite",
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
    .digester_new = new_digester,
};
