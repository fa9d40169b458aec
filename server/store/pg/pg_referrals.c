/*
 * pg_referrals.c - referrals on PostgreSQL (SPEC §5, §7, §11): many sends
 * in one statement, the inbox, acknowledgement, status and expiry, each
 * safe against the same referral being handled through another gateway at
 * the same moment (row locks, and the state checked again on the locked
 * row).
 *
 * What is kept is what the SQLite store keeps (db.h): routing and times
 * for as long as the gateway runs, content only until the referral ends,
 * client_ref only as a keyed digest.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "api_limits.h"
#include "ids.h"
#include "pg_internal.h"

#define EXPIRE_BATCH 1000

/* The arrays of Q_PUTS, in its parameter order. */
enum {
    A_ORD,
    A_ID,
    A_ROUTE, /* the six routing fields */
    A_CREATED = A_ROUTE + 6,
    A_REF_KEY,
    A_DIGEST,
    A_RKEY,
    A_SUBJECT,
    A_BODY = A_SUBJECT + RG_SUBJECT_ATTRS,
    A_SEALED,
    A_COUNT /* then the shard, a scalar */
};

static uint32_t array_type(int i)
{
    if (i == A_ORD)
        return PG_OID_INT4;
    if (i == A_SEALED)
        return PG_OID_INT2;
    if (i == A_CREATED || i == A_RKEY)
        return PG_OID_INT8;
    if (i == A_REF_KEY || i == A_DIGEST || i == A_BODY)
        return PG_OID_BYTEA;
    return PG_OID_TEXT;
}

static void route_fields(const struct rg_routing *r, const char *f[6])
{
    f[0] = r->sender;
    f[1] = r->sender_type;
    f[2] = r->recipient;
    f[3] = r->recipient_type;
    f[4] = r->signal;
    f[5] = r->urgency;
}

/* ---- sends ---- */

/* One put into the arrays: a fresh id and record key (SPEC §6) drawn now. */
static int add_put(struct pg_array *a, struct op *op, int ord, uint32_t rkey)
{
    const struct rg_referral *r = &op->u.put.referral;
    const char *route[6];
    if (rg_id_new(op->u.put.id) < 0)
        return -1;
    route_fields(&op->u.put.route, route);
    pg_array_add_int(&a[A_ORD], ord);
    pg_array_add_str(&a[A_ID], op->u.put.id);
    for (int i = 0; i < 6; i++)
        pg_array_add_str(&a[A_ROUTE + i], route[i]);
    pg_array_add_int(&a[A_CREATED], (int64_t)op->now);
    if (r->client_ref[0] != '\0')
        pg_array_add(&a[A_REF_KEY], op->u.put.digests.ref_key, DIGEST_LEN);
    else
        pg_array_add_null(&a[A_REF_KEY]);
    pg_array_add(&a[A_DIGEST], op->u.put.digests.content, DIGEST_LEN);
    pg_array_add_int(&a[A_RKEY], rkey);
    for (int i = 0; i < RG_SUBJECT_ATTRS; i++)
        pg_array_add_str(&a[A_SUBJECT + i], r->subject[i]);
    pg_array_add(&a[A_BODY], r->body, r->body_len);
    pg_array_add_int(&a[A_SEALED], r->sealed);
    return 0;
}

/* A stored put: announced with the transaction, counted as accepted in
 * bulk later (pg_counting.c). */
static void stored(struct pg *pg, struct op *op)
{
    op->u.put.outcome = PUT_CREATED;
    pg_notify_add(pg, op->u.put.route.recipient);
    pg->uncounted++;
}

/* The puts not stored: each repeats an earlier client_ref of its sender
 * (same content, or not; SPEC §5). A referral that has ended keeps no
 * digest: a repeat then, whatever it holds. */
static int find_repeats(struct pg *pg, struct op **puts, size_t n, const bool *done)
{
    struct pg_array keys;
    pg_array_init(&keys, PG_OID_BYTEA, false);
    for (size_t i = 0; i < n; i++)
        if (!done[i] && puts[i]->u.put.referral.client_ref[0] != '\0')
            pg_array_add(&keys, puts[i]->u.put.digests.ref_key, DIGEST_LEN);
    struct pg_params p = {0};
    PGresult *r = NULL;
    if (keys.count > 0 && pg_param_array(&p, &keys) == 0)
        r = pg_run(pg, Q_FIND_REFS, &p);
    pg_array_free(&keys);
    for (size_t i = 0; i < n; i++) {
        struct op *op = puts[i];
        bool found = false;
        for (int row = 0; !done[i] && r != NULL && row < PQntuples(r) && !found;
             row++) {
            size_t len, kept;
            const char *key = pg_get_bytes(r, row, 0, &len);
            if (op->u.put.referral.client_ref[0] == '\0' || len != DIGEST_LEN ||
                memcmp(key, op->u.put.digests.ref_key, DIGEST_LEN) != 0)
                continue;
            found = true;
            pg_get_text(r, row, 1, op->u.put.id, sizeof(op->u.put.id));
            const char *digest = pg_get_bytes(r, row, 2, &kept);
            bool same = kept == 0 || (kept == DIGEST_LEN &&
                                      CRYPTO_memcmp(digest, op->u.put.digests.content,
                                                    DIGEST_LEN) == 0);
            op->u.put.outcome = same ? PUT_DUPLICATE : PUT_CONFLICT;
            op->u.put.state = (enum referral_state)pg_get_int(r, row, 3);
        }
        /* Not stored and no earlier one: its random id was taken. */
        if (!done[i] && !found)
            op->failed = true;
    }
    PQclear(r);
    return 0;
}

int pg_put_many(struct pg *pg, struct op **puts, size_t n)
{
    struct pg_array a[A_COUNT];
    for (int i = 0; i < A_COUNT; i++)
        pg_array_init(&a[i], array_type(i), i >= A_SUBJECT);
    uint32_t *rkeys = calloc(n, sizeof(*rkeys));
    bool *done = calloc(n, sizeof(*done));
    struct pg_params p = {0};
    int rc = rkeys != NULL && done != NULL ? 0 : pg_fail(pg, PGE_MEMORY);
    if (rc == 0 && rg_random_bytes(rkeys, n * sizeof(*rkeys)) < 0)
        rc = pg_fail(pg, PGE_FAILURE);
    for (size_t i = 0; rc == 0 && i < n; i++)
        if (add_put(a, puts[i], (int)i, rkeys[i]) < 0)
            rc = pg_fail(pg, PGE_FAILURE);
    for (int i = 0; rc == 0 && i < A_COUNT; i++)
        if (pg_param_array(&p, &a[i]) < 0)
            rc = pg_fail(pg, PGE_MEMORY);
    pg_param_int(&p, pg->shard);
    PGresult *r = rc == 0 ? pg_run(pg, Q_PUTS, &p) : NULL;
    for (int i = 0; i < A_COUNT; i++)
        pg_array_free(&a[i]);
    if (r == NULL)
        rc = -1;
    for (int row = 0; rc == 0 && row < PQntuples(r); row++) {
        int64_t ord = pg_get_int(r, row, 0);
        if (ord < 0 || (size_t)ord >= n || done[ord])
            continue;
        done[ord] = true;
        stored(pg, puts[ord]);
    }
    PQclear(r);
    if (rc == 0)
        rc = find_repeats(pg, puts, n, done);
    if (rkeys != NULL)
        OPENSSL_cleanse(rkeys, n * sizeof(*rkeys));
    free(rkeys);
    free(done);
    return rc;
}

/* ---- the inbox ---- */

struct row_order {
    int64_t seq;
    int row;
};

static int by_seq(const void *a, const void *b)
{
    int64_t x = ((const struct row_order *)a)->seq,
            y = ((const struct row_order *)b)->seq;
    return x < y ? -1 : x > y;
}

static int read_item(const PGresult *r, int row, struct inbox_item *it)
{
    pg_get_text(r, row, 1, it->id, sizeof(it->id));
    pg_get_text(r, row, 2, it->from, sizeof(it->from));
    pg_get_text(r, row, 3, it->from_type, sizeof(it->from_type));
    it->created_at = (time_t)pg_get_int(r, row, 4);
    pg_get_text(r, row, 5, it->signal, sizeof(it->signal));
    pg_get_text(r, row, 6, it->urgency, sizeof(it->urgency));
    it->deliveries = (int)pg_get_int(r, row, 7); /* this delivery included */
    pg_get_subject(r, row, 8, it->subject);
    size_t len;
    const char *body = pg_get_bytes(r, row, 16, &len);
    it->body = malloc(len + 1);
    if (it->body == NULL)
        return -1;
    memcpy(it->body, body, len);
    it->body[len] = '\0';
    it->body_len = len;
    it->sealed = pg_get_int(r, row, 17) != 0;
    return 0;
}

int pg_inbox(struct pg *pg, struct op *op)
{
    struct pg_params p = {0};
    pg_param_text(&p, op->u.inbox.recipient);
    pg_param_int(&p, op->u.inbox.limit);
    pg_param_int(&p, (int64_t)op->now);
    pg_param_int(&p, RG_INBOX_MAX_BYTES);
    PGresult *r = pg_run(pg, Q_INBOX, &p);
    if (r == NULL)
        return -1;
    int rows = PQntuples(r), rc = 0;
    struct row_order *order = calloc((size_t)rows + 1, sizeof(*order));
    op->u.inbox.items = calloc((size_t)rows + 1, sizeof(struct inbox_item));
    op->u.inbox.count = 0;
    if (order == NULL || op->u.inbox.items == NULL)
        rc = pg_fail(pg, PGE_MEMORY);
    for (int i = 0; rc == 0 && i < rows; i++)
        order[i] = (struct row_order){pg_get_int(r, i, 0), i};
    if (rc == 0)
        qsort(order, (size_t)rows, sizeof(*order), by_seq); /* oldest first */
    for (int i = 0; rc == 0 && i < rows; i++) {
        if (read_item(r, order[i].row, &op->u.inbox.items[i]) < 0)
            rc = pg_fail(pg, PGE_MEMORY);
        else
            op->u.inbox.count++;
    }
    free(order);
    pg_clear(r);
    return rc;
}

/* ---- the end of a referral: acknowledgement and expiry ---- */

/*
 * Counts the end of a referral from the row Q_ACKS or Q_EXPIRE returned
 * (from column col: created_at, record key, subject, and whether its
 * acceptance is still to count), routing already in e; and its acceptance
 * with it when no bulk counting took it before it ended.
 */
static int count_end(struct pg *pg, const PGresult *r, int row, int col, time_t now,
                     const char *event, struct pg_ending *e)
{
    time_t created = (time_t)pg_get_int(r, row, col);
    e->rkey = (uint32_t)pg_get_int(r, row, col + 1);
    pg_get_subject(r, row, col + 2, e->subject);
    bool uncounted = pg_get_int(r, row, col + 2 + RG_SUBJECT_ATTRS) != 0;
    if (uncounted && pg_count_event(pg, created, "accepted", e) < 0)
        return -1;
    return pg_count_event(pg, now, event, e);
}

/* The state of the referral an acknowledgement names now (after it was
 * found pending but ended meanwhile); *found false when it is gone. */
static int read_state(struct pg *pg, const struct op *op, int *state, bool *found)
{
    struct pg_params p = {0};
    pg_param_text(&p, op->u.ack.id);
    pg_param_text(&p, op->u.ack.recipient);
    PGresult *r = pg_run(pg, Q_ENDING, &p);
    if (r == NULL)
        return -1;
    *found = PQntuples(r) == 1;
    *state = *found ? (int)pg_get_int(r, 0, 0) : 0;
    PQclear(r);
    return 0;
}

/* One row of Q_ACKS for the op it answers; counted is the list of seqs this
 * statement has counted so far (an id acknowledged twice in one batch
 * ended once). */
static int ack_row(struct pg *pg, const PGresult *r, int row, struct op *op,
                   int64_t *counted, size_t *ncounted)
{
    int64_t seq = pg_get_int(r, row, 1);
    int state = (int)pg_get_int(r, row, 2);
    bool ended = pg_get_int(r, row, 9) != 0;
    for (size_t i = 0; ended && i < *ncounted; i++) {
        if (counted[i] == seq) { /* the same id earlier in the batch ended it */
            ended = false;
            state = STATE_ACKNOWLEDGED;
        }
    }
    op->u.ack.found = true;
    if (ended) {
        struct pg_ending e;
        memset(&e, 0, sizeof(e));
        pg_get_route(r, row, 3, &e.route);
        counted[(*ncounted)++] = seq;
        int rc = count_end(pg, r, row, 10, op->now, "acknowledged", &e);
        OPENSSL_cleanse(&e, sizeof(e));
        return rc;
    }
    /* Pending, but ended meanwhile through another gateway: how? */
    if (state < STATE_ACKNOWLEDGED && read_state(pg, op, &state, &op->u.ack.found) < 0)
        return -1;
    /* Acknowledged again: the same answer. Expired: its content is gone,
     * acknowledging it is 404. */
    op->u.ack.found = op->u.ack.found && state == STATE_ACKNOWLEDGED;
    return 0;
}

int pg_ack_many(struct pg *pg, struct op **acks, size_t n)
{
    struct pg_array ord, ids, recipients, at;
    pg_array_init(&ord, PG_OID_INT4, false);
    pg_array_init(&ids, PG_OID_TEXT, false);
    pg_array_init(&recipients, PG_OID_TEXT, false);
    pg_array_init(&at, PG_OID_INT8, false);
    for (size_t i = 0; i < n; i++) {
        acks[i]->u.ack.found = false;
        pg_array_add_int(&ord, (int64_t)i);
        pg_array_add_str(&ids, acks[i]->u.ack.id);
        pg_array_add_str(&recipients, acks[i]->u.ack.recipient);
        pg_array_add_int(&at, (int64_t)acks[i]->now);
    }
    struct pg_params p = {0};
    PGresult *r = NULL;
    int64_t *counted = calloc(n, sizeof(*counted));
    size_t ncounted = 0;
    int rc = counted != NULL && pg_param_array(&p, &ord) == 0 &&
                     pg_param_array(&p, &ids) == 0 &&
                     pg_param_array(&p, &recipients) == 0 &&
                     pg_param_array(&p, &at) == 0
                 ? 0
                 : pg_fail(pg, PGE_MEMORY);
    if (rc == 0 && (r = pg_run(pg, Q_ACKS, &p)) == NULL)
        rc = -1;
    for (int row = 0; rc == 0 && row < PQntuples(r); row++) {
        int64_t i = pg_get_int(r, row, 0);
        if (i >= 0 && (size_t)i < n)
            rc = ack_row(pg, r, row, acks[i], counted, &ncounted);
    }
    pg_clear(r);
    free(counted);
    pg_array_free(&ord);
    pg_array_free(&ids);
    pg_array_free(&recipients);
    pg_array_free(&at);
    return rc;
}

int pg_expire(struct pg *pg, struct op *op)
{
    bool mine;
    op->u.expire.expired = 0;
    /* One sweep at a time over all gateways; the others skip this turn. */
    if (pg_lock(pg, PG_LOCK_EXPIRE, false, &mine) < 0)
        return -1;
    if (!mine)
        return 0;
    struct pg_params p = {0};
    pg_param_int(&p, (int64_t)op->u.expire.cutoff);
    pg_param_int(&p, EXPIRE_BATCH);
    pg_param_int(&p, (int64_t)op->now);
    PGresult *r = pg_run(pg, Q_EXPIRE, &p);
    if (r == NULL)
        return -1;
    int rc = 0;
    for (int row = 0; rc == 0 && row < PQntuples(r); row++) {
        struct pg_ending e;
        memset(&e, 0, sizeof(e));
        pg_get_route(r, row, 0, &e.route);
        rc = count_end(pg, r, row, 6, op->now, "expired", &e);
        OPENSSL_cleanse(&e, sizeof(e));
        op->u.expire.expired += rc == 0;
    }
    pg_clear(r);
    return rc;
}

int pg_status(struct pg *pg, struct op *op)
{
    struct pg_params p = {0};
    pg_param_text(&p, op->u.status.id);
    pg_param_text(&p, op->u.status.sender);
    PGresult *r = pg_run(pg, Q_STATUS, &p);
    if (r == NULL)
        return -1;
    struct referral_status *st = &op->u.status.st;
    op->u.status.found = PQntuples(r) == 1;
    if (op->u.status.found) {
        pg_get_text(r, 0, 0, st->to, sizeof(st->to));
        st->state = (enum referral_state)pg_get_int(r, 0, 1);
        st->created_at = (time_t)pg_get_int(r, 0, 2);
        st->delivered_at = (time_t)pg_get_int(r, 0, 3);
        st->acknowledged_at = (time_t)pg_get_int(r, 0, 4);
    }
    PQclear(r);
    return 0;
}
