#include "counts.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "taxonomy.h"

/* The flow dimensions, each a column of the flow counters. */
static const struct stats_dim flow_dims[] = {
    {"month", "month", -1},
    {"signal", "signal", -1},
    {"urgency", "urgency", -1},
    {"sender", "sender", -1},
    {"sender_type", "sender_type", -1},
    {"recipient", "recipient", -1},
    {"recipient_type", "recipient_type", -1},
};
#define FLOW_DIMS (sizeof(flow_dims) / sizeof(flow_dims[0]))

const struct rg_enum stats_events = {
    "event", (const char *const[]){"accepted", "acknowledged", "expired"}, 3};

bool stats_dim_find(const char *name, size_t len, struct stats_dim *out)
{
    for (size_t i = 0; i < FLOW_DIMS; i++) {
        if (strlen(flow_dims[i].name) == len &&
            memcmp(flow_dims[i].name, name, len) == 0) {
            *out = flow_dims[i];
            return true;
        }
    }
    int a = rg_subject_find(name, len);
    if (a < 0)
        return false;
    /* A subject attribute is no column of the flow counters: its own table. */
    out->name = rg_subject[a].name;
    out->column = NULL;
    out->subject = a;
    return true;
}

long long counts_publish(long long n, uint32_t k, int m)
{
    if (n < m)
        return -1;
    /* u = k / 2^32 against 0.05, 0.25, 0.75, 0.95: the bounds scaled to
     * 2^32 and rounded up, so that k < bound is exactly u < the fraction. */
    static const struct {
        uint64_t below;
        int d;
    } bands[] = {
        {214748365ull, -2},  /* 0.05 * 2^32 = 214748364.8 */
        {1073741824ull, -1}, /* 0.25 * 2^32 */
        {3221225472ull, 0},  /* 0.75 * 2^32 */
        {4080218932ull, +1}, /* 0.95 * 2^32 = 4080218931.2 */
    };
    int d = +2;
    for (size_t i = 0; i < sizeof(bands) / sizeof(bands[0]); i++)
        if ((uint64_t)k < bands[i].below) {
            d = bands[i].d;
            break;
        }
    long long v = n + d;
    return v < m ? m : v;
}

void counts_periods_of(int month, char names[COUNTS_PERIODS][RG_PERIOD_LEN])
{
    int year = month / 12, in_year = month % 12 + 1;
    const struct rg_period periods[COUNTS_PERIODS] = {
        {RG_PERIOD_MONTH, year, in_year},
        {RG_PERIOD_QUARTER, year, (in_year - 1) / 3 + 1},
        {RG_PERIOD_YEAR, year, 0},
    };
    for (int i = 0; i < COUNTS_PERIODS; i++)
        rg_period_format(&periods[i], names[i]);
}

/* A dimension's column, if it is one of the flow counters' columns. */
static bool flow_column(const char *column)
{
    for (size_t i = 0; column != NULL && i < FLOW_DIMS; i++)
        if (strcmp(flow_dims[i].column, column) == 0)
            return true;
    return false;
}

int counts_flow_sql(const struct stats_request *req, const char *body, char *sql,
                    size_t cap)
{
    size_t n = 0;
    if (req->by_count > STATS_DIMS_MAX)
        return -1;
    n += (size_t)snprintf(sql + n, cap - n, "SELECT ");
    for (size_t i = 0; i < req->by_count && n < cap; i++) {
        if (!flow_column(req->by[i].column))
            return -1;
        n += (size_t)snprintf(sql + n, cap - n, "%s, ", req->by[i].column);
    }
    if (n < cap)
        n += (size_t)snprintf(sql + n, cap - n, "%s", body);
    for (int clause = 0; clause < 2; clause++)
        for (size_t i = 0; i < req->by_count && n < cap; i++)
            n += (size_t)snprintf(sql + n, cap - n, "%s%zu",
                                  i        ? ", "
                                  : clause ? " ORDER BY "
                                           : " GROUP BY ",
                                  i + 1);
    return n < cap ? 0 : -1;
}

int counts_flow_cell(struct stats_table *out, int m, const char *const *values,
                     long long n, uint32_t k, struct counts_sum *sum)
{
    sum->n += n;
    sum->k += k;
    long long v = counts_publish(n, k, m);
    /* Not published: no row, not even its labels. */
    return v < 0 ? 0 : stats_table_add(out, values, v);
}

void counts_set_total(struct stats_table *out, const struct counts_sum *sum, int m)
{
    long long total = counts_publish(sum->n, sum->k, m);
    out->total_published = total >= 0;
    out->total = total >= 0 ? total : 0;
}

int counts_released_value(struct stats_table *out, int m, const char *value,
                          long long v, bool total)
{
    if (v < m)
        return 0;
    if (!total)
        return stats_table_add(out, &value, v);
    out->total = v;
    out->total_published = true;
    return 0;
}

bool counts_in_total(const char *attr)
{
    return strcmp(attr, rg_subject[0].name) == 0;
}

struct stats_table *stats_table_new(size_t dims)
{
    if (dims > STATS_DIMS_MAX)
        return NULL;
    struct stats_table *t = calloc(1, sizeof(*t));
    if (t != NULL)
        t->dims = dims;
    return t;
}

void stats_table_free(struct stats_table *t)
{
    if (t == NULL)
        return;
    free(t->rows);
    free(t);
}

int stats_table_add(struct stats_table *t, const char *const *values, long long count)
{
    if (t->count == t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 16;
        struct stats_row *rows = realloc(t->rows, cap * sizeof(*rows));
        if (rows == NULL)
            return -1;
        t->rows = rows;
        t->cap = cap;
    }
    struct stats_row *r = &t->rows[t->count++];
    memset(r, 0, sizeof(*r));
    for (size_t i = 0; i < t->dims; i++)
        snprintf(r->values[i], sizeof(r->values[i]), "%s", values[i] ? values[i] : "");
    r->count = count;
    return 0;
}
