/*
 * test_json_utf8.c - what json.h promises its callers: every string of a
 * tree rg_json_parse* returns is valid UTF-8, with no check of its own.
 *
 * The document is checked whole before cJSON sees it; what cJSON adds is
 * its decoding of \u escapes. Each class of escape goes through each entry
 * point here (in a heap buffer of exactly its length, or with a NUL after
 * it as the server's bodies have), and every key and string value of an
 * accepted document must be valid UTF-8 and decode to the code point
 * written. A control case shows the walk finds an invalid string.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "json.h"

#define DEPTH 8

/* Whether every key and string value under item is valid UTF-8. */
static bool all_strings_valid(const cJSON *item)
{
    for (; item != NULL; item = item->next) {
        if (item->string != NULL && !rg_utf8_valid(item->string, strlen(item->string)))
            return false;
        if (cJSON_IsString(item) &&
            !rg_utf8_valid(item->valuestring, strlen(item->valuestring)))
            return false;
        if (!all_strings_valid(item->child))
            return false;
    }
    return true;
}

enum entry { PARSE, PARSE_NUL, PARSE_TERMINATED, ENTRIES };

/* text through one entry point, from a buffer of exactly its length (plus
 * the NUL for PARSE_TERMINATED). */
static cJSON *parse_with(enum entry e, const char *text)
{
    size_t len = strlen(text);
    char *buf = malloc(len + 1);
    assert_non_null(buf);
    memcpy(buf, text, len + 1);
    struct rg_error err;
    cJSON *root = e == PARSE ? rg_json_parse(buf, len, DEPTH, &err)
                  : e == PARSE_NUL
                      ? rg_json_parse_nul(buf, len, DEPTH, &err)
                      : rg_json_parse_nul_terminated(buf, len, DEPTH, &err);
    free(buf);
    return root;
}

/* The shortest UTF-8 of cp, as the standard has it (independent of cJSON). */
static size_t encode(unsigned long cp, char out[4])
{
    unsigned char *o = (unsigned char *)out;
    if (cp < 0x80) {
        o[0] = (unsigned char)cp;
        return 1;
    }
    if (cp < 0x800) {
        o[0] = (unsigned char)(0xC0 | cp >> 6);
        o[1] = (unsigned char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        o[0] = (unsigned char)(0xE0 | cp >> 12);
        o[1] = (unsigned char)(0x80 | (cp >> 6 & 0x3F));
        o[2] = (unsigned char)(0x80 | (cp & 0x3F));
        return 3;
    }
    o[0] = (unsigned char)(0xF0 | cp >> 18);
    o[1] = (unsigned char)(0x80 | (cp >> 12 & 0x3F));
    o[2] = (unsigned char)(0x80 | (cp >> 6 & 0x3F));
    o[3] = (unsigned char)(0x80 | (cp & 0x3F));
    return 4;
}

/*
 * escape (one or two \uXXXX) as a value and as a key: accepted by every
 * entry point with both strings valid UTF-8 and equal to cp's encoding, or
 * (cp 0: want refused) refused by every one. rg_json_parse_nul keeps a
 * \u0000 value but refuses it in a key, so its documents are refused too.
 */
static void expect_escape(const char *escape, unsigned long cp, bool refused)
{
    char text[96], want[5] = {0};
    encode(cp, want);
    snprintf(text, sizeof(text), "{\"v\":\"a%sz\",\"k%s\":1}", escape, escape);
    for (int e = 0; e < ENTRIES; e++) {
        cJSON *root = parse_with((enum entry)e, text);
        if (refused) {
            if (root != NULL)
                fail_msg("entry %d accepted %s", e, text);
            continue;
        }
        if (root == NULL)
            fail_msg("entry %d refused %s", e, text);
        assert_true(all_strings_valid(root));
        char value[8], key[8];
        snprintf(value, sizeof(value), "a%sz", want);
        snprintf(key, sizeof(key), "k%s", want);
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(root, "v");
        assert_string_equal(v->valuestring, value);
        assert_string_equal(v->next->string, key);
        cJSON_Delete(root);
    }
}

static void expect_refused(const char *escape)
{
    expect_escape(escape, 0, true);
}

/* Every code point of the Basic Multilingual Plane outside the surrogates,
 * in both cases of hex: 1, 2 and 3 bytes, at each end of each range. */
static void test_every_bmp_escape(void **state)
{
    char escape[8];
    for (unsigned long cp = 1; cp <= 0xFFFF; cp++) {
        if (cp >= 0xD800 && cp <= 0xDFFF)
            continue;
        snprintf(escape, sizeof(escape), cp & 1 ? "\\u%04lx" : "\\u%04lX", cp);
        expect_escape(escape, cp, false);
    }
}

/* Pairs: every high surrogate with the ends and middle of the low ones, and
 * every low one with the two ends of the high: 4 bytes, up to U+10FFFF. */
static void test_surrogate_pairs(void **state)
{
    static const unsigned ends[] = {0, 1, 0x200, 0x3FE, 0x3FF};
    char escape[16];
    for (unsigned i = 0; i < 0x400; i++) {
        for (size_t k = 0; k < sizeof(ends) / sizeof(ends[0]); k++) {
            unsigned hi = 0xD800 + i, lo = 0xDC00 + ends[k];
            snprintf(escape, sizeof(escape), "\\u%04X\\u%04x", hi, lo);
            expect_escape(escape, 0x10000 + (i << 10 | ends[k]), false);
            hi = 0xD800 + ends[k];
            lo = 0xDC00 + i;
            snprintf(escape, sizeof(escape), "\\u%04x\\u%04X", hi, lo);
            expect_escape(escape, 0x10000 + (ends[k] << 10 | i), false);
        }
    }
}

/* A high surrogate not followed by a low one, in every way it can be. */
static void test_lone_high_surrogates(void **state)
{
    static const char *const after[] = {
        "",        "x",       "\\n",       "\\u0041", "\\uD800", "\\uDBFF", "\\uD7FF",
        "\\uE000", "\\uFFFF", "\\\\u0041", "\\\\",    "\\u00e9", "é",       "\\/",
    };
    char escape[32];
    for (unsigned hi = 0xD800; hi <= 0xDBFF; hi += 0x3F) {
        for (size_t k = 0; k < sizeof(after) / sizeof(after[0]); k++) {
            snprintf(escape, sizeof(escape), "\\u%04X%s", hi, after[k]);
            expect_refused(escape);
        }
    }
    expect_refused("\\uDBFF");
}

/* Every low surrogate alone, and the pair reversed. */
static void test_lone_low_surrogates(void **state)
{
    char escape[16];
    for (unsigned lo = 0xDC00; lo <= 0xDFFF; lo++) {
        snprintf(escape, sizeof(escape), "\\u%04x", lo);
        expect_refused(escape);
    }
    expect_refused("\\uDC00\\uD800");
    expect_refused("\\uDFFF\\uDBFF");
}

/*
 * What looks like an overlong or out-of-range form: \u escapes are code
 * points, so \u00C0\u0080 is two characters (not an overlong NUL), and no
 * escape reaches past U+FFFF but by a pair. Non-hex digits, which cJSON
 * would decode to a NUL, are refused; so is \u0000 in a key, wherever.
 */
static void test_overlong_looking(void **state)
{
    expect_escape("\\u0080", 0x80, false);
    expect_escape("\\u07FF", 0x7FF, false);
    expect_escape("\\u0800", 0x800, false);
    expect_escape("\\uFFFE", 0xFFFE, false);
    expect_escape("\\uFFFF", 0xFFFF, false);
    expect_escape("\\u007F", 0x7F, false);
    static const char *const refused[] = {"\\u0000",        "\\u00G0",        "\\u12",
                                          "\\uD800\\u00ZZ", "\\uD800\\uDCZZ", "\\u+041",
                                          "\\u 041",        "\\U0041"};
    for (size_t k = 0; k < sizeof(refused) / sizeof(refused[0]); k++)
        expect_refused(refused[k]);

    cJSON *root = parse_with(PARSE_NUL, "{\"v\":\"\\u00C0\\u0080\"}");
    assert_non_null(root);
    assert_true(all_strings_valid(root));
    assert_string_equal(root->child->valuestring, "\xC3\x80\xC2\x80");
    cJSON_Delete(root);
}

/* Escapes between raw multibyte characters: still whole characters. */
static void test_escapes_beside_raw_utf8(void **state)
{
    static const char text[] = "{\"v\":\"é\\u00e9€\\u20AC\\uD83D\\uDE00😀\"}";
    for (int e = 0; e < ENTRIES; e++) {
        cJSON *root = parse_with((enum entry)e, text);
        assert_non_null(root);
        assert_true(all_strings_valid(root));
        assert_string_equal(root->child->valuestring, "éé€€😀😀");
        cJSON_Delete(root);
    }
}

/* The control: a tree with an invalid string fails the walk above. */
static void test_the_walk_can_fail(void **state)
{
    cJSON *root = cJSON_CreateObject();
    cJSON_AddStringToObject(root, "ok", "valid");
    assert_true(all_strings_valid(root));
    cJSON_AddStringToObject(root, "bad", "\xC0\x80"); /* an overlong NUL */
    assert_false(all_strings_valid(root));
    cJSON_Delete(root);
    root = cJSON_CreateObject();
    cJSON_AddStringToObject(root, "\xED\xA0\x80", "a lone surrogate as a key");
    assert_false(all_strings_valid(root));
    cJSON_Delete(root);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_the_walk_can_fail),
        cmocka_unit_test(test_every_bmp_escape),
        cmocka_unit_test(test_surrogate_pairs),
        cmocka_unit_test(test_lone_high_surrogates),
        cmocka_unit_test(test_lone_low_surrogates),
        cmocka_unit_test(test_overlong_looking),
        cmocka_unit_test(test_escapes_beside_raw_utf8),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
