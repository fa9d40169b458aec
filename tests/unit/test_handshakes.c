/*
 * test_handshakes.c - the queues of connections in their TLS handshake
 * (server/net/handshakes.c): which one a new connection at max_connections
 * evicts, across loops, and the race of a chosen connection whose handshake
 * completes before its loop closes it. Real loops carry the evictions to
 * other loops (their mailboxes are run by hand); no sockets.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <event2/thread.h>

#include "handshakes.h"
#include "loop.h"

#define LOOPS 3
#define CONNS 64

static struct loop *loops[LOOPS];
static struct handshakes *queues[LOOPS];

/* A connection as conn.c embeds the entry. */
struct fake {
    struct hs_entry hs;
    int queue;
    unsigned long long seq;
    int closed; /* times close_evicted ran for it */
};
static struct fake conns[CONNS];
static int conn_count;

static void close_evicted(struct hs_entry *e)
{
    struct fake *f = (struct fake *)((char *)e - offsetof(struct fake, hs));
    f->closed++;
    handshakes_remove(queues[f->queue], e);
}

static int setup(void **state)
{
    memset(conns, 0, sizeof(conns));
    conn_count = 0;
    for (int i = 0; i < LOOPS; i++) {
        loops[i] = loop_new(NULL);
        assert_non_null(loops[i]);
        queues[i] = handshakes_new(loops[i], close_evicted);
        assert_non_null(queues[i]);
    }
    return 0;
}

static int teardown(void **state)
{
    loop_free_all(loops, LOOPS); /* runs what the mailboxes still hold */
    for (int i = 0; i < LOOPS; i++)
        handshakes_free(queues[i]);
    return 0;
}

static struct fake *adopt(int queue, unsigned long long seq)
{
    assert_true(conn_count < CONNS);
    struct fake *f = &conns[conn_count++];
    f->queue = queue;
    f->seq = seq;
    handshakes_add(queues[queue], &f->hs, seq);
    return f;
}

/* The listener on loop 0 evicts. */
static int evict(void)
{
    return handshakes_evict_oldest(queues, LOOPS, queues[0]);
}

static int closed_total(void)
{
    int n = 0;
    for (int i = 0; i < conn_count; i++)
        n += conns[i].closed;
    return n;
}

/* The connection accepted first goes first, whichever loop holds it; the
 * listener's own loop closes at once, the others once their mail runs. */
static void test_oldest_first_across_loops(void **state)
{
    struct fake *s5 = adopt(0, 5), *s1 = adopt(1, 1), *s3 = adopt(2, 3);
    struct fake *s2 = adopt(1, 2), *s7 = adopt(2, 7), *s6 = adopt(0, 6);
    struct fake *order[] = {s1, s2, s3, s5, s6, s7};
    for (size_t i = 0; i < 6; i++) {
        assert_int_equal(evict(), 0);
        struct fake *f = order[i];
        if (f->queue != 0) {
            assert_int_equal(f->closed, 0); /* on its way to its loop */
            loop_run_mail(loops[f->queue]);
        }
        assert_int_equal(f->closed, 1);
        assert_int_equal(closed_total(), (int)i + 1);
    }
    assert_int_equal(evict(), -1); /* nobody left in a handshake */
}

/* A connection through its handshake is never chosen; one that closed for
 * another reason neither. */
static void test_done_and_closed_are_never_chosen(void **state)
{
    struct fake *a = adopt(1, 1), *b = adopt(2, 2), *c = adopt(1, 3);
    assert_true(handshakes_done(queues[1], &a->hs));
    handshakes_remove(queues[2], &b->hs); /* it timed out, say */
    assert_int_equal(evict(), 0);
    loop_run_mail(loops[1]);
    assert_int_equal(a->closed, 0);
    assert_int_equal(b->closed, 0);
    assert_int_equal(c->closed, 1);
    assert_int_equal(evict(), -1);
    /* The authenticated one leaving later changes nothing. */
    handshakes_remove(queues[1], &a->hs);
    assert_int_equal(evict(), -1);
}

/* Chosen, then its handshake completes before its loop has closed it: the
 * connection learns it was evicted and is closed once, not admitted. */
static void test_chosen_then_done(void **state)
{
    struct fake *a = adopt(2, 1), *b = adopt(2, 2);
    assert_int_equal(evict(), 0);
    assert_false(handshakes_done(queues[2], &a->hs));
    close_evicted(&a->hs); /* what conn.c does when done says no */
    loop_run_mail(loops[2]);
    assert_int_equal(a->closed, 1); /* once, not again from the mail */
    assert_int_equal(b->closed, 0);
    assert_true(handshakes_done(queues[2], &b->hs));
    assert_int_equal(evict(), -1);
}

/* Chosen, then closed for another reason before its loop's mail runs. */
static void test_chosen_then_closed(void **state)
{
    struct fake *a = adopt(1, 1);
    assert_int_equal(evict(), 0);
    handshakes_remove(queues[1], &a->hs);
    loop_run_mail(loops[1]);
    assert_int_equal(a->closed, 0);
}

/* With HANDSHAKES_IN_FLIGHT evictions on their way to other loops (each
 * still holding a descriptor), the listener's own loop gives its oldest
 * instead; with none there, nothing is evicted until those are closed. */
static void test_in_flight_bound(void **state)
{
    for (int i = 0; i < HANDSHAKES_IN_FLIGHT + 4; i++)
        adopt(1, (unsigned long long)i);
    struct fake *own = adopt(0, 1000);
    for (int i = 0; i < HANDSHAKES_IN_FLIGHT; i++)
        assert_int_equal(evict(), 0);
    assert_int_equal(closed_total(), 0);
    assert_int_equal(evict(), 0); /* loop 0's, though younger */
    assert_int_equal(own->closed, 1);
    assert_int_equal(evict(), -1);
    loop_run_mail(loops[1]);
    assert_int_equal(closed_total(), HANDSHAKES_IN_FLIGHT + 1);
    for (int i = 0; i < HANDSHAKES_IN_FLIGHT; i++)
        assert_int_equal(conns[i].closed, 1); /* the oldest ones */
    assert_int_equal(evict(), 0);             /* room again */
    loop_run_mail(loops[1]);
    assert_int_equal(conns[HANDSHAKES_IN_FLIGHT].closed, 1);
}

int main(void)
{
    evthread_use_pthreads();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_oldest_first_across_loops, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_done_and_closed_are_never_chosen, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_chosen_then_done, setup, teardown),
        cmocka_unit_test_setup_teardown(test_chosen_then_closed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_in_flight_bound, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
