#include "ops.h"

#include <stdlib.h>

#include "wipe.h"

struct op *op_new(enum op_kind kind, void (*done)(struct op *), void *ctx, void *owner)
{
    struct op *op = calloc(1, sizeof(*op));
    if (op == NULL)
        return NULL;
    op->kind = kind;
    op->done = done;
    op->ctx = ctx;
    op->owner = owner;
    op->now = time(NULL);
    return op;
}

void inbox_items_free(struct inbox_item *items, size_t count)
{
    if (items == NULL)
        return;
    for (size_t i = 0; i < count; i++) {
        if (items[i].body != NULL) {
            rg_wipe(items[i].body, items[i].body_len);
            free(items[i].body);
        }
    }
    rg_wipe(items, count * sizeof(*items));
    free(items);
}

const char *referral_state_name(enum referral_state st)
{
    static const char *const names[] = {"queued", "delivered", "acknowledged",
                                        "expired"};
    return (unsigned)st < 4 ? names[st] : "queued";
}

void op_free(struct op *op)
{
    if (op == NULL)
        return;
    switch (op->kind) {
    case OP_PUT:
        rg_referral_clear(&op->u.put.referral);
        break;
    case OP_INBOX:
        inbox_items_free(op->u.inbox.items, op->u.inbox.count);
        break;
    case OP_STATS:
        free(op->u.stats.req);
        stats_table_free(op->u.stats.table);
        break;
    case OP_METRICS:
        free(op->u.metrics.store);
        break;
    default:
        break;
    }
    rg_wipe(op, sizeof(*op)); /* a put's subject and routing */
    free(op);
}
