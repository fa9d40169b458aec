/*
 * ops.h - a unit of work for the store, queued by handlers on the event loop
 * and executed by the committer's thread inside a batch transaction.
 *
 * The op carries its inputs and, after execution, its outputs; done() is then
 * called back on the event loop thread, which owns the op again.
 */
#ifndef REFGW_OPS_H
#define REFGW_OPS_H

#include <stdbool.h>
#include <time.h>

#include "digests.h"
#include "store.h"

struct loop;

enum op_kind {
    OP_PUT,
    OP_INBOX,
    OP_ACK,
    OP_STATUS,
    OP_EXPIRE,
    OP_HEALTH,
    OP_REJECTIONS,
    OP_CHECKPOINT,
    OP_STATS,   /* GET /v1/stats (store_stats.h) */
    OP_METRICS, /* GET /metrics (store_stats.h) */
    OP_COUNT,   /* the committer's own: count sends as accepted (store.h) */
};

struct stats_request;
struct stats_table;
struct metrics_snapshot;

#define INBOX_MAX_BYTES (8u * 1024 * 1024)

struct op {
    enum op_kind kind;
    bool failed; /* the store failed: nothing of this op was kept */
    void (*done)(struct op *op);
    void *ctx;
    struct loop *loop; /* where done() runs */
    struct op *next;   /* the committer's queue */
    time_t now;
    union {
        struct {
            struct rg_referral referral; /* owned: rg_referral_clear when done */
            char sender[RG_ORG_ID_MAX + 1];
            char sender_type[RG_VALUE_MAX];
            char recipient_type[RG_VALUE_MAX];
            struct put_digests digests; /* made on the loop (digests.h) */
            char id[RG_ID_LEN + 1];
            enum put_outcome outcome;
            enum referral_state state; /* of the earlier one, for a duplicate */
        } put;
        struct {
            char recipient[RG_ORG_ID_MAX + 1];
            int limit;
            struct inbox_item *items; /* owned: store_items_free when done */
            size_t count;
        } inbox;
        struct {
            char recipient[RG_ORG_ID_MAX + 1];
            char id[RG_ID_LEN + 1];
            bool found;
        } ack;
        struct {
            char sender[RG_ORG_ID_MAX + 1];
            char id[RG_ID_LEN + 1];
            struct referral_status st;
            bool found;
        } status;
        struct {
            time_t cutoff;
            int expired;
        } expire;
        struct {
            unsigned counts[RG_CODE_COUNT];
        } rejections;
        struct {
            struct stats_request *req; /* owned */
            struct stats_table *table; /* owned: filled by the op */
        } stats;
        struct {
            struct metrics_snapshot *snap; /* owned: its store part filled by the op */
        } metrics;
    } u;
};

/* Runs op against the store (inside the caller's transaction); 0 or -1. */
int op_execute(struct store *s, struct op *op);

/* Frees what op owns and op itself. */
void op_free(struct op *op);

#endif
