/* Unit tests of metrics.c: the Prometheus text exposition of a snapshot. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "metrics.h"
#include "taxonomy.h"

static char *render(struct metrics_snapshot *m)
{
    size_t len;
    char *text = metrics_render(m, &len);
    assert_non_null(text);
    assert_int_equal(len, strlen(text));
    return text;
}

static bool has_line(const char *text, const char *line)
{
    size_t n = strlen(line);
    for (const char *p = text; (p = strstr(p, line)) != NULL; p++)
        if ((p == text || p[-1] == '\n') && p[n] == '\n')
            return true;
    return false;
}

static void expect_line(const char *text, const char *line)
{
    if (!has_line(text, line))
        fail_msg("no line '%s' in:\n%s", line, text);
}

static int type_index(const char *name)
{
    int t = rg_enum_find(&rg_org_types, name, strlen(name));
    assert_true(t >= 0);
    return t;
}

static void test_values(void **state)
{
    struct metrics_snapshot m;
    struct store_metrics sm;
    memset(&m, 0, sizeof(m));
    memset(&sm, 0, sizeof(sm));
    m.store = &sm;
    struct metrics_series series[] = {
        {"accepted", "school", "expertise_centre", "loverboy", 12},
        {"acknowledged", "police", "care_coordinator", "other", 3},
    };
    sm.series = series;
    sm.series_count = 2;
    sm.rejections[RG_INVALID_JSON] = 4;
    m.unflushed_rejections[RG_INVALID_JSON] = 2;
    m.unflushed_rejections[RG_FORBIDDEN_ROLE] = 1;
    sm.pending[type_index("police")] = 7;
    sm.oldest_age[type_index("police")] = 3600;
    m.handshake_failures = 9;
    m.connections = 5;
    char *text = render(&m);

    expect_line(text, "# TYPE refgw_referrals_total counter");
    expect_line(text, "refgw_referrals_total{event=\"accepted\",sender_type=\"school\","
                      "recipient_type=\"expertise_centre\",signal=\"loverboy\"} 12");
    expect_line(text,
                "refgw_referrals_total{event=\"acknowledged\",sender_type=\"police\","
                "recipient_type=\"care_coordinator\",signal=\"other\"} 3");
    expect_line(text, "# TYPE refgw_rejections_total counter");
    expect_line(text, "refgw_rejections_total{code=\"invalid_json\"} 6");
    expect_line(text, "refgw_rejections_total{code=\"forbidden_role\"} 1");
    expect_line(text, "refgw_rejections_total{code=\"unavailable\"} 0");
    expect_line(text, "# TYPE refgw_tls_handshake_failures_total counter");
    expect_line(text, "refgw_tls_handshake_failures_total 9");
    expect_line(text, "# TYPE refgw_connections_open gauge");
    expect_line(text, "refgw_connections_open 5");
    expect_line(text, "# TYPE refgw_referrals_pending gauge");
    expect_line(text, "refgw_referrals_pending{recipient_type=\"police\"} 7");
    expect_line(text, "refgw_referrals_pending{recipient_type=\"school\"} 0");
    expect_line(text, "# TYPE refgw_oldest_pending_age_seconds gauge");
    expect_line(text,
                "refgw_oldest_pending_age_seconds{recipient_type=\"police\"} 3600");
    /* Admins never receive: no series for them. */
    assert_null(strstr(text, "\"admin\""));
    assert_null(strstr(text, "code=\"ok\""));
    free(text);
}

static void test_format(void **state)
{
    struct metrics_snapshot m;
    struct store_metrics sm;
    memset(&m, 0, sizeof(m));
    memset(&sm, 0, sizeof(sm));
    m.store = &sm;
    char *text = render(&m);
    /* Every family has HELP and TYPE before its samples; every line ends in LF. */
    static const char *const families[] = {"refgw_referrals_total",
                                           "refgw_rejections_total",
                                           "refgw_tls_handshake_failures_total",
                                           "refgw_connections_open",
                                           "refgw_referrals_pending",
                                           "refgw_oldest_pending_age_seconds"};
    for (size_t i = 0; i < sizeof(families) / sizeof(families[0]); i++) {
        char help[128], type[128];
        snprintf(help, sizeof(help), "# HELP %s ", families[i]);
        snprintf(type, sizeof(type), "# TYPE %s ", families[i]);
        const char *h = strstr(text, help), *t = strstr(text, type);
        assert_non_null(h);
        assert_non_null(t);
        assert_true(h < t);
    }
    assert_int_equal(text[strlen(text) - 1], '\n');
    /* Each sample line: name, optional {labels}, one space, an integer. */
    for (char *line = strtok(text, "\n"); line != NULL; line = strtok(NULL, "\n")) {
        if (line[0] == '#')
            continue;
        char *sp = strrchr(line, ' ');
        assert_non_null(sp);
        char *end;
        strtoll(sp + 1, &end, 10);
        assert_true(*end == '\0' && end != sp + 1);
        assert_true(strncmp(line, "refgw_", 6) == 0);
    }
    free(text);
}

static void test_damaged_labels_not_trusted(void **state)
{
    struct metrics_snapshot m;
    struct store_metrics sm;
    memset(&m, 0, sizeof(m));
    memset(&sm, 0, sizeof(sm));
    m.store = &sm;
    struct metrics_series series[] = {
        {"accepted", "sch\"ool", "x}\n", "", 1},
    };
    sm.series = series;
    sm.series_count = 1;
    char *text = render(&m);
    expect_line(text,
                "refgw_referrals_total{event=\"accepted\",sender_type=\"invalid\","
                "recipient_type=\"invalid\",signal=\"invalid\"} 1");
    free(text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_values),
        cmocka_unit_test(test_format),
        cmocka_unit_test(test_damaged_labels_not_trusted),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
