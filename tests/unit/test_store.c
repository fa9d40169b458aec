/*
 * test_store.c - the store's counting of accepted referrals (store.h): done
 * after the send, in bulk, yet seen by every reader of counts, never lost to
 * an erasure, and never counted twice across crashes and restarts.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "db.h"
#include "store_fixture.h"
#include "db_internal.h"
#include "db_stats.h"
#include "stats.h"

/* 2026-11-28T07:15:02Z */
#define NOW ((time_t)1795850102)

static const struct rg_routing school_to_care = {
    "school-a", "school", "care-a", "care_coordination", "loverboy", "normal"};

/* Stores one referral with the given age band; returns its id in id. */
static void put(struct db *s, const char *age_band, char id[RG_ID_LEN + 1])
{
    struct rg_referral r;
    char body[] = "a body";
    make_referral(&r, age_band, body, strlen(body));
    enum put_outcome outcome;
    enum referral_state state;
    assert_int_equal(put_digested(s, &r, &school_to_care, NOW, id, &outcome, &state),
                     0);
    assert_int_equal(outcome, PUT_CREATED);
}

static void put_batch(struct db *s, int n)
{
    char id[RG_ID_LEN + 1];
    assert_int_equal(db_begin(s), 0);
    for (int i = 0; i < n; i++)
        put(s, "16_17", id);
    assert_int_equal(db_commit(s), 0);
}

/* Exact counts, read from the counters as only a test may (the API shows
 * published values): "event=E[&by=ATTR]" gives this month's total of E from
 * the flow counters, then "value=n" per value of ATTR from the subject
 * counters. The read settles the counts first, as every read of them does. */
static const char *count_of(struct db *s, const char *query)
{
    static char out[512];
    char event[16] = "", attr[RG_VALUE_MAX] = "", month[RG_MONTH_LEN];
    assert_true(sscanf(query, "event=%15[a-z]&by=%23[a-z_]", event, attr) >= 1);
    rg_month_format(NOW, month);
    assert_int_equal(db_begin(s), 0);
    assert_int_equal(db_counts_settle(s), 0);
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_prepare_v2(s->db,
                                        "SELECT coalesce(sum(n), 0) FROM flow_counts"
                                        " WHERE event = ?1 AND month = ?2",
                                        -1, &st, NULL),
                     SQLITE_OK);
    sqlite3_bind_text(st, 1, event, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, month, -1, SQLITE_STATIC);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    size_t o = (size_t)snprintf(out, sizeof(out), "%lld", sqlite3_column_int64(st, 0));
    sqlite3_finalize(st);
    if (attr[0] != '\0') {
        assert_int_equal(sqlite3_prepare_v2(s->db,
                                            "SELECT value, n FROM subject_counts"
                                            " WHERE period = ?1 AND event = ?2 AND"
                                            " attr = ?3 ORDER BY value",
                                            -1, &st, NULL),
                         SQLITE_OK);
        sqlite3_bind_text(st, 1, month, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, event, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 3, attr, -1, SQLITE_STATIC);
        while (sqlite3_step(st) == SQLITE_ROW && o < sizeof(out))
            o += (size_t)snprintf(out + o, sizeof(out) - o, " %s=%lld",
                                  (const char *)sqlite3_column_text(st, 0),
                                  sqlite3_column_int64(st, 1));
        sqlite3_finalize(st);
    }
    assert_int_equal(db_commit(s), 0);
    return out;
}

/* A send is counted by the first read of the counts after it. */
static void test_read_sees_every_send(void **state)
{
    struct fixture *f = *state;
    assert_string_equal(count_of(f->store, "event=accepted"), "0");
    put_batch(f->store, 3);
    assert_string_equal(count_of(f->store, "event=accepted"), "3");
    put_batch(f->store, 2);
    assert_string_equal(count_of(f->store, "event=accepted&by=age_band"), "5 16_17=5");
    /* Reading again counts nothing twice. */
    assert_string_equal(count_of(f->store, "event=accepted"), "5");
}

/* An ack erases the subject attributes: the send is counted with them first,
 * even when both are in one transaction. */
static void test_ack_after_send_keeps_its_attributes(void **state)
{
    struct fixture *f = *state;
    struct db *s = f->store;
    char first[RG_ID_LEN + 1], second[RG_ID_LEN + 1];
    bool found = false;
    assert_int_equal(db_begin(s), 0);
    put(s, "12_15", first);
    assert_int_equal(db_ack(s, "care-a", first, NOW, &found), 0);
    assert_true(found);
    put(s, "18_22", second);
    assert_int_equal(db_commit(s), 0);

    assert_int_equal(db_begin(s), 0);
    assert_int_equal(db_ack(s, "care-a", second, NOW, &found), 0);
    assert_true(found);
    assert_int_equal(db_commit(s), 0);

    assert_string_equal(count_of(s, "event=accepted&by=age_band"), "2 12_15=1 18_22=1");
    assert_string_equal(count_of(s, "event=acknowledged&by=age_band"),
                        "2 12_15=1 18_22=1");
}

/* The committer's periodic counting, then an op rolled back to its
 * savepoint: what it counted is undone with it and counted again later. */
static void test_counting_rolls_back_with_its_op(void **state)
{
    struct fixture *f = *state;
    struct db *s = f->store;
    char id[RG_ID_LEN + 1];
    assert_int_equal(db_begin(s), 0);
    put(s, "16_17", id);
    put(s, "16_17", id);
    assert_true(db_uncounted(s) > 0);
    assert_int_equal(db_count_accepted(s), 0);
    assert_int_equal(db_uncounted(s), 0);
    put(s, "12_15", id);
    assert_int_equal(db_savepoint(s), 0);
    bool found;
    assert_int_equal(db_ack(s, "care-a", id, NOW, &found), 0); /* counts id */
    db_rollback_to(s);
    assert_true(db_uncounted(s) > 0);
    assert_int_equal(db_commit(s), 0);
    assert_string_equal(count_of(s, "event=accepted&by=age_band"), "3 12_15=1 16_17=2");
    assert_string_equal(count_of(s, "event=acknowledged"), "0");
}

/* A transaction that fails takes its counting with it. */
static void test_rollback_leaves_sends_to_count(void **state)
{
    struct fixture *f = *state;
    struct db *s = f->store;
    put_batch(s, 2);
    assert_int_equal(db_begin(s), 0);
    assert_int_equal(db_count_accepted(s), 0);
    db_rollback(s);
    assert_true(db_uncounted(s) > 0);
    assert_string_equal(count_of(s, "event=accepted"), "2");
}

/* Sends are tallied as they are stored, and counted from that tally: one
 * undone with its op (a failed send) leaves it, and is counted by no one. */
static void test_send_undone_with_its_op_is_not_counted(void **state)
{
    struct fixture *f = *state;
    struct db *s = f->store;
    char id[RG_ID_LEN + 1];
    put_batch(s, 1);
    assert_int_equal(db_begin(s), 0);
    put(s, "12_15", id);
    assert_int_equal(db_savepoint(s), 0);
    put(s, "18_22", id);
    db_rollback_to(s);
    put(s, "16_17", id);
    assert_int_equal(db_commit(s), 0);
    assert_string_equal(count_of(s, "event=accepted&by=age_band"), "3 12_15=1 16_17=2");
    /* Counted from the table that time; from the tally again after it. */
    put_batch(s, 2);
    assert_string_equal(count_of(s, "event=accepted&by=age_band"), "5 12_15=1 16_17=4");
}

/* The committer counts in the middle of a batch: the sends before it are
 * counted then, those after it once, later. */
static void test_counting_within_a_batch(void **state)
{
    struct fixture *f = *state;
    struct db *s = f->store;
    char id[RG_ID_LEN + 1];
    put_batch(s, 2);
    assert_int_equal(db_begin(s), 0);
    put(s, "12_15", id);
    assert_int_equal(db_savepoint(s), 0);
    assert_int_equal(db_count_accepted(s), 0);
    assert_int_equal(db_release(s), 0);
    put(s, "18_22", id);
    assert_int_equal(db_commit(s), 0);
    assert_int_equal(db_uncounted(s), 1);
    assert_string_equal(count_of(s, "event=accepted&by=age_band"),
                        "4 12_15=1 16_17=2 18_22=1");
    assert_string_equal(count_of(s, "event=accepted"), "4");
}

/* Two countings in one batch (the committer's, then an ack's after another
 * send): the sends committed before the batch are counted by the first. */
static void test_two_countings_in_a_batch(void **state)
{
    struct fixture *f = *state;
    struct db *s = f->store;
    char id[RG_ID_LEN + 1];
    put_batch(s, 2);
    assert_int_equal(db_begin(s), 0);
    assert_int_equal(db_savepoint(s), 0);
    assert_int_equal(db_count_accepted(s), 0);
    assert_int_equal(db_release(s), 0);
    put(s, "12_15", id);
    assert_int_equal(db_savepoint(s), 0);
    bool found;
    assert_int_equal(db_ack(s, "care-a", id, NOW, &found), 0);
    assert_true(found);
    assert_int_equal(db_release(s), 0);
    assert_int_equal(db_commit(s), 0);
    assert_string_equal(count_of(s, "event=accepted&by=age_band"), "3 12_15=1 16_17=2");
}

/* Killed after the commit of the sends and before any counting: the next
 * start counts them, once, however often it restarts. */
static void test_crash_before_counting(void **state)
{
    struct fixture *f = *state;
    put_batch(f->store, 1);
    assert_string_equal(count_of(f->store, "event=accepted"), "1");
    db_close(f->store);
    f->store = NULL;

    pid_t child = fork();
    assert_true(child >= 0);
    if (child == 0) {
        struct db *s = open_store(f->dir);
        put_batch(s, 4);
        _exit(db_uncounted(s) == 4 ? 0 : 1); /* no close, no counting */
    }
    int status;
    assert_int_equal(waitpid(child, &status, 0), child);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);

    for (int start = 0; start < 3; start++) {
        f->store = open_store(f->dir);
        assert_string_equal(count_of(f->store, "event=accepted"), "5");
        db_close(f->store);
    }
    f->store = open_store(f->dir);
}

/* A store written before counting was deferred counted every send at once
 * and has no mark of where counting stopped: those sends are not counted again. */
static void test_store_without_mark_is_fully_counted(void **state)
{
    struct fixture *f = *state;
    put_batch(f->store, 3);
    assert_string_equal(count_of(f->store, "event=accepted"), "3");
    db_close(f->store);

    char path[128];
    snprintf(path, sizeof(path), "%s/refgw.db", f->dir);
    sqlite3 *db;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db, "DELETE FROM meta WHERE key = 'counted_seq'",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    assert_int_equal(sqlite3_changes(db), 1);
    sqlite3_close(db);

    f->store = open_store(f->dir);
    assert_int_equal(db_uncounted(f->store), 0);
    assert_string_equal(count_of(f->store, "event=accepted"), "3");
    put_batch(f->store, 1);
    assert_string_equal(count_of(f->store, "event=accepted"), "4");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_read_sees_every_send, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ack_after_send_keeps_its_attributes, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_counting_rolls_back_with_its_op, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_rollback_leaves_sends_to_count, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_send_undone_with_its_op_is_not_counted,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_counting_within_a_batch, setup, teardown),
        cmocka_unit_test_setup_teardown(test_two_countings_in_a_batch, setup, teardown),
        cmocka_unit_test_setup_teardown(test_crash_before_counting, setup, teardown),
        cmocka_unit_test_setup_teardown(test_store_without_mark_is_fully_counted, setup,
                                        teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
