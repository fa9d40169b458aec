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
#include "refgw_version.h"
#include "taxonomy.h"

static char *render(struct metrics_snapshot *m)
{
    size_t len;
    char *text = metrics_render(m, &len);
    assert_non_null(text);
    assert_int_equal(len, strlen(text));
    return text;
}

/* A snapshot of zeros whose store part is sm. */
static void blank(struct metrics_snapshot *m, struct store_metrics *sm)
{
    memset(m, 0, sizeof(*m));
    memset(sm, 0, sizeof(*sm));
    m->store = sm;
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

static void test_values(void **state)
{
    struct metrics_snapshot m;
    struct store_metrics sm;
    blank(&m, &sm);
    sm.events[0] = 12; /* accepted */
    sm.events[2] = 3;  /* expired */
    sm.rejections[RG_INVALID_JSON] = 4;
    m.unflushed_rejections[RG_INVALID_JSON] = 2;
    m.unflushed_rejections[RG_FORBIDDEN_ROLE] = 1;
    m.handshakes = 40;
    m.handshake_failures[HANDSHAKE_REFUSED] = 9;
    m.handshake_failures[HANDSHAKE_TIMEOUT] = 2;
    m.connections = 5;
    m.commits = 100;
    m.commit_seconds = 0.25;
    m.handshake_failures[HANDSHAKE_CRL_EXPIRED] = 7;
    m.now = 1800000000;
    m.cert_expiry[CERT_SERVER] = m.now + 86400;
    m.cert_expiry[CERT_CA] = m.now + 10;
    m.cert_expiry[CERT_CRL] = m.now - 3600; /* past */
    char *text = render(&m);

    expect_line(text, "# TYPE refgw_events_total counter");
    expect_line(text, "refgw_events_total{event=\"accepted\"} 12");
    expect_line(text, "refgw_events_total{event=\"acknowledged\"} 0");
    expect_line(text, "refgw_events_total{event=\"expired\"} 3");
    expect_line(text, "refgw_rejections_total{code=\"invalid_json\"} 6");
    expect_line(text, "refgw_rejections_total{code=\"forbidden_role\"} 1");
    expect_line(text, "refgw_rejections_total{code=\"unavailable\"} 0");
    expect_line(text, "refgw_handshakes_total 40");
    expect_line(text, "refgw_handshake_failures_total{class=\"refused\"} 9");
    expect_line(text, "refgw_handshake_failures_total{class=\"timeout\"} 2");
    expect_line(text, "refgw_handshake_failures_total{class=\"closed\"} 0");
    expect_line(text, "# TYPE refgw_connections_open gauge");
    expect_line(text, "refgw_connections_open 5");
    expect_line(text, "refgw_store_commits_total 100");
    expect_line(text, "refgw_store_commit_seconds_total 0.250000");
    expect_line(text, "refgw_handshake_failures_total{class=\"crl_expired\"} 7");
    expect_line(text, "# TYPE refgw_cert_expiry_seconds gauge");
    expect_line(text, "refgw_cert_expiry_seconds{which=\"server\"} 86400");
    expect_line(text, "refgw_cert_expiry_seconds{which=\"ca\"} 10");
    expect_line(text, "refgw_cert_expiry_seconds{which=\"crl\"} -3600");
    expect_line(text, "# TYPE refgw_build_info gauge");
    expect_line(text, "refgw_build_info{version=\"" REFGW_VERSION "\"} 1");
    assert_null(strstr(text, "code=\"ok\""));
    free(text);
}

/* Without a CRL (or a date) there is no line for it, rather than a zero. */
static void test_no_crl_no_gauge(void **state)
{
    struct metrics_snapshot m;
    struct store_metrics sm;
    blank(&m, &sm);
    m.now = 1800000000;
    m.cert_expiry[CERT_SERVER] = m.now + 5;
    m.cert_expiry[CERT_CA] = m.now + 6;
    char *text = render(&m);
    expect_line(text, "refgw_cert_expiry_seconds{which=\"server\"} 5");
    assert_null(strstr(text, "which=\"crl\""));
    free(text);
}

/* SPEC §6: operational series only. No label names a signal, an
 * organisation, a type or a subject attribute, whatever the store holds. */
static void test_no_counts_stats_would_withhold(void **state)
{
    struct metrics_snapshot m;
    struct store_metrics sm;
    blank(&m, &sm);
    char *text = render(&m);
    static const char *const forbidden[] = {"signal=",    "sender",
                                            "recipient=", "recipient_type",
                                            "org=",       "loverboy",
                                            "age_band",   "municipality",
                                            "pending"};
    for (size_t i = 0; i < sizeof(forbidden) / sizeof(forbidden[0]); i++)
        if (strstr(text, forbidden[i]) != NULL)
            fail_msg("/metrics carries '%s'", forbidden[i]);
    free(text);
}

static void test_format(void **state)
{
    struct metrics_snapshot m;
    struct store_metrics sm;
    blank(&m, &sm);
    char *text = render(&m);
    /* Every family has HELP and TYPE before its samples; every line ends in LF. */
    static const char *const families[] = {"refgw_events_total",
                                           "refgw_rejections_total",
                                           "refgw_handshakes_total",
                                           "refgw_handshake_failures_total",
                                           "refgw_connections_open",
                                           "refgw_store_commits_total",
                                           "refgw_store_commit_seconds_total",
                                           "refgw_cert_expiry_seconds",
                                           "refgw_build_info"};
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
    /* Each sample line: name, optional {labels}, one space, a number. */
    for (char *line = strtok(text, "\n"); line != NULL; line = strtok(NULL, "\n")) {
        if (line[0] == '#')
            continue;
        char *sp = strrchr(line, ' ');
        assert_non_null(sp);
        char *end;
        strtod(sp + 1, &end);
        assert_true(*end == '\0' && end != sp + 1);
        assert_true(strncmp(line, "refgw_", 6) == 0);
    }
    free(text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_values),
        cmocka_unit_test(test_no_crl_no_gauge),
        cmocka_unit_test(test_no_counts_stats_would_withhold),
        cmocka_unit_test(test_format),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
