/*
 * db_stats.h - queries over the store's counters, for GET /v1/stats and
 * GET /metrics. Like db.h, each runs inside the writer's transaction
 * and returns 0, or -1 when the store failed.
 *
 * Nothing here reads content: only the counts and rejections tables and the
 * routing columns (recipient type, creation time, state) of pending referrals.
 * Both first count the sends waiting to be counted (db.h), so they see
 * every event committed before them; that is all they write.
 */
#ifndef REFGW_DB_STATS_H
#define REFGW_DB_STATS_H

#include <time.h>

#include "errors.h"
#include "counts.h"
#include "db.h"

/* The counts of req (event, months, `by`) summed per combination, zeros left out. */
int db_stats(struct db *s, const struct stats_request *req, struct stats_table *out);

/* Fills m (zeroed first): the counters since the store was created, pending as of now.
 */
int db_metrics(struct db *s, time_t now, struct store_metrics *m);

#endif
