/*
 * Unit tests of loop.c's mailbox and teardown: what the mailboxes hold once
 * the loops have ended. Run under AddressSanitizer too, which turns a loop
 * used after it was freed into a failure.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <event2/thread.h>

#include "loop.h"

#define LOOPS 3

static struct loop *loops[LOOPS];
static int woken[LOOPS], late_done;

struct wake {
    struct task task;
    int loop;
};

static void run_wake(struct task *t)
{
    struct wake *w = TASK_OWNER(t, struct wake, task);
    woken[w->loop]++;
    free(w);
}

/* What a send committed after its loop ended does: it wakes the recipient's
 * long-polls on every loop. */
static void run_late_send(struct task *t)
{
    for (int i = 0; i < LOOPS; i++) {
        struct wake *w = calloc(1, sizeof(*w));
        assert_non_null(w);
        w->task.run = run_wake;
        w->loop = i;
        loop_post(loops[i], &w->task);
    }
    late_done++;
    free(t);
}

static void make_loops(int count)
{
    for (int i = 0; i < count; i++) {
        loops[i] = loop_new(NULL);
        assert_non_null(loops[i]);
    }
}

/* A task handed to the last loop posts to the first, which a loop-by-loop
 * teardown had already freed (a heap corruption seen at shutdown under load). */
static void test_late_tasks_run_before_any_loop_is_freed(void **state)
{
    make_loops(LOOPS);
    for (int i = LOOPS - 1; i >= 0; i--) {
        struct task *t = calloc(1, sizeof(*t));
        assert_non_null(t);
        t->run = run_late_send;
        loop_post(loops[i], t);
    }
    late_done = 0;
    memset(woken, 0, sizeof(woken));
    loop_free_all(loops, LOOPS);
    assert_int_equal(late_done, LOOPS);
    for (int i = 0; i < LOOPS; i++)
        assert_int_equal(woken[i], LOOPS);
}

static int ran[8], ran_count;

struct numbered {
    struct task task;
    int n;
};

static void record(struct task *t)
{
    ran[ran_count++] = TASK_OWNER(t, struct numbered, task)->n;
}

/* Tasks run in the order they were posted. */
static void test_posted_tasks_run_in_order(void **state)
{
    make_loops(1);
    struct numbered tasks[5];
    for (int i = 0; i < 5; i++) {
        tasks[i].task.run = record;
        tasks[i].n = i;
        loop_post(loops[0], &tasks[i].task);
    }
    ran_count = 0;
    loop_free_all(loops, 1);
    assert_int_equal(ran_count, 5);
    for (int i = 0; i < 5; i++)
        assert_int_equal(ran[i], i);
}

int main(void)
{
    evthread_use_pthreads();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_late_tasks_run_before_any_loop_is_freed),
        cmocka_unit_test(test_posted_tasks_run_in_order),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
