/* Unit tests of query.c: strict query strings. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "query.h"

static void test_values_are_decoded(void **state)
{
    struct query_param p[] = {{.name = "wait"}, {.name = "by"}};
    struct rg_error err;
    assert_int_equal(query_parse("wait=10&by=month%2Csignal", p, 2, &err), 0);
    assert_true(p[0].present);
    assert_string_equal(p[0].value, "10");
    assert_string_equal(p[1].value, "month,signal");
    assert_int_equal(query_parse("by=a+b", p, 2, &err), 0);
    assert_false(p[0].present);
    assert_string_equal(p[1].value, "a b");
    assert_int_equal(query_parse(NULL, p, 2, &err), 0);
    assert_false(p[1].present);
    assert_int_equal(query_parse("", p, 2, &err), 0);
    assert_int_equal(query_parse("wait", p, 2, &err), 0);
    assert_true(p[0].present);
    assert_string_equal(p[0].value, "");
}

static void test_refusals(void **state)
{
    static const char *const bad[] = {
        "colour=red", "wait=1&wait=2", "wait=%00", "wait=%0a",
        "wait=%",     "wait=%4",       "wait=%zz", "&",
        "wait=1&",    "waitx=1",       "wai=1",    "by=%1f",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct query_param p[] = {{.name = "wait"}, {.name = "by"}};
        struct rg_error err;
        if (query_parse(bad[i], p, 2, &err) == 0)
            fail_msg("accepted %s", bad[i]);
        assert_int_equal(err.code, RG_INVALID_PARAMETER);
    }
}

static void test_long_values_refused(void **state)
{
    char raw[QUERY_VALUE_MAX + 16] = "by=";
    memset(raw + 3, 'a', QUERY_VALUE_MAX);
    raw[3 + QUERY_VALUE_MAX] = '\0';
    struct query_param p[] = {{.name = "by"}};
    struct rg_error err;
    assert_int_equal(query_parse(raw, p, 1, &err), -1);
    raw[3 + QUERY_VALUE_MAX - 1] = '\0';
    assert_int_equal(query_parse(raw, p, 1, &err), 0);
}

static void test_integers(void **state)
{
    struct query_param p = {.name = "limit", .present = true};
    struct rg_error err;
    int v = -1;
    strcpy(p.value, "500");
    assert_int_equal(query_int(&p, 1, 500, &v, &err), 0);
    assert_int_equal(v, 500);
    static const char *const bad[] = {"501", "0",    "",           "-1", "+1", "1.5",
                                      "1e2", "0x10", "9999999999", " 1", "1 "};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        strcpy(p.value, bad[i]);
        if (query_int(&p, 1, 500, &v, &err) == 0)
            fail_msg("accepted '%s'", bad[i]);
        assert_string_equal(err.field, "limit");
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_values_are_decoded),
        cmocka_unit_test(test_refusals),
        cmocka_unit_test(test_long_values_refused),
        cmocka_unit_test(test_integers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
