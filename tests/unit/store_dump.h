/*
 * store_dump.h - what a store holds, read with SQL as only a test may, for
 * the unit tests of releases and migration: a query's rows as one string,
 * and the published values a release must store, computed apart from
 * release.c from the exact counters and the publishing rule. Include after
 * <cmocka.h> and db_internal.h.
 */
#ifndef REFGW_STORE_DUMP_H
#define REFGW_STORE_DUMP_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "counts.h"

/* The rows of sql, each "a|b|c\n", in one malloc'd string (never NULL). */
static inline char *dump(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
        fail_msg("%s: %s", sql, sqlite3_errmsg(db));
    char *out = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&out, &len);
    assert_non_null(f);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        for (int c = 0; c < sqlite3_column_count(st); c++) {
            const unsigned char *v = sqlite3_column_text(st, c);
            fprintf(f, "%s%s", c ? "|" : "", v ? (const char *)v : "NULL");
        }
        fputc('\n', f);
    }
    assert_int_equal(rc, SQLITE_DONE);
    sqlite3_finalize(st);
    assert_int_equal(fclose(f), 0);
    return out;
}

/* The rows of sql are want. */
static inline void assert_rows(sqlite3 *db, const char *sql, const char *want)
{
    char *got = dump(db, sql);
    assert_string_equal(got, want);
    free(got);
}

/* One number of a query of one row and column. */
static inline long long scalar(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
        fail_msg("%s: %s", sql, sqlite3_errmsg(db));
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    long long v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return v;
}

/*
 * What the release of period under threshold m must store, as the rows of
 * "SELECT event, attr, value, v FROM released WHERE period = P ORDER BY
 * event, attr, value" would read: each cell of the exact counters with
 * n >= m as counts_publish(n, k, m), and the total (attr and value '') of
 * each event from one attribute's cells (every event has all eight). Read
 * from the counters before the release erases them.
 */
static inline char *expected_release(sqlite3 *db, const char *period, int m)
{
    char sql[512];
    snprintf(sql, sizeof(sql),
             "SELECT event, attr, value, n, k FROM subject_counts WHERE period = '%s'"
             " UNION ALL SELECT event, '', '', sum(n), sum(k) %% 4294967296"
             " FROM subject_counts WHERE period = '%s' AND attr = 'age_band'"
             " GROUP BY event ORDER BY 1, 2, 3",
             period, period);
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
        fail_msg("%s", sqlite3_errmsg(db));
    char *out = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&out, &len);
    assert_non_null(f);
    while (sqlite3_step(st) == SQLITE_ROW) {
        long long v = counts_publish(sqlite3_column_int64(st, 3),
                                     (uint32_t)sqlite3_column_int64(st, 4), m);
        if (v >= 0)
            fprintf(f, "%s|%s|%s|%lld\n", sqlite3_column_text(st, 0),
                    sqlite3_column_text(st, 1), sqlite3_column_text(st, 2), v);
    }
    sqlite3_finalize(st);
    assert_int_equal(fclose(f), 0);
    return out;
}

/* What the release of period stored, in expected_release's form. */
static inline char *released_of(sqlite3 *db, const char *period)
{
    char sql[256];
    snprintf(sql, sizeof(sql),
             "SELECT event, attr, value, v FROM released WHERE period = '%s'"
             " ORDER BY 1, 2, 3",
             period);
    return dump(db, sql);
}

#endif
