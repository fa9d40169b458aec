#include "db_stats.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <sqlite3.h>

#include "db_internal.h"
#include "taxonomy.h"

static int prepare(struct db *s, const char *sql, sqlite3_stmt **st)
{
    int rc = sqlite3_prepare_v2(s->db, sql, -1, st, NULL);
    return rc == SQLITE_OK ? 0 : db_failed(s, rc);
}

/* Ends a statement that stepped to rc: 0 when it completed, else -1. */
static int finish(struct db *s, sqlite3_stmt *st, int rc)
{
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? 0 : db_failed(s, rc);
}

/* A flow table: every cell, and the total (all cells together), published. */
static int flow_table(struct db *s, const struct stats_request *req,
                      struct stats_table *out)
{
    char sql[1024];
    if (out->dims != req->by_count ||
        counts_flow_sql(req,
                        "sum(n), sum(k) % 4294967296 FROM flow_counts WHERE event = ?1"
                        " AND month >= ?2 AND month <= ?3",
                        sql, sizeof(sql)) < 0)
        return db_failed(s, SQLITE_MISUSE);
    sqlite3_stmt *st;
    if (prepare(s, sql, &st) < 0)
        return -1;
    sqlite3_bind_text(st, 1, req->event, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, req->from, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, req->to, -1, SQLITE_STATIC);
    struct counts_sum total = {0, 0};
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        int c = (int)req->by_count;
        const char *values[STATS_DIMS_MAX];
        for (int i = 0; i < c; i++) {
            const unsigned char *text = sqlite3_column_text(st, i);
            values[i] = text ? (const char *)text : "";
        }
        if (counts_flow_cell(out, req->min_count, values, sqlite3_column_int64(st, c),
                             (uint32_t)sqlite3_column_int64(st, c + 1), &total) < 0) {
            rc = SQLITE_NOMEM;
            break;
        }
    }
    counts_set_total(out, &total, req->min_count);
    return finish(s, st, rc);
}

/* What a released subject table published for one attribute ("" the total),
 * as counts_released_value keeps it. */
static int released_rows(struct db *s, const struct stats_request *req,
                         const char *attr, struct stats_table *out, bool total)
{
    sqlite3_stmt *st = db_prepared(s, S_RELEASED_ROWS);
    db_bind_text(st, 1, req->period);
    db_bind_text(st, 2, req->event);
    db_bind_text(st, 3, attr);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        const unsigned char *text = sqlite3_column_text(st, 0);
        if (counts_released_value(out, req->min_count, text ? (const char *)text : "",
                                  sqlite3_column_int64(st, 1), total) < 0) {
            rc = SQLITE_NOMEM;
            break;
        }
    }
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? 0 : db_failed(s, rc);
}

static int subject_table(struct db *s, const struct stats_request *req, time_t now,
                         struct stats_table *out)
{
    int released;
    if (req->by_count != 1 || req->by[0].subject < 0 || out->dims != 1)
        return db_failed(s, SQLITE_MISUSE);
    if (db_release_due(s, now, req->min_count, &released) < 0)
        return -1;
    const char *attr = rg_subject[req->by[0].subject].name;
    if (released_rows(s, req, attr, out, false) < 0 ||
        released_rows(s, req, "", out, true) < 0)
        return -1;
    return 0;
}

int db_stats(struct db *s, const struct stats_request *req, time_t now,
             struct stats_table *out)
{
    if (db_counts_settle(s) < 0)
        return -1;
    return req->subject_table ? subject_table(s, req, now, out)
                              : flow_table(s, req, out);
}

static int metrics_events(struct db *s, struct store_metrics *m)
{
    sqlite3_stmt *st;
    if (prepare(s, "SELECT event, sum(n) FROM flow_counts GROUP BY event", &st) < 0)
        return -1;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        const unsigned char *name = sqlite3_column_text(st, 0);
        int e = name ? rg_enum_find(&stats_events, (const char *)name,
                                    (size_t)sqlite3_column_bytes(st, 0))
                     : -1;
        if (e >= 0)
            m->events[e] += sqlite3_column_int64(st, 1);
    }
    return finish(s, st, rc);
}

static int metrics_rejections(struct db *s, struct store_metrics *m)
{
    sqlite3_stmt *st;
    if (prepare(s, "SELECT code, sum(n) FROM rejections GROUP BY code", &st) < 0)
        return -1;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        const unsigned char *name = sqlite3_column_text(st, 0);
        enum rg_code code = rg_code_from_name(name ? (const char *)name : "");
        if (code != RG_CODE_COUNT)
            m->rejections[code] += sqlite3_column_int64(st, 1);
    }
    return finish(s, st, rc);
}

int db_metrics(struct db *s, struct store_metrics *m)
{
    memset(m, 0, sizeof(*m));
    if (db_counts_settle(s) < 0 || metrics_events(s, m) < 0 ||
        metrics_rejections(s, m) < 0)
        return -1;
    return 0;
}
