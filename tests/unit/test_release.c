/*
 * test_release.c - the release of ended subject periods (release.c, SPEC
 * §6): each period's tables published once by the rule from its own exact
 * counters, those counters erased in the same transaction; a second release
 * changes nothing; a release that fails half-way leaves the store as it was
 * and the next one is whole; an event that reaches a released period later
 * changes nothing released.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "db.h"
#include "store_fixture.h"
#include "db_internal.h"
#include "db_stats.h"
#include "store_dump.h"

#define M 5 /* stats_min_count */

static time_t at(int year, int month, int day)
{
    struct tm tm = {
        .tm_year = year - 1900, .tm_mon = month - 1, .tm_mday = day, .tm_hour = 12};
    return timegm(&tm);
}

static const struct rg_routing school_to_care = {
    "school-a", "school", "care-a", "care_coordinator", "loverboy", "normal"};

/* n referrals stored at `when`, with that age band and housing; every other
 * one acknowledged `acked_after` days later when acked_after > 0. */
static void send(struct db *s, time_t when, int n, const char *age, const char *housing,
                 int acked_after)
{
    for (int i = 0; i < n; i++) {
        struct rg_referral r;
        char body[] = "observed";
        make_referral(&r, age, body, strlen(body));
        snprintf(r.subject[6], sizeof(r.subject[6]), "%s", housing);
        char id[RG_ID_LEN + 1];
        enum put_outcome outcome;
        enum referral_state state;
        assert_int_equal(db_begin(s), 0);
        assert_int_equal(
            put_digested(s, &r, &school_to_care, when, id, &outcome, &state), 0);
        assert_int_equal(db_count_accepted(s), 0);
        if (acked_after > 0 && i % 2 == 0) {
            bool found = false;
            assert_int_equal(
                db_ack(s, "care-a", id, when + acked_after * 86400, &found), 0);
            assert_true(found);
        }
        assert_int_equal(db_commit(s), 0);
    }
}

/* Referrals in three months of 2025 and in October and November 2026. */
static void fill(struct db *s)
{
    send(s, at(2025, 2, 3), 6, "16_17", "with_parents", 2);
    send(s, at(2025, 2, 9), 2, "12_15", "homeless", 0);
    send(s, at(2025, 3, 20), 4, "16_17", "with_parents", 1);
    send(s, at(2025, 11, 5), 7, "18_22", "independent", 3);
    send(s, at(2026, 10, 1), 9, "16_17", "with_parents", 4);
    send(s, at(2026, 10, 12), 3, "under_12", "institution", 1);
    send(s, at(2026, 11, 2), 5, "16_17", "with_parents", 0);
}

static int release(struct db *s, time_t now, int *released)
{
    assert_int_equal(db_begin(s), 0);
    int rc = db_release_due(s, now, M, released);
    if (rc == 0)
        assert_int_equal(db_commit(s), 0);
    else
        db_rollback(s);
    return rc;
}

/* The fixture's store, filled, with what ended by November 2026 released. */
static struct db *filled_and_released(struct fixture *f)
{
    int released;
    fill(f->store);
    assert_int_equal(release(f->store, at(2026, 11, 3), &released), 0);
    return f->store;
}

static const char *const ended_by_nov_2026[] = {
    "2025", "2025-02", "2025-03", "2025-11", "2025-Q1", "2025-Q4", "2026-10"};
#define ENDED (sizeof(ended_by_nov_2026) / sizeof(ended_by_nov_2026[0]))

/* Each period's published values, computed before its release. */
struct expected {
    char *values[ENDED];
};

static void expect_all(sqlite3 *db, struct expected *e)
{
    for (size_t i = 0; i < ENDED; i++) {
        /* 2025-03 (4 referrals) publishes nothing: its release is empty. */
        e->values[i] = expected_release(db, ended_by_nov_2026[i], M);
        assert_true((strlen(e->values[i]) == 0) ==
                    (strcmp(ended_by_nov_2026[i], "2025-03") == 0));
    }
}

static void check_all(sqlite3 *db, struct expected *e)
{
    for (size_t i = 0; i < ENDED; i++) {
        char *got = released_of(db, ended_by_nov_2026[i]);
        if (strcmp(got, e->values[i]) != 0)
            fail_msg("release of %s:\n%s\nwanted:\n%s", ended_by_nov_2026[i], got,
                     e->values[i]);
        free(got);
        free(e->values[i]);
    }
}

static void test_release_publishes_by_the_rule(void **state)
{
    struct fixture *f = *state;
    struct db *s = f->store;
    fill(s);
    struct expected e;
    expect_all(s->db, &e);
    /* The year is released from its own counters, not from its months'
     * published values: its cells are the sums of its months' cells. */
    assert_int_equal(scalar(s->db, "SELECT n FROM subject_counts WHERE period = '2025'"
                                   " AND event = 'accepted' AND attr = 'age_band'"
                                   " AND value = '16_17'"),
                     10);
    int released = -1;
    assert_int_equal(release(s, at(2026, 11, 3), &released), 0);
    assert_int_equal(released, (int)ENDED);
    check_all(s->db, &e);
    /* Nothing below the threshold, zero included, and no exact counter of an
     * ended period; the running month, quarter and year keep theirs. */
    assert_int_equal(scalar(s->db, "SELECT count(*) FROM released WHERE v < 5"), 0);
    /* More than FAIL_PUBLISHING lets through: it fails half-way. */
    assert_in_range(scalar(s->db, "SELECT count(*) FROM released"), 60, 120);
    assert_rows(s->db, "SELECT DISTINCT period FROM subject_counts ORDER BY 1",
                "2026\n2026-11\n2026-Q4\n");
    assert_rows(s->db, "SELECT period, min_count FROM releases ORDER BY 1",
                "2025|5\n2025-02|5\n2025-03|5\n2025-11|5\n2025-Q1|5\n"
                "2025-Q4|5\n2026-10|5\n");
    /* Rows that are there: 16_17 (9) in October, under_12 (3) is not. */
    assert_int_equal(scalar(s->db,
                            "SELECT count(*) FROM released WHERE period ="
                            " '2026-10' AND event = 'accepted' AND value = '16_17'"),
                     1);
    assert_int_equal(scalar(s->db, "SELECT count(*) FROM released WHERE period ="
                                   " '2026-10' AND value = 'under_12'"),
                     0);
}

/* GET /v1/stats of a released period reads what the release stored. */
static void test_stats_answers_from_the_release(void **state)
{
    struct fixture *f = *state;
    struct db *s = f->store;
    fill(s);
    char *want = expected_release(s->db, "2025-Q1", M);
    struct stats_request req = {
        .subject_table = true, .event = "accepted", .by_count = 1, .min_count = M};
    snprintf(req.period, sizeof(req.period), "2025-Q1");
    assert_true(stats_dim_find("age_band", 8, &req.by[0]));
    struct stats_table *t = stats_table_new(1);
    assert_non_null(t);
    assert_int_equal(db_begin(s), 0);
    assert_int_equal(db_stats(s, &req, at(2026, 11, 3), t), 0);
    assert_int_equal(db_commit(s), 0);
    char got[256] = "";
    size_t o = 0;
    if (t->total_published)
        o += (size_t)snprintf(got + o, sizeof(got) - o, "accepted|||%lld\n", t->total);
    for (size_t i = 0; i < t->count; i++)
        o += (size_t)snprintf(got + o, sizeof(got) - o, "accepted|age_band|%s|%lld\n",
                              t->rows[i].values[0], t->rows[i].count);
    /* The expected release lists every attribute and event: keep the rows
     * of the answer's event and attribute. */
    char keep[256] = "";
    size_t k = 0;
    for (char *line = strtok(want, "\n"); line != NULL; line = strtok(NULL, "\n"))
        if (strncmp(line, "accepted||", 10) == 0 ||
            strncmp(line, "accepted|age_band|", 18) == 0)
            k += (size_t)snprintf(keep + k, sizeof(keep) - k, "%s\n", line);
    assert_string_equal(got, keep);
    assert_true(t->total_published); /* 12 in the quarter */
    stats_table_free(t);
    free(want);
}

static void test_second_release_changes_nothing(void **state)
{
    struct db *s = filled_and_released(*state);
    int released;
    char *before = dump(s->db, "SELECT * FROM released ORDER BY 1, 2, 3, 4");
    char *marks = dump(s->db, "SELECT * FROM releases ORDER BY 1");
    char *running = dump(s->db, "SELECT * FROM subject_counts ORDER BY 1, 2, 3, 4");
    for (int again = 0; again < 2; again++) {
        assert_int_equal(release(s, at(2026, 11, 20 + again), &released), 0);
        assert_int_equal(released, 0);
        assert_rows(s->db, "SELECT * FROM released ORDER BY 1, 2, 3, 4", before);
        assert_rows(s->db, "SELECT * FROM releases ORDER BY 1", marks);
        assert_rows(s->db, "SELECT * FROM subject_counts ORDER BY 1, 2, 3, 4", running);
    }
    free(before);
    free(marks);
    free(running);
}

/* A failure injected at the statement `trigger` names, the release run as
 * the writer runs an op (in a savepoint of a batch) or as a transaction of
 * its own: everything is as before it, and the next release is whole. */
static void release_fails_at(struct fixture *f, const char *trigger, bool in_savepoint)
{
    struct db *s = f->store;
    fill(s);
    struct expected e;
    expect_all(s->db, &e);
    char *counters = dump(s->db, "SELECT * FROM subject_counts ORDER BY 1, 2, 3, 4");
    char *flow =
        dump(s->db, "SELECT * FROM flow_counts ORDER BY 1, 2, 3, 4, 5, 6, 7, 8");
    assert_int_equal(sqlite3_exec(s->db, trigger, NULL, NULL, NULL), SQLITE_OK);
    int released = 0;
    assert_int_equal(db_begin(s), 0);
    if (in_savepoint) {
        assert_int_equal(db_savepoint(s), 0);
        assert_int_equal(db_release_due(s, at(2026, 11, 3), M, &released), -1);
        db_rollback_to(s);
        assert_int_equal(db_commit(s), 0);
    } else {
        assert_int_equal(db_release_due(s, at(2026, 11, 3), M, &released), -1);
        db_rollback(s);
    }
    assert_rows(s->db, "SELECT * FROM subject_counts ORDER BY 1, 2, 3, 4", counters);
    assert_rows(s->db, "SELECT * FROM flow_counts ORDER BY 1, 2, 3, 4, 5, 6, 7, 8",
                flow);
    assert_int_equal(scalar(s->db, "SELECT count(*) FROM released"), 0);
    assert_int_equal(scalar(s->db, "SELECT count(*) FROM releases"), 0);

    assert_int_equal(sqlite3_exec(s->db, "DROP TRIGGER injected", NULL, NULL, NULL),
                     SQLITE_OK);
    assert_int_equal(release(s, at(2026, 11, 4), &released), 0);
    assert_int_equal(released, (int)ENDED);
    check_all(s->db, &e);
    free(counters);
    free(flow);
}

/* Half-way through publishing: the 40th published value fails. */
#define FAIL_PUBLISHING                                                                \
    "CREATE TEMP TRIGGER injected BEFORE INSERT ON released"                           \
    " WHEN (SELECT count(*) FROM released) >= 40 BEGIN SELECT RAISE(ABORT, 'disk');"   \
    " END"
/* After every period was published and erased, marking the last one fails. */
#define FAIL_MARKING                                                                   \
    "CREATE TEMP TRIGGER injected BEFORE INSERT ON releases"                           \
    " WHEN (SELECT count(*) FROM releases) >= 6 BEGIN SELECT RAISE(ABORT, 'disk');"    \
    " END"

static void test_failed_publishing_in_an_op(void **state)
{
    release_fails_at(*state, FAIL_PUBLISHING, true);
}

static void test_failed_publishing_in_a_transaction(void **state)
{
    release_fails_at(*state, FAIL_PUBLISHING, false);
}

static void test_failed_marking_in_an_op(void **state)
{
    release_fails_at(*state, FAIL_MARKING, true);
}

/* The exact counter of 16_17 sends in a running period. */
static long long accepted_16_17(sqlite3 *db, const char *period)
{
    char sql[256];
    snprintf(sql, sizeof(sql),
             "SELECT n FROM subject_counts WHERE period = '%s' AND event = 'accepted'"
             " AND attr = 'age_band' AND value = '16_17'",
             period);
    return scalar(db, sql);
}

/* An event of a released month that reaches the store after its release
 * (a clock set back, a send counted late): the month's tables and counters
 * stay as released; the running quarter and year count it; so does the
 * flow. */
static void test_late_event_changes_nothing_released(void **state)
{
    struct db *s = filled_and_released(*state);
    int released;
    char *tables = dump(s->db, "SELECT * FROM released ORDER BY 1, 2, 3, 4");
    long long year_before = accepted_16_17(s->db, "2026");
    long long quarter_before = accepted_16_17(s->db, "2026-Q4");
    long long flow_before = scalar(s->db, "SELECT sum(n) FROM flow_counts WHERE"
                                          " month = '2026-10' AND event = 'accepted'");

    send(s, at(2026, 10, 31), 6, "16_17", "with_parents", 0);
    /* ... and a send and its acknowledgement in November 2025: its month,
     * quarter and year are all released. */
    send(s, at(2025, 11, 20), 1, "16_17", "with_parents", 1);
    assert_int_equal(release(s, at(2026, 11, 5), &released), 0);
    assert_int_equal(released, 0);

    assert_rows(s->db, "SELECT * FROM released ORDER BY 1, 2, 3, 4", tables);
    assert_int_equal(scalar(s->db, "SELECT count(*) FROM subject_counts WHERE period IN"
                                   " ('2026-10', '2025', '2025-Q4', '2025-11')"),
                     0);
    assert_int_equal(accepted_16_17(s->db, "2026"), year_before + 6);
    assert_int_equal(accepted_16_17(s->db, "2026-Q4"), quarter_before + 6);
    assert_int_equal(scalar(s->db, "SELECT sum(n) FROM flow_counts WHERE"
                                   " month = '2026-10' AND event = 'accepted'"),
                     flow_before + 6);
    free(tables);
}

/* Nothing is released while its period runs, however the clock reads within
 * it; the month is released on the first day after it. */
static void test_running_periods_wait(void **state)
{
    struct fixture *f = *state;
    struct db *s = f->store;
    send(s, at(2026, 10, 1), 6, "16_17", "with_parents", 0);
    int released;
    struct tm last = {.tm_year = 126,
                      .tm_mon = 9,
                      .tm_mday = 31,
                      .tm_hour = 23,
                      .tm_min = 59,
                      .tm_sec = 59};
    assert_int_equal(release(s, timegm(&last), &released), 0);
    assert_int_equal(released, 0);
    assert_int_equal(scalar(s->db, "SELECT count(*) FROM released"), 0);
    assert_int_equal(release(s, timegm(&last) + 1, &released), 0);
    assert_int_equal(released, 1);
    assert_rows(s->db, "SELECT period FROM releases", "2026-10\n");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_release_publishes_by_the_rule, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_stats_answers_from_the_release, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_second_release_changes_nothing, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_failed_publishing_in_an_op, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_failed_publishing_in_a_transaction, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_failed_marking_in_an_op, setup, teardown),
        cmocka_unit_test_setup_teardown(test_late_event_changes_nothing_released, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_running_periods_wait, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
