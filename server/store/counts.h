/*
 * counts.h - the store's counts (SPEC §6 v2) as queries and answers.
 *
 * Two families of counters, never joined. Flow: (month, event, sender,
 * sender type, recipient, recipient type, signal, urgency), no subject
 * attribute. Subject: (period, event, one attribute, its value), for the
 * month, the quarter and the year of each event, nothing else. Each counter
 * holds n, how many events, and k, the sum mod 2^32 of their referrals'
 * random record keys.
 *
 * Only published values leave the store: a cell (a row, or a table's total)
 * with n below the threshold m is left out, zero included; the rest are
 * max(m, n + d), d from the cell key (counts_publish). A subject period is
 * answered only once ended, from the values its release stored; its exact
 * counters are erased by then.
 *
 * Dimensions map to constant column names; input only ever selects an entry
 * of the table, so no byte of a request reaches the SQL.
 */
#ifndef REFGW_COUNTS_H
#define REFGW_COUNTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "errors.h"
#include "ids.h"
#include "periods.h"
#include "referral.h"

/* The flow dimensions (month, signal, urgency, sender, sender_type,
 * recipient, recipient_type); a subject table has exactly one attribute. */
#define STATS_DIMS_MAX 7
/* The longest value of any dimension: an organisation id. */
#define STATS_VALUE_MAX (RG_ORG_ID_MAX + 1)

struct stats_dim {
    const char *name;   /* the word in `by`: "month", "age_band" */
    const char *column; /* the flow counters' column: a constant, never input */
    int subject;        /* index into rg_subject, or -1 */
};

/* The dimension called name[0..len), or false when there is none. */
bool stats_dim_find(const char *name, size_t len, struct stats_dim *out);

/* The events counted (SPEC §6): "accepted", "acknowledged", "expired". */
extern const struct rg_enum stats_events;

enum stats_format { STATS_JSON, STATS_CSV };

struct stats_request {
    bool subject_table;                        /* else a flow table */
    char from[RG_MONTH_LEN], to[RG_MONTH_LEN]; /* flow: inclusive months */
    char period[RG_PERIOD_LEN];                /* subject: an ended period */
    const char *event;                         /* an entry of stats_events */
    struct stats_dim by[STATS_DIMS_MAX];
    size_t by_count;
    enum stats_format format;
    int min_count; /* m: the threshold the answer is published with */
};

/* One published row. */
struct stats_row {
    char values[STATS_DIMS_MAX][STATS_VALUE_MAX]; /* in `by` order */
    long long count;
};

/* The answer to a query: published rows in the order they were added, and
 * the table's own total cell (published by the same rule, or not). */
struct stats_table {
    size_t dims;
    struct stats_row *rows;
    size_t count, cap;
    long long total;
    bool total_published;
};

struct stats_table *stats_table_new(size_t dims);
void stats_table_free(struct stats_table *t);

/* Appends a published row of dims values; 0 or -1 (memory). */
int stats_table_add(struct stats_table *t, const char *const *values, long long count);

/*
 * The published value of a cell with true count n and cell key k under the
 * threshold m (SPEC §6): -1 when n < m (not published, zero included), else
 * max(m, n + d) with d = -2, -1, 0, +1, +2 as k / 2^32 falls below 0.05,
 * 0.25, 0.75, 0.95 or above. The same cell always gets the same value.
 */
long long counts_publish(long long n, uint32_t k, int m);

/* ---- what every backend's queries share (no storage here) ---- */

/* The n and k of cells added up: a table's own total cell. */
struct counts_sum {
    long long n;
    uint32_t k;
};

/*
 * The SQL of a flow table: "SELECT <by columns>, " then body (the backend's
 * sums of n and k, FROM and WHERE), then GROUP BY and ORDER BY the columns.
 * Column names come only from the flow dimensions' table, checked again
 * here: no byte of a request reaches the SQL. 0, or -1 when a column is not
 * one of them or sql is too small.
 */
int counts_flow_sql(const struct stats_request *req, const char *body, char *sql,
                    size_t cap);

/* One cell of a flow table, its values in `by` order: added to sum, and a
 * row of out when published under m. 0, or -1 when out of memory. */
int counts_flow_cell(struct stats_table *out, int m, const char *const *values,
                     long long n, uint32_t k, struct counts_sum *sum);

/* out's total: sum published under m, or not published. */
void counts_set_total(struct stats_table *out, const struct counts_sum *sum, int m);

/* One value a release stored (value "" and total: the table's total) into
 * out, if it is at or above the threshold asked for now: one raised since
 * the release hides more, never shows more. 0, or -1 when out of memory. */
int counts_released_value(struct stats_table *out, int m, const char *value,
                          long long v, bool total);

/* Whether a subject cell of attribute attr adds to its table's total: the
 * cells of any one attribute add up to it (each event has all eight). */
bool counts_in_total(const char *attr);

/* The names of the month, the quarter and the year that a month (a
 * number, periods.h) falls in: the subject periods an event counts in. */
#define COUNTS_PERIODS 3
void counts_periods_of(int month, char names[COUNTS_PERIODS][RG_PERIOD_LEN]);

/* What GET /metrics shows of the store: operational totals only (SPEC §6). */
struct store_metrics {
    long long events[3];                 /* by stats_events, since the store began */
    long long rejections[RG_CODE_COUNT]; /* by code, since the store began */
};

#endif
