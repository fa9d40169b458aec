/*
 * ops.h - a unit of work for the store: made and queued by the layer above
 * (store.h), run by the store's writer inside a batch transaction, and
 * handed back through the store's complete hook, which owns it again.
 *
 * The op carries its inputs and, after running, its outputs. Nothing here
 * depends on how the store keeps things (backend.h).
 */
#ifndef REFGW_OPS_H
#define REFGW_OPS_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "counts.h"
#include "digests.h"
#include "errors.h"
#include "ids.h"
#include "referral.h"
#include "task.h"

enum op_kind {
    OP_PUT,
    OP_INBOX,
    OP_ACK,
    OP_STATUS,
    OP_EXPIRE,
    OP_HEALTH,
    OP_REJECTIONS,
    OP_CHECKPOINT,
    OP_STATS,   /* GET /v1/stats */
    OP_METRICS, /* GET /metrics */
    OP_COUNT,   /* the writer's own: count sends as accepted */
    OP_RELEASE, /* release the subject periods that have ended (SPEC §6) */
    OP_KINDS
};

enum put_outcome { PUT_CREATED, PUT_DUPLICATE, PUT_CONFLICT };

enum referral_state {
    STATE_QUEUED,
    STATE_DELIVERED,
    STATE_ACKNOWLEDGED,
    STATE_EXPIRED
};

/* "queued", "delivered", "acknowledged", "expired". */
const char *referral_state_name(enum referral_state st);

/* One pending referral as its recipient receives it. */
struct inbox_item {
    char id[RG_ID_LEN + 1];
    char from[RG_ORG_ID_MAX + 1];
    char from_type[RG_VALUE_MAX];
    time_t created_at;
    char signal[RG_VALUE_MAX];
    char urgency[RG_VALUE_MAX];
    char subject[RG_SUBJECT_ATTRS][RG_VALUE_MAX];
    char *body; /* wiped when freed; body_cms when sealed */
    size_t body_len;
    bool sealed; /* SPEC §10: delivered as body_cms */
    int deliveries; /* this delivery included */
};

/* Wipes and frees an array of items and what they own. */
void inbox_items_free(struct inbox_item *items, size_t count);

/* The sender's view of one referral. */
struct referral_status {
    char to[RG_ORG_ID_MAX + 1];
    enum referral_state state;
    time_t created_at, delivered_at, acknowledged_at; /* 0: not yet */
};

struct op {
    enum op_kind kind;
    bool failed; /* the store failed: nothing of this op was kept */
    void (*done)(struct op *op);
    void *ctx;        /* the caller's */
    void *owner;      /* whom the complete hook hands it back to */
    struct op *next;  /* the store's queue, then the list handed back */
    struct task task; /* for the layer above, to run done() where it belongs */
    time_t now;
    union {
        struct {
            struct rg_referral referral; /* owned: rg_referral_clear when done */
            struct rg_routing route;
            struct put_digests digests; /* made on the loop (digests.h) */
            char id[RG_ID_LEN + 1];
            enum put_outcome outcome;
            enum referral_state state; /* of the earlier one, for a duplicate */
        } put;
        struct {
            char recipient[RG_ORG_ID_MAX + 1];
            int limit;
            struct inbox_item *items; /* owned */
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
            int min_count; /* the threshold to publish with */
            int released;  /* how many periods were */
        } release;
        struct {
            struct stats_request *req; /* owned */
            struct stats_table *table; /* owned: filled by the op */
        } stats;
        struct {
            struct store_metrics *store; /* owned: filled by the op */
            /* The caller's: rejections not yet written when it queued this. */
            unsigned unflushed[RG_CODE_COUNT];
        } metrics;
    } u;
};

/* A zeroed op made now; NULL when out of memory. */
struct op *op_new(enum op_kind kind, void (*done)(struct op *), void *ctx, void *owner);

/* Frees what op owns (wiping content) and op itself; NULL is fine. */
void op_free(struct op *op);

#endif
