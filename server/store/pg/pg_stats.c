/*
 * pg_stats.c - counts on PostgreSQL (SPEC §6 v2): flow tables summed over
 * every gateway's shard, the release of ended subject periods (once, by
 * whichever gateway comes first), what releases published, and /metrics.
 *
 * Nothing here reads content. Counters are written with the events they
 * count (pg_counting.c): a query sees every event committed before it.
 */
#include <stdio.h>
#include <string.h>

#include "pg_internal.h"
#include "taxonomy.h"

#define DUE_MAX 256 /* ended periods released per check; the rest at the next */

/* A flow table: every cell, and the total (all cells together), published,
 * each summed over the shards of all gateways. */
static int flow_table(struct pg *pg, const struct stats_request *req,
                      struct stats_table *out)
{
    char sql[1024];
    if (out->dims != req->by_count ||
        counts_flow_sql(req,
                        "sum(n)::bigint, (sum(k) % 4294967296)::bigint FROM flow_counts"
                        " WHERE event = $1::text AND month >= $2::text"
                        " AND month <= $3::text",
                        sql, sizeof(sql)) < 0)
        return pg_fail(pg, PGE_FAILURE);
    struct pg_params p = {0};
    pg_param_text(&p, req->event);
    pg_param_text(&p, req->from);
    pg_param_text(&p, req->to);
    PGresult *r = pg_run_sql(pg, sql, &p);
    if (r == NULL)
        return -1;
    struct counts_sum total = {0, 0};
    int c = (int)req->by_count, rc = 0;
    for (int row = 0; rc == 0 && row < PQntuples(r); row++) {
        char values[STATS_DIMS_MAX][STATS_VALUE_MAX];
        const char *row_values[STATS_DIMS_MAX];
        for (int i = 0; i < c; i++) {
            pg_get_text(r, row, i, values[i], sizeof(values[i]));
            row_values[i] = values[i];
        }
        if (counts_flow_cell(out, req->min_count, row_values, pg_get_int(r, row, c),
                             (uint32_t)pg_get_int(r, row, c + 1), &total) < 0)
            rc = pg_fail(pg, PGE_MEMORY);
    }
    PQclear(r);
    counts_set_total(out, &total, req->min_count);
    return rc;
}

/* ---- release (SPEC §6) ---- */

static int publish(struct pg *pg, const char *period, const char *event,
                   const char *attr, const char *value, long long v)
{
    struct pg_params p = {0};
    pg_param_text(&p, period);
    pg_param_text(&p, event);
    pg_param_text(&p, attr);
    pg_param_text(&p, value);
    pg_param_int(&p, v);
    return pg_run_ok(pg, Q_PUBLISH, &p);
}

/* One event's tables of a period: each attribute's cells, and the total,
 * which every attribute's cells add up to (each event has all eight). */
static int release_event(struct pg *pg, const char *period, const char *event, int m)
{
    struct pg_params p = {0};
    pg_param_text(&p, period);
    pg_param_text(&p, event);
    PGresult *r = pg_run(pg, Q_PERIOD_CELLS, &p);
    if (r == NULL)
        return -1;
    struct counts_sum total = {0, 0};
    int rc = 0;
    for (int row = 0; rc == 0 && row < PQntuples(r); row++) {
        char attr[RG_VALUE_MAX], value[RG_VALUE_MAX];
        pg_get_text(r, row, 0, attr, sizeof(attr));
        pg_get_text(r, row, 1, value, sizeof(value));
        long long n = pg_get_int(r, row, 2);
        uint32_t k = (uint32_t)pg_get_int(r, row, 3);
        if (counts_in_total(attr)) {
            total.n += n;
            total.k += k;
        }
        long long v = counts_publish(n, k, m);
        if (v >= 0)
            rc = publish(pg, period, event, attr, value, v);
    }
    PQclear(r);
    long long v = counts_publish(total.n, total.k, m);
    return rc == 0 && v >= 0 ? publish(pg, period, event, "", "", v) : rc;
}

static int release_period(struct pg *pg, const char *period, time_t now, int m)
{
    for (size_t e = 0; e < stats_events.count; e++)
        if (release_event(pg, period, stats_events.values[e], m) < 0)
            return -1;
    struct pg_params p = {0};
    pg_param_text(&p, period);
    if (pg_run_ok(pg, Q_ERASE_PERIOD, &p) < 0)
        return -1;
    pg_param_int(&p, (int64_t)now);
    pg_param_int(&p, m);
    return pg_run_ok(pg, Q_MARK_RELEASED, &p);
}

/* The running periods (not released) that have ended by now. */
static int due_periods(struct pg *pg, time_t now, char due[DUE_MAX][RG_PERIOD_LEN],
                       int *ndue)
{
    PGresult *r = pg_run(pg, Q_DUE_PERIODS, NULL);
    if (r == NULL)
        return -1;
    int current = rg_month_of(now);
    *ndue = 0;
    for (int row = 0; row < PQntuples(r) && *ndue < DUE_MAX; row++) {
        char name[RG_PERIOD_LEN];
        struct rg_period period;
        struct rg_error err;
        pg_get_text(r, row, 0, name, sizeof(name));
        if (rg_period_parse(name, strlen(name), &period, &err) == 0 &&
            rg_period_ended(&period, current))
            memcpy(due[(*ndue)++], name, sizeof(name));
    }
    PQclear(r);
    return 0;
}

int pg_release_due(struct pg *pg, time_t now, int m, int *released)
{
    char due[DUE_MAX][RG_PERIOD_LEN];
    int ndue;
    bool locked;
    *released = 0;
    /* Counters another gateway added to a period just as it was released
     * (a batch in flight, a clock behind) go now: no exact subject counter
     * outlives its period's release by more than a check. */
    if (pg_run_ok(pg, Q_ERASE_LEFTOVERS, NULL) < 0 ||
        due_periods(pg, now, due, &ndue) < 0)
        return -1;
    if (ndue == 0)
        return 0;
    /* One gateway at a time: the others wait, then find nothing due. */
    if (pg_lock(pg, PG_LOCK_RELEASE, true, &locked) < 0 ||
        due_periods(pg, now, due, &ndue) < 0)
        return -1;
    for (int i = 0; i < ndue; i++)
        if (release_period(pg, due[i], now, m) < 0)
            return -1;
    *released = ndue;
    return 0;
}

/* What a released subject table published for one attribute ("" the total),
 * as counts_released_value keeps it. */
static int released_rows(struct pg *pg, const struct stats_request *req,
                         const char *attr, struct stats_table *out, bool total)
{
    struct pg_params p = {0};
    pg_param_text(&p, req->period);
    pg_param_text(&p, req->event);
    pg_param_text(&p, attr);
    PGresult *r = pg_run(pg, Q_RELEASED_ROWS, &p);
    if (r == NULL)
        return -1;
    int rc = 0;
    for (int row = 0; rc == 0 && row < PQntuples(r); row++) {
        char value[STATS_VALUE_MAX];
        pg_get_text(r, row, 0, value, sizeof(value));
        if (counts_released_value(out, req->min_count, value, pg_get_int(r, row, 1),
                                  total) < 0)
            rc = pg_fail(pg, PGE_MEMORY);
    }
    PQclear(r);
    return rc;
}

static int subject_table(struct pg *pg, const struct stats_request *req, time_t now,
                         struct stats_table *out)
{
    int released;
    if (req->by_count != 1 || req->by[0].subject < 0 || out->dims != 1)
        return pg_fail(pg, PGE_FAILURE);
    if (pg_release_due(pg, now, req->min_count, &released) < 0)
        return -1;
    const char *attr = rg_subject[req->by[0].subject].name;
    if (released_rows(pg, req, attr, out, false) < 0 ||
        released_rows(pg, req, "", out, true) < 0)
        return -1;
    return 0;
}

int pg_stats(struct pg *pg, struct op *op)
{
    const struct stats_request *req = op->u.stats.req;
    if (pg_counts_settle(pg) < 0)
        return -1;
    return req->subject_table ? subject_table(pg, req, op->now, op->u.stats.table)
                              : flow_table(pg, req, op->u.stats.table);
}

int pg_metrics(struct pg *pg, struct op *op)
{
    struct store_metrics *m = op->u.metrics.store;
    memset(m, 0, sizeof(*m));
    if (pg_counts_settle(pg) < 0)
        return -1;
    PGresult *r = pg_run(pg, Q_METRICS_EVENTS, NULL);
    if (r == NULL)
        return -1;
    for (int row = 0; row < PQntuples(r); row++) {
        char name[RG_VALUE_MAX];
        pg_get_text(r, row, 0, name, sizeof(name));
        int e = rg_enum_find(&stats_events, name, strlen(name));
        if (e >= 0)
            m->events[e] += pg_get_int(r, row, 1);
    }
    PQclear(r);
    if ((r = pg_run(pg, Q_METRICS_REJECTIONS, NULL)) == NULL)
        return -1;
    for (int row = 0; row < PQntuples(r); row++) {
        char name[RG_VALUE_MAX];
        pg_get_text(r, row, 0, name, sizeof(name));
        enum rg_code code = rg_code_from_name(name);
        if (code != RG_CODE_COUNT)
            m->rejections[code] += pg_get_int(r, row, 1);
    }
    PQclear(r);
    return 0;
}
