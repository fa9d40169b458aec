/*
 * store_stats.h - queries over the store's counters, for GET /v1/stats and
 * GET /metrics. Like store.h, each runs inside the committer's transaction
 * and returns 0, or -1 when the store failed.
 *
 * Nothing here reads content: only the counts and rejections tables and the
 * routing columns (recipient type, creation time, state) of pending referrals.
 * Both first count the sends waiting to be counted (store.h), so they see
 * every event committed before them; that is all they write.
 */
#ifndef REFGW_STORE_STATS_H
#define REFGW_STORE_STATS_H

#include <time.h>

#include "errors.h"
#include "stats.h"
#include "store.h"

/* The counts of req (event, months, `by`) summed per combination, zeros left out. */
int store_stats(struct store *s, const struct stats_request *req,
                struct stats_table *out);

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

/* Fills m (zeroed first): the counters since the store was created, pending as of now.
 */
int store_metrics(struct store *s, time_t now, struct store_metrics *m);

/* Frees what m owns. */
void store_metrics_clear(struct store_metrics *m);

#endif
