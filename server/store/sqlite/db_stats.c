#include "db_stats.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <sqlite3.h>

#include "db_internal.h"
#include "taxonomy.h"

/*
 * The only names that ever reach the SQL text. counts.c's dimension table
 * already holds nothing else; checking again here keeps the store safe even
 * from a caller that fills a stats_request by hand.
 */
static const char *const columns[] = {"month",         "signal",      "urgency",
                                      "sender",        "sender_type", "recipient",
                                      "recipient_type"};

static bool column_allowed(const char *c)
{
    for (size_t i = 0; c != NULL && i < sizeof(columns) / sizeof(columns[0]); i++)
        if (strcmp(columns[i], c) == 0)
            return true;
    return false;
}

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

/* The SQL of a flow table: one row per combination of `by`, with its n and
 * its cell key; columns only from the table above. */
static int flow_sql(const struct stats_request *req, char *sql, size_t cap)
{
    size_t n = 0;
    n += (size_t)snprintf(sql + n, cap - n, "SELECT ");
    for (size_t i = 0; i < req->by_count; i++) {
        if (!column_allowed(req->by[i].column))
            return -1;
        n += (size_t)snprintf(sql + n, cap - n, "%s, ", req->by[i].column);
    }
    n += (size_t)snprintf(
        sql + n, cap - n,
        "sum(n), sum(k) %% 4294967296 FROM flow_counts WHERE event = ?1"
        " AND month >= ?2 AND month <= ?3");
    for (size_t i = 0; i < req->by_count; i++)
        n +=
            (size_t)snprintf(sql + n, cap - n, "%s%zu", i ? ", " : " GROUP BY ", i + 1);
    for (size_t i = 0; i < req->by_count; i++)
        n +=
            (size_t)snprintf(sql + n, cap - n, "%s%zu", i ? ", " : " ORDER BY ", i + 1);
    return n < cap ? 0 : -1;
}

/* A flow table: every cell, and the total (all cells together), published. */
static int flow_table(struct db *s, const struct stats_request *req,
                      struct stats_table *out)
{
    char sql[1024];
    if (req->by_count > STATS_DIMS_MAX || out->dims != req->by_count ||
        flow_sql(req, sql, sizeof(sql)) < 0)
        return db_failed(s, SQLITE_MISUSE);
    sqlite3_stmt *st;
    if (prepare(s, sql, &st) < 0)
        return -1;
    sqlite3_bind_text(st, 1, req->event, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, req->from, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, req->to, -1, SQLITE_STATIC);
    long long total_n = 0;
    uint32_t total_k = 0;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        int c = (int)req->by_count;
        long long n = sqlite3_column_int64(st, c);
        uint32_t k = (uint32_t)sqlite3_column_int64(st, c + 1);
        total_n += n;
        total_k += k;
        long long v = counts_publish(n, k, req->min_count);
        if (v < 0)
            continue; /* not published: no row, not even its labels */
        const char *values[STATS_DIMS_MAX];
        for (int i = 0; i < c; i++) {
            const unsigned char *text = sqlite3_column_text(st, i);
            values[i] = text ? (const char *)text : "";
        }
        if (stats_table_add(out, values, v) < 0) {
            rc = SQLITE_NOMEM;
            break;
        }
    }
    long long total = counts_publish(total_n, total_k, req->min_count);
    out->total_published = total >= 0;
    out->total = total >= 0 ? total : 0;
    return finish(s, st, rc);
}

/* What a released subject table published for one attribute ("" the total),
 * keeping only values at or above the threshold asked for now: one raised
 * since the release hides more, never shows more. */
static int released_rows(struct db *s, const struct stats_request *req,
                         const char *attr, struct stats_table *out, bool total)
{
    sqlite3_stmt *st = db_prepared(s, S_RELEASED_ROWS);
    db_bind_text(st, 1, req->period);
    db_bind_text(st, 2, req->event);
    db_bind_text(st, 3, attr);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        long long v = sqlite3_column_int64(st, 1);
        if (v < req->min_count)
            continue;
        if (total) {
            out->total = v;
            out->total_published = true;
            continue;
        }
        const unsigned char *text = sqlite3_column_text(st, 0);
        const char *values[1] = {text ? (const char *)text : ""};
        if (stats_table_add(out, values, v) < 0) {
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
