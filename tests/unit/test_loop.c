/*
 * Unit tests of loop.c's teardown: what the mailboxes hold once the loops
 * have ended. Run under AddressSanitizer too, which turns a loop used after
 * it was freed into a failure.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <event2/thread.h>

#include "app.h"
#include "loop.h"
#include "ops.h"

static int late_ops_done;

/* What send_done does for a referral committed after its loop ended: it
 * wakes the recipient's long-polls on every loop. */
static void late_send_done(struct op *op)
{
    app_referral_arrived(op->ctx, "expertise-centre");
    late_ops_done++;
    free(op);
}

static void start_app(struct app *app, int loops)
{
    memset(app, 0, sizeof(*app));
    pthread_mutex_init(&app->lock, NULL);
    for (int i = 0; i < loops; i++) {
        app->loops[i] = loop_new(app);
        assert_non_null(app->loops[i]);
    }
    app->loop_count = loops;
}

static struct op *late_op(struct app *app, struct loop *loop)
{
    struct op *op = calloc(1, sizeof(*op));
    assert_non_null(op);
    op->kind = OP_PUT;
    op->done = late_send_done;
    op->ctx = app;
    op->loop = loop;
    return op;
}

/* An op handed back to the last loop wakes the first, which a loop-by-loop
 * teardown had already freed (a heap corruption seen at shutdown under load). */
static void test_late_ops_run_before_any_loop_is_freed(void **state)
{
    struct app app;
    start_app(&app, 3);
    for (int i = app.loop_count - 1; i >= 0; i--)
        loop_deliver(app.loops[i], late_op(&app, app.loops[i]));
    late_ops_done = 0;
    loop_free_all(app.loops, app.loop_count);
    assert_int_equal(late_ops_done, 3);
    pthread_mutex_destroy(&app.lock);
}

static int ran[8], ran_count;

static void record_done(struct op *op)
{
    ran[ran_count++] = (int)op->now;
    free(op);
}

/* A list handed back at once runs in its order, after what came before. */
static void test_delivered_lists_run_in_order(void **state)
{
    struct app app;
    start_app(&app, 1);
    struct op *ops[5];
    for (int i = 0; i < 5; i++) {
        ops[i] = calloc(1, sizeof(*ops[i]));
        assert_non_null(ops[i]);
        ops[i]->done = record_done;
        ops[i]->loop = app.loops[0];
        ops[i]->now = i;
    }
    loop_deliver(app.loops[0], ops[0]);
    ops[1]->next = ops[2];
    ops[2]->next = ops[3];
    loop_deliver(app.loops[0], ops[1]);
    loop_deliver(app.loops[0], ops[4]);
    ran_count = 0;
    loop_free_all(app.loops, app.loop_count);
    assert_int_equal(ran_count, 5);
    for (int i = 0; i < 5; i++)
        assert_int_equal(ran[i], i);
    pthread_mutex_destroy(&app.lock);
}

int main(void)
{
    evthread_use_pthreads();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_late_ops_run_before_any_loop_is_freed),
        cmocka_unit_test(test_delivered_lists_run_in_order),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
