/*
 * pg_counting.c - SPEC §6's counters on PostgreSQL, written in the same
 * transaction as the events they count: each event's keys go into a tally
 * (tally.h) as it happens, the op's own until its savepoint is released,
 * and the transaction's tally is written just before the commit, as two
 * statements whatever its size. Counter rows carry this writer's shard, so
 * two gateways never wait for each other's rows.
 *
 * The same transaction NOTIFYs the recipients of its new referrals once:
 * NOTIFY takes a lock at commit that all sessions share.
 */
#include <stdio.h>
#include <string.h>

#include "counts.h"
#include "pg_internal.h"
#include "periods.h"

/* Flow: month, event, the six routing fields; then n and k. */
#define FLOW_TEXT 8
/* Subject: period, event, attribute, value; then n and k. */
#define SUBJECT_TEXT 4

struct batch_arrays {
    struct pg_array flow[FLOW_TEXT], flow_n, flow_k;
    struct pg_array subject[SUBJECT_TEXT], subject_n, subject_k;
};

static void arrays_init(struct batch_arrays *b)
{
    for (int i = 0; i < FLOW_TEXT; i++)
        pg_array_init(&b->flow[i], PG_OID_TEXT, false);
    for (int i = 0; i < SUBJECT_TEXT; i++)
        pg_array_init(&b->subject[i], PG_OID_TEXT, false);
    pg_array_init(&b->flow_n, PG_OID_INT8, false);
    pg_array_init(&b->flow_k, PG_OID_INT8, false);
    pg_array_init(&b->subject_n, PG_OID_INT8, false);
    pg_array_init(&b->subject_k, PG_OID_INT8, false);
}

static void arrays_free(struct batch_arrays *b)
{
    for (int i = 0; i < FLOW_TEXT; i++)
        pg_array_free(&b->flow[i]);
    for (int i = 0; i < SUBJECT_TEXT; i++)
        pg_array_free(&b->subject[i]);
    pg_array_free(&b->flow_n);
    pg_array_free(&b->flow_k);
    pg_array_free(&b->subject_n);
    pg_array_free(&b->subject_k);
}

/* One tally key into the arrays: a flow key as it is; a subject key of a
 * month into that month's, quarter's and year's rows. */
static int add_key(void *arg, const struct count_key *k, long n, uint32_t sum)
{
    struct batch_arrays *b = arg;
    if (k->attr[0] == '\0') {
        const struct rg_routing *r = &k->route;
        const char *fields[FLOW_TEXT] = {
            k->month,     k->event,          r->sender, r->sender_type,
            r->recipient, r->recipient_type, r->signal, r->urgency};
        for (int i = 0; i < FLOW_TEXT; i++)
            pg_array_add_str(&b->flow[i], fields[i]);
        pg_array_add_int(&b->flow_n, n);
        pg_array_add_int(&b->flow_k, sum);
        return 0;
    }
    int month = rg_month_number(k->month);
    if (month < 0)
        return -1;
    char periods[COUNTS_PERIODS][RG_PERIOD_LEN];
    counts_periods_of(month, periods);
    for (int p = 0; p < COUNTS_PERIODS; p++) {
        const char *fields[SUBJECT_TEXT] = {periods[p], k->event, k->attr, k->value};
        for (int i = 0; i < SUBJECT_TEXT; i++)
            pg_array_add_str(&b->subject[i], fields[i]);
        pg_array_add_int(&b->subject_n, n);
        pg_array_add_int(&b->subject_k, sum);
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

static int write_tally(struct pg *pg, const struct tally *t)
{
    struct batch_arrays b;
    arrays_init(&b);
    struct pg_params flow = {0}, subject = {0};
    int rc = tally_each(t, add_key, &b) == 0 ? 0 : pg_fail(pg, PGE_FAILURE);
    if (rc == 0 &&
        (add_arrays(&flow, b.flow, FLOW_TEXT, &b.flow_n, &b.flow_k) < 0 ||
         add_arrays(&subject, b.subject, SUBJECT_TEXT, &b.subject_n, &b.subject_k) < 0))
        rc = pg_fail(pg, PGE_MEMORY);
    pg_param_int(&flow, pg->shard);
    pg_param_int(&subject, pg->shard);
    if (rc == 0 && b.flow_n.count > 0)
        rc = pg_run_ok(pg, Q_FLOW_COUNT, &flow);
    if (rc == 0 && b.subject_n.count > 0)
        rc = pg_run_ok(pg, Q_SUBJECT_COUNT, &subject);
    arrays_free(&b);
    return rc;
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

int pg_counts_write(struct pg *pg)
{
    int rc = write_tally(pg, pg->batch_counts);
    tally_clear(pg->batch_counts);
    if (rc == 0 && pg->payload_len > 0) {
        struct pg_params p = {0};
        pg_param_text(&p, pg->payload);
        rc = pg_run_ok(pg, Q_NOTIFY, &p);
    }
    return rc;
}

void pg_counts_rolled_back(struct pg *pg)
{
    pg_counts_begin(pg);
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
