/* Unit tests of config.c: SPEC §3's keys, defaults, and errors naming the key. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "config.h"

#define BASE                                                                           \
    "\"listen\":\"127.0.0.1:8443\",\"tls\":{\"cert\":\"s.crt\",\"key\":\"s.key\","     \
    "\"client_ca\":\"ca.crt\"},\"data_dir\":\"var\","                                  \
    "\"organisations\":[{\"id\":\"school-1\",\"name\":\"A "                            \
    "school\",\"type\":\"school\"},"                                                   \
    "{\"id\":\"ecmj\",\"type\":\"expertise_centre\"},{\"id\":\"audit\",\"type\":"      \
    "\"admin\"},"                                                                      \
    "{\"id\":\"closed\",\"type\":\"school\",\"disabled\":true}]"

static struct config *parse(const char *text, char err[RG_ERR_MAX])
{
    err[0] = '\0';
    return config_parse(text, strlen(text), "/etc/refgw", err);
}

static int type_of(const char *name)
{
    return rg_enum_find(&rg_org_types, name, strlen(name));
}

static void test_minimal_config_gets_defaults(void **state)
{
    char err[RG_ERR_MAX];
    struct config *c = parse("{" BASE "}", err);
    assert_non_null(c);
    assert_string_equal(c->listen_host, "127.0.0.1");
    assert_int_equal(c->listen_port, 8443);
    assert_string_equal(c->tls_cert, "/etc/refgw/s.crt");
    assert_string_equal(c->tls_key, "/etc/refgw/s.key");
    assert_string_equal(c->tls_client_ca, "/etc/refgw/ca.crt");
    assert_null(c->tls_crl);
    assert_string_equal(c->data_dir, "/etc/refgw/var");
    assert_null(c->user);
    assert_true(c->retention_days == 30);
    assert_int_equal(c->stats_min_count, 5);
    assert_int_equal(c->rate_limit_per_minute, 600);
    assert_int_equal(c->log_interval_seconds, 60);
    assert_int_equal(c->max_connections, 10000);
    assert_int_equal(c->org_count, 4);
    const struct org *o = config_find_org(c, "school-1");
    assert_non_null(o);
    assert_string_equal(o->name, "A school");
    assert_int_equal(o->type, type_of("school"));
    assert_false(o->disabled);
    assert_string_equal(config_find_org(c, "ecmj")->name,
                        "ecmj"); /* name defaults to id */
    assert_true(config_find_org(c, "closed")->disabled);
    assert_null(config_find_org(c, "nobody"));
    assert_int_equal(config_find_org(c, "audit")->kind, ORG_ADMIN);
    assert_int_equal(config_find_org(c, "ecmj")->kind, ORG_PARTNER);
    config_unref(c);
}

static void test_default_routes_are_spec_table(void **state)
{
    char err[RG_ERR_MAX];
    struct config *c = parse("{" BASE "}", err);
    assert_non_null(c);
    assert_true(config_route_allows(c, type_of("school"), type_of("police")));
    assert_true(config_route_allows(c, type_of("school"), type_of("youth_care")));
    assert_false(config_route_allows(c, type_of("school"), type_of("school")));
    assert_false(config_route_allows(c, type_of("school"), type_of("prevention")));
    assert_false(config_route_allows(c, type_of("police"), type_of("school")));
    assert_false(config_route_allows(c, type_of("prevention"), type_of("police")));
    assert_true(
        config_route_allows(c, type_of("prevention"), type_of("care_coordinator")));
    assert_false(config_route_allows(c, type_of("admin"), type_of("police")));
    assert_false(config_route_allows(c, type_of("school"), type_of("admin")));
    config_unref(c);
}

static void test_routes_replace_the_table(void **state)
{
    char err[RG_ERR_MAX];
    struct config *c = parse("{" BASE ",\"routes\":{\"school\":[\"police\"]}}", err);
    assert_non_null(c);
    assert_true(config_route_allows(c, type_of("school"), type_of("police")));
    assert_false(
        config_route_allows(c, type_of("school"), type_of("expertise_centre")));
    assert_false(
        config_route_allows(c, type_of("police"), type_of("expertise_centre")));
    config_unref(c);
}

static void test_optional_keys(void **state)
{
    char err[RG_ERR_MAX];
    struct config *c = parse(
        "{" BASE ",\"retention_days\":0.5,\"stats_min_count\":10,"
        "\"rate_limit_per_minute\":60,\"log_interval_seconds\":5,\"user\":\"refgw\","
        "\"max_connections\":100,\"listen\":\"[::1]:0\"}",
        err);
    /* listen given twice is a duplicate key: refused as invalid JSON */
    assert_null(c);
    c = parse(
        "{\"listen\":\"[::1]:0\",\"tls\":{\"cert\":\"/abs/s.crt\",\"key\":\"s.key\","
        "\"client_ca\":\"ca.crt\",\"crl\":\"ca.crl\"},\"data_dir\":\"/var/lib/refgw\","
        "\"organisations\":[{\"id\":\"p\",\"type\":\"police\"}],\"retention_days\":0.5,"
        "\"stats_min_count\":10,"
        "\"rate_limit_per_minute\":60,\"log_interval_seconds\":5,\"user\":\"refgw\","
        "\"max_connections\":100}",
        err);
    assert_non_null(c);
    assert_string_equal(c->listen_host, "::1");
    assert_int_equal(c->listen_port, 0);
    assert_string_equal(c->tls_cert, "/abs/s.crt");
    assert_string_equal(c->tls_crl, "/etc/refgw/ca.crl");
    assert_string_equal(c->data_dir, "/var/lib/refgw");
    assert_true(c->retention_days == 0.5);
    assert_int_equal(c->stats_min_count, 10);
    assert_int_equal(c->rate_limit_per_minute, 60);
    assert_int_equal(c->log_interval_seconds, 5);
    assert_string_equal(c->user, "refgw");
    assert_int_equal(c->max_connections, 100);
    config_unref(c);
}

struct bad_case {
    const char *text;
    const char *message; /* what err must contain */
};

static void test_errors_name_the_key(void **state)
{
    static const struct bad_case cases[] = {
        {"{" BASE ",\"colour\":1}", "colour: unknown key"},
        {"{\"tls\":{\"cert\":\"a\",\"key\":\"b\",\"client_ca\":\"c\"},\"data_dir\":"
         "\"v\","
         "\"organisations\":[]}",
         "listen: required"},
        {"{\"listen\":\"h:1\",\"tls\":{\"key\":\"b\",\"client_ca\":\"c\"},\"data_dir\":"
         "\"v\","
         "\"organisations\":[]}",
         "tls.cert: required"},
        {"{\"listen\":\"h:1\",\"tls\":{\"cert\":\"a\",\"key\":\"b\",\"client_ca\":"
         "\"c\"},"
         "\"organisations\":[]}",
         "data_dir: required"},
        {"{\"listen\":\"h:1\",\"tls\":{\"cert\":\"a\",\"key\":\"b\",\"client_ca\":"
         "\"c\"},"
         "\"data_dir\":\"v\"}",
         "organisations: required"},
        {"{" BASE ",\"retention_days\":0}", "retention_days"},
        {"{" BASE ",\"retention_days\":\"30\"}", "retention_days"},
        {"{" BASE ",\"stats_min_count\":0}", "stats_min_count"},
        {"{" BASE ",\"rate_limit_per_minute\":2.5}", "rate_limit_per_minute"},
        {"{" BASE ",\"log_interval_seconds\":-3}", "log_interval_seconds"},
        {"{" BASE ",\"max_connections\":0}", "max_connections"},
        {"{" BASE ",\"user\":\"\"}", "user"},
        {"{" BASE ",\"routes\":{\"school\":\"police\"}}", "routes.school"},
        {"{" BASE ",\"routes\":{\"school\":[\"church\"]}}", "routes.school"},
        {"{" BASE ",\"routes\":[]}", "routes"},
        {"{\"listen\":\"nohost\",\"tls\":{\"cert\":\"a\",\"key\":\"b\",\"client_ca\":"
         "\"c\"},"
         "\"data_dir\":\"v\",\"organisations\":[]}",
         "listen"},
        {"{\"listen\":\"h:65536\",\"tls\":{\"cert\":\"a\",\"key\":\"b\",\"client_ca\":"
         "\"c\"},"
         "\"data_dir\":\"v\",\"organisations\":[]}",
         "listen"},
        {"{\"listen\":\"h:1\",\"tls\":{\"cert\":\"a\",\"key\":\"b\",\"client_ca\":"
         "\"c\"},"
         "\"data_dir\":\"v\",\"organisations\":[{\"id\":\"a\",\"type\":\"school\"},"
         "{\"id\":\"a\",\"type\":\"police\"}]}",
         "organisations[1].id: duplicate organisation id"},
        {"{\"listen\":\"h:1\",\"tls\":{\"cert\":\"a\",\"key\":\"b\",\"client_ca\":"
         "\"c\"},"
         "\"data_dir\":\"v\",\"organisations\":[{\"id\":\"a\",\"type\":\"church\"}]}",
         "organisations[0].type: unknown organisation type"},
        {"{\"listen\":\"h:1\",\"tls\":{\"cert\":\"a\",\"key\":\"b\",\"client_ca\":"
         "\"c\"},"
         "\"data_dir\":\"v\",\"organisations\":[{\"type\":\"school\"}]}",
         "organisations[0].id: required"},
        {"{\"listen\":\"h:1\",\"tls\":{\"cert\":\"a\",\"key\":\"b\",\"client_ca\":"
         "\"c\"},"
         "\"data_dir\":\"v\",\"organisations\":[{\"id\":\"a b\",\"type\":\"school\"}]}",
         "organisations[0].id"},
        {"{\"listen\":\"h:1\",\"tls\":{\"cert\":\"a\",\"key\":\"b\",\"client_ca\":"
         "\"c\","
         "\"pin\":\"x\"},\"data_dir\":\"v\",\"organisations\":[]}",
         "tls.pin: unknown key"},
        {"[]", "must be a JSON object"},
        {"{\"listen\":", "not a valid JSON document"},
        /* Routes that would let admin or monitor send or receive, or an
         * organisation send to itself (SPEC §2). */
        {"{" BASE ",\"routes\":{\"school\":[\"admin\"]}}",
         "routes.school: admin organisations neither send nor receive"},
        {"{" BASE ",\"routes\":{\"school\":[\"police\",\"monitor\"]}}",
         "routes.school: monitor organisations neither send nor receive"},
        {"{" BASE ",\"routes\":{\"admin\":[\"police\"]}}",
         "routes.admin: admin organisations neither send nor receive"},
        {"{" BASE ",\"routes\":{\"monitor\":[]}}",
         "routes.monitor: monitor organisations neither send nor receive"},
        {"{" BASE ",\"routes\":{\"police\":[\"school\",\"police\"]}}",
         "routes.police: a route from a type to itself is not allowed"},
        /* Nobody to send or receive. */
        {"{\"listen\":\"h:1\",\"tls\":{\"cert\":\"a\",\"key\":\"b\",\"client_ca\":"
         "\"c\"},\"data_dir\":\"v\",\"organisations\":[{\"id\":\"a\",\"type\":"
         "\"admin\"},"
         "{\"id\":\"m\",\"type\":\"monitor\"},{\"id\":\"s\",\"type\":\"school\","
         "\"disabled\":true}]}",
         "organisations: no enabled partner organisation"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char err[RG_ERR_MAX];
        struct config *c = parse(cases[i].text, err);
        if (c != NULL)
            fail_msg("case %zu was accepted: %s", i, cases[i].text);
        if (strstr(err, cases[i].message) == NULL)
            fail_msg("case %zu: error '%s' does not contain '%s'", i, err,
                     cases[i].message);
    }
}

/* A syntax error says where, in lines and characters, and never what. */
static void test_syntax_error_position(void **state)
{
    static const struct {
        const char *text, *where;
    } cases[] = {
        {"{\n  \"listen\": \"h:1\",\n  \"tls\" {}\n}", "line 3, column 9"},
        {"{\"a\": \"\xc3\xa9t\xc3\xa9\", x}", "line 1, column 15"}, /* characters */
        {"{\n\n\"listen\":", "line 3, column 10"},
        {"{\"secret-canary\": tru}", "line 1, column 19"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char err[RG_ERR_MAX];
        assert_null(parse(cases[i].text, err));
        if (strstr(err, cases[i].where) == NULL)
            fail_msg("case %zu: '%s' does not say '%s'", i, err, cases[i].where);
        assert_null(strstr(err, "canary"));
    }
    /* Refused by the strict decoder alone: its reason, no position. */
    char err[RG_ERR_MAX];
    assert_null(parse("{\"listen\":\"a\",\"listen\":\"b\"}", err));
    assert_non_null(strstr(err, "same key twice"));
}

static void test_reference_counting(void **state)
{
    char err[RG_ERR_MAX];
    struct config *c = parse("{" BASE "}", err);
    assert_non_null(c);
    assert_ptr_equal(config_ref(c), c);
    config_unref(c);
    assert_string_equal(c->listen_host, "127.0.0.1"); /* still alive: one ref left */
    config_unref(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_minimal_config_gets_defaults),
        cmocka_unit_test(test_default_routes_are_spec_table),
        cmocka_unit_test(test_routes_replace_the_table),
        cmocka_unit_test(test_optional_keys),
        cmocka_unit_test(test_errors_name_the_key),
        cmocka_unit_test(test_syntax_error_position),
        cmocka_unit_test(test_reference_counting),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
