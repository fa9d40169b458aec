/*
 * test_taxonomy.c - the vocabulary tables against SPEC §2 and §4.
 *
 * The expected lists below are copied from the SPEC, not from taxonomy.c: a
 * change to either side must be a conscious change to both.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "taxonomy.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static const char *const spec_signals[] = {
    "sexual_exploitation", "criminal_exploitation", "loverboy", "dependency", "other"};
static const char *const spec_urgencies[] = {"normal", "urgent"};
static const char *const spec_org_types[] = {
    "school",     "police", "expertise_centre", "care_coordinator", "youth_care",
    "prevention", "admin",  "monitor"};

/* SPEC §4: each subject attribute with its closed list (municipality adds a pattern).
 */
struct spec_attr {
    const char *name;
    const char *values[8];
};
static const struct spec_attr spec_subject[] = {
    {"age_band", {"under_12", "12_15", "16_17", "18_22", "23_plus", "unknown"}},
    {"gender", {"male", "female", "other", "unknown"}},
    {"municipality", {"unknown"}},
    {"origin", {"netherlands", "eu", "outside_eu", "unknown"}},
    {"socioeconomic", {"low", "middle", "high", "unknown"}},
    {"education", {"primary", "vmbo", "havo_vwo", "mbo", "hbo_wo", "none", "unknown"}},
    {"housing",
     {"with_parents", "independent", "supported_living", "institution", "homeless",
      "unknown"}},
    {"addiction", {"none", "alcohol", "drugs", "gambling", "multiple", "unknown"}},
};

/* SPEC §2, the default route table. */
struct spec_route {
    const char *sender;
    const char *recipients[5];
};
static const struct spec_route spec_routes[] = {
    {"school", {"expertise_centre", "care_coordinator", "police", "youth_care"}},
    {"police", {"expertise_centre", "care_coordinator", "youth_care"}},
    {"youth_care", {"expertise_centre", "care_coordinator", "police"}},
    {"prevention", {"expertise_centre", "care_coordinator"}},
    {"expertise_centre", {"care_coordinator", "police", "youth_care"}},
    {"care_coordinator", {"expertise_centre", "police", "youth_care"}},
};

/* A heap copy of exactly len bytes, so that ASan sees any read past the length. */
static char *exact(const char *s, size_t len)
{
    char *p = malloc(len ? len : 1);
    assert_non_null(p);
    memcpy(p, s, len);
    return p;
}

static int find(const struct rg_enum *e, const char *s)
{
    size_t len = strlen(s);
    char *copy = exact(s, len);
    int i = rg_enum_find(e, copy, len);
    free(copy);
    return i;
}

static bool allows(const struct rg_attr *a, const char *s, size_t len)
{
    char *copy = exact(s, len);
    bool ok = rg_attr_allows(a, copy, len);
    free(copy);
    return ok;
}

/* e holds exactly the words of list, each once, and every index is found. */
static void assert_enum_is(const struct rg_enum *e, const char *const *list, size_t n)
{
    if (e->count != n)
        fail_msg("%s: %zu values, SPEC has %zu", e->name, e->count, n);
    int seen[16] = {0};
    assert_true(n <= COUNT(seen));
    for (size_t i = 0; i < n; i++) {
        int at = find(e, list[i]);
        if (at < 0)
            fail_msg("%s: SPEC value \"%s\" is missing", e->name, list[i]);
        assert_string_equal(e->values[at], list[i]);
        seen[at]++;
    }
    for (size_t i = 0; i < n; i++)
        if (seen[i] != 1)
            fail_msg("%s: value %zu found %d times", e->name, i, seen[i]);
}

static void test_signals(void **state)
{
    assert_enum_is(&rg_signals, spec_signals, COUNT(spec_signals));
    assert_string_equal(rg_signals.name, "signal");
}

static void test_urgencies(void **state)
{
    assert_enum_is(&rg_urgencies, spec_urgencies, COUNT(spec_urgencies));
    assert_string_equal(rg_urgencies.name, "urgency");
}

static void test_org_types(void **state)
{
    assert_enum_is(&rg_org_types, spec_org_types, COUNT(spec_org_types));
}

static void test_subject_attribute_names(void **state)
{
    assert_int_equal(RG_SUBJECT_ATTRS, COUNT(spec_subject));
    int seen[RG_SUBJECT_ATTRS] = {0};
    for (size_t i = 0; i < COUNT(spec_subject); i++) {
        const char *name = spec_subject[i].name;
        int at = rg_subject_find(name, strlen(name));
        if (at < 0)
            fail_msg("subject attribute %s is missing", name);
        assert_string_equal(rg_subject[at].name, name);
        seen[at]++;
    }
    for (int i = 0; i < RG_SUBJECT_ATTRS; i++)
        assert_int_equal(seen[i], 1);

    /* Exact, case-sensitive, length-checked. */
    assert_int_equal(rg_subject_find("age", 3), -1);
    assert_int_equal(rg_subject_find("age_band_", 9), -1);
    assert_int_equal(rg_subject_find("Age_band", 8), -1);
    assert_int_equal(rg_subject_find("", 0), -1);
    assert_int_equal(rg_subject_find("genderX", 6), rg_subject_find("gender", 6));
    assert_int_equal(rg_subject_find("signal", 6), -1);
}

static void test_subject_attribute_values(void **state)
{
    for (size_t i = 0; i < COUNT(spec_subject); i++) {
        const struct spec_attr *s = &spec_subject[i];
        int at = rg_subject_find(s->name, strlen(s->name));
        assert_true(at >= 0);
        const struct rg_attr *a = &rg_subject[at];
        size_t n = 0;
        while (n < COUNT(s->values) && s->values[n] != NULL)
            n++;
        assert_enum_is(&a->values, s->values, n);
        /* Every attribute defaults to "unknown", so it must be allowed. */
        assert_true(allows(a, RG_UNKNOWN, strlen(RG_UNKNOWN)));
        for (size_t k = 0; k < n; k++)
            assert_true(allows(a, s->values[k], strlen(s->values[k])));
        /* Only municipality has a pattern. */
        if (strcmp(s->name, "municipality") == 0)
            assert_non_null(a->pattern);
        else
            assert_null(a->pattern);
    }
}

/* A value allowed for one attribute is not thereby allowed for another. */
static void test_subject_values_do_not_leak_across_attributes(void **state)
{
    const struct rg_attr *gender = &rg_subject[rg_subject_find("gender", 6)];
    const struct rg_attr *age = &rg_subject[rg_subject_find("age_band", 8)];
    const struct rg_attr *addiction = &rg_subject[rg_subject_find("addiction", 9)];
    const struct rg_attr *origin = &rg_subject[rg_subject_find("origin", 6)];
    assert_false(allows(gender, "16_17", 5));
    assert_false(allows(age, "male", 4));
    assert_false(allows(addiction, "low", 3));
    assert_false(allows(origin, "GM0935", 6));
    assert_false(allows(gender, "MALE", 4));
    assert_false(allows(gender, "Unknown", 7));
    assert_false(allows(gender, "", 0));
}

/* The client derives --age-band from age_band (SPEC §9). */
static void test_subject_flags(void **state)
{
    for (int i = 0; i < RG_SUBJECT_ATTRS; i++) {
        const char *name = rg_subject[i].name, *flag = rg_subject[i].flag;
        assert_non_null(flag);
        assert_int_equal(strlen(flag), strlen(name));
        for (size_t k = 0; name[k] != '\0'; k++)
            assert_int_equal(flag[k], name[k] == '_' ? '-' : name[k]);
        assert_string_equal(rg_subject[i].values.name, name);
    }
}

/* struct rg_referral keeps values in char[RG_VALUE_MAX]. */
static void test_values_fit_value_max(void **state)
{
    const struct rg_enum *lists[2 + RG_SUBJECT_ATTRS] = {&rg_signals, &rg_urgencies};
    for (int i = 0; i < RG_SUBJECT_ATTRS; i++)
        lists[2 + i] = &rg_subject[i].values;
    for (size_t l = 0; l < COUNT(lists); l++)
        for (size_t k = 0; k < lists[l]->count; k++)
            assert_true(strlen(lists[l]->values[k]) < RG_VALUE_MAX);
    assert_true(strlen("GM0935") < RG_VALUE_MAX);
}

static void test_municipality_pattern(void **state)
{
    static const char *const good[] = {"GM0935", "GM0000", "GM9999", "GM0363",
                                       "GM1234"};
    static const char *const bad[] = {
        "GM123",  "GM12345", "gm0935", "Gm0935", "gM0935",  "GMabcd",
        "GM093a", "GMa935",  "GM 935", "GM-935", "GM093",   "GM",
        "G",      "",        "XX0935", "0935GM", " GM0935", "GM0935 ",
        "GM09.5", "GM0x35",  "MG0935", "GM+935", "GM0935\n"};
    const struct rg_attr *m = &rg_subject[rg_subject_find("municipality", 12)];

    for (size_t i = 0; i < COUNT(good); i++) {
        size_t len = strlen(good[i]);
        char *copy = exact(good[i], len);
        if (!rg_is_municipality_code(copy, len))
            fail_msg("\"%s\" should be a municipality code", good[i]);
        free(copy);
        assert_true(allows(m, good[i], len));
    }
    for (size_t i = 0; i < COUNT(bad); i++) {
        size_t len = strlen(bad[i]);
        char *copy = exact(bad[i], len);
        if (rg_is_municipality_code(copy, len))
            fail_msg("\"%s\" should not be a municipality code", bad[i]);
        free(copy);
        if (allows(m, bad[i], len))
            fail_msg("municipality should refuse \"%s\"", bad[i]);
    }
    /* Digits with the high bit set around '0'..'9' must not pass. */
    assert_false(allows(m, "GM093\xb9", 6));
    assert_false(allows(m, "GM\x00\x30\x30\x30", 6));
    /* Length-checked: the length given is what counts, not a terminator. */
    assert_false(rg_is_municipality_code("GM0935", 5));
    assert_true(rg_is_municipality_code("GM09351", 6));
    assert_false(rg_is_municipality_code("GM09351", 7));
    /* The pattern belongs to municipality alone. */
    for (int i = 0; i < RG_SUBJECT_ATTRS; i++)
        if (&rg_subject[i] != m)
            assert_false(allows(&rg_subject[i], "GM0935", 6));
}

static void test_enum_find_is_exact(void **state)
{
    int lover = find(&rg_signals, "loverboy");
    assert_true(lover >= 0);
    assert_int_equal(find(&rg_signals, "lover"), -1);
    assert_int_equal(find(&rg_signals, "l"), -1);
    assert_int_equal(find(&rg_signals, "loverboys"), -1);
    assert_int_equal(find(&rg_signals, "Loverboy"), -1);
    assert_int_equal(find(&rg_signals, "LOVERBOY"), -1);
    assert_int_equal(find(&rg_signals, " loverboy"), -1);
    assert_int_equal(find(&rg_signals, "loverboy "), -1);
    assert_int_equal(find(&rg_signals, ""), -1);
    assert_int_equal(find(&rg_signals, "signal"), -1);
    assert_int_equal(find(&rg_urgencies, "norma"), -1);
    assert_int_equal(find(&rg_urgencies, "normal\n"), -1);
    /* The length decides, not a terminator. */
    assert_int_equal(rg_enum_find(&rg_signals, "loverboyXYZ", 8), lover);
    assert_int_equal(rg_enum_find(&rg_signals, "loverboy", 7), -1);
    assert_int_equal(rg_enum_find(&rg_signals, "loverboy\0", 9), -1);
    /* A value from another list is not in this one. */
    assert_int_equal(find(&rg_signals, "urgent"), -1);
    assert_int_equal(find(&rg_urgencies, "loverboy"), -1);
}

static const struct rg_route *route_of(const char *sender)
{
    for (size_t i = 0; i < rg_default_route_count; i++)
        if (strcmp(rg_default_routes[i].sender_type, sender) == 0)
            return &rg_default_routes[i];
    return NULL;
}

static void test_default_routes(void **state)
{
    assert_int_equal(rg_default_route_count, COUNT(spec_routes));
    for (size_t i = 0; i < COUNT(spec_routes); i++) {
        const struct spec_route *s = &spec_routes[i];
        const struct rg_route *r = route_of(s->sender);
        if (r == NULL)
            fail_msg("no default route for %s", s->sender);
        size_t n = 0;
        while (s->recipients[n] != NULL)
            n++;
        size_t m = 0;
        while (r->recipient_types[m] != NULL)
            m++;
        if (m != n)
            fail_msg("%s may send to %zu types, SPEC says %zu", s->sender, m, n);
        for (size_t k = 0; k < n; k++) {
            bool found = false;
            for (size_t j = 0; j < m; j++)
                found |= strcmp(r->recipient_types[j], s->recipients[k]) == 0;
            if (!found)
                fail_msg("%s may not send to %s", s->sender, s->recipients[k]);
        }
    }
    /* Admins neither send nor receive; every type named is a known type. */
    assert_null(route_of("admin"));
    for (size_t i = 0; i < rg_default_route_count; i++) {
        const struct rg_route *r = &rg_default_routes[i];
        assert_true(find(&rg_org_types, r->sender_type) >= 0);
        for (size_t j = 0; r->recipient_types[j] != NULL; j++) {
            assert_true(find(&rg_org_types, r->recipient_types[j]) >= 0);
            assert_string_not_equal(r->recipient_types[j], "admin");
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_signals),
        cmocka_unit_test(test_urgencies),
        cmocka_unit_test(test_org_types),
        cmocka_unit_test(test_subject_attribute_names),
        cmocka_unit_test(test_subject_attribute_values),
        cmocka_unit_test(test_subject_values_do_not_leak_across_attributes),
        cmocka_unit_test(test_subject_flags),
        cmocka_unit_test(test_values_fit_value_max),
        cmocka_unit_test(test_municipality_pattern),
        cmocka_unit_test(test_enum_find_is_exact),
        cmocka_unit_test(test_default_routes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
