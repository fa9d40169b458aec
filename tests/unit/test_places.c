/*
 * test_places.c - the municipalities of lib/places.c: the generated table is
 * sorted and well-formed, known codes read as names ("Gemeente Maastricht"),
 * anything else as itself.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "json.h"
#include "places.h"
#include "taxonomy.h"

static void test_table_is_sorted_and_well_formed(void **state)
{
    /* CBS: 342 municipalities on 1 January 2024. */
    assert_int_equal(rg_place_count, 342);
    for (size_t i = 0; i < rg_place_count; i++) {
        const struct rg_place *p = &rg_places[i];
        if (!rg_is_municipality_code(p->code, strlen(p->code)))
            fail_msg("entry %zu: '%s' is not a CBS code", i, p->code);
        if (p->name[0] == '\0' || !rg_utf8_valid(p->name, strlen(p->name)))
            fail_msg("%s: empty or not UTF-8", p->code);
        if (i > 0 && strcmp(rg_places[i - 1].code, p->code) >= 0)
            fail_msg("%s after %s: not sorted, or twice", p->code,
                     rg_places[i - 1].code);
        /* Every entry is found by the search the report uses. */
        assert_ptr_equal(rg_place_name(p->code), p->name);
    }
}

static void test_known_codes(void **state)
{
    assert_string_equal(rg_place_name("GM0935"), "Maastricht");
    assert_string_equal(rg_place_name("GM0363"), "Amsterdam");
    assert_string_equal(rg_place_name("GM0518"), "'s-Gravenhage");
    assert_string_equal(rg_place_name("GM0014"), "Groningen");
    assert_string_equal(rg_place_name("GM1992"), "Voorne aan Zee");
    assert_string_equal(rg_place_name("GM0893"), "Bergen (L.)");
    assert_string_equal(rg_place_name("GM1900"), "Súdwest-Fryslân");
    /* Merged away before 2024. */
    assert_null(rg_place_name("GM0501"));
    assert_null(rg_place_name("GM0457"));
}

static void test_unknown_codes(void **state)
{
    assert_null(rg_place_name("GM9999"));
    assert_null(rg_place_name("gm0935"));
    assert_null(rg_place_name("GM0935 "));
    assert_null(rg_place_name(""));
    assert_null(rg_place_name("unknown"));
    assert_null(rg_place_name(NULL));
}

static void test_labels(void **state)
{
    char out[64];
    assert_int_equal(rg_place_label(RG_LANG_NL, "GM0935", out, sizeof(out)), 0);
    assert_string_equal(out, "Gemeente Maastricht");
    assert_int_equal(rg_place_label(RG_LANG_EN, "GM0935", out, sizeof(out)), 0);
    assert_string_equal(out, "Maastricht");
    assert_int_equal(rg_place_label(RG_LANG_NL, "GM9999", out, sizeof(out)), 0);
    assert_string_equal(out, "GM9999");
    assert_int_equal(rg_place_label(RG_LANG_NL, "<b>{0}", out, sizeof(out)), 0);
    assert_string_equal(out, "<b>{0}");
    char small[8];
    assert_int_equal(rg_place_label(RG_LANG_NL, "GM0935", small, sizeof(small)), -1);
    assert_string_equal(small, "Gemeent");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table_is_sorted_and_well_formed),
        cmocka_unit_test(test_known_codes),
        cmocka_unit_test(test_unknown_codes),
        cmocka_unit_test(test_labels),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
