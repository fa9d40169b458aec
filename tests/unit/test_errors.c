/*
 * test_errors.c - the error table against SPEC §5, and rg_fail.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "errors.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* SPEC §5's table of statuses and codes. */
static const struct {
    const char *name;
    int status;
} spec_codes[] = {
    {"invalid_json", 400},       {"missing_field", 400},
    {"invalid_field", 400},      {"unknown_field", 400},
    {"invalid_parameter", 400},  {"unknown_organisation", 403},
    {"forbidden_role", 403},     {"route_forbidden", 403},
    {"not_found", 404},          {"unknown_recipient", 404},
    {"method_not_allowed", 405}, {"conflict", 409},
    {"too_large", 413},          {"unsupported_media_type", 415},
    {"rate_limited", 429},       {"not_implemented", 501},
    {"unavailable", 503},
};

static void test_spec_codes_have_spec_status(void **state)
{
    for (size_t i = 0; i < COUNT(spec_codes); i++) {
        enum rg_code code = rg_code_from_name(spec_codes[i].name);
        if (code == RG_CODE_COUNT)
            fail_msg("code %s is missing", spec_codes[i].name);
        assert_string_equal(rg_code_name(code), spec_codes[i].name);
        if (rg_code_status(code) != spec_codes[i].status)
            fail_msg("%s answers %d, SPEC says %d", spec_codes[i].name,
                     rg_code_status(code), spec_codes[i].status);
    }
}

/* The enum names used by the server map to the SPEC's wire names. */
static void test_enum_values_match_wire_names(void **state)
{
    static const struct {
        enum rg_code code;
        const char *name;
    } pairs[] = {
        {RG_INVALID_JSON, "invalid_json"},
        {RG_MISSING_FIELD, "missing_field"},
        {RG_INVALID_FIELD, "invalid_field"},
        {RG_UNKNOWN_FIELD, "unknown_field"},
        {RG_INVALID_PARAMETER, "invalid_parameter"},
        {RG_UNKNOWN_ORGANISATION, "unknown_organisation"},
        {RG_FORBIDDEN_ROLE, "forbidden_role"},
        {RG_ROUTE_FORBIDDEN, "route_forbidden"},
        {RG_NOT_FOUND, "not_found"},
        {RG_UNKNOWN_RECIPIENT, "unknown_recipient"},
        {RG_METHOD_NOT_ALLOWED, "method_not_allowed"},
        {RG_CONFLICT, "conflict"},
        {RG_TOO_LARGE, "too_large"},
        {RG_UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type"},
        {RG_RATE_LIMITED, "rate_limited"},
        {RG_NOT_IMPLEMENTED, "not_implemented"},
        {RG_UNAVAILABLE, "unavailable"},
    };
    for (size_t i = 0; i < COUNT(pairs); i++)
        assert_string_equal(rg_code_name(pairs[i].code), pairs[i].name);
}

/* Every code, SPEC or internal: a unique snake_case name that round-trips. */
static void test_every_code_round_trips(void **state)
{
    for (int c = 0; c < RG_CODE_COUNT; c++) {
        const char *name = rg_code_name((enum rg_code)c);
        assert_non_null(name);
        assert_true(name[0] != '\0');
        for (const char *p = name; *p != '\0'; p++)
            if (!((*p >= 'a' && *p <= 'z') || *p == '_'))
                fail_msg("code %d has name \"%s\"", c, name);
        assert_int_equal(rg_code_from_name(name), c);
        for (int d = 0; d < c; d++)
            assert_string_not_equal(rg_code_name((enum rg_code)d), name);

        const char *text = rg_code_text((enum rg_code)c);
        assert_non_null(text);
        assert_true(strlen(text) > 0 && strlen(text) < RG_MESSAGE_MAX);
        if (c != RG_OK) {
            int status = rg_code_status((enum rg_code)c);
            if (status < 400 || status > 599)
                fail_msg("error %s has status %d", name, status);
        }
    }
}

static void test_from_name_is_exact(void **state)
{
    static const char *const bad[] = {"",
                                      "Invalid_Field",
                                      "INVALID_FIELD",
                                      "invalid_field ",
                                      " invalid_field",
                                      "invalid",
                                      "invalid_fields",
                                      "invalid-field",
                                      "not found",
                                      "unknown"};
    for (size_t i = 0; i < COUNT(bad); i++)
        if (rg_code_from_name(bad[i]) != RG_CODE_COUNT)
            fail_msg("\"%s\" should not name a code", bad[i]);
}

static void test_fail_fills_error(void **state)
{
    struct rg_error err;
    memset(&err, 0x55, sizeof(err));
    assert_int_equal(
        rg_fail(&err, RG_INVALID_FIELD, "subject.age_band", "%s is %d", "x", 7), -1);
    assert_int_equal(err.code, RG_INVALID_FIELD);
    assert_string_equal(err.field, "subject.age_band");
    assert_string_equal(err.message, "x is 7");

    /* No field: empty. No format: the code's default text. */
    memset(&err, 0x55, sizeof(err));
    assert_int_equal(rg_fail(&err, RG_NOT_FOUND, NULL, NULL), -1);
    assert_int_equal(err.code, RG_NOT_FOUND);
    assert_string_equal(err.field, "");
    assert_string_equal(err.message, rg_code_text(RG_NOT_FOUND));

    /* A second failure replaces the first entirely. */
    rg_fail(&err, RG_MISSING_FIELD, "to", "to is required");
    rg_fail(&err, RG_TOO_LARGE, NULL, "big");
    assert_int_equal(err.code, RG_TOO_LARGE);
    assert_string_equal(err.field, "");
    assert_string_equal(err.message, "big");

    /* A failing site without an error object still gets -1. */
    assert_int_equal(rg_fail(NULL, RG_CONFLICT, "x", "y"), -1);
}

static void test_fail_truncates_safely(void **state)
{
    char longfield[RG_FIELD_MAX * 3];
    memset(longfield, 'f', sizeof(longfield) - 1);
    longfield[sizeof(longfield) - 1] = '\0';
    char longmsg[RG_MESSAGE_MAX * 3];
    memset(longmsg, 'm', sizeof(longmsg) - 1);
    longmsg[sizeof(longmsg) - 1] = '\0';

    struct rg_error err;
    memset(&err, 0x55, sizeof(err));
    assert_int_equal(rg_fail(&err, RG_UNKNOWN_FIELD, longfield, "%s", longmsg), -1);
    assert_int_equal(strlen(err.field), RG_FIELD_MAX - 1);
    assert_memory_equal(err.field, longfield, RG_FIELD_MAX - 1);
    assert_int_equal(strlen(err.message), RG_MESSAGE_MAX - 1);
    assert_memory_equal(err.message, longmsg, RG_MESSAGE_MAX - 1);
}

static void test_error_clear(void **state)
{
    struct rg_error err;
    rg_fail(&err, RG_CONFLICT, "client_ref", "again");
    rg_error_clear(&err);
    assert_int_equal(err.code, RG_OK);
    assert_string_equal(err.field, "");
    assert_string_equal(err.message, "");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_spec_codes_have_spec_status),
        cmocka_unit_test(test_enum_values_match_wire_names),
        cmocka_unit_test(test_every_code_round_trips),
        cmocka_unit_test(test_from_name_is_exact),
        cmocka_unit_test(test_fail_fills_error),
        cmocka_unit_test(test_fail_truncates_safely),
        cmocka_unit_test(test_error_clear),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
