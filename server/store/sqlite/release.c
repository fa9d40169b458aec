/*
 * release.c - SPEC §6's release: at the first counting after a subject
 * period ends, its tables are computed once from its exact counters and
 * kept as published values, and the exact counters are erased in the same
 * transaction. A released table never changes; nothing exact stays on disk
 * for a period that has ended.
 */
#include <string.h>

#include "counts.h"
#include "db_internal.h"
#include "db_stats.h"
#include "periods.h"

#define RUNNING_MAX 256 /* ended periods released per check; the rest at the next */

static int publish(struct db *s, const char *period, const char *event,
                   const char *attr, const char *value, long long v)
{
    sqlite3_stmt *st = db_prepared(s, S_PUBLISH);
    db_bind_text(st, 1, period);
    db_bind_text(st, 2, event);
    db_bind_text(st, 3, attr);
    db_bind_text(st, 4, value);
    sqlite3_bind_int64(st, 5, v);
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? 0 : db_failed(s, rc);
}

/* One event's tables of a period: each attribute's cells, and the total,
 * which every attribute's cells add up to (each event has all eight). */
static int release_event(struct db *s, const char *period, const char *event, int m)
{
    long long total_n = 0;
    uint32_t total_k = 0;
    sqlite3_stmt *st = db_prepared(s, S_PERIOD_CELLS);
    db_bind_text(st, 1, period);
    db_bind_text(st, 2, event);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        char attr[RG_VALUE_MAX], value[RG_VALUE_MAX];
        db_column_copy(st, 0, attr, sizeof(attr));
        db_column_copy(st, 1, value, sizeof(value));
        long long n = sqlite3_column_int64(st, 2);
        uint32_t k = (uint32_t)sqlite3_column_int64(st, 3);
        if (strcmp(attr, rg_subject[0].name) == 0) {
            total_n += n;
            total_k += k;
        }
        long long v = counts_publish(n, k, m);
        if (v >= 0 && publish(s, period, event, attr, value, v) < 0) {
            sqlite3_reset(st);
            return -1;
        }
    }
    sqlite3_reset(st);
    if (rc != SQLITE_DONE)
        return db_failed(s, rc);
    long long total = counts_publish(total_n, total_k, m);
    return total >= 0 ? publish(s, period, event, "", "", total) : 0;
}

static int release_period(struct db *s, const char *period, time_t now, int m)
{
    for (size_t e = 0; e < stats_events.count; e++)
        if (release_event(s, period, stats_events.values[e], m) < 0)
            return -1;
    sqlite3_stmt *st = db_prepared(s, S_ERASE_PERIOD);
    db_bind_text(st, 1, period);
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    if (rc != SQLITE_DONE)
        return db_failed(s, rc);
    s->erased = true; /* the exact counters, as content: db_refresh */
    st = db_prepared(s, S_MARK_RELEASED);
    db_bind_text(st, 1, period);
    sqlite3_bind_int64(st, 2, (sqlite3_int64)now);
    sqlite3_bind_int64(st, 3, m);
    rc = sqlite3_step(st);
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? 0 : db_failed(s, rc);
}

int db_release_due(struct db *s, time_t now, int m, int *released)
{
    *released = 0;
    /* The events of the ending periods must be in the counters first. */
    if (db_counts_settle(s) < 0)
        return -1;
    char due[RUNNING_MAX][RG_PERIOD_LEN];
    int ndue = 0, current = rg_month_of(now), rc;
    sqlite3_stmt *st = db_prepared(s, S_RUNNING_PERIODS);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW && ndue < RUNNING_MAX) {
        char name[RG_PERIOD_LEN];
        struct rg_period p;
        struct rg_error err;
        db_column_copy(st, 0, name, sizeof(name));
        if (rg_period_parse(name, strlen(name), &p, &err) == 0 &&
            rg_period_ended(&p, current))
            memcpy(due[ndue++], name, sizeof(name));
    }
    sqlite3_reset(st);
    if (rc != SQLITE_DONE && rc != SQLITE_ROW)
        return db_failed(s, rc);
    for (int i = 0; i < ndue; i++)
        if (release_period(s, due[i], now, m) < 0)
            return -1;
    *released = ndue;
    return 0;
}
