/*
 * pg_counting.c - SPEC §6's counters on PostgreSQL, written in the same
 * transaction as the events they count: each event's keys go into a tally
 * (tally.h) as it happens, the op's own until its savepoint is released,
 * and the transaction's tally is written with the commit, as one statement
 * whatever its size (Q_COUNTS). Counter rows carry this writer's shard, so
 * two gateways never wait for each other's rows.
 *
 * Sends are the exception: they are counted as accepted in bulk, a shard's
 * waiting sends at a time (pg_count_shard), exactly once across gateways
 * and crashes through the shard's mark (schema: counted) and the ending of
 * referrals (pg_referrals.c: count_end).
 *
 * Q_COUNTS also NOTIFYs the recipients of the transaction's new referrals,
 * once: NOTIFY takes a lock at commit that all sessions share.
 */
#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>

#include "counts.h"
#include "pg_internal.h"
#include "periods.h"

static void counts_init(struct pg_counts *c)
{
    memset(c, 0, sizeof(*c));
    for (int i = 0; i < PG_FLOW_TEXT; i++)
        pg_array_init(&c->flow[i], PG_OID_TEXT, false);
    for (int i = 0; i < PG_SUBJECT_TEXT; i++)
        pg_array_init(&c->subject[i], PG_OID_TEXT, false);
    pg_array_init(&c->flow_n, PG_OID_INT8, false);
    pg_array_init(&c->flow_k, PG_OID_INT8, false);
    pg_array_init(&c->subject_n, PG_OID_INT8, false);
    pg_array_init(&c->subject_k, PG_OID_INT8, false);
}

void pg_counts_free(struct pg_counts *c)
{
    for (int i = 0; i < PG_FLOW_TEXT; i++)
        pg_array_free(&c->flow[i]);
    for (int i = 0; i < PG_SUBJECT_TEXT; i++)
        pg_array_free(&c->subject[i]);
    pg_array_free(&c->flow_n);
    pg_array_free(&c->flow_k);
    pg_array_free(&c->subject_n);
    pg_array_free(&c->subject_k);
}

/* One tally key into the arrays: a flow key as it is; a subject key of a
 * month into that month's, quarter's and year's rows. */
static int add_key(void *arg, const struct count_key *k, long n, uint32_t sum)
{
    struct pg_counts *c = arg;
    if (k->attr[0] == '\0') {
        const struct rg_routing *r = &k->route;
        const char *fields[PG_FLOW_TEXT] = {
            k->month,     k->event,          r->sender, r->sender_type,
            r->recipient, r->recipient_type, r->signal, r->urgency};
        for (int i = 0; i < PG_FLOW_TEXT; i++)
            pg_array_add_str(&c->flow[i], fields[i]);
        pg_array_add_int(&c->flow_n, n);
        pg_array_add_int(&c->flow_k, sum);
        return 0;
    }
    int month = rg_month_number(k->month);
    if (month < 0)
        return -1;
    char periods[COUNTS_PERIODS][RG_PERIOD_LEN];
    counts_periods_of(month, periods);
    for (int p = 0; p < COUNTS_PERIODS; p++) {
        const char *fields[PG_SUBJECT_TEXT] = {periods[p], k->event, k->attr, k->value};
        for (int i = 0; i < PG_SUBJECT_TEXT; i++)
            pg_array_add_str(&c->subject[i], fields[i]);
        pg_array_add_int(&c->subject_n, n);
        pg_array_add_int(&c->subject_k, sum);
    }
    return 0;
}

/* Adds arrays[0..n) and the two numbers to p; -1 when one is out of memory. */
static int add_arrays(struct pg_params *p, struct pg_array *text, int n,
                      struct pg_array *counts, struct pg_array *keys)
{
    for (int i = 0; i < n; i++)
        if (pg_param_array(p, &text[i]) < 0)
            return -1;
    return pg_param_array(p, counts) < 0 || pg_param_array(p, keys) < 0 ? -1 : 0;
}

int pg_counts_params(struct pg *pg, struct tally *t, const char *payload,
                     struct pg_counts *c)
{
    counts_init(c);
    int rc = tally_each(t, add_key, c);
    tally_clear(t);
    if (rc != 0)
        return pg_fail(pg, PGE_FAILURE);
    struct pg_params *p = &c->params;
    if (add_arrays(p, c->flow, PG_FLOW_TEXT, &c->flow_n, &c->flow_k) < 0 ||
        add_arrays(p, c->subject, PG_SUBJECT_TEXT, &c->subject_n, &c->subject_k) < 0)
        return pg_fail(pg, PGE_MEMORY);
    pg_param_int(p, pg->shard);
    pg_param_text(p, payload);
    c->any = c->flow_n.count > 0 || c->subject_n.count > 0 || payload[0] != '\0';
    return 0;
}

/* Where counts go: the op's (inside a savepoint, undone with it) or the
 * transaction's. */
static struct tally *current(struct pg *pg)
{
    return pg->in_savepoint ? pg->op_counts : pg->batch_counts;
}

int pg_count_event(struct pg *pg, time_t now, const char *event,
                   const struct pg_ending *e)
{
    struct count_key k;
    memset(&k, 0, sizeof(k)); /* the tally hashes the whole struct */
    rg_month_format(now, k.month);
    snprintf(k.event, sizeof(k.event), "%s", event);
    k.route = e->route;
    return tally_add_event(current(pg), &k, e->subject, e->rkey) < 0
               ? pg_fail(pg, PGE_MEMORY)
               : 0;
}

void pg_notify_add(struct pg *pg, const char *recipient)
{
    if (strcmp(pg->payload, PG_PAYLOAD_ALL) == 0)
        return;
    size_t len = strlen(recipient);
    for (const char *p = strstr(pg->payload, recipient); p != NULL;
         p = strstr(p + 1, recipient))
        if ((p == pg->payload || p[-1] == ' ') && (p[len] == ' ' || p[len] == '\0'))
            return; /* listed already */
    if (pg->payload_len + len + 1 > PG_PAYLOAD_MAX) {
        snprintf(pg->payload, sizeof(pg->payload), "%s", PG_PAYLOAD_ALL);
        pg->payload_len = strlen(PG_PAYLOAD_ALL);
        return;
    }
    if (pg->payload_len > 0)
        pg->payload[pg->payload_len++] = ' ';
    memcpy(pg->payload + pg->payload_len, recipient, len + 1);
    pg->payload_len += len;
}

void pg_counts_begin(struct pg *pg)
{
    tally_clear(pg->op_counts);
    tally_clear(pg->batch_counts);
    pg->in_savepoint = false;
    pg->payload[0] = '\0';
    pg->payload_len = 0;
}

void pg_counts_op_begin(struct pg *pg)
{
    tally_clear(pg->op_counts);
    pg->in_savepoint = true;
}

int pg_counts_op_release(struct pg *pg)
{
    pg->in_savepoint = false;
    if (tally_merge(pg->batch_counts, pg->op_counts) < 0) {
        tally_clear(pg->op_counts);
        return pg_fail(pg, PGE_MEMORY);
    }
    return 0;
}

void pg_counts_op_undo(struct pg *pg)
{
    tally_clear(pg->op_counts);
    pg->in_savepoint = false;
}

void pg_counts_rolled_back(struct pg *pg)
{
    pg_counts_begin(pg);
}

static bool shards_include(const int *shards, int n, int shard)
{
    for (int i = 0; i < n; i++)
        if (shards[i] == shard)
            return true;
    return false;
}

/* ---- sends counted as accepted in bulk ---- */

#define COUNT_ROWS 4096 /* sends counted per statement */

int pg_count_shard(struct pg *pg, int shard, bool *more)
{
    struct pg_params p = {0};
    *more = false;
    pg_param_int(&p, shard);
    PGresult *r = pg_run(pg, Q_MARK_LOCK, &p);
    if (r == NULL)
        return -1;
    bool marked = PQntuples(r) == 1;
    int64_t mark = marked ? pg_get_int(r, 0, 0) : 0;
    PQclear(r);
    if (!marked)
        return 0; /* no gateway ever stored under this shard */
    pg_param_int(&p, mark);
    pg_param_int(&p, COUNT_ROWS);
    if ((r = pg_run(pg, Q_UNCOUNTED, &p)) == NULL)
        return -1;
    int rows = PQntuples(r), rc = 0;
    for (int row = 0; rc == 0 && row < rows; row++) {
        struct pg_ending e;
        memset(&e, 0, sizeof(e));
        mark = pg_get_int(r, row, 0);
        e.rkey = (uint32_t)pg_get_int(r, row, 2);
        pg_get_subject(r, row, 3, e.subject);
        pg_get_route(r, row, 3 + RG_SUBJECT_ATTRS, &e.route);
        rc = pg_count_event(pg, (time_t)pg_get_int(r, row, 1), "accepted", &e);
        OPENSSL_cleanse(&e, sizeof(e));
    }
    pg_clear(r);
    if (rc == 0 && rows > 0) {
        struct pg_params m = {0};
        pg_param_int(&m, shard);
        pg_param_int(&m, mark);
        rc = pg_run_ok(pg, Q_SET_MARK, &m);
    }
    *more = rows == COUNT_ROWS;
    return rc;
}

int pg_counts_settle(struct pg *pg)
{
    PGresult *r = pg_run(pg, Q_UNCOUNTED_SHARDS, NULL);
    if (r == NULL)
        return -1;
    int shards[PG_SHARDS], n = 0, rc = 0;
    for (int row = 0; row < PQntuples(r) && n < PG_SHARDS; row++)
        shards[n++] = (int)pg_get_int(r, row, 0);
    PQclear(r);
    for (int i = 0; rc == 0 && i < n; i++) {
        bool more = true;
        while (rc == 0 && more)
            rc = pg_count_shard(pg, shards[i], &more);
    }
    if (rc == 0 && shards_include(shards, n, pg->shard))
        pg->uncounted = 0;
    if (rc < 0)
        return -1;
    struct pg_counts c;
    rc = pg_counts_params(pg, current(pg), "", &c);
    if (rc == 0 && c.any)
        rc = pg_run_ok(pg, Q_COUNTS, &c.params);
    pg_counts_free(&c);
    return rc;
}

int pg_add_rejections(struct pg *pg, time_t now, const unsigned counts[RG_CODE_COUNT])
{
    char month[RG_MONTH_LEN];
    rg_month_format(now, month);
    struct pg_array codes, ns;
    pg_array_init(&codes, PG_OID_TEXT, false);
    pg_array_init(&ns, PG_OID_INT8, false);
    for (int code = 0; code < RG_CODE_COUNT; code++) {
        if (counts[code] == 0)
            continue;
        pg_array_add_str(&codes, rg_code_name((enum rg_code)code));
        pg_array_add_int(&ns, counts[code]);
    }
    struct pg_params p = {0};
    pg_param_text(&p, month);
    int rc = 0;
    if (pg_param_array(&p, &codes) < 0 || pg_param_array(&p, &ns) < 0)
        rc = pg_fail(pg, PGE_MEMORY);
    pg_param_int(&p, pg->shard);
    if (rc == 0 && codes.count > 0)
        rc = pg_run_ok(pg, Q_REJECTIONS, &p);
    pg_array_free(&codes);
    pg_array_free(&ns);
    return rc;
}

int pg_lock(struct pg *pg, enum pg_lock which, bool wait, bool *got)
{
    struct pg_params p = {0};
    pg_param_int(&p, PG_LOCK_SPACE);
    pg_param_int(&p, which);
    PGresult *r = pg_run(pg, wait ? Q_LOCK : Q_TRY_LOCK, &p);
    if (r == NULL)
        return -1;
    /* A bool in binary is one byte. */
    *got = wait || (PQntuples(r) == 1 && PQgetlength(r, 0, 0) == 1 &&
                    PQgetvalue(r, 0, 0)[0] == 1);
    PQclear(r);
    return 0;
}
