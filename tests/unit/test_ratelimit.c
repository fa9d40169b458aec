/* Unit tests of ratelimit.c: a minute's burst, then the steady rate. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "ratelimit.h"

static void test_burst_then_refusal_with_retry_after(void **state)
{
    struct ratelimit *r = ratelimit_new();
    int retry = 0;
    for (int i = 0; i < 60; i++)
        assert_true(ratelimit_take(r, "school-1", 60, 100.0, &retry));
    assert_false(ratelimit_take(r, "school-1", 60, 100.0, &retry));
    assert_int_equal(retry, 1); /* 60 a minute: one token a second */
    /* Organisations have buckets of their own. */
    assert_true(ratelimit_take(r, "school-2", 60, 100.0, &retry));
    /* A second later one more request is allowed, then refused again. */
    assert_true(ratelimit_take(r, "school-1", 60, 101.0, &retry));
    assert_false(ratelimit_take(r, "school-1", 60, 101.0, &retry));
    ratelimit_free(r);
}

static void test_slow_rate_retry_after(void **state)
{
    struct ratelimit *r = ratelimit_new();
    int retry = 0;
    assert_true(ratelimit_take(r, "a", 1, 0.0, &retry));
    assert_false(ratelimit_take(r, "a", 1, 0.0, &retry));
    assert_int_equal(retry, 60);
    assert_false(ratelimit_take(r, "a", 1, 30.0, &retry));
    assert_int_equal(retry, 30);
    assert_true(ratelimit_take(r, "a", 1, 60.0, &retry));
    ratelimit_free(r);
}

static void test_refill_is_capped(void **state)
{
    struct ratelimit *r = ratelimit_new();
    int retry;
    assert_true(ratelimit_take(r, "a", 10, 0.0, &retry));
    /* An hour idle does not bank more than one minute's worth. */
    int allowed = 0;
    while (ratelimit_take(r, "a", 10, 3600.0, &retry))
        allowed++;
    assert_int_equal(allowed, 10);
    ratelimit_free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_burst_then_refusal_with_retry_after),
        cmocka_unit_test(test_slow_rate_retry_after),
        cmocka_unit_test(test_refill_is_capped),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
