#include "db_stats.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "db_internal.h"
#include "taxonomy.h"

/*
 * The only names that ever reach the SQL text. stats.c's dimension table
 * already holds nothing else; checking again here keeps the store safe even
 * from a caller that fills a stats_request by hand.
 */
static const char *const columns[] = {"month",          "signal",      "urgency",
                                      "sender",         "sender_type", "recipient",
                                      "recipient_type", "value"};

static bool column_allowed(const char *c)
{
    for (size_t i = 0; i < sizeof(columns) / sizeof(columns[0]); i++)
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

static void column_copy(sqlite3_stmt *st, int col, char *dst, size_t size)
{
    const unsigned char *v = sqlite3_column_text(st, col);
    snprintf(dst, size, "%s", v ? (const char *)v : "");
}

int db_stats(struct db *s, const struct stats_request *req, struct stats_table *out)
{
    char sql[1024];
    size_t n = 0;
    if (req->by_count > STATS_DIMS_MAX || out->dims != req->by_count)
        return db_failed(s, SQLITE_MISUSE);
    n += (size_t)snprintf(sql + n, sizeof(sql) - n, "SELECT ");
    for (size_t i = 0; i < req->by_count; i++) {
        if (!column_allowed(req->by[i].column))
            return db_failed(s, SQLITE_MISUSE);
        n += (size_t)snprintf(sql + n, sizeof(sql) - n, "%s, ", req->by[i].column);
    }
    n += (size_t)snprintf(sql + n, sizeof(sql) - n,
                          "sum(n) FROM counts WHERE event = ?1 AND month >= ?2"
                          " AND month <= ?3 AND attr = ?4");
    for (size_t i = 0; i < req->by_count; i++)
        n += (size_t)snprintf(sql + n, sizeof(sql) - n, "%s%zu",
                              i ? ", " : " GROUP BY ", i + 1);
    for (size_t i = 0; i < req->by_count; i++)
        n += (size_t)snprintf(sql + n, sizeof(sql) - n, "%s%zu",
                              i ? ", " : " ORDER BY ", i + 1);
    if (n >= sizeof(sql))
        return db_failed(s, SQLITE_TOOBIG);
    if (db_counts_settle(s) < 0)
        return -1;

    sqlite3_stmt *st;
    if (prepare(s, sql, &st) < 0)
        return -1;
    /* The key without a subject attribute has attr ''; one attribute's rows name it. */
    const char *attr = req->subject >= 0 ? rg_subject[req->subject].name : "";
    sqlite3_bind_text(st, 1, req->event, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, req->from, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, req->to, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, attr, -1, SQLITE_STATIC);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        const char *values[STATS_DIMS_MAX];
        for (size_t i = 0; i < req->by_count; i++) {
            const unsigned char *v = sqlite3_column_text(st, (int)i);
            values[i] = v ? (const char *)v : "";
        }
        long long count = sqlite3_column_int64(st, (int)req->by_count);
        if (stats_table_add(out, values, count) < 0) {
            rc = SQLITE_NOMEM;
            break;
        }
    }
    return finish(s, st, rc);
}

static int metrics_series(struct db *s, struct store_metrics *m)
{
    sqlite3_stmt *st;
    if (prepare(s,
                "SELECT event, sender_type, recipient_type, signal, sum(n) FROM counts"
                " WHERE attr = '' GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4",
                &st) < 0)
        return -1;
    size_t cap = 0;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (m->series_count == cap) {
            size_t ncap = cap ? cap * 2 : 64;
            struct metrics_series *ns = realloc(m->series, ncap * sizeof(*ns));
            if (ns == NULL) {
                rc = SQLITE_NOMEM;
                break;
            }
            m->series = ns;
            cap = ncap;
        }
        struct metrics_series *x = &m->series[m->series_count++];
        column_copy(st, 0, x->event, sizeof(x->event));
        column_copy(st, 1, x->sender_type, sizeof(x->sender_type));
        column_copy(st, 2, x->recipient_type, sizeof(x->recipient_type));
        column_copy(st, 3, x->signal, sizeof(x->signal));
        x->n = sqlite3_column_int64(st, 4);
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

static int metrics_pending(struct db *s, time_t now, struct store_metrics *m)
{
    sqlite3_stmt *st;
    if (prepare(s,
                "SELECT recipient_type, count(*), min(created_at) FROM referrals"
                " WHERE state IN (0, 1) GROUP BY recipient_type",
                &st) < 0)
        return -1;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        const unsigned char *type = sqlite3_column_text(st, 0);
        int t = type ? rg_enum_find(&rg_org_types, (const char *)type,
                                    (size_t)sqlite3_column_bytes(st, 0))
                     : -1;
        if (t < 0 || t >= METRICS_TYPES_MAX)
            continue;
        m->pending[t] += sqlite3_column_int64(st, 1);
        long long age = (long long)now - sqlite3_column_int64(st, 2);
        if (age > m->oldest_age[t])
            m->oldest_age[t] = age;
    }
    return finish(s, st, rc);
}

int db_metrics(struct db *s, time_t now, struct store_metrics *m)
{
    memset(m, 0, sizeof(*m));
    if (db_counts_settle(s) < 0 || metrics_series(s, m) < 0 ||
        metrics_rejections(s, m) < 0 || metrics_pending(s, now, m) < 0)
        return -1;
    return 0;
}
