/*
 * counts.h - the store's counts as queries and answers: which dimensions a
 * table may be broken down by (each mapped to a constant column name, so
 * that no byte of a request reaches the SQL), the events counted, a query,
 * the table of counts it returns, and the counters /metrics shows.
 */
#ifndef REFGW_COUNTS_H
#define REFGW_COUNTS_H

#include <stdbool.h>
#include <stddef.h>

#include "errors.h"
#include "ids.h"
#include "referral.h"

/* month, signal, urgency, sender, sender_type, recipient, recipient_type + 1 subject */
#define STATS_DIMS_MAX 8
/* The longest value of any dimension: an organisation id. */
#define STATS_VALUE_MAX (RG_ORG_ID_MAX + 1)

struct stats_dim {
    const char *name;   /* the word in `by`: "month", "age_band" */
    const char *column; /* the counts column holding it: a constant, never input */
    int subject;        /* index into rg_subject, or -1 */
};

/* The dimension called name[0..len), or false when there is none. */
bool stats_dim_find(const char *name, size_t len, struct stats_dim *out);

/* The events counted (SPEC §6): "accepted", "acknowledged", "expired". */
extern const struct rg_enum stats_events;

enum stats_format { STATS_JSON, STATS_CSV };

struct stats_request {
    char from[RG_MONTH_LEN], to[RG_MONTH_LEN]; /* inclusive, "YYYY-MM" */
    const char *event;                         /* an entry of stats_events */
    struct stats_dim by[STATS_DIMS_MAX];
    size_t by_count;
    int subject; /* the subject attribute among `by`, or -1 */
    enum stats_format format;
};

struct stats_row {
    char values[STATS_DIMS_MAX][STATS_VALUE_MAX]; /* in `by` order */
    long long count;
    bool suppressed;
};

/* The answer to a query: rows in the order they were added, and their total. */
struct stats_table {
    size_t dims;
    struct stats_row *rows;
    size_t count, cap;
    long long total;
    bool total_suppressed;
};

struct stats_table *stats_table_new(size_t dims);
void stats_table_free(struct stats_table *t);

/* Appends a row of dims values; a count of 0 (or less) is left out. 0 or -1 (memory).
 */
int stats_table_add(struct stats_table *t, const char *const *values, long long count);

/*
 * Small-cell suppression of SPEC §6 with threshold min_count: rows below it
 * are suppressed; if that suppresses exactly one row, the smallest remaining
 * row (the first of equals, in table order) is suppressed too; a total below
 * min_count is suppressed. Recomputes the total.
 */
void stats_suppress(struct stats_table *t, long long min_count);

/* What GET /metrics shows of the store. */
/* One counter series of refgw_referrals_total. */
struct metrics_series {
    char event[RG_VALUE_MAX];
    char sender_type[RG_VALUE_MAX];
    char recipient_type[RG_VALUE_MAX];
    char signal[RG_VALUE_MAX];
    long long n;
};

#define METRICS_TYPES_MAX 16 /* organisation types: rg_org_types.count */

struct store_metrics {
    struct metrics_series *series; /* owned */
    size_t series_count;
    long long rejections[RG_CODE_COUNT];  /* every month, by code */
    long long pending[METRICS_TYPES_MAX]; /* by recipient type (rg_org_types index) */
    long long oldest_age[METRICS_TYPES_MAX]; /* seconds; 0 when none pending */
};

/* Frees what m owns. */
void store_metrics_clear(struct store_metrics *m);

#endif
