/*
 * stats.h - GET /v1/stats of SPEC §6, the parts that need no socket and no
 * store: the request's parameters, the table of counts a query returns,
 * small-cell suppression over that table, and its JSON and CSV renderings.
 *
 * Dimensions map to columns of the counts table through one constant table;
 * input only ever selects an entry of it, so the SQL built from `column` holds
 * no byte of the request.
 */
#ifndef REFGW_STATS_H
#define REFGW_STATS_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include <cjson/cJSON.h>

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

/*
 * Decodes the query string (NULL: none) of GET /v1/stats. Defaults: to = the
 * month of now (UTC), from = to, event = accepted, no dimensions, JSON.
 * Anything else than SPEC §6 allows is RG_INVALID_PARAMETER with err->field
 * naming the parameter. 0 or -1.
 */
int stats_request_parse(const char *raw, time_t now, struct stats_request *req,
                        struct rg_error *err);

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

/* SPEC §6's JSON answer (the caller frees it), or NULL (memory). */
cJSON *stats_to_json(const struct stats_request *req, const struct stats_table *t,
                     long long min_count);

/*
 * The CSV answer: a header of the `by` names plus "count", one line a row
 * ending in LF, a suppressed count written "<min_count". Fields are quoted
 * as RFC 4180 says when they need it (taxonomy words and ids never do).
 * The caller frees it; NULL (memory).
 */
char *stats_to_csv(const struct stats_request *req, const struct stats_table *t,
                   long long min_count, size_t *len);

#endif
