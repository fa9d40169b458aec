/* Unit tests of GET /v1/stats v2 without a store: the publishing rule
 * (store/counts.c), the parameters (http/stats.c) and the JSON and CSV
 * answers of published tables. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "json.h"
#include "stats.h"

/* 2026-11-28T07:15:02Z */
#define NOW ((time_t)1795850102)

/* ---- the publishing rule (SPEC §6) ---- */

static void test_below_threshold_is_not_published(void **state)
{
    for (long long n = 0; n < 5; n++)
        for (uint32_t k = 0; k < 0xf0000000u; k += 0x10000000u)
            assert_int_equal(counts_publish(n, k, 5), -1);
    assert_int_equal(counts_publish(0, 0xffffffffu, 1), -1); /* zero included */
}

static void test_perturbation_bands(void **state)
{
    static const struct {
        uint32_t k;
        long long v; /* for n = 10, m = 5 */
    } cases[] = {
        {0, 8},
        {214748364u, 8}, /* u < 0.05: -2 */
        {214748365u, 9},
        {1073741823u, 9}, /* u < 0.25: -1 */
        {1073741824u, 10},
        {3221225471u, 10}, /* u < 0.75: 0 */
        {3221225472u, 11},
        {4080218931u, 11}, /* u < 0.95: +1 */
        {4080218932u, 12},
        {0xffffffffu, 12}, /* else: +2 */
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        if (counts_publish(10, cases[i].k, 5) != cases[i].v)
            fail_msg("k=%u: %lld, wanted %lld", cases[i].k,
                     counts_publish(10, cases[i].k, 5), cases[i].v);
}

static void test_never_below_threshold(void **state)
{
    /* n = m with d = -2 would show m - 2: it shows m. */
    assert_int_equal(counts_publish(5, 0, 5), 5);
    assert_int_equal(counts_publish(6, 0, 5), 5);
    assert_int_equal(counts_publish(5, 0xffffffffu, 5), 7);
    /* The same cell always gets the same answer. */
    for (int i = 0; i < 3; i++)
        assert_int_equal(counts_publish(37, 123456789u, 5), 35);
}

/* ---- parameters ---- */

static void test_flow_defaults(void **state)
{
    struct stats_request r;
    struct rg_error err;
    assert_int_equal(stats_request_parse(NULL, NOW, 5, &r, &err), 0);
    assert_false(r.subject_table);
    assert_string_equal(r.from, "2026-11");
    assert_string_equal(r.to, "2026-11");
    assert_string_equal(r.event, "accepted");
    assert_int_equal(r.by_count, 0);
    assert_int_equal(r.format, STATS_JSON);
    assert_int_equal(r.min_count, 5);
    assert_int_equal(stats_request_parse("to=2026-03", NOW, 5, &r, &err), 0);
    assert_string_equal(r.from, "2026-03");
    assert_int_equal(
        stats_request_parse("from=2025-01&to=2026-12&event=expired&by=month,"
                            "recipient_type,sender,sender_type,recipient,signal,"
                            "urgency&format=csv",
                            NOW, 5, &r, &err),
        0);
    assert_int_equal(r.by_count, 7);
    assert_string_equal(r.by[1].column, "recipient_type");
    assert_int_equal(r.format, STATS_CSV);
}

static void test_subject_tables(void **state)
{
    struct stats_request r;
    struct rg_error err;
    static const char *const ended[] = {"2026-10", "2026-Q3", "2025", "2025-12",
                                        "2025-Q4"};
    for (size_t i = 0; i < sizeof(ended) / sizeof(ended[0]); i++) {
        char q[64];
        snprintf(q, sizeof(q), "by=age_band&period=%s&event=acknowledged", ended[i]);
        if (stats_request_parse(q, NOW, 5, &r, &err) < 0)
            fail_msg("%s: %s", q, err.message);
        assert_true(r.subject_table);
        assert_string_equal(r.period, ended[i]);
        assert_int_equal(r.by[0].subject, 0);
        assert_null(r.by[0].column);
    }
}

static void test_invalid_parameters(void **state)
{
    static const struct {
        const char *query, *field;
    } bad[] = {
        /* the joins v1 allowed */
        {"by=signal,age_band&period=2026-10", "by"},
        {"by=age_band,signal&period=2026-10", "by"},
        {"by=age_band,gender&period=2026-10", "by"},
        {"by=sender,signal,urgency,housing&period=2026-10", "by"},
        {"by=month,age_band&period=2026-10", "by"},
        /* subject tables per ended period only */
        {"by=age_band", "period"},
        {"by=age_band&from=2026-01&to=2026-10", "from"},
        {"by=age_band&to=2026-10&period=2026-10", "to"},
        {"by=age_band&period=2026-11", "period"}, /* running */
        {"by=age_band&period=2026-Q4", "period"}, /* running */
        {"by=age_band&period=2026", "period"},    /* running */
        {"by=age_band&period=2027-01", "period"},
        {"by=age_band&period=2026-Q5", "period"},
        {"by=age_band&period=2026-13", "period"},
        {"by=age_band&period=26", "period"},
        {"by=age_band&period=", "period"},
        {"period=2026-10", "period"}, /* a flow table */
        {"by=signal&period=2026-10", "period"},
        /* flow */
        {"by=colour", "by"},
        {"by=month,month", "by"},
        {"by=", "by"},
        {"by=month,", "by"},
        {"by=Month", "by"},
        {"from=2026-13", "from"},
        {"from=2026-05&to=2026-04", "from"},
        {"from=2026-12", "from"}, /* after the default to, the current month */
        {"to=abcd-ef", "to"},
        {"event=sent", "event"},
        {"format=xml", "format"},
        {"colour=red", "colour"},
        {"from=2026-01&from=2026-02", "from"},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct stats_request r;
        struct rg_error err;
        if (stats_request_parse(bad[i].query, NOW, 5, &r, &err) == 0)
            fail_msg("accepted %s", bad[i].query);
        assert_int_equal(err.code, RG_INVALID_PARAMETER);
        if (strcmp(err.field, bad[i].field) != 0)
            fail_msg("%s: field '%s', wanted '%s'", bad[i].query, err.field,
                     bad[i].field);
    }
    static const char *const worse[] = {"&", "by=month&", "by=%zz", "=x"};
    for (size_t i = 0; i < sizeof(worse) / sizeof(worse[0]); i++) {
        struct stats_request r;
        struct rg_error err;
        if (stats_request_parse(worse[i], NOW, 5, &r, &err) == 0)
            fail_msg("accepted %s", worse[i]);
        assert_int_equal(err.code, RG_INVALID_PARAMETER);
    }
}

static void test_dimensions_map_to_constant_columns(void **state)
{
    static const char *const names[] = {"month",         "signal",      "urgency",
                                        "sender",        "sender_type", "recipient",
                                        "recipient_type"};
    struct stats_dim d;
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        assert_true(stats_dim_find(names[i], strlen(names[i]), &d));
        assert_string_equal(d.column, names[i]);
        assert_int_equal(d.subject, -1);
    }
    for (int a = 0; a < RG_SUBJECT_ATTRS; a++) {
        assert_true(stats_dim_find(rg_subject[a].name, strlen(rg_subject[a].name), &d));
        assert_null(d.column);
        assert_int_equal(d.subject, a);
    }
    assert_false(stats_dim_find("value", 5, &d));
    assert_false(stats_dim_find("n", 1, &d));
    assert_false(stats_dim_find("k", 1, &d));
    assert_false(stats_dim_find("period", 6, &d));
}

/* ---- renderings ---- */

static struct stats_table *two_dim_table(void)
{
    struct stats_table *t = stats_table_new(2);
    const char *r1[] = {"2026-01", "loverboy"}, *r2[] = {"2026-02", "loverboy"};
    assert_int_equal(stats_table_add(t, r1, 12), 0);
    assert_int_equal(stats_table_add(t, r2, 8), 0);
    t->total = 23;
    t->total_published = true;
    return t;
}

static void test_json(void **state)
{
    struct stats_request r;
    struct rg_error err;
    assert_int_equal(stats_request_parse("from=2026-01&to=2026-02&by=month,signal", NOW,
                                         5, &r, &err),
                     0);
    struct stats_table *t = two_dim_table();
    cJSON *doc = stats_to_json(&r, t);
    char *text = rg_json_print(doc);
    assert_string_equal(
        text, "{\"from\":\"2026-01\",\"to\":\"2026-02\",\"event\":\"accepted\","
              "\"by\":[\"month\",\"signal\"],\"min_count\":5,\"rows\":["
              "{\"month\":\"2026-01\",\"signal\":\"loverboy\",\"count\":12},"
              "{\"month\":\"2026-02\",\"signal\":\"loverboy\",\"count\":8}],"
              "\"total\":23}");
    cJSON_free(text);
    cJSON_Delete(doc);
    stats_table_free(t);

    /* A subject table: its period, and a total below the threshold is null. */
    assert_int_equal(stats_request_parse("by=housing&period=2026-Q3", NOW, 5, &r, &err),
                     0);
    t = stats_table_new(1);
    doc = stats_to_json(&r, t);
    text = rg_json_print(doc);
    assert_string_equal(text, "{\"period\":\"2026-Q3\",\"event\":\"accepted\","
                              "\"by\":[\"housing\"],\"min_count\":5,\"rows\":[],"
                              "\"total\":null}");
    cJSON_free(text);
    cJSON_Delete(doc);
    stats_table_free(t);
}

static void test_csv(void **state)
{
    struct stats_request r;
    struct rg_error err;
    assert_int_equal(
        stats_request_parse("by=month,signal&format=csv", NOW, 5, &r, &err), 0);
    struct stats_table *t = two_dim_table();
    size_t len;
    char *csv = stats_to_csv(&r, t, &len);
    assert_string_equal(csv, "month,signal,count\n"
                             "2026-01,loverboy,12\n"
                             "2026-02,loverboy,8\n");
    assert_int_equal(len, strlen(csv));
    free(csv);
    stats_table_free(t);

    /* A value that would need quoting is quoted (ids never do; the code must still). */
    assert_int_equal(stats_request_parse("by=sender&format=csv", NOW, 5, &r, &err), 0);
    t = stats_table_new(1);
    const char *v[] = {"a,\"b\""};
    assert_int_equal(stats_table_add(t, v, 7), 0);
    csv = stats_to_csv(&r, t, &len);
    assert_string_equal(csv, "sender,count\n\"a,\"\"b\"\"\",7\n");
    free(csv);
    stats_table_free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_below_threshold_is_not_published),
        cmocka_unit_test(test_perturbation_bands),
        cmocka_unit_test(test_never_below_threshold),
        cmocka_unit_test(test_flow_defaults),
        cmocka_unit_test(test_subject_tables),
        cmocka_unit_test(test_invalid_parameters),
        cmocka_unit_test(test_dimensions_map_to_constant_columns),
        cmocka_unit_test(test_json),
        cmocka_unit_test(test_csv),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
