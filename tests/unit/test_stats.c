/* Unit tests of stats.c: the parameters of GET /v1/stats, small-cell
 * suppression (SPEC §6) on hand-made tables, and the JSON and CSV answers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "json.h"
#include "stats.h"

/* 2026-11-28T07:15:02Z */
#define NOW ((time_t)1795850102)

/* A one-dimension table from parallel lists of labels and counts. */
static struct stats_table *table_of(const char *const *labels, const long long *counts,
                                    size_t n)
{
    struct stats_table *t = stats_table_new(1);
    assert_non_null(t);
    for (size_t i = 0; i < n; i++)
        assert_int_equal(stats_table_add(t, &labels[i], counts[i]), 0);
    return t;
}

/* The labels of the suppressed rows, joined with ',' (static buffer). */
static const char *suppressed(const struct stats_table *t)
{
    static char buf[512];
    buf[0] = '\0';
    for (size_t i = 0; i < t->count; i++) {
        if (!t->rows[i].suppressed)
            continue;
        if (buf[0] != '\0')
            strcat(buf, ",");
        strcat(buf, t->rows[i].values[0]);
    }
    return buf;
}

#define TABLE(labels, counts)                                                          \
    table_of(labels, counts, sizeof(counts) / sizeof(counts[0]))

static void test_no_suppression(void **state)
{
    const char *l[] = {"a", "b", "c"};
    const long long c[] = {5, 9, 120};
    struct stats_table *t = TABLE(l, c);
    stats_suppress(t, 5);
    assert_string_equal(suppressed(t), "");
    assert_int_equal(t->total, 134);
    assert_false(t->total_suppressed);
    assert_int_equal(t->count, 3);
    stats_table_free(t);
}

static void test_one_small_cell_and_its_complement(void **state)
{
    /* c alone suppressed could be read as total - a - b: the next smallest goes too. */
    const char *l[] = {"a", "b", "c", "d"};
    const long long c[] = {40, 7, 2, 12};
    struct stats_table *t = TABLE(l, c);
    stats_suppress(t, 5);
    assert_string_equal(suppressed(t), "b,c");
    assert_int_equal(t->total, 61);
    assert_false(t->total_suppressed);
    /* The counts themselves are kept; only the flags say what may be shown. */
    assert_int_equal(t->rows[1].count, 7);
    stats_table_free(t);
}

static void test_several_small_cells(void **state)
{
    /* Two or more suppressed cells protect each other: nothing more is suppressed. */
    const char *l[] = {"a", "b", "c", "d", "e"};
    const long long c[] = {1, 30, 4, 6, 3};
    struct stats_table *t = TABLE(l, c);
    stats_suppress(t, 5);
    assert_string_equal(suppressed(t), "a,c,e");
    assert_int_equal(t->total, 44);
    assert_false(t->total_suppressed);
    stats_table_free(t);

    const char *l2[] = {"a", "b"};
    const long long c2[] = {2, 3};
    t = TABLE(l2, c2);
    stats_suppress(t, 5);
    assert_string_equal(suppressed(t), "a,b");
    assert_int_equal(t->total, 5);
    assert_false(t->total_suppressed);
    stats_table_free(t);
}

static void test_small_total(void **state)
{
    const char *l[] = {"a", "b"};
    const long long c[] = {1, 2};
    struct stats_table *t = TABLE(l, c);
    stats_suppress(t, 5);
    assert_string_equal(suppressed(t), "a,b");
    assert_true(t->total_suppressed);
    stats_table_free(t);

    /* One row alone: it is the total, both suppressed, no complement to find. */
    const char *l1[] = {"a"};
    const long long c1[] = {4};
    t = TABLE(l1, c1);
    stats_suppress(t, 5);
    assert_string_equal(suppressed(t), "a");
    assert_true(t->total_suppressed);
    stats_table_free(t);

    /* Nothing at all: a total of 0 is below the threshold too (SPEC as written). */
    t = stats_table_new(1);
    stats_suppress(t, 5);
    assert_int_equal(t->count, 0);
    assert_int_equal(t->total, 0);
    assert_true(t->total_suppressed);
    stats_table_free(t);

    /* Exactly the threshold is shown. */
    const char *l5[] = {"a"};
    const long long c5[] = {5};
    t = TABLE(l5, c5);
    stats_suppress(t, 5);
    assert_string_equal(suppressed(t), "");
    assert_false(t->total_suppressed);
    stats_table_free(t);
}

static void test_zero_rows_left_out(void **state)
{
    const char *l[] = {"a", "b", "c", "d"};
    const long long c[] = {0, 8, 0, 9};
    struct stats_table *t = TABLE(l, c);
    assert_int_equal(t->count, 2);
    assert_string_equal(t->rows[0].values[0], "b");
    assert_string_equal(t->rows[1].values[0], "d");
    stats_suppress(t, 5);
    assert_string_equal(suppressed(t), "");
    assert_int_equal(t->total, 17);
    stats_table_free(t);
}

static void test_ties(void **state)
{
    /* The next smallest is 6 twice: exactly one of them, the first in row order. */
    const char *l[] = {"a", "b", "c", "d"};
    const long long c[] = {9, 6, 3, 6};
    struct stats_table *t = TABLE(l, c);
    stats_suppress(t, 5);
    assert_string_equal(suppressed(t), "b,c");
    stats_table_free(t);

    /* Two small cells of equal size are both suppressed, nothing else. */
    const char *l2[] = {"a", "b", "c"};
    const long long c2[] = {2, 2, 50};
    t = TABLE(l2, c2);
    stats_suppress(t, 5);
    assert_string_equal(suppressed(t), "a,b");
    stats_table_free(t);
}

static void test_threshold_one_or_zero(void **state)
{
    const char *l[] = {"a", "b"};
    const long long c[] = {1, 2};
    struct stats_table *t = TABLE(l, c);
    stats_suppress(t, 1);
    assert_string_equal(suppressed(t), "");
    assert_false(t->total_suppressed);
    stats_suppress(t, 0);
    assert_string_equal(suppressed(t), "");
    /* Suppressing again with another threshold recomputes everything. */
    stats_suppress(t, 3);
    assert_string_equal(suppressed(t), "a,b");
    assert_false(t->total_suppressed);
    stats_table_free(t);
}

/* ---- parameters ---- */

static void test_defaults(void **state)
{
    struct stats_request r;
    struct rg_error err;
    assert_int_equal(stats_request_parse(NULL, NOW, &r, &err), 0);
    assert_string_equal(r.from, "2026-11");
    assert_string_equal(r.to, "2026-11");
    assert_string_equal(r.event, "accepted");
    assert_int_equal(r.by_count, 0);
    assert_int_equal(r.subject, -1);
    assert_int_equal(r.format, STATS_JSON);
    assert_int_equal(stats_request_parse("to=2026-03", NOW, &r, &err), 0);
    assert_string_equal(r.from, "2026-03");
    assert_int_equal(stats_request_parse("from=2025-12", NOW, &r, &err), 0);
    assert_string_equal(r.from, "2025-12");
    assert_string_equal(r.to, "2026-11");
}

static void test_every_parameter(void **state)
{
    struct stats_request r;
    struct rg_error err;
    assert_int_equal(
        stats_request_parse(
            "from=2025-01&to=2026-12&event=expired&by=month,recipient_type,"
            "housing,sender,sender_type,recipient,signal,urgency&format=csv",
            NOW, &r, &err),
        0);
    assert_string_equal(r.from, "2025-01");
    assert_string_equal(r.to, "2026-12");
    assert_string_equal(r.event, "expired");
    assert_int_equal(r.format, STATS_CSV);
    assert_int_equal(r.by_count, 8);
    assert_string_equal(r.by[0].name, "month");
    assert_string_equal(r.by[2].name, "housing");
    assert_string_equal(r.by[2].column, "value");
    assert_int_equal(r.subject, 6);
    assert_string_equal(r.by[1].column, "recipient_type");
    assert_int_equal(r.by[1].subject, -1);
    assert_int_equal(
        stats_request_parse("event=acknowledged&by=municipality%2Cmonth&format=json",
                            NOW, &r, &err),
        0);
    assert_string_equal(r.event, "acknowledged");
    assert_int_equal(r.by_count, 2);
    assert_string_equal(r.by[0].name, "municipality");
    assert_int_equal(stats_request_parse("from=2026-05&to=2026-05", NOW, &r, &err), 0);
}

static void test_invalid_parameters(void **state)
{
    static const struct {
        const char *query, *field;
    } bad[] = {
        {"by=colour", "by"},
        {"by=age_band,gender", "by"},
        {"by=housing,month,addiction", "by"},
        {"by=month,month", "by"},
        {"by=signal,urgency,signal", "by"},
        {"by=", "by"},
        {"by", "by"},
        {"by=month,", "by"},
        {"by=,month", "by"},
        {"by=month,,signal", "by"},
        {"by=Month", "by"},
        {"by=month%20", "by"},
        {"from=2026-13", "from"},
        {"from=2026-00", "from"},
        {"from=2026-1", "from"},
        {"from=26-01", "from"},
        {"from=2026-01-01", "from"},
        {"from=", "from"},
        {"to=2026/01", "to"},
        {"to=abcd-ef", "to"},
        {"from=2026-05&to=2026-04", "from"},
        {"from=2026-12", "from"}, /* after the default to, the current month */
        {"event=sent", "event"},
        {"event=", "event"},
        {"event=Accepted", "event"},
        {"format=xml", "format"},
        {"format=CSV", "format"},
        {"colour=red", "colour"},
        {"by=month&bye=1", "bye"},
        {"from=2026-01&from=2026-02", "from"},
        {"event=accepted&event=expired", "event"},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct stats_request r;
        struct rg_error err;
        if (stats_request_parse(bad[i].query, NOW, &r, &err) == 0)
            fail_msg("accepted %s", bad[i].query);
        assert_int_equal(err.code, RG_INVALID_PARAMETER);
        if (strcmp(err.field, bad[i].field) != 0)
            fail_msg("%s: field '%s', wanted '%s'", bad[i].query, err.field,
                     bad[i].field);
    }
    /* Malformed query strings are refused too (query.c), without a field. */
    static const char *const worse[] = {"&", "by=month&", "by=%zz", "=x"};
    for (size_t i = 0; i < sizeof(worse) / sizeof(worse[0]); i++) {
        struct stats_request r;
        struct rg_error err;
        if (stats_request_parse(worse[i], NOW, &r, &err) == 0)
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
        assert_string_equal(d.column, "value");
        assert_int_equal(d.subject, a);
    }
    assert_false(stats_dim_find("value", 5, &d));
    assert_false(stats_dim_find("n", 1, &d));
    assert_false(stats_dim_find("attr", 4, &d));
    assert_false(stats_dim_find("monthx", 6, &d));
}

/* ---- renderings ---- */

static struct stats_table *two_dim_table(void)
{
    struct stats_table *t = stats_table_new(2);
    const char *r1[] = {"2026-01", "loverboy"}, *r2[] = {"2026-01", "other"},
               *r3[] = {"2026-02", "loverboy"};
    assert_int_equal(stats_table_add(t, r1, 12), 0);
    assert_int_equal(stats_table_add(t, r2, 3), 0);
    assert_int_equal(stats_table_add(t, r3, 8), 0);
    return t;
}

static void test_json(void **state)
{
    struct stats_request r;
    struct rg_error err;
    assert_int_equal(
        stats_request_parse("from=2026-01&to=2026-02&by=month,signal", NOW, &r, &err),
        0);
    struct stats_table *t = two_dim_table();
    stats_suppress(t, 5);
    cJSON *doc = stats_to_json(&r, t, 5);
    char *text = rg_json_print(doc);
    assert_string_equal(
        text, "{\"from\":\"2026-01\",\"to\":\"2026-02\",\"event\":\"accepted\","
              "\"by\":[\"month\",\"signal\"],\"min_count\":5,\"rows\":["
              "{\"month\":\"2026-01\",\"signal\":\"loverboy\",\"count\":12},"
              "{\"month\":\"2026-01\",\"signal\":\"other\",\"count\":null,"
              "\"suppressed\":true},"
              "{\"month\":\"2026-02\",\"signal\":\"loverboy\",\"count\":null,"
              "\"suppressed\":true}],\"total\":23}");
    cJSON_free(text);
    cJSON_Delete(doc);

    stats_suppress(t, 30);
    doc = stats_to_json(&r, t, 30);
    assert_true(cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(doc, "total")));
    assert_true(
        cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(doc, "total_suppressed")));
    assert_int_equal(cJSON_GetObjectItemCaseSensitive(doc, "min_count")->valueint, 30);
    cJSON_Delete(doc);
    stats_table_free(t);

    /* No dimension: one row holding the total (none when nothing was counted). */
    assert_int_equal(stats_request_parse("event=expired", NOW, &r, &err), 0);
    t = stats_table_new(0);
    assert_int_equal(stats_table_add(t, NULL, 42), 0);
    stats_suppress(t, 5);
    doc = stats_to_json(&r, t, 5);
    text = rg_json_print(doc);
    assert_string_equal(
        text, "{\"from\":\"2026-11\",\"to\":\"2026-11\",\"event\":\"expired\","
              "\"by\":[],\"min_count\":5,\"rows\":[{\"count\":42}],\"total\":42}");
    cJSON_free(text);
    cJSON_Delete(doc);
    stats_table_free(t);
}

static void test_csv(void **state)
{
    struct stats_request r;
    struct rg_error err;
    assert_int_equal(stats_request_parse("by=month,signal&format=csv", NOW, &r, &err),
                     0);
    struct stats_table *t = two_dim_table();
    stats_suppress(t, 5);
    size_t len;
    char *csv = stats_to_csv(&r, t, 5, &len);
    assert_string_equal(csv, "month,signal,count\n"
                             "2026-01,loverboy,12\n"
                             "2026-01,other,<5\n"
                             "2026-02,loverboy,<5\n");
    assert_int_equal(len, strlen(csv));
    free(csv);
    stats_suppress(t, 2);
    csv = stats_to_csv(&r, t, 2, &len);
    assert_string_equal(csv, "month,signal,count\n"
                             "2026-01,loverboy,12\n"
                             "2026-01,other,3\n"
                             "2026-02,loverboy,8\n");
    free(csv);
    stats_table_free(t);

    /* A value that would need quoting is quoted (ids never do; the code must still). */
    assert_int_equal(stats_request_parse("by=sender&format=csv", NOW, &r, &err), 0);
    t = stats_table_new(1);
    const char *v[] = {"a,\"b\""};
    assert_int_equal(stats_table_add(t, v, 7), 0);
    stats_suppress(t, 5);
    csv = stats_to_csv(&r, t, 5, &len);
    assert_string_equal(csv, "sender,count\n\"a,\"\"b\"\"\",7\n");
    free(csv);
    stats_table_free(t);

    /* Nothing counted: the header alone. */
    t = stats_table_new(1);
    stats_suppress(t, 5);
    csv = stats_to_csv(&r, t, 5, &len);
    assert_string_equal(csv, "sender,count\n");
    free(csv);
    stats_table_free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_no_suppression),
        cmocka_unit_test(test_one_small_cell_and_its_complement),
        cmocka_unit_test(test_several_small_cells),
        cmocka_unit_test(test_small_total),
        cmocka_unit_test(test_zero_rows_left_out),
        cmocka_unit_test(test_ties),
        cmocka_unit_test(test_threshold_one_or_zero),
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_every_parameter),
        cmocka_unit_test(test_invalid_parameters),
        cmocka_unit_test(test_dimensions_map_to_constant_columns),
        cmocka_unit_test(test_json),
        cmocka_unit_test(test_csv),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
