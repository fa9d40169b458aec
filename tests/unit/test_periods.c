/*
 * test_periods.c - the periods of the subject counts (lib/periods.c):
 * parsing and writing them, months as numbers, "has it ended", and which
 * periods a range of months holds whole.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "periods.h"

static struct rg_period parse(const char *s)
{
    struct rg_period p;
    struct rg_error err;
    if (rg_period_parse(s, strlen(s), &p, &err) < 0)
        fail_msg("'%s' refused: %s", s, err.message);
    return p;
}

static void test_parse_and_format(void **state)
{
    static const char *const good[] = {"2026",    "2026-Q1", "2026-Q4",
                                       "2026-01", "2026-12", "0000-Q2"};
    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
        struct rg_period p = parse(good[i]);
        char out[RG_PERIOD_LEN];
        rg_period_format(&p, out);
        assert_string_equal(out, good[i]);
    }
    struct rg_period p = parse("2026-Q3");
    assert_int_equal(p.kind, RG_PERIOD_QUARTER);
    assert_int_equal(p.year, 2026);
    assert_int_equal(p.part, 3);
    static const char *const bad[] = {"",        "202",      "20261",    "2026-",
                                      "2026-Q0", "2026-Q5",  "2026-q3",  "2026-00",
                                      "2026-13", "2026-1",   "2026-011", "-2026",
                                      "2026 ",   "2026-Q3 ", "Q3-2026",  "２０２６"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct rg_error err;
        if (rg_period_parse(bad[i], strlen(bad[i]), &p, &err) == 0)
            fail_msg("'%s' accepted", bad[i]);
        assert_int_equal(err.code, RG_INVALID_PARAMETER);
        assert_string_equal(err.field, "period");
    }
}

static void test_months(void **state)
{
    assert_int_equal(rg_month_number("2026-01"), 2026 * 12);
    assert_int_equal(rg_month_number("2026-12"), 2026 * 12 + 11);
    assert_int_equal(rg_month_number("2026-13"), -1);
    assert_int_equal(rg_month_number("2026-1"), -1);
    assert_int_equal(rg_month_number(NULL), -1);
    char out[RG_PERIOD_LEN];
    rg_month_text(2026 * 12 + 10, out);
    assert_string_equal(out, "2026-11");
    /* 2026-11-30T23:59:59Z and 2026-12-01T00:00:00Z. */
    assert_int_equal(rg_month_of(1796083199), 2026 * 12 + 10);
    assert_int_equal(rg_month_of(1796083200), 2026 * 12 + 11);
}

static void test_ended(void **state)
{
    int dec2026 = rg_month_number("2026-12");
    struct rg_period nov = parse("2026-11"), dec = parse("2026-12"),
                     q3 = parse("2026-Q3"), q4 = parse("2026-Q4"), y = parse("2026"),
                     y25 = parse("2025");
    assert_true(rg_period_ended(&nov, dec2026));
    assert_false(rg_period_ended(&dec, dec2026));
    assert_true(rg_period_ended(&q3, dec2026));
    assert_false(rg_period_ended(&q4, dec2026));
    assert_false(rg_period_ended(&y, dec2026));
    assert_true(rg_period_ended(&y25, dec2026));
    assert_true(rg_period_ended(&y, dec2026 + 1));
    assert_int_equal(rg_period_first(&q4), rg_month_number("2026-10"));
    assert_int_equal(rg_period_last(&q4), dec2026);
    assert_int_equal(rg_period_last(&y), dec2026);
}

/* The periods of a range, as text, ended ones then "|" then pending ones. */
static void within(const char *from, const char *to, const char *now, const char *want)
{
    struct rg_period ended[64], pending[64];
    size_t ne, np;
    size_t all = rg_periods_within(rg_month_number(from), rg_month_number(to),
                                   rg_month_number(now), ended, &ne, pending, &np, 64);
    assert_int_equal(all, ne + np);
    char got[1024] = "";
    for (size_t i = 0; i < ne + np + 1; i++) {
        if (i == ne) {
            strcat(got, "|");
            continue;
        }
        const struct rg_period *p = i < ne ? &ended[i] : &pending[i - ne - 1];
        char s[RG_PERIOD_LEN];
        rg_period_format(p, s);
        strcat(got, s);
        strcat(got, " ");
    }
    assert_string_equal(got, want);
}

static void test_within(void **state)
{
    within("2026-01", "2026-12", "2026-11",
           "2026-Q1 2026-Q2 2026-Q3 2026-01 2026-02 2026-03 2026-04 2026-05 2026-06 "
           "2026-07 2026-08 2026-09 2026-10 |2026 2026-Q4 2026-11 2026-12 ");
    within("2026-01", "2026-12", "2027-01",
           "2026 2026-Q1 2026-Q2 2026-Q3 2026-Q4 2026-01 2026-02 2026-03 2026-04 "
           "2026-05 2026-06 2026-07 2026-08 2026-09 2026-10 2026-11 2026-12 |");
    /* A quarter or year with a month outside the range is not held whole. */
    within("2026-02", "2026-07", "2027-01",
           "2026-Q2 2026-02 2026-03 2026-04 2026-05 2026-06 2026-07 |");
    within("2025-11", "2026-02", "2026-03", "2025-11 2025-12 2026-01 2026-02 |");
    within("2026-11", "2026-11", "2026-11", "|2026-11 ");
    /* Counting only, and a short list. */
    struct rg_period one[1];
    size_t ne, np;
    assert_int_equal(
        rg_periods_within(rg_month_number("2025-01"), rg_month_number("2026-12"),
                          rg_month_number("2030-01"), one, &ne, NULL, &np, 1),
        2 + 8 + 24);
    assert_int_equal(ne, 34);
    assert_int_equal(np, 0);
    char s[RG_PERIOD_LEN];
    rg_period_format(&one[0], s);
    assert_string_equal(s, "2025");
    assert_int_equal(rg_periods_within(-1, 5, 0, NULL, &ne, NULL, &np, 0), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_and_format),
        cmocka_unit_test(test_months),
        cmocka_unit_test(test_ended),
        cmocka_unit_test(test_within),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
