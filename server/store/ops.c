#include "ops.h"

#include <stdlib.h>

#include "metrics.h"
#include "store_stats.h"

#define EXPIRE_BATCH 1000

int op_execute(struct store *s, struct op *op)
{
    switch (op->kind) {
    case OP_PUT: {
        struct parties p = {op->u.put.sender, op->u.put.sender_type,
                            op->u.put.referral.to, op->u.put.recipient_type};
        return store_put(s, &op->u.put.referral, &p, &op->u.put.digests, op->now,
                         op->u.put.id, &op->u.put.outcome, &op->u.put.state);
    }
    case OP_INBOX:
        return store_inbox(s, op->u.inbox.recipient, op->u.inbox.limit, INBOX_MAX_BYTES,
                           op->now, &op->u.inbox.items, &op->u.inbox.count);
    case OP_ACK:
        return store_ack(s, op->u.ack.recipient, op->u.ack.id, op->now,
                         &op->u.ack.found);
    case OP_STATUS:
        return store_status(s, op->u.status.sender, op->u.status.id, &op->u.status.st,
                            &op->u.status.found);
    case OP_EXPIRE:
        return store_expire(s, op->u.expire.cutoff, op->now, EXPIRE_BATCH,
                            &op->u.expire.expired);
    case OP_HEALTH:
        return store_ping(s);
    case OP_REJECTIONS:
        return store_add_rejections(s, op->now, op->u.rejections.counts);
    case OP_CHECKPOINT:
        return 0; /* the committer checkpoints after committing the batch */
    case OP_STATS:
        return store_stats(s, op->u.stats.req, op->u.stats.table);
    case OP_METRICS:
        return store_metrics(s, op->now, &op->u.metrics.snap->store);
    case OP_COUNT:
        return store_count_accepted(s);
    }
    return -1;
}

void op_free(struct op *op)
{
    if (op == NULL)
        return;
    if (op->kind == OP_PUT)
        rg_referral_clear(&op->u.put.referral);
    else if (op->kind == OP_INBOX)
        store_items_free(op->u.inbox.items, op->u.inbox.count);
    else if (op->kind == OP_STATS) {
        free(op->u.stats.req);
        stats_table_free(op->u.stats.table);
    } else if (op->kind == OP_METRICS && op->u.metrics.snap != NULL) {
        store_metrics_clear(&op->u.metrics.snap->store);
        free(op->u.metrics.snap);
    }
    free(op);
}
