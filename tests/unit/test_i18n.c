/*
 * test_i18n.c - the catalogue of lib/i18n.c and the taxonomy's words
 * (lib/taxonomy_words.c): complete in both languages, words for every code
 * of lib/taxonomy.c, placeholders filled with data as data, the language
 * taken from the locale as setlocale() would.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "i18n.h"
#include "json.h"
#include "taxonomy.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* The placeholders {0}..{9} a text uses, as a bit set. */
static unsigned placeholders(const char *t)
{
    unsigned set = 0;
    for (; *t != '\0'; t++)
        if (t[0] == '{' && t[1] >= '0' && t[1] <= '9' && t[2] == '}')
            set |= 1u << (t[1] - '0');
    return set;
}

static void test_every_message_in_every_language(void **state)
{
    for (int k = 0; k < MSG_COUNT; k++) {
        unsigned en = placeholders(rg_msg(RG_LANG_EN, (enum rg_msg)k));
        for (int l = 0; l < RG_LANG_COUNT; l++) {
            const char *t = rg_msg((enum rg_lang)l, (enum rg_msg)k);
            if (t[0] == '\0')
                fail_msg("message %d has no %s text", k, rg_lang_code((enum rg_lang)l));
            if (!rg_utf8_valid(t, strlen(t)))
                fail_msg("message %d (%s) is not UTF-8", k,
                         rg_lang_code((enum rg_lang)l));
            if (placeholders(t) != en)
                fail_msg("message %d: %s uses other placeholders than English", k,
                         rg_lang_code((enum rg_lang)l));
        }
    }
    assert_string_equal(rg_msg(RG_LANG_NL, MSG_COUNT), "");
    assert_string_equal(rg_msg(RG_LANG_COUNT, MSG_TOTAL), "");
}

static void assert_words(const char *field, const char *code)
{
    for (int l = 0; l < RG_LANG_COUNT; l++) {
        const char *w = rg_value_words((enum rg_lang)l, field, code);
        if (w == NULL || w[0] == '\0')
            fail_msg("%s value \"%s\" has no %s words", field, code,
                     rg_lang_code((enum rg_lang)l));
    }
}

static void assert_enum_words(const char *field, const struct rg_enum *e)
{
    for (size_t i = 0; i < e->count; i++)
        assert_words(field, e->values[i]);
}

/* Every code of the taxonomy, read from taxonomy.c itself: a code added there
 * without words here fails this test. */
static void test_every_taxonomy_code_has_words(void **state)
{
    assert_enum_words("signal", &rg_signals);
    assert_enum_words("urgency", &rg_urgencies);
    assert_enum_words("type", &rg_org_types);
    for (int a = 0; a < RG_SUBJECT_ATTRS; a++)
        assert_enum_words(rg_subject[a].name, &rg_subject[a].values);
    static const char *const events[] = {"accepted", "acknowledged", "expired"};
    for (size_t i = 0; i < COUNT(events); i++)
        assert_words("event", events[i]);
    /* The statuses of a sent referral (SPEC §5), on the staff page. */
    static const char *const statuses[] = {"queued", "delivered", "acknowledged",
                                           "expired"};
    for (size_t i = 0; i < COUNT(statuses); i++)
        assert_words("status", statuses[i]);
}

static void test_every_dimension_has_words(void **state)
{
    static const char *const flow[] = {"month",         "signal",      "urgency",
                                       "sender",        "sender_type", "recipient",
                                       "recipient_type"};
    for (int l = 0; l < RG_LANG_COUNT; l++) {
        for (size_t i = 0; i < COUNT(flow); i++)
            assert_non_null(rg_dimension_words((enum rg_lang)l, flow[i]));
        for (int a = 0; a < RG_SUBJECT_ATTRS; a++)
            if (rg_dimension_words((enum rg_lang)l, rg_subject[a].name) == NULL)
                fail_msg("attribute %s has no %s name", rg_subject[a].name,
                         rg_lang_code((enum rg_lang)l));
    }
}

static void test_words(void **state)
{
    assert_string_equal(rg_value_words(RG_LANG_NL, "age_band", "16_17"), "16–17 jaar");
    assert_string_equal(rg_value_words(RG_LANG_EN, "age_band", "16_17"), "16–17 years");
    assert_string_equal(rg_value_words(RG_LANG_NL, "education", "none"), "Geen");
    assert_string_equal(rg_value_words(RG_LANG_EN, "addiction", "none"), "None");
    assert_string_equal(rg_value_words(RG_LANG_NL, "housing", "unknown"), "Onbekend");
    assert_string_equal(rg_value_words(RG_LANG_NL, "signal", "loverboy"),
                        "Loverboyproblematiek");
    assert_string_equal(rg_dimension_words(RG_LANG_NL, "age_band"), "Leeftijd");
    /* A value of one field is not a value of another; codes from outside are
     * looked up, never trusted. */
    assert_null(rg_value_words(RG_LANG_NL, "gender", "16_17"));
    assert_null(rg_value_words(RG_LANG_NL, "municipality", "GM0935"));
    assert_null(rg_value_words(RG_LANG_NL, "nonsense", "unknown"));
    assert_null(rg_value_words(RG_LANG_COUNT, "gender", "male"));
    assert_null(rg_value_words(RG_LANG_NL, NULL, "male"));
    assert_null(rg_dimension_words(RG_LANG_EN, "body"));
}

static void test_lang_from_locale(void **state)
{
    assert_int_equal(rg_lang_from_locale(NULL, NULL, NULL), RG_LANG_EN);
    assert_int_equal(rg_lang_from_locale(NULL, NULL, "nl_NL.UTF-8"), RG_LANG_NL);
    assert_int_equal(rg_lang_from_locale(NULL, NULL, "nl_BE"), RG_LANG_NL);
    assert_int_equal(rg_lang_from_locale(NULL, NULL, "nl"), RG_LANG_NL);
    assert_int_equal(rg_lang_from_locale(NULL, NULL, "nl.UTF-8"), RG_LANG_NL);
    assert_int_equal(rg_lang_from_locale(NULL, NULL, "nds_DE"), RG_LANG_EN);
    assert_int_equal(rg_lang_from_locale(NULL, NULL, "nlx"), RG_LANG_EN);
    assert_int_equal(rg_lang_from_locale(NULL, NULL, "C.UTF-8"), RG_LANG_EN);
    /* LC_ALL wins over LC_MESSAGES, which wins over LANG; empty is unset. */
    assert_int_equal(rg_lang_from_locale("en_GB.UTF-8", "nl_NL", "nl_NL"), RG_LANG_EN);
    assert_int_equal(rg_lang_from_locale("", "nl_NL", "en_US"), RG_LANG_NL);
    assert_int_equal(rg_lang_from_locale("", "", "nl_NL"), RG_LANG_NL);
    assert_int_equal(rg_lang_from_locale(NULL, "C", "nl_NL"), RG_LANG_EN);

    enum rg_lang l = RG_LANG_EN;
    assert_int_equal(rg_lang_parse("nl", &l), 0);
    assert_int_equal(l, RG_LANG_NL);
    assert_string_equal(rg_lang_code(l), "nl");
    assert_int_equal(rg_lang_parse("en", &l), 0);
    assert_int_equal(l, RG_LANG_EN);
    assert_int_equal(rg_lang_parse("NL", &l), -1);
    assert_int_equal(rg_lang_parse("", &l), -1);
    assert_int_equal(rg_lang_parse("nl_NL", &l), -1);
}

static void test_format(void **state)
{
    char out[128];
    const char *args[] = {"5"};
    assert_int_equal(
        rg_msg_format(out, sizeof(out), RG_LANG_NL, MSG_NOT_PUBLISHED, args, 1), 0);
    assert_string_equal(out, "niet gepubliceerd (minder dan 5)");
    const char *range[] = {"januari 2026", "maart 2026"};
    assert_int_equal(rg_msg_format(out, sizeof(out), RG_LANG_NL, MSG_RANGE, range, 2),
                     0);
    assert_string_equal(out, "januari 2026 t/m maart 2026");
    /* Data is put in as it is: neither its braces nor a printf format expand. */
    const char *hostile[] = {"{1}%s%n", "x"};
    assert_int_equal(rg_msg_format(out, sizeof(out), RG_LANG_EN, MSG_RANGE, hostile, 2),
                     0);
    assert_string_equal(out, "{1}%s%n to x");
    /* A placeholder without an argument stays as written. */
    assert_int_equal(rg_msg_format(out, sizeof(out), RG_LANG_EN, MSG_RANGE, range, 1),
                     0);
    assert_string_equal(out, "januari 2026 to {1}");
}

static void test_format_truncates_whole_characters(void **state)
{
    char out[16];
    memset(out, 'x', sizeof(out));
    const char *args[] = {"5"};
    /* "niet gepubliceerd (minder dan 5)" does not fit in 16 bytes. */
    assert_int_equal(
        rg_msg_format(out, sizeof(out), RG_LANG_NL, MSG_NOT_PUBLISHED, args, 1), -1);
    assert_int_equal(strlen(out), 15);
    assert_string_equal(out, "niet gepublicee");
    /* "Zorgcoördinator"-like text cut inside the two bytes of "ö". */
    const char *word[] = {"coö"};
    char small[4];
    assert_int_equal(
        rg_msg_format(small, sizeof(small), RG_LANG_EN, MSG_MUNICIPALITY, word, 1), -1);
    assert_string_equal(small, "co");
    assert_true(rg_utf8_valid(small, strlen(small)));
    assert_int_equal(rg_msg_format(small, 0, RG_LANG_EN, MSG_TOTAL, NULL, 0), -1);
}

static void test_month_names(void **state)
{
    assert_string_equal(rg_month_name(RG_LANG_NL, 1), "januari");
    assert_string_equal(rg_month_name(RG_LANG_NL, 12), "december");
    assert_string_equal(rg_month_name(RG_LANG_EN, 5), "May");
    assert_string_equal(rg_month_name(RG_LANG_EN, 0), "");
    assert_string_equal(rg_month_name(RG_LANG_EN, 13), "");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_message_in_every_language),
        cmocka_unit_test(test_every_taxonomy_code_has_words),
        cmocka_unit_test(test_every_dimension_has_words),
        cmocka_unit_test(test_words),
        cmocka_unit_test(test_lang_from_locale),
        cmocka_unit_test(test_format),
        cmocka_unit_test(test_format_truncates_whole_characters),
        cmocka_unit_test(test_month_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
