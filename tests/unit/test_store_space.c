/*
 * test_store_space.c - the store's look at the disk before each batch
 * (space.c): the pages it counts are those the last commit left, read
 * inside that commit's transaction, not by a read transaction of their own
 * before the next batch; they follow what commits add and free, and a
 * rollback makes the survey read them again.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "db.h"
#include "store_fixture.h"

/* 2026-11-28T07:15:02Z */
#define NOW ((time_t)1795850102)
#define SENDS 40
#define BODY_LEN 3000 /* a content page of its own each */

static const struct rg_routing school_a = {"school-a",          "school",   "care-a",
                                           "care_coordination", "loverboy", "normal"};

/* Runs of the page PRAGMAs, inside a transaction and outside one. */
static unsigned in_tx, alone;

static int count_pragmas(unsigned type, void *ctx, void *stmt, void *sql)
{
    (void)type;
    (void)sql;
    struct db *s = ctx;
    if (stmt == s->stmt[S_PAGE_COUNT] || stmt == s->stmt[S_FREELIST_COUNT]) {
        if (sqlite3_get_autocommit(s->db))
            alone++;
        else
            in_tx++;
    }
    return 0;
}

static void trace_pragmas(struct db *s)
{
    in_tx = alone = 0;
    assert_int_equal(sqlite3_trace_v2(s->db, SQLITE_TRACE_STMT, count_pragmas, s),
                     SQLITE_OK);
}

/* What the survey will use is what the database holds now. */
static void assert_pages_current(struct db *s)
{
    assert_true(s->pages_known);
    assert_int_equal(s->pages, store_scalar(s, "PRAGMA page_count"));
    assert_int_equal(s->free_pages, store_scalar(s, "PRAGMA freelist_count"));
}

/* One batch of n sends of BODY_LEN bytes; their ids in ids. */
static void send_batch(struct db *s, int n, char (*ids)[RG_ID_LEN + 1])
{
    static char body[BODY_LEN];
    memset(body, 'x', sizeof(body));
    assert_int_equal(db_begin(s), 0);
    for (int i = 0; i < n; i++) {
        struct rg_referral r;
        make_referral(&r, "16_17", body, sizeof(body));
        enum put_outcome outcome;
        enum referral_state state;
        assert_int_equal(put_digested(s, &r, &school_a, NOW, ids[i], &outcome, &state),
                         0);
    }
    assert_int_equal(db_commit(s), 0);
}

static void test_survey_takes_the_pages_its_commit_read(void **state)
{
    struct fixture *f = *state;
    char ids[SENDS][RG_ID_LEN + 1];
    /* The first survey has no commit before it: it reads them alone. */
    trace_pragmas(f->store);
    assert_true(db_space_prepare(f->store, 0, false) > 0);
    assert_int_equal(alone, 2);

    trace_pragmas(f->store);
    for (int b = 0; b < 4; b++) {
        send_batch(f->store, SENDS / 4, ids + b * (SENDS / 4));
        assert_true(db_space_prepare(f->store, 0, false) > 0);
        assert_pages_current(f->store);
    }
    assert_int_equal(alone, 0);
    assert_int_equal(in_tx, 2 * 4);

    /* Acknowledged, their content is deleted and its pages are free. */
    long long free_before = f->store->free_pages;
    ack_all(f->store, NOW + 1, SENDS, ids);
    assert_true(db_space_prepare(f->store, 0, false) > 0);
    assert_pages_current(f->store);
    assert_true(f->store->free_pages > free_before);
    assert_int_equal(alone, 0);
    sqlite3_trace_v2(f->store->db, 0, NULL, NULL);
}

/* Undone, a batch leaves the pages unknown: the next survey reads them. */
static void test_a_rollback_makes_the_survey_read_again(void **state)
{
    struct fixture *f = *state;
    char ids[SENDS][RG_ID_LEN + 1];
    send_batch(f->store, SENDS / 2, ids);
    assert_pages_current(f->store);

    assert_int_equal(db_begin(f->store), 0);
    static char body[BODY_LEN];
    struct rg_referral r;
    make_referral(&r, "16_17", body, sizeof(body));
    enum put_outcome outcome;
    enum referral_state st;
    assert_int_equal(
        put_digested(f->store, &r, &school_a, NOW, ids[SENDS / 2], &outcome, &st), 0);
    db_rollback(f->store);
    assert_false(f->store->pages_known);

    trace_pragmas(f->store);
    assert_true(db_space_prepare(f->store, 0, false) > 0);
    assert_int_equal(alone, 2);
    sqlite3_trace_v2(f->store->db, 0, NULL, NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_survey_takes_the_pages_its_commit_read,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_a_rollback_makes_the_survey_read_again,
                                        setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
