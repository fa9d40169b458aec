/*
 * db_stats.h - queries over the SQLite store's counters (SPEC §6 v2), for
 * GET /v1/stats and GET /metrics, and the release of ended periods. Like
 * db.h, each runs inside the writer's transaction and returns 0, or -1 when
 * the store failed.
 *
 * Nothing here reads content. Each first counts the sends still waiting to
 * be counted (db.h), so it sees every event committed before it.
 */
#ifndef REFGW_DB_STATS_H
#define REFGW_DB_STATS_H

#include <time.h>

#include "counts.h"
#include "db.h"

/*
 * A flow table (req->subject_table false): the flow counters of req's event
 * and months summed per combination of `by`, each cell published under
 * req->min_count, the total its own cell. A subject table: what the release
 * of req->period published for req's event and attribute (the period has
 * ended: the caller checked), releasing it first if that is due.
 */
int db_stats(struct db *s, const struct stats_request *req, time_t now,
             struct stats_table *out);

/*
 * Releases every subject period that has ended by now: publishes its
 * tables under threshold m (counts_publish), keeps those values, and erases
 * the period's exact counters, all in the caller's transaction, so that a
 * period is released once and whole. *released says how many.
 */
int db_release_due(struct db *s, time_t now, int m, int *released);

/* Fills m (zeroed first): events by type and rejections by code, since the
 * store was created. */
int db_metrics(struct db *s, struct store_metrics *m);

#endif
