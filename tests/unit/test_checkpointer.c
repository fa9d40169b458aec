/*
 * test_checkpointer.c - the WAL under a steady stream of sends
 * (checkpointer.h): the thread copies it back in steps and catches up, so
 * the writer starts it again with only a few frames left to copy, long
 * before the bound; nothing committed is lost on the way.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "checkpointer.h"
#include "db.h"
#include "store_fixture.h"
#include "db_internal.h"

/* 2026-11-28T07:15:02Z */
#define NOW ((time_t)1795850102)
#define BATCH 50
/* Batches that write 4 steps of frames, at a frame per send at least. */
#define MIN_BATCHES (4 * CHECKPOINT_STEP_FRAMES / BATCH)

static const struct rg_routing school_to_care = {
    "school-a", "school", "care-a", "care_coordination", "loverboy", "normal"};

/* One batch of sends with 3 KiB bodies, as the committer would run it. */
static void put_batch(struct db *s)
{
    static char body[3 * 1024 + 1];
    memset(body, 'b', sizeof(body) - 1);
    assert_int_equal(db_begin(s), 0);
    for (int i = 0; i < BATCH; i++) {
        struct rg_referral r;
        make_referral(&r, "unknown", body, sizeof(body) - 1);
        char id[RG_ID_LEN + 1];
        enum put_outcome outcome;
        enum referral_state state;
        assert_int_equal(
            put_digested(s, &r, &school_to_care, NOW, id, &outcome, &state), 0);
        assert_int_equal(outcome, PUT_CREATED);
    }
    assert_int_equal(db_commit(s), 0);
}

/* When the writer completes a checkpoint itself. */
static void test_restart_due(void **state)
{
    (void)state;
    /* A small WAL is never the writer's business. */
    assert_false(checkpointer_restart_due(NULL, 0));
    assert_false(checkpointer_restart_due(NULL, CHECKPOINT_STEP_FRAMES - 1));
    /* Without the thread, the writer copies each step itself. */
    assert_true(checkpointer_restart_due(NULL, CHECKPOINT_STEP_FRAMES));
    /* Past the bound, whatever the thread has done. */
    assert_true(checkpointer_restart_due(NULL, CHECKPOINT_MAX_FRAMES + 1));
}

/* Sends keep coming while the thread copies; the writer restarts the WAL
 * only once the thread is close behind, and so long before the bound. */
static void test_steady_stream(void **state)
{
    struct fixture *f = *state;
    struct checkpointer *c = checkpointer_start(f->dir);
    assert_non_null(c);
    /* Before the thread copied anything, a WAL of a step is not yet due. */
    assert_false(checkpointer_restart_due(c, CHECKPOINT_STEP_FRAMES));

    int restarts = 0, largest = 0, batches = 0;
    long long written = 0;
    /* Bounded, so that a WAL that never restarts fails instead of hanging. */
    while (written < 4LL * CHECKPOINT_STEP_FRAMES && batches < 20 * MIN_BATCHES) {
        put_batch(f->store);
        batches++;
        int frames = db_wal_frames(f->store);
        if (frames > largest)
            largest = frames;
        checkpointer_nudge(c, frames);
        if (checkpointer_restart_due(c, frames)) {
            assert_true(frames < CHECKPOINT_MAX_FRAMES);
            assert_int_equal(db_checkpoint_restart(f->store), 0);
            /* Done, the WAL starts again: a batch that writes nothing then
             * asks for no other restart. Busy (the thread was mid-pass):
             * nothing changed, and the next batch tries again. */
            int left = db_wal_frames(f->store);
            assert_true(left == 0 || left == frames);
            if (left == 0) {
                restarts++;
                written += frames;
            }
        }
    }
    checkpointer_stop(c);
    assert_true(restarts >= 2);
    assert_true(largest < CHECKPOINT_MAX_FRAMES);

    /* Every committed send is there after the store closes and opens again. */
    db_close(f->store);
    f->store = open_store(f->dir);
    assert_int_equal(referrals_in(f->store), (long long)batches * BATCH);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_restart_due),
        cmocka_unit_test_setup_teardown(test_steady_stream, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
