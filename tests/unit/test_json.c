/*
 * test_json.c - strict JSON decoding: what cJSON alone would let through.
 *
 * Every document is handed over in a heap buffer of exactly its length, with
 * no terminator after it, as bytes arrive from the network; under ASan any
 * read past the end fails the test.
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

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))
#define DEPTH 8

struct doc {
    const char *text;
    size_t len; /* 0: strlen(text) */
};
#define DOC(s)                                                                         \
    {                                                                                  \
        s, 0                                                                           \
    }
#define RAW(s)                                                                         \
    {                                                                                  \
        s, sizeof(s) - 1                                                               \
    } /* with embedded NULs */

static size_t doc_len(const struct doc *d)
{
    return d->len ? d->len : strlen(d->text);
}

static cJSON *parse_exact(const char *text, size_t len, int depth, struct rg_error *err)
{
    char *buf = malloc(len ? len : 1);
    assert_non_null(buf);
    memcpy(buf, text, len);
    cJSON *root = rg_json_parse(buf, len, depth, err);
    /* The tree must not point into the caller's buffer. */
    memset(buf, 'X', len);
    free(buf);
    return root;
}

static void print_doc(const char *what, const char *text, size_t len)
{
    fprintf(stderr, "%s: ", what);
    for (size_t i = 0; i < len && i < 80; i++) {
        unsigned char c = (unsigned char)text[i];
        if (c >= 0x20 && c < 0x7f)
            fputc(c, stderr);
        else
            fprintf(stderr, "\\x%02x", c);
    }
    fputc('\n', stderr);
}

static void expect_refused(const char *text, size_t len, int depth)
{
    struct rg_error err;
    rg_error_clear(&err);
    cJSON *root = parse_exact(text, len, depth, &err);
    if (root != NULL) {
        cJSON_Delete(root);
        print_doc("accepted", text, len);
        fail_msg("the document above should be refused");
    }
    if (err.code != RG_INVALID_JSON) {
        print_doc("refused with the wrong code", text, len);
        fail_msg("code %s, expected invalid_json", rg_code_name(err.code));
    }
    assert_string_equal(err.field, "");
    assert_true(err.message[0] != '\0');
}

static cJSON *expect_accepted(const char *text, size_t len, int depth)
{
    struct rg_error err;
    rg_error_clear(&err);
    cJSON *root = parse_exact(text, len, depth, &err);
    if (root == NULL) {
        print_doc("refused", text, len);
        fail_msg("the document above should be accepted (%s: %s)",
                 rg_code_name(err.code), err.message);
    }
    return root;
}

static void refuse_all(const struct doc *docs, size_t n)
{
    for (size_t i = 0; i < n; i++)
        expect_refused(docs[i].text, doc_len(&docs[i]), DEPTH);
}

static void accept_all(const struct doc *docs, size_t n)
{
    for (size_t i = 0; i < n; i++)
        cJSON_Delete(expect_accepted(docs[i].text, doc_len(&docs[i]), DEPTH));
}

/* The string member "s" of the document decodes to exactly want. */
static void expect_decoded(const char *doc, const char *want)
{
    cJSON *root = expect_accepted(doc, strlen(doc), DEPTH);
    const cJSON *s = cJSON_GetObjectItemCaseSensitive(root, "s");
    assert_true(cJSON_IsString(s));
    assert_string_equal(s->valuestring, want);
    cJSON_Delete(root);
}

static void test_accepts_valid_documents(void **state)
{
    static const struct doc docs[] = {
        DOC("{}"),
        DOC("[]"),
        DOC("0"),
        DOC("\"x\""),
        DOC("null"),
        DOC(" \t\r\n{ \"a\" : [ 1 , 2.5e3 , -0 , true , false , null ] } \n"),
        DOC("{\"a\":{\"b\":{\"c\":[{\"d\":\"e\"}]}}}"),
        DOC("{\"a\":1,\"A\":2}"),                 /* keys are case-sensitive */
        DOC("{\"ab\":1,\"a\":2,\"abc\":3}"),      /* prefixes are distinct keys */
        DOC("{\"a\":{\"x\":1},\"b\":{\"x\":1}}"), /* same key in sibling objects */
        DOC("[{\"a\":1},{\"a\":1}]"),
        DOC("{\"s\":\"[[[[[[[[[[[[[[[[{{{{{{{{{{{{{{\"}"), /* brackets in strings */
        DOC("{\"s\":\"}}}}]]]]\",\"t\":[[1]]}"),
        DOC("{\"s\":\"\\\\\"}"),      /* an escaped backslash before the quote */
        DOC("{\"s\":\"\\\\u0000\"}"), /* a backslash, then the text u0000 */
        DOC("{\"s\":\"\\\"\\\\\"}"),
        DOC("{\"s\":\"\\u0001\\u001f\\u00ff\"}"),
    };
    accept_all(docs, COUNT(docs));
}

static void test_decodes_utf8_and_escapes(void **state)
{
    expect_decoded("{\"s\":\"caf\xc3\xa9\"}", "caf\xc3\xa9");           /* U+00E9 */
    expect_decoded("{\"s\":\"\xe2\x82\xac 5\"}", "\xe2\x82\xac 5");     /* U+20AC */
    expect_decoded("{\"s\":\"\xf0\x9f\x98\x80\"}", "\xf0\x9f\x98\x80"); /* U+1F600 */
    expect_decoded("{\"s\":\"\xf4\x8f\xbf\xbf\"}", "\xf4\x8f\xbf\xbf"); /* U+10FFFF */
    expect_decoded("{\"s\":\"\xed\x9f\xbf\xee\x80\x80\"}", "\xed\x9f\xbf\xee\x80\x80");
    expect_decoded("{\"s\":\"\xef\xbf\xbd\"}", "\xef\xbf\xbd"); /* U+FFFD */
    expect_decoded(
        "{\"s\":\"\xc2\x80\xdf\xbf\xe0\xa0\x80\xf0\x90\x80\x80\"}",
        "\xc2\x80\xdf\xbf\xe0\xa0\x80\xf0\x90\x80\x80"); /* smallest of each */
    expect_decoded("{\"s\":\"\\n\\t\\r\\b\\f\\/\\\"\\\\\"}", "\n\t\r\b\f/\"\\");
    expect_decoded("{\"s\":\"\\u00e9\"}", "\xc3\xa9");
    expect_decoded("{\"s\":\"\\u20AC\"}", "\xe2\x82\xac");
    expect_decoded("{\"s\":\"\\ud83d\\ude00\"}", "\xf0\x9f\x98\x80");
    expect_decoded("{\"s\":\"a\\u0001b\"}", "a\x01"
                                            "b");
    expect_decoded("{\"s\":\"\\u0100\"}", "\xc4\x80");
    expect_decoded("{\"s\":\"\\\\u0000\"}", "\\u0000");
    /* Multi-byte keys are keys like any other. */
    static const char key[] = "{\"\xc3\xa9\":1,\"e\":2}";
    cJSON *root = expect_accepted(key, sizeof(key) - 1, DEPTH);
    assert_non_null(cJSON_GetObjectItemCaseSensitive(root, "\xc3\xa9"));
    cJSON_Delete(root);
}

/* A run of n copies of unit (a whole number of them) into out. */
static void fill(char *out, size_t n, const char *unit)
{
    size_t u = strlen(unit);
    for (size_t i = 0; i + u <= n; i += u)
        memcpy(out + i, unit, u);
    out[n - n % u] = '\0';
}

/* template with its first @ replaced by a, the second by b; its length. */
static size_t compose(char *out, size_t size, const char *template, const char *a,
                      const char *b)
{
    size_t n = 0;
    int used = 0;
    for (const char *t = template; *t != '\0'; t++) {
        const char *v = *t != '@' ? NULL : used++ == 0 ? a : b;
        size_t len = v != NULL ? strlen(v) : 1;
        assert_true(n + len < size);
        memcpy(out + n, v != NULL ? v : t, len);
        n += len;
    }
    out[n] = '\0';
    return n;
}

/*
 * json.c cuts the longest string value without escapes (512 bytes or more)
 * out of what cJSON reads and puts its bytes back in the tree: every tree
 * must still be cJSON's own of the document, wherever such strings stand,
 * however many there are, next to keys, escapes and \u0000 marks.
 */
static void test_long_strings_are_cjsons(void **state)
{
    static char a511[600], a512[600], b2k[2100], multi[2100], esc[2100], quotes[2100],
        uni[2100], text[16000];
    fill(a511, 511, "a");
    fill(a512, 512, "b");
    fill(b2k, 2048, "0123456789abcdef");
    fill(multi, 2046, "caf\xc3\xa9 \xe2\x82\xac");
    fill(esc, 2048, "line\\n");
    fill(quotes, 2040, "say \\\"hi\\\" \\\\ \\/ \\t\\b\\f\\r ");
    fill(uni, 2040, "caf\\u00e9 \\ud83d\\ude00 ");
    const char *formats[] = {
        "{\"s\":\"@\"}",
        "\"@\"",
        "[\"@\",\"x\",\"@\"]",
        "{\"a\":[1,{\"b\":\"@\"}],\"c\":\"@\",\"d\":\"\\u0000\"}",
        "{\"n\":\"\\u0000\",\"s\":\"@\",\"t\":\"@\",\"u\":\"\\u0000\"}",
        "{\"@\":\"@\"}", /* a long key */
        "{\"s\":\"@\", \"t\" : \"@\" }",
    };
    const char *values[] = {a511, a512, b2k, multi, esc, quotes, uni, ""};
    size_t nv = sizeof(values) / sizeof(values[0]);
    for (size_t f = 0; f < sizeof(formats) / sizeof(formats[0]); f++) {
        for (size_t i = 0; i < nv; i++) {
            for (size_t j = 0; j < nv; j++) {
                size_t n =
                    compose(text, sizeof(text), formats[f], values[i], values[j]);
                struct rg_error err;
                cJSON *mine = rg_json_parse_nul_terminated(text, n, DEPTH, &err);
                cJSON *plain = cJSON_ParseWithLengthOpts(text, n + 1, NULL, 1);
                assert_non_null(mine);
                assert_non_null(plain);
                assert_true(cJSON_Compare(mine, plain, 1));
                /* The marks of \u0000 stay on their strings. */
                cJSON *nul = cJSON_GetObjectItemCaseSensitive(mine, "n");
                cJSON *t = cJSON_GetObjectItemCaseSensitive(mine, "t");
                if (nul != NULL)
                    assert_true(rg_json_has_nul(nul));
                if (t != NULL)
                    assert_false(rg_json_has_nul(t));
                cJSON_Delete(mine);
                cJSON_Delete(plain);
                /* And through the copying entry, unterminated. */
                text[n] = '}';
                mine = rg_json_parse_nul(text, n, DEPTH, &err);
                plain = cJSON_ParseWithLengthOpts(text, n, NULL, 0);
                assert_non_null(mine);
                assert_true(cJSON_Compare(mine, plain, 1));
                cJSON_Delete(mine);
                cJSON_Delete(plain);
            }
        }
    }
    /* Cut or not, a bad document is refused: a long string, then garbage. */
    snprintf(text, sizeof(text), "{\"s\":\"%s\"} x", b2k);
    expect_refused(text, strlen(text), DEPTH);
    snprintf(text, sizeof(text), "{\"s\":\"%s\",\"s\":1}", b2k);
    expect_refused(text, strlen(text), DEPTH);
    snprintf(text, sizeof(text), "{\"s\" \"%s\"}", b2k);
    expect_refused(text, strlen(text), DEPTH);
    snprintf(text, sizeof(text), "{\"s\":\"%s\\x%s\"}", b2k, b2k); /* a bad escape */
    expect_refused(text, strlen(text), DEPTH);
}

/* Invalid UTF-8, placed inside a string value, inside a key, and raw at the end. */
static const struct {
    const char *what;
    const char *bytes;
} bad_utf8[] = {
    {"lone continuation", "\x80"},
    {"lone continuation bf", "\xbf"},
    {"overlong 2-byte C0", "\xc0\x80"},
    {"overlong 2-byte C1", "\xc1\xbf"},
    {"overlong 2-byte slash", "\xc0\xaf"},
    {"overlong 3-byte", "\xe0\x80\x80"},
    {"overlong 3-byte max", "\xe0\x9f\xbf"},
    {"overlong 4-byte", "\xf0\x80\x80\x80"},
    {"overlong 4-byte max", "\xf0\x8f\xbf\xbf"},
    {"surrogate D800", "\xed\xa0\x80"},
    {"surrogate DBFF", "\xed\xaf\xbf"},
    {"surrogate DC00", "\xed\xb0\x80"},
    {"surrogate DFFF", "\xed\xbf\xbf"},
    {"surrogate pair as UTF-8", "\xed\xa0\xbd\xed\xb8\x80"},
    {"above U+10FFFF", "\xf4\x90\x80\x80"},
    {"F5 lead", "\xf5\x80\x80\x80"},
    {"F7 lead", "\xf7\xbf\xbf\xbf"},
    {"5-byte form", "\xf8\x88\x80\x80\x80"},
    {"6-byte form", "\xfc\x84\x80\x80\x80\x80"},
    {"FE", "\xfe"},
    {"FF", "\xff"},
    {"truncated 2-byte", "\xc3"},
    {"truncated 3-byte (1)", "\xe2"},
    {"truncated 3-byte (2)", "\xe2\x82"},
    {"truncated 4-byte (1)", "\xf0"},
    {"truncated 4-byte (3)", "\xf0\x9f\x98"},
    {"bad second byte", "\xc3\x28"},
    {"bad third byte", "\xe2\x82\x28"},
    {"bad fourth byte", "\xf0\x9f\x98\x28"},
    {"lead then lead", "\xc3\xc3\xa9"},
    {"Latin-1 e-acute", "caf\xe9"},
};

static void test_utf8_valid_direct(void **state)
{
    static const char *const good[] = {
        "",
        "ascii only",
        "\x7f",
        "\xc2\x80",
        "\xdf\xbf",
        "\xe0\xa0\x80",
        "\xed\x9f\xbf",
        "\xee\x80\x80",
        "\xef\xbf\xbf",
        "\xf0\x90\x80\x80",
        "\xf4\x8f\xbf\xbf",
        "na\xc3\xafve \xe2\x82\xac \xf0\x9f\x98\x80",
    };
    for (size_t i = 0; i < COUNT(good); i++) {
        size_t len = strlen(good[i]);
        char *buf = malloc(len ? len : 1);
        memcpy(buf, good[i], len);
        if (!rg_utf8_valid(buf, len))
            fail_msg("good[%zu] refused", i);
        free(buf);
    }
    for (size_t i = 0; i < COUNT(bad_utf8); i++) {
        size_t len = strlen(bad_utf8[i].bytes);
        char *buf = malloc(len);
        memcpy(buf, bad_utf8[i].bytes, len);
        if (rg_utf8_valid(buf, len))
            fail_msg("%s accepted", bad_utf8[i].what);
        free(buf);
    }
    /* The length decides: a sequence cut short by it is invalid. */
    assert_false(rg_utf8_valid("\xe2\x82\xac", 2));
    assert_false(rg_utf8_valid("\xf0\x9f\x98\x80", 3));
    assert_true(rg_utf8_valid("\xe2\x82\xac\xff", 3));
    /* NUL is a valid code point for UTF-8 itself; json refuses it separately. */
    assert_true(rg_utf8_valid("a\0b", 3));
}

/* ASCII runs are checked eight bytes at a time: every sequence, good or bad,
 * is judged the same at every offset from a run's start and with ASCII
 * after it, and at the very end of the text. */
static void test_utf8_valid_at_every_offset(void **state)
{
    static const char *const good[] = {"\xc3\xa9", "\xe2\x82\xac", "\xf0\x9f\x98\x80"};
    char buf[64];
    for (size_t pad = 0; pad < 17; pad++) {
        memset(buf, 'a', sizeof(buf));
        for (size_t i = 0; i < COUNT(good); i++) {
            size_t len = strlen(good[i]);
            memcpy(buf + pad, good[i], len);
            if (!rg_utf8_valid(buf, pad + len) || !rg_utf8_valid(buf, pad + len + 9))
                fail_msg("good[%zu] after %zu ASCII bytes refused", i, pad);
            memset(buf + pad, 'a', len);
        }
        for (size_t i = 0; i < COUNT(bad_utf8); i++) {
            size_t len = strlen(bad_utf8[i].bytes);
            memcpy(buf + pad, bad_utf8[i].bytes, len);
            if (rg_utf8_valid(buf, pad + len) || rg_utf8_valid(buf, pad + len + 9))
                fail_msg("%s after %zu ASCII bytes accepted", bad_utf8[i].what, pad);
            memset(buf + pad, 'a', len);
        }
    }
}

/* The lexical pass skips a string's plain bytes sixteen (or eight) at a
 * time: what ends or breaks a string is found at every offset from the
 * string's start, across two such steps. */
static void test_string_checks_at_every_offset(void **state)
{
    static const struct {
        const char *middle;
        bool good;
        const char *decoded; /* the middle as the value holds it */
    } cases[] = {
        {"\\\"", true, "\""},          {"\\\\", true, "\\"},
        {"\\u00e9", true, "\xc3\xa9"}, {"\xc3\xa9", true, "\xc3\xa9"},
        {"\x01", false, NULL},         {"\x1f", false, NULL},
        {"\n", false, NULL},           {"\\u0000", false, NULL},
        {"\\uZZZZ", false, NULL},
    };
    char doc[160], want[96];
    for (size_t pad = 0; pad < 34; pad++) {
        for (size_t i = 0; i < COUNT(cases); i++) {
            int n = snprintf(doc, sizeof(doc), "{\"k\":\"%.*s%s%.*s\"}", (int)pad,
                             "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", cases[i].middle,
                             (int)pad, "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb");
            if (!cases[i].good) {
                expect_refused(doc, (size_t)n, DEPTH);
                continue;
            }
            cJSON *root = expect_accepted(doc, (size_t)n, DEPTH);
            snprintf(want, sizeof(want), "%.*s%s%.*s", (int)pad,
                     "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", cases[i].decoded, (int)pad,
                     "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb");
            assert_string_equal(
                cJSON_GetObjectItemCaseSensitive(root, "k")->valuestring, want);
            cJSON_Delete(root);
        }
    }
}

static void test_refuses_invalid_utf8(void **state)
{
    char doc[64];
    for (size_t i = 0; i < COUNT(bad_utf8); i++) {
        const char *b = bad_utf8[i].bytes;
        int n = snprintf(doc, sizeof(doc), "{\"s\":\"a%sb\"}", b);
        expect_refused(doc, (size_t)n, DEPTH);
        n = snprintf(doc, sizeof(doc), "{\"k%s\":1}", b);
        expect_refused(doc, (size_t)n, DEPTH);
        n = snprintf(doc, sizeof(doc), "[\"x\",\"%s\"]", b);
        expect_refused(doc, (size_t)n, DEPTH);
        /* At the very end of the input: the bounds of the last sequence. */
        n = snprintf(doc, sizeof(doc), "\"%s", b);
        expect_refused(doc, (size_t)n, DEPTH);
        /* Outside any string. */
        n = snprintf(doc, sizeof(doc), "{}%s", b);
        expect_refused(doc, (size_t)n, DEPTH);
    }
}

/* Escapes that decode to no valid character. */
static void test_refuses_bad_escapes(void **state)
{
    static const struct doc docs[] = {
        DOC("{\"s\":\"\\ud800\"}"),        DOC("{\"s\":\"\\udfff\"}"),
        DOC("{\"s\":\"\\ude00\\ud83d\"}"), DOC("{\"s\":\"\\ud83dx\"}"),
        DOC("{\"s\":\"\\ud83d\\u0041\"}"), DOC("{\"s\":\"\\x41\"}"),
        DOC("{\"s\":\"\\u12\"}"),          DOC("{\"s\":\"\\'\"}"),
    };
    refuse_all(docs, COUNT(docs));
}

/* cJSON decodes a \u escape without four hex digits to NUL, truncating the string. */
static void test_refuses_non_hex_escapes(void **state)
{
    static const struct doc docs[] = {
        DOC("{\"s\":\"a\\uZZZZb\"}"),      DOC("{\"s\":\"a\\u000Gb\"}"),
        DOC("{\"s\":\"a\\uG041b\"}"),      DOC("{\"s\":\"a\\u+041b\"}"),
        DOC("{\"s\":\"a\\u 041b\"}"),      DOC("{\"s\":\"a\\u-001b\"}"),
        DOC("{\"s\":\"a\\u00e\"}"),        DOC("{\"a\\uzzzz\":1}"),
        DOC("{\"s\":\"\\ud83d\\uZZZZ\"}"),
    };
    refuse_all(docs, COUNT(docs));
    /* Upper and lower case hex digits are both fine. */
    expect_decoded("{\"s\":\"\\u00E9\\u00e9\\uFFFD\"}", "\xc3\xa9\xc3\xa9\xef\xbf\xbd");
}

/* JSON's whitespace is space, tab, LF and CR; cJSON skips every byte below 0x20. */
static void test_refuses_control_characters_between_tokens(void **state)
{
    static const struct doc docs[] = {
        DOC("{}\x01"),
        DOC("\x01{}"),
        DOC("{\x0b\"a\":1}"),
        DOC("{\"a\":\x0c"
            "1}"),
        DOC("[1,\x1f"
            "2]"),
        DOC("{\"a\":1\x1b}"),
        DOC("{} \x7f"),
        DOC("\x0b"),
    };
    refuse_all(docs, COUNT(docs));
    static const char ws[] = " \t\r\n{ \t\r\n\"a\" \t\r\n:\n1\r}\n";
    cJSON_Delete(expect_accepted(ws, sizeof(ws) - 1, DEPTH));
}

/* RFC 8259: characters below 0x20 inside a string must be escaped. */
static void test_refuses_raw_control_characters_in_strings(void **state)
{
    static const struct doc docs[] = {
        DOC("{\"s\":\"a\x01"
            "b\"}"),
        DOC("{\"s\":\"line\nbreak\"}"),
        DOC("{\"s\":\"tab\there\"}"),
        DOC("{\"k\x1f\":1}"),
    };
    refuse_all(docs, COUNT(docs));
    expect_decoded("{\"s\":\"\\u0001\\n\\t\"}", "\x01\n\t");
}

static void test_refuses_nul(void **state)
{
    static const struct doc docs[] = {
        RAW("{\"s\":\"a\0b\"}"),
        RAW("{\"s\":\"\0\"}"),
        RAW("{\"a\0b\":1}"),
        RAW("{\"a\":1}\0"),
        RAW("{\"a\":1}\0garbage"),
        RAW("\0{\"a\":1}"),
        RAW("{\"a\":\0 1}"),
        RAW("[1,\0 2]"),
        RAW("\0"),
        DOC("{\"s\":\"\\u0000\"}"),
        DOC("{\"s\":\"abc\\u0000def\"}"),
        DOC("{\"\\u0000\":1}"),
        DOC("{\"k\\u0000\":1}"),
        DOC("[\"x\",\"\\u0000\"]"),
        DOC("{\"s\":\"\\\"\\u0000\"}"), /* after an escaped quote */
        DOC("{\"s\":\"\\\\\\u0000\"}"), /* after an escaped backslash */
        DOC("{\"s\":\"\\/\\u0000\"}"),
    };
    refuse_all(docs, COUNT(docs));
}

/* rg_json_parse_nul: each string value that held a NUL is marked, and only
 * those; keys with one and raw NUL bytes are refused as ever. */
static void test_keeps_and_marks_nul_values(void **state)
{
    static const char doc[] = "{\"a\":\"x\\u0000y\",\"b\":\"\\\\u0000\",\"c\":[\"p\","
                              "\"\\u0000\",{\"d\":\"q\"},"
                              "{\"e\":\"\\\"\\u0000\"}],\"f\":{\"g\":\"r\",\"h\":"
                              "\"s\\u0000\"},\"i\" : \"ok\"}";
    struct rg_error err;
    rg_error_clear(&err);
    char *buf = malloc(sizeof(doc) - 1);
    assert_non_null(buf);
    memcpy(buf, doc, sizeof(doc) - 1);
    cJSON *root = rg_json_parse_nul(buf, sizeof(doc) - 1, DEPTH, &err);
    free(buf);
    if (root == NULL)
        fail_msg("refused: %s", err.message);
    const cJSON *c = cJSON_GetObjectItemCaseSensitive(root, "c");
    const cJSON *f = cJSON_GetObjectItemCaseSensitive(root, "f");
    const struct {
        const cJSON *item;
        const char *cut; /* what cJSON kept */
        bool nul;
    } want[] = {
        {cJSON_GetObjectItemCaseSensitive(root, "a"), "x", true},
        {cJSON_GetObjectItemCaseSensitive(root, "b"), "\\u0000", false},
        {cJSON_GetArrayItem(c, 0), "p", false},
        {cJSON_GetArrayItem(c, 1), "", true},
        {cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(c, 2), "d"), "q", false},
        {cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(c, 3), "e"), "\"", true},
        {cJSON_GetObjectItemCaseSensitive(f, "g"), "r", false},
        {cJSON_GetObjectItemCaseSensitive(f, "h"), "s", true},
        {cJSON_GetObjectItemCaseSensitive(root, "i"), "ok", false},
    };
    for (size_t i = 0; i < COUNT(want); i++) {
        assert_true(cJSON_IsString(want[i].item));
        assert_string_equal(want[i].item->valuestring, want[i].cut);
        if (rg_json_has_nul(want[i].item) != want[i].nul)
            fail_msg("value %zu: has_nul should be %d", i, want[i].nul);
    }
    assert_false(rg_json_has_nul(c));
    assert_false(rg_json_has_nul(NULL));
    cJSON_Delete(root);

    /* The strict parse refuses every one of them. */
    expect_refused(doc, sizeof(doc) - 1, DEPTH);

    static const struct doc refused[] = {
        DOC("{\"k\\u0000\":\"v\"}"),       DOC("{\"\\u0000\" :1}"),
        DOC("{\"a\":{\"k\\u0000\"\n:1}}"), RAW("{\"s\":\"a\0b\"}"),
        DOC("{\"s\":\"a\\uZZZZ\"}"),
    };
    for (size_t i = 0; i < COUNT(refused); i++) {
        rg_error_clear(&err);
        cJSON *r =
            rg_json_parse_nul(refused[i].text, doc_len(&refused[i]), DEPTH, &err);
        if (r != NULL) {
            cJSON_Delete(r);
            fail_msg("refused[%zu] was accepted", i);
        }
        assert_int_equal(err.code, RG_INVALID_JSON);
    }
}

static char *nested(size_t depth, const char *open, const char *inner,
                    const char *close)
{
    size_t lo = strlen(open), li = strlen(inner), lc = strlen(close);
    char *s = malloc(depth * (lo + lc) + li + 1);
    assert_non_null(s);
    char *p = s;
    for (size_t i = 0; i < depth; i++, p += lo)
        memcpy(p, open, lo);
    memcpy(p, inner, li);
    p += li;
    for (size_t i = 0; i < depth; i++, p += lc)
        memcpy(p, close, lc);
    *p = '\0';
    return s;
}

static void test_nesting_limit(void **state)
{
    char *ok_arrays = nested(DEPTH, "[", "1", "]");
    char *deep_arrays = nested(DEPTH + 1, "[", "1", "]");
    char *ok_objects = nested(DEPTH, "{\"a\":", "1", "}");
    char *deep_objects = nested(DEPTH + 1, "{\"a\":", "1", "}");
    char *ok_mixed = nested(DEPTH / 2, "{\"a\":[", "1", "]}");
    char *deep_mixed = nested(DEPTH / 2, "{\"a\":[", "{}", "]}");

    cJSON_Delete(expect_accepted(ok_arrays, strlen(ok_arrays), DEPTH));
    cJSON_Delete(expect_accepted(ok_objects, strlen(ok_objects), DEPTH));
    cJSON_Delete(expect_accepted(ok_mixed, strlen(ok_mixed), DEPTH));
    expect_refused(deep_arrays, strlen(deep_arrays), DEPTH);
    expect_refused(deep_objects, strlen(deep_objects), DEPTH);
    expect_refused(deep_mixed, strlen(deep_mixed), DEPTH);
    /* The limit is the caller's. */
    cJSON_Delete(expect_accepted(deep_arrays, strlen(deep_arrays), DEPTH + 1));
    expect_refused(ok_arrays, strlen(ok_arrays), DEPTH - 1);
    expect_refused("[]", 2, 0);

    /* Depth is the current nesting, not the number of containers. */
    char wide[4096];
    size_t n = 0;
    wide[n++] = '[';
    for (int i = 0; i < 500; i++) {
        memcpy(wide + n, "[[]],", 5);
        n += 5;
    }
    wide[n - 1] = ']';
    cJSON_Delete(expect_accepted(wide, n, 3));

    free(ok_arrays);
    free(deep_arrays);
    free(ok_objects);
    free(deep_objects);
    free(ok_mixed);
    free(deep_mixed);
}

static void test_ten_thousand_deep(void **state)
{
    char *arrays = nested(10000, "[", "", "]");
    char *objects = nested(10000, "{\"a\":", "1", "}");
    char *open_only = nested(10000, "[", "", "");
    expect_refused(arrays, strlen(arrays), DEPTH);
    expect_refused(objects, strlen(objects), DEPTH);
    expect_refused(open_only, strlen(open_only), DEPTH);
    /* Even a caller with a generous limit gets an answer, not a crash. */
    struct rg_error err;
    cJSON *root = parse_exact(arrays, strlen(arrays), 100000, &err);
    cJSON_Delete(root);
    free(arrays);
    free(objects);
    free(open_only);
}

static void test_refuses_trailing_garbage(void **state)
{
    static const struct doc docs[] = {
        DOC("{} x"),   DOC("{}{}"),        DOC("{\"a\":1}}"),  DOC("[1]]"),
        DOC("1 2"),    DOC("\"a\" \"b\""), DOC("{},"),         DOC("null null"),
        DOC("{}\x01"), DOC("{} //"),       DOC("{} /* c */"),  DOC("[1],[2]"),
        DOC("truex"),  DOC("{}\"\""),      DOC("{\"a\":1} {"),
    };
    refuse_all(docs, COUNT(docs));
}

static void test_refuses_truncated(void **state)
{
    static const struct doc docs[] = {
        DOC(""),
        DOC(" \n"),
        DOC("{"),
        DOC("["),
        DOC("{\"a\""),
        DOC("{\"a\":"),
        DOC("{\"a\":1"),
        DOC("{\"a\":1,"),
        DOC("{\"a\":1, "),
        DOC("{\"a\":1,\""),
        DOC("[1,"),
        DOC("[1"),
        DOC("\"abc"),
        DOC("{\"a\":\"\\"),
        DOC("{\"a\":\"\\u00"),
        DOC("{\"a\":\"x"),
        DOC("tru"),
        DOC("-"),
        DOC("1e"),
        DOC("{\"a\":[1,2],\"b\":{\"c\":"),
    };
    refuse_all(docs, COUNT(docs));
    /* Every prefix of a valid document is refused. */
    static const char full[] =
        "{\"to\":\"ecmj\",\"s\":[1,{\"k\":\"\xc3\xa9\\u00e9\"}],\"n\":null}";
    cJSON_Delete(expect_accepted(full, sizeof(full) - 1, DEPTH));
    for (size_t len = 0; len < sizeof(full) - 1; len++)
        expect_refused(full, len, DEPTH);
}

static void test_refuses_duplicate_keys(void **state)
{
    static const struct doc docs[] = {
        DOC("{\"a\":1,\"a\":2}"),
        DOC("{\"a\":1,\"a\":1}"),
        DOC("{\"to\":\"a\",\"to\":\"b\"}"),
        DOC("{\"a\":1,\"b\":2,\"c\":3,\"b\":4}"),
        DOC("{\"x\":{\"b\":1,\"b\":2}}"),
        DOC("{\"x\":{\"y\":{\"z\":{\"b\":1,\"c\":0,\"b\":2}}}}"),
        DOC("[{\"a\":1,\"a\":2}]"),
        DOC("[1,[2,{\"q\":{},\"q\":[]}]]"),
        DOC("{\"a\":1,\"\\u0061\":2}"), /* the same key, once escaped */
        DOC("{\"\xc3\xa9\":1,\"\\u00e9\":2}"),
        DOC("{\"\":1,\"\":2}"),
        DOC("{\"ok\":{},\"x\":[{\"a\":{\"b\":1}},{\"a\":{\"b\":1,\"b\":1}}]}"),
    };
    refuse_all(docs, COUNT(docs));
}

static char *many_keys(int n, const char *extra_key)
{
    size_t cap = (size_t)n * 24 + 64;
    char *s = malloc(cap);
    assert_non_null(s);
    size_t o = 0;
    s[o++] = '{';
    for (int i = 0; i < n; i++)
        o += (size_t)snprintf(s + o, cap - o, "%s\"k%d\":%d", i ? "," : "", i, i);
    if (extra_key != NULL)
        o += (size_t)snprintf(s + o, cap - o, ",\"%s\":0", extra_key);
    s[o++] = '}';
    s[o] = '\0';
    return s;
}

static void test_duplicate_keys_in_large_objects(void **state)
{
    static const char *const dups[] = {"k0", "k1", "k4999", "k2500", "k1234"};
    char *distinct = many_keys(5000, "k5000");
    cJSON *root = expect_accepted(distinct, strlen(distinct), DEPTH);
    assert_int_equal(cJSON_GetArraySize(root), 5001);
    cJSON_Delete(root);
    free(distinct);

    for (size_t i = 0; i < COUNT(dups); i++) {
        char *s = many_keys(5000, dups[i]);
        expect_refused(s, strlen(s), DEPTH);
        free(s);
    }
    /* The duplicate can be anywhere, not only last. */
    char *s = many_keys(5000, NULL);
    char *p = strstr(s, "\"k4000\"");
    assert_non_null(p);
    memcpy(p, "\"k0001\"", 7); /* distinct from k1: still accepted */
    cJSON_Delete(expect_accepted(s, strlen(s), DEPTH));
    memcpy(p, "\"k3999\"", 7);
    expect_refused(s, strlen(s), DEPTH);
    free(s);
}

static void test_print_round_trips(void **state)
{
    static const char doc[] =
        "{\"a\":[1,\"\xc3\xa9\\n\",{\"b\":null}],\"c\":true,\"d\":\"\\\"q\\\"\"}";
    cJSON *root = expect_accepted(doc, sizeof(doc) - 1, DEPTH);
    char *out = rg_json_print(root);
    assert_non_null(out);
    assert_null(strchr(out, '\n')); /* compact */
    cJSON *again = expect_accepted(out, strlen(out), DEPTH);
    assert_true(cJSON_Compare(root, again, 1));
    cJSON_free(out);
    cJSON_Delete(root);
    cJSON_Delete(again);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_accepts_valid_documents),
        cmocka_unit_test(test_decodes_utf8_and_escapes),
        cmocka_unit_test(test_long_strings_are_cjsons),
        cmocka_unit_test(test_utf8_valid_direct),
        cmocka_unit_test(test_utf8_valid_at_every_offset),
        cmocka_unit_test(test_string_checks_at_every_offset),
        cmocka_unit_test(test_refuses_invalid_utf8),
        cmocka_unit_test(test_refuses_bad_escapes),
        cmocka_unit_test(test_refuses_non_hex_escapes),
        cmocka_unit_test(test_refuses_control_characters_between_tokens),
        cmocka_unit_test(test_refuses_raw_control_characters_in_strings),
        cmocka_unit_test(test_refuses_nul),
        cmocka_unit_test(test_keeps_and_marks_nul_values),
        cmocka_unit_test(test_nesting_limit),
        cmocka_unit_test(test_ten_thousand_deep),
        cmocka_unit_test(test_refuses_trailing_garbage),
        cmocka_unit_test(test_refuses_truncated),
        cmocka_unit_test(test_refuses_duplicate_keys),
        cmocka_unit_test(test_duplicate_keys_in_large_objects),
        cmocka_unit_test(test_print_round_trips),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
