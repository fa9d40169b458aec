/*
 * test_referral.c - the referral document of SPEC §4: decoding, every
 * refusal with its code and field path, and encoding back.
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
#include "referral.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* The example of SPEC §4, verbatim. */
static const char spec_example[] =
    "{\n"
    "  \"to\": \"ecmj\",\n"
    "  \"client_ref\": \"2026-000123\",\n"
    "  \"signal\": \"loverboy\",\n"
    "  \"urgency\": \"normal\",\n"
    "  \"subject\": {\n"
    "    \"age_band\": \"16_17\",\n"
    "    \"gender\": \"male\",\n"
    "    \"municipality\": \"GM0935\",\n"
    "    \"origin\": \"netherlands\",\n"
    "    \"socioeconomic\": \"low\",\n"
    "    \"education\": \"vmbo\",\n"
    "    \"housing\": \"with_parents\",\n"
    "    \"addiction\": \"drugs\"\n"
    "  },\n"
    "  \"body\": \"Free text for the recipient: names, contact, what was observed.\"\n"
    "}\n";

static void assert_same_referral(const struct rg_referral *a,
                                 const struct rg_referral *b)
{
    assert_string_equal(a->to, b->to);
    assert_string_equal(a->client_ref, b->client_ref);
    assert_string_equal(a->signal, b->signal);
    assert_string_equal(a->urgency, b->urgency);
    for (int i = 0; i < RG_SUBJECT_ATTRS; i++)
        assert_string_equal(a->subject[i], b->subject[i]);
    assert_int_equal(a->body_len, b->body_len);
    assert_memory_equal(a->body, b->body, a->body_len + 1);
    assert_int_equal(a->sealed, b->sealed);
}

/* Two outcomes of the same text: the same referral, or the same refusal. */
static void expect_same(int rc, const struct rg_referral *a, const struct rg_error *ea,
                        int rc2, const struct rg_referral *b, const struct rg_error *eb)
{
    assert_int_equal(rc, rc2);
    if (rc != 0) {
        assert_int_equal(ea->code, eb->code);
        assert_string_equal(ea->field, eb->field);
        assert_string_equal(ea->message, eb->message);
        assert_null(b->body);
        return;
    }
    assert_same_referral(a, b);
}

/*
 * Parses from a heap buffer of exactly len bytes (no terminator after it),
 * and again as the server does, from one with a NUL at len
 * (rg_referral_parse_terminated): both must come to the same.
 */
static int parse_exact(const char *text, size_t len, struct rg_referral *r,
                       struct rg_error *err)
{
    char *buf = malloc(len ? len : 1);
    assert_non_null(buf);
    memcpy(buf, text, len);
    rg_error_clear(err);
    int rc = rg_referral_parse(buf, len, r, err);
    memset(buf, 'X', len); /* the referral must own its copy */
    free(buf);

    char *text0 = malloc(len + 1);
    assert_non_null(text0);
    memcpy(text0, text, len);
    text0[len] = '\0';
    struct rg_referral r2;
    struct rg_error err2;
    rg_error_clear(&err2);
    int rc2 = rg_referral_parse_terminated(text0, len, &r2, &err2);
    memset(text0, 'X', len); /* parsed in place, but not kept */
    free(text0);
    expect_same(rc, r, err, rc2, &r2, &err2);
    rg_referral_clear(&r2);
    return rc;
}

static int parse(const char *text, struct rg_referral *r, struct rg_error *err)
{
    return parse_exact(text, strlen(text), r, err);
}

static const char *attr(const struct rg_referral *r, const char *name)
{
    int i = rg_subject_find(name, strlen(name));
    assert_true(i >= 0);
    return r->subject[i];
}

static void expect_ok(const char *text, struct rg_referral *r)
{
    struct rg_error err;
    if (parse(text, r, &err) != 0)
        fail_msg("refused (%s, field \"%s\": %s): %s", rg_code_name(err.code),
                 err.field, err.message, text);
}

static void expect_error_len(const char *text, size_t len, enum rg_code code,
                             const char *field)
{
    struct rg_referral r;
    struct rg_error err;
    memset(&r, 0x55, sizeof(r));
    if (parse_exact(text, len, &r, &err) == 0) {
        rg_referral_clear(&r);
        fail_msg("accepted, expected %s at \"%s\": %.200s", rg_code_name(code), field,
                 text);
    }
    if (err.code != code || strcmp(err.field, field) != 0)
        fail_msg("got %s at \"%s\", expected %s at \"%s\": %.200s",
                 rg_code_name(err.code), err.field, rg_code_name(code), field, text);
    assert_true(err.message[0] != '\0');
    /* A refused referral owns nothing (ASan's leak check sees the rest). */
    assert_null(r.body);
    rg_referral_clear(&r);
}

static void expect_error(const char *text, enum rg_code code, const char *field)
{
    expect_error_len(text, strlen(text), code, field);
}

#define MIN_PREFIX "{\"to\":\"ecmj\",\"signal\":\"other\",\"body\":\"b\""

static void test_spec_example(void **state)
{
    struct rg_referral r;
    expect_ok(spec_example, &r);
    assert_string_equal(r.to, "ecmj");
    assert_string_equal(r.client_ref, "2026-000123");
    assert_string_equal(r.signal, "loverboy");
    assert_string_equal(r.urgency, "normal");
    assert_string_equal(attr(&r, "age_band"), "16_17");
    assert_string_equal(attr(&r, "gender"), "male");
    assert_string_equal(attr(&r, "municipality"), "GM0935");
    assert_string_equal(attr(&r, "origin"), "netherlands");
    assert_string_equal(attr(&r, "socioeconomic"), "low");
    assert_string_equal(attr(&r, "education"), "vmbo");
    assert_string_equal(attr(&r, "housing"), "with_parents");
    assert_string_equal(attr(&r, "addiction"), "drugs");
    const char *body =
        "Free text for the recipient: names, contact, what was observed.";
    assert_string_equal(r.body, body);
    assert_int_equal(r.body_len, strlen(body));
    rg_referral_clear(&r);
    assert_null(r.body);
    rg_referral_clear(&r); /* twice is safe */
}

static void test_field_order_is_free(void **state)
{
    struct rg_referral r;
    expect_ok(
        "{\"body\":\"x\",\"subject\":{\"gender\":\"female\"},\"urgency\":\"urgent\","
        "\"signal\":\"dependency\",\"to\":\"care.coord_1-a\"}",
        &r);
    assert_string_equal(r.to, "care.coord_1-a");
    assert_string_equal(r.signal, "dependency");
    assert_string_equal(r.urgency, "urgent");
    assert_string_equal(attr(&r, "gender"), "female");
    rg_referral_clear(&r);
}

static void test_defaults(void **state)
{
    static const char *const docs[] = {
        MIN_PREFIX "}",
        MIN_PREFIX ",\"subject\":{}}",
    };
    for (size_t d = 0; d < COUNT(docs); d++) {
        struct rg_referral r;
        expect_ok(docs[d], &r);
        assert_string_equal(r.urgency, "normal");
        assert_string_equal(r.client_ref, "");
        for (int i = 0; i < RG_SUBJECT_ATTRS; i++)
            assert_string_equal(r.subject[i], "unknown");
        assert_string_equal(r.body, "b");
        assert_int_equal(r.body_len, 1);
        rg_referral_clear(&r);
    }
    /* One attribute given, the others still default. */
    struct rg_referral r;
    expect_ok(MIN_PREFIX ",\"subject\":{\"housing\":\"homeless\"}}", &r);
    for (int i = 0; i < RG_SUBJECT_ATTRS; i++)
        assert_string_equal(r.subject[i], strcmp(rg_subject[i].name, "housing") == 0
                                              ? "homeless"
                                              : "unknown");
    rg_referral_clear(&r);
}

static void test_every_signal_urgency_and_attribute_value(void **state)
{
    char doc[512];
    struct rg_referral r;
    for (size_t i = 0; i < rg_signals.count; i++) {
        snprintf(doc, sizeof(doc), "{\"to\":\"x\",\"signal\":\"%s\",\"body\":\"b\"}",
                 rg_signals.values[i]);
        expect_ok(doc, &r);
        assert_string_equal(r.signal, rg_signals.values[i]);
        rg_referral_clear(&r);
    }
    for (size_t i = 0; i < rg_urgencies.count; i++) {
        snprintf(doc, sizeof(doc), MIN_PREFIX ",\"urgency\":\"%s\"}",
                 rg_urgencies.values[i]);
        expect_ok(doc, &r);
        assert_string_equal(r.urgency, rg_urgencies.values[i]);
        rg_referral_clear(&r);
    }
    for (int a = 0; a < RG_SUBJECT_ATTRS; a++) {
        const struct rg_attr *at = &rg_subject[a];
        for (size_t v = 0; v < at->values.count; v++) {
            snprintf(doc, sizeof(doc), MIN_PREFIX ",\"subject\":{\"%s\":\"%s\"}}",
                     at->name, at->values.values[v]);
            expect_ok(doc, &r);
            assert_string_equal(r.subject[a], at->values.values[v]);
            rg_referral_clear(&r);
        }
    }
    expect_ok(MIN_PREFIX ",\"subject\":{\"municipality\":\"GM0363\"}}", &r);
    assert_string_equal(attr(&r, "municipality"), "GM0363");
    rg_referral_clear(&r);
}

static void test_missing_fields(void **state)
{
    expect_error("{\"signal\":\"other\",\"body\":\"b\"}", RG_MISSING_FIELD, "to");
    expect_error("{\"to\":\"ecmj\",\"body\":\"b\"}", RG_MISSING_FIELD, "signal");
    expect_error("{\"to\":\"ecmj\",\"signal\":\"other\"}", RG_MISSING_FIELD, "body");
    expect_error("{\"to\":\"ecmj\",\"signal\":\"other\",\"urgency\":\"urgent\","
                 "\"subject\":{\"gender\":\"male\"},\"client_ref\":\"r1\"}",
                 RG_MISSING_FIELD, "body");
    /* With nothing at all, one of the three is named. */
    struct rg_referral r;
    struct rg_error err;
    assert_int_equal(parse("{}", &r, &err), -1);
    assert_int_equal(err.code, RG_MISSING_FIELD);
    assert_true(strcmp(err.field, "to") == 0 || strcmp(err.field, "signal") == 0 ||
                strcmp(err.field, "body") == 0);
}

static void test_wrong_types(void **state)
{
    static const struct {
        const char *doc;
        const char *field;
    } cases[] = {
        {"{\"to\":5,\"signal\":\"other\",\"body\":\"b\"}", "to"},
        {"{\"to\":null,\"signal\":\"other\",\"body\":\"b\"}", "to"},
        {"{\"to\":[\"ecmj\"],\"signal\":\"other\",\"body\":\"b\"}", "to"},
        {"{\"to\":\"ecmj\",\"signal\":1,\"body\":\"b\"}", "signal"},
        {"{\"to\":\"ecmj\",\"signal\":true,\"body\":\"b\"}", "signal"},
        {"{\"to\":\"ecmj\",\"signal\":\"other\",\"body\":42}", "body"},
        {"{\"to\":\"ecmj\",\"signal\":\"other\",\"body\":null}", "body"},
        {"{\"to\":\"ecmj\",\"signal\":\"other\",\"body\":{\"t\":\"b\"}}", "body"},
        {MIN_PREFIX ",\"urgency\":1}", "urgency"},
        {MIN_PREFIX ",\"urgency\":null}", "urgency"},
        {MIN_PREFIX ",\"client_ref\":123}", "client_ref"},
        {MIN_PREFIX ",\"client_ref\":null}", "client_ref"},
        {MIN_PREFIX ",\"subject\":\"none\"}", "subject"},
        {MIN_PREFIX ",\"subject\":[]}", "subject"},
        {MIN_PREFIX ",\"subject\":null}", "subject"},
        {MIN_PREFIX ",\"subject\":1}", "subject"},
        {MIN_PREFIX ",\"subject\":{\"age_band\":16}}", "subject.age_band"},
        {MIN_PREFIX ",\"subject\":{\"municipality\":935}}", "subject.municipality"},
        {MIN_PREFIX ",\"subject\":{\"gender\":null}}", "subject.gender"},
        {MIN_PREFIX ",\"subject\":{\"addiction\":[\"drugs\"]}}", "subject.addiction"},
        {MIN_PREFIX ",\"subject\":{\"housing\":{}}}", "subject.housing"},
    };
    for (size_t i = 0; i < COUNT(cases); i++)
        expect_error(cases[i].doc, RG_INVALID_FIELD, cases[i].field);
}

static void test_bad_enum_values(void **state)
{
    expect_error("{\"to\":\"x\",\"signal\":\"Loverboy\",\"body\":\"b\"}",
                 RG_INVALID_FIELD, "signal");
    expect_error("{\"to\":\"x\",\"signal\":\"lover\",\"body\":\"b\"}", RG_INVALID_FIELD,
                 "signal");
    expect_error("{\"to\":\"x\",\"signal\":\"\",\"body\":\"b\"}", RG_INVALID_FIELD,
                 "signal");
    expect_error("{\"to\":\"x\",\"signal\":\"unknown\",\"body\":\"b\"}",
                 RG_INVALID_FIELD, "signal");
    expect_error(MIN_PREFIX ",\"urgency\":\"high\"}", RG_INVALID_FIELD, "urgency");
    expect_error(MIN_PREFIX ",\"urgency\":\"URGENT\"}", RG_INVALID_FIELD, "urgency");
    expect_error(MIN_PREFIX ",\"urgency\":\"urgent \"}", RG_INVALID_FIELD, "urgency");

    char doc[512], field[64], upper[RG_VALUE_MAX];
    for (int a = 0; a < RG_SUBJECT_ATTRS; a++) {
        const struct rg_attr *at = &rg_subject[a];
        snprintf(field, sizeof(field), "subject.%s", at->name);
        /* A word from no list, an empty value, and an allowed word in capitals. */
        const char *first = at->values.values[0];
        size_t k = 0;
        for (; first[k] != '\0'; k++)
            upper[k] =
                (first[k] >= 'a' && first[k] <= 'z') ? (char)(first[k] - 32) : first[k];
        upper[k] = '\0';
        const char *bad[] = {"bogus", "", upper, "unknown ", "Unknown"};
        for (size_t b = 0; b < COUNT(bad); b++) {
            snprintf(doc, sizeof(doc), MIN_PREFIX ",\"subject\":{\"%s\":\"%s\"}}",
                     at->name, bad[b]);
            expect_error(doc, RG_INVALID_FIELD, field);
        }
        /* A word of another attribute. */
        const struct rg_attr *other = &rg_subject[(a + 1) % RG_SUBJECT_ATTRS];
        for (size_t v = 0; v < other->values.count; v++) {
            const char *w = other->values.values[v];
            if (rg_attr_allows(at, w, strlen(w)))
                continue;
            snprintf(doc, sizeof(doc), MIN_PREFIX ",\"subject\":{\"%s\":\"%s\"}}",
                     at->name, w);
            expect_error(doc, RG_INVALID_FIELD, field);
        }
    }
    static const char *const bad_municipality[] = {"GM123",  "GM12345", "gm0935",
                                                   "GMabcd", "0935",    "GM 0935"};
    for (size_t i = 0; i < COUNT(bad_municipality); i++) {
        snprintf(doc, sizeof(doc), MIN_PREFIX ",\"subject\":{\"municipality\":\"%s\"}}",
                 bad_municipality[i]);
        expect_error(doc, RG_INVALID_FIELD, "subject.municipality");
    }
    /* The bad attribute is named even when good ones come first. */
    expect_error(MIN_PREFIX ",\"subject\":{\"age_band\":\"16_17\",\"gender\":\"male\","
                            "\"housing\":\"tent\"}}",
                 RG_INVALID_FIELD, "subject.housing");
}

static void test_unknown_fields(void **state)
{
    expect_error(MIN_PREFIX ",\"from\":\"school\"}", RG_UNKNOWN_FIELD, "from");
    expect_error(MIN_PREFIX ",\"TO\":\"ecmj\"}", RG_UNKNOWN_FIELD, "TO");
    expect_error(MIN_PREFIX ",\"Body\":\"b\"}", RG_UNKNOWN_FIELD, "Body");
    expect_error(MIN_PREFIX ",\"age_band\":\"16_17\"}", RG_UNKNOWN_FIELD, "age_band");
    expect_error(MIN_PREFIX ",\"\":1}", RG_UNKNOWN_FIELD, "");
    expect_error("{\"extra\":null,\"to\":\"ecmj\",\"signal\":\"other\",\"body\":\"b\"}",
                 RG_UNKNOWN_FIELD, "extra");
    expect_error(MIN_PREFIX ",\"subject\":{\"name\":\"Jan\"}}", RG_UNKNOWN_FIELD,
                 "subject.name");
    expect_error(MIN_PREFIX ",\"subject\":{\"gender\":\"male\",\"Gender\":\"male\"}}",
                 RG_UNKNOWN_FIELD, "subject.Gender");
    expect_error(MIN_PREFIX ",\"subject\":{\"age\":\"16_17\"}}", RG_UNKNOWN_FIELD,
                 "subject.age");
    expect_error(MIN_PREFIX ",\"subject\":{\"signal\":\"other\"}}", RG_UNKNOWN_FIELD,
                 "subject.signal");
    expect_error(MIN_PREFIX
                 ",\"subject\":{\"age_band\":\"16_17\",\"dob\":\"2010-01-01\"}}",
                 RG_UNKNOWN_FIELD, "subject.dob");
    /* A long name is cut to fit the field, never inside a UTF-8 character
     * (the error answer echoes it). 'subject.' + 54 'a' + 'é' x 3 = 68 bytes. */
    expect_error(
        MIN_PREFIX
        ",\"subject\":{\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
        "\xc3\xa9\xc3\xa9\xc3\xa9\":1}}",
        RG_UNKNOWN_FIELD,
        "subject.aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
}

/* Documents refused by the strict JSON layer, whatever their fields. */
static void test_invalid_documents(void **state)
{
    static const char *const docs[] = {
        "",
        "{\"to\":\"ecmj\",",
        MIN_PREFIX "} x",
        MIN_PREFIX ",\"to\":\"other\"}",
        MIN_PREFIX ",\"subject\":{\"gender\":\"male\",\"gender\":\"female\"}}",
        "{\"to\":\"ecmj\",\"signal\":\"other\",\"body\":\"\xc3\x28\"}",
        "{\"to\":\"ecmj\",\"signal\":\"other\",\"body\":\"\xed\xa0\x80\"}",
        "{\"to\":\"ecmj\",\"signal\":\"other\",\"body\":\"\\ud800\"}",
    };
    for (size_t i = 0; i < COUNT(docs); i++)
        expect_error(docs[i], RG_INVALID_JSON, "");
    static const char nul[] =
        "{\"to\":\"ecmj\",\"signal\":\"other\",\"body\":\"a\0b\"}";
    expect_error_len(nul, sizeof(nul) - 1, RG_INVALID_JSON, "");

    /* Nesting beyond the referral's limit, even in an unknown field. */
    char deep[256] = MIN_PREFIX ",\"x\":";
    size_t n = strlen(deep);
    for (int i = 0; i < 20; i++)
        deep[n++] = '[';
    for (int i = 0; i < 20; i++)
        deep[n++] = ']';
    deep[n++] = '}';
    deep[n] = '\0';
    expect_error(deep, RG_INVALID_JSON, "");

    /* Valid JSON that is not an object: refused as a bad request. */
    static const char *const not_objects[] = {"[]", "\"x\"", "null", "1",
                                              "[" MIN_PREFIX "}]"};
    for (size_t i = 0; i < COUNT(not_objects); i++) {
        struct rg_referral r;
        struct rg_error err;
        assert_int_equal(parse(not_objects[i], &r, &err), -1);
        assert_int_equal(rg_code_status(err.code), 400);
        assert_null(r.body);
    }
}

static void test_to(void **state)
{
    char doc[256], id[80];
    struct rg_referral r;
    memset(id, 'o', 64);
    id[64] = '\0';
    snprintf(doc, sizeof(doc), "{\"to\":\"%s\",\"signal\":\"other\",\"body\":\"b\"}",
             id);
    expect_ok(doc, &r);
    assert_string_equal(r.to, id);
    rg_referral_clear(&r);

    char id65[66];
    memset(id65, 'o', 65);
    id65[65] = '\0';
    const char *const bad[] = {"",         "ec mj", "ecmj/1", "ecmj%00",
                               "\xc3\xa9", "a:b",   id65};
    for (size_t i = 0; i < COUNT(bad); i++) {
        snprintf(doc, sizeof(doc),
                 "{\"to\":\"%s\",\"signal\":\"other\",\"body\":\"b\"}", bad[i]);
        expect_error(doc, RG_INVALID_FIELD, "to");
    }
}

static void test_client_ref(void **state)
{
    char ref64[65], ref65[66];
    static const char alphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-";
    memcpy(ref64, alphabet, 64);
    ref64[64] = '\0';
    memcpy(ref65, alphabet, 65);
    ref65[65] = '\0';
    assert_int_equal(strlen(alphabet), 65);

    const char *good[] = {"2026-000123", "a",   "A.b_c-9",   "...",
                          "-",           ref64, alphabet + 1};
    char doc[256];
    for (size_t i = 0; i < COUNT(good); i++) {
        struct rg_referral r;
        snprintf(doc, sizeof(doc), MIN_PREFIX ",\"client_ref\":\"%s\"}", good[i]);
        expect_ok(doc, &r);
        assert_string_equal(r.client_ref, good[i]);
        rg_referral_clear(&r);
        assert_true(rg_client_ref_valid(good[i], strlen(good[i])));
    }
    const char *bad[] = {ref65,   "",      " ",   "a b", "a/b",    "/",
                         "a%2F",  "a+b",   "a:b", "a,b", "a\\\\b", "\xc3\xa9",
                         "a\\tb", "a\\nb", "a*",  "~a"};
    for (size_t i = 0; i < COUNT(bad); i++) {
        snprintf(doc, sizeof(doc), MIN_PREFIX ",\"client_ref\":\"%s\"}", bad[i]);
        expect_error(doc, RG_INVALID_FIELD, "client_ref");
    }
    /* Direct: the length decides. */
    assert_false(rg_client_ref_valid(ref65, 65));
    assert_true(rg_client_ref_valid(ref65, 64));
    assert_false(rg_client_ref_valid("ab", 0));
    assert_false(rg_client_ref_valid("a\0b", 3));
    assert_false(rg_client_ref_valid("a/", 2));
    assert_true(rg_client_ref_valid("a/", 1));
    assert_true(rg_org_id_valid(ref64, 64));
    assert_false(rg_org_id_valid(ref65, 65));
    assert_false(rg_org_id_valid("", 0));
}

/* A referral whose body text is unit, repeat times, then tail; in an exact buffer. */
static char *doc_with_body(const char *unit, size_t repeat, const char *tail,
                           size_t *len)
{
    static const char head[] = "{\"to\":\"ecmj\",\"signal\":\"other\",\"body\":\"";
    size_t lu = strlen(unit), lt = strlen(tail);
    size_t n = sizeof(head) - 1 + lu * repeat + lt + 2;
    char *s = malloc(n);
    assert_non_null(s);
    char *p = s;
    memcpy(p, head, sizeof(head) - 1);
    p += sizeof(head) - 1;
    for (size_t i = 0; i < repeat; i++, p += lu)
        memcpy(p, unit, lu);
    memcpy(p, tail, lt);
    p += lt;
    memcpy(p, "\"}", 2);
    *len = n;
    return s;
}

static void expect_body(const char *unit, size_t repeat, const char *tail, size_t bytes)
{
    size_t len;
    char *doc = doc_with_body(unit, repeat, tail, &len);
    struct rg_referral r;
    struct rg_error err;
    if (parse_exact(doc, len, &r, &err) != 0)
        fail_msg("body of %zu bytes refused: %s at \"%s\"", bytes,
                 rg_code_name(err.code), err.field);
    assert_int_equal(r.body_len, bytes);
    assert_int_equal(strlen(r.body), bytes);
    rg_referral_clear(&r);
    free(doc);
}

static void expect_body_too_large(const char *unit, size_t repeat, const char *tail)
{
    size_t len;
    char *doc = doc_with_body(unit, repeat, tail, &len);
    expect_error_len(doc, len, RG_TOO_LARGE, "body");
    free(doc);
}

static void test_body_size(void **state)
{
    assert_int_equal(RG_BODY_MAX, 65536);
    expect_body("a", 65536, "", 65536);
    expect_body_too_large("a", 65537, "");
    expect_body_too_large("a", 200000, "");
    expect_body("a", 0, "", 0);
    /* Bytes, not characters: 21,846 euro signs are 65,538 bytes. */
    expect_body("\xe2\x82\xac", 21845, "a", 65536);
    expect_body_too_large("\xe2\x82\xac", 21846, "");
    expect_body("\xf0\x9f\x98\x80", 16384, "", 65536);
    expect_body_too_large("\xf0\x9f\x98\x80", 16384, "a");
    expect_body_too_large("\xc3\xa9", 32768, "a");

    /* The body comes back byte for byte. */
    struct rg_referral r;
    expect_ok("{\"to\":\"x\",\"signal\":\"other\",\"body\":\"l\\u00e9n\\n\\\"q\\\" "
              "\xe2\x82\xac\"}",
              &r);
    assert_string_equal(r.body, "l\xc3\xa9n\n\"q\" \xe2\x82\xac");
    assert_int_equal(r.body_len, strlen("l\xc3\xa9n\n\"q\" \xe2\x82\xac"));
    rg_referral_clear(&r);
}

static void round_trip(const char *text, size_t len)
{
    struct rg_referral a, b;
    struct rg_error err;
    if (parse_exact(text, len, &a, &err) != 0)
        fail_msg("refused: %s at \"%s\"", rg_code_name(err.code), err.field);
    cJSON *doc = rg_referral_to_json(&a);
    assert_non_null(doc);
    /* Every subject attribute is written. */
    const cJSON *subject = cJSON_GetObjectItemCaseSensitive(doc, "subject");
    assert_true(cJSON_IsObject(subject));
    assert_int_equal(cJSON_GetArraySize(subject), RG_SUBJECT_ATTRS);
    for (int i = 0; i < RG_SUBJECT_ATTRS; i++) {
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(subject, rg_subject[i].name);
        assert_true(cJSON_IsString(v));
        assert_string_equal(v->valuestring, a.subject[i]);
    }
    /* No client_ref written where the sender gave none. */
    assert_int_equal(cJSON_GetObjectItemCaseSensitive(doc, "client_ref") != NULL,
                     a.client_ref[0] != '\0');

    char *printed = rg_json_print(doc);
    assert_non_null(printed);
    if (parse_exact(printed, strlen(printed), &b, &err) != 0)
        fail_msg("own output refused: %s at \"%s\"", rg_code_name(err.code), err.field);
    assert_same_referral(&a, &b);

    /* The client's path: validating the tree it built. */
    struct rg_referral c;
    assert_int_equal(rg_referral_from_json(doc, &c, &err), 0);
    assert_same_referral(&a, &c);

    rg_referral_clear(&c);
    rg_referral_clear(&b);
    rg_referral_clear(&a);
    cJSON_free(printed);
    cJSON_Delete(doc);
}

/*
 * SPEC §4: a NUL in body is body's invalid value; a NUL in any other string
 * that field's. cJSON cuts a string at its NUL, so "ecmj\u0000x" must not
 * pass as "ecmj". Unknown fields and NULs in keys are refused as before.
 */
static void test_nul_in_a_value(void **state)
{
    static const struct {
        const char *doc;
        enum rg_code code;
        const char *field;
    } cases[] = {
        {"{\"to\":\"ecmj\",\"signal\":\"other\",\"body\":\"a\\u0000b\"}",
         RG_INVALID_FIELD, "body"},
        {"{\"to\":\"ecmj\",\"signal\":\"other\",\"body\":\"\\u0000\"}",
         RG_INVALID_FIELD, "body"},
        {"{\"to\":\"ecmj\",\"signal\":\"other\",\"body\":\"ab\\u0000\"}",
         RG_INVALID_FIELD, "body"},
        {"{\"to\":\"ecmj\\u0000x\",\"signal\":\"other\",\"body\":\"b\"}",
         RG_INVALID_FIELD, "to"},
        {"{\"to\":\"ecmj\",\"signal\":\"other\\u0000\",\"body\":\"b\"}",
         RG_INVALID_FIELD, "signal"},
        {MIN_PREFIX ",\"urgency\":\"urgent\\u0000\"}", RG_INVALID_FIELD, "urgency"},
        {MIN_PREFIX ",\"client_ref\":\"r1\\u0000r2\"}", RG_INVALID_FIELD, "client_ref"},
        {MIN_PREFIX ",\"subject\":{\"gender\":\"male\\u0000\"}}", RG_INVALID_FIELD,
         "subject.gender"},
        {MIN_PREFIX ",\"subject\":{\"age_band\":\"16_17\",\"municipality\":"
                    "\"GM0935\\u0000\"}}",
         RG_INVALID_FIELD, "subject.municipality"},
        {MIN_PREFIX ",\"subject\":\"\\u0000\"}", RG_INVALID_FIELD, "subject"},
        {"{\"to\":\"ecmj\",\"signal\":\"other\",\"body_cms\":\"MIIB\\u0000AAAA\"}",
         RG_INVALID_FIELD, "body_cms"},
        /* The NUL after an escaped quote or backslash is still seen. */
        {"{\"to\":\"ecmj\",\"signal\":\"other\",\"body\":\"\\\"\\u0000\"}",
         RG_INVALID_FIELD, "body"},
        {"{\"to\":\"ecmj\",\"signal\":\"other\",\"body\":\"\\\\\\u0000\"}",
         RG_INVALID_FIELD, "body"},
        /* Unknown fields first, whatever they hold. */
        {MIN_PREFIX ",\"colour\":\"a\\u0000\"}", RG_UNKNOWN_FIELD, "colour"},
        {MIN_PREFIX ",\"subject\":{\"name\":\"\\u0000\"}}", RG_UNKNOWN_FIELD,
         "subject.name"},
        /* A key with a NUL cannot be told from its cut: not JSON we take. */
        {MIN_PREFIX ",\"to\\u0000x\":\"a\"}", RG_INVALID_JSON, ""},
        {"{\"to\":\"ecmj\",\"signal\":\"other\",\"bo\\u0000dy\":\"b\",\"body\":\"b\"}",
         RG_INVALID_JSON, ""},
        /* A raw NUL byte or a \\u escape without four hex digits is not JSON. */
        {"{\"to\":\"ecmj\",\"signal\":\"other\",\"body\":\"a\\uZZZZb\"}",
         RG_INVALID_JSON, ""},
    };
    for (size_t i = 0; i < COUNT(cases); i++)
        expect_error(cases[i].doc, cases[i].code, cases[i].field);
    static const char raw[] =
        "{\"to\":\"ecmj\",\"signal\":\"other\",\"body\":\"a\0b\"}";
    expect_error_len(raw, sizeof(raw) - 1, RG_INVALID_JSON, "");
    /* The text \\u0000 (an escaped backslash, then u0000) is no NUL. */
    struct rg_referral r;
    expect_ok("{\"to\":\"ecmj\",\"signal\":\"other\",\"body\":\"\\\\u0000\"}", &r);
    assert_string_equal(r.body, "\\u0000");
    rg_referral_clear(&r);
}

static void test_to_json_round_trips(void **state)
{
    round_trip(spec_example, strlen(spec_example));
    static const char minimal[] = MIN_PREFIX "}";
    round_trip(minimal, strlen(minimal));
    static const char escapes[] =
        "{\"to\":\"x\",\"signal\":\"sexual_exploitation\",\"urgency\":\"urgent\","
        "\"client_ref\":\"r.1_-\",\"subject\":{\"municipality\":\"GM0001\","
        "\"addiction\":\"multiple\"},"
        "\"body\":\"\\\"quoted\\\" \\\\ \\/ \\b\\f\\n\\r\\t \\u0001 \\u00e9 "
        "\\ud83d\\ude00 "
        "\xe2\x82\xac \xf4\x8f\xbf\xbf\"}";
    round_trip(escapes, strlen(escapes));
    size_t len;
    char *big = doc_with_body("\xe2\x82\xac", 21845, "a", &len);
    round_trip(big, len);
    free(big);
}

/* The client builds a tree from flags; it must refuse what the gateway would. */
static void test_from_json_validates(void **state)
{
    struct rg_referral r;
    struct rg_error err;
    cJSON *doc = cJSON_CreateObject();
    cJSON_AddStringToObject(doc, "to", "ecmj");
    cJSON_AddStringToObject(doc, "signal", "loverboy");
    cJSON_AddStringToObject(doc, "body", "text");
    assert_int_equal(rg_referral_from_json(doc, &r, &err), 0);
    rg_referral_clear(&r);

    cJSON *subject = cJSON_AddObjectToObject(doc, "subject");
    cJSON_AddStringToObject(subject, "age_band", "17");
    assert_int_equal(rg_referral_from_json(doc, &r, &err), -1);
    assert_int_equal(err.code, RG_INVALID_FIELD);
    assert_string_equal(err.field, "subject.age_band");
    assert_null(r.body);
    cJSON_DeleteItemFromObjectCaseSensitive(subject, "age_band");

    cJSON_AddStringToObject(doc, "extra", "x");
    assert_int_equal(rg_referral_from_json(doc, &r, &err), -1);
    assert_int_equal(err.code, RG_UNKNOWN_FIELD);
    assert_string_equal(err.field, "extra");
    cJSON_DeleteItemFromObjectCaseSensitive(doc, "extra");

    /* A body read from a file that is not UTF-8: the gateway would refuse it. */
    cJSON_ReplaceItemInObjectCaseSensitive(doc, "body", cJSON_CreateString("caf\xe9"));
    assert_int_equal(rg_referral_from_json(doc, &r, &err), -1);
    assert_int_equal(rg_code_status(err.code), 400);
    assert_string_equal(err.field, "body");
    assert_null(r.body);
    cJSON_ReplaceItemInObjectCaseSensitive(doc, "body",
                                           cJSON_CreateString("\xed\xa0\x80"));
    assert_int_equal(rg_referral_from_json(doc, &r, &err), -1);
    assert_string_equal(err.field, "body");

    /* And one over the limit. */
    char *huge = malloc(RG_BODY_MAX + 2);
    memset(huge, 'h', RG_BODY_MAX + 1);
    huge[RG_BODY_MAX + 1] = '\0';
    cJSON_ReplaceItemInObjectCaseSensitive(doc, "body", cJSON_CreateString(huge));
    assert_int_equal(rg_referral_from_json(doc, &r, &err), -1);
    assert_int_equal(err.code, RG_TOO_LARGE);
    assert_string_equal(err.field, "body");
    free(huge);

    cJSON_Delete(doc);
    assert_int_equal(rg_referral_from_json(NULL, &r, &err), -1);
}

static void test_clear_wipes(void **state)
{
    struct rg_referral r;
    memset(&r, 0, sizeof(r));
    rg_referral_clear(&r); /* zeroed: safe */
    expect_ok(spec_example, &r);
    rg_referral_clear(&r);
    assert_null(r.body);
    assert_int_equal(r.body_len, 0);
    assert_string_equal(r.to, "");
    assert_string_equal(r.client_ref, "");
    for (int i = 0; i < RG_SUBJECT_ATTRS; i++)
        assert_string_equal(r.subject[i], "");
}

/*
 * rg_referral_parse_terminated reads the caller's buffer in place only when
 * buf[len] is the NUL: here what follows len is more text, which cJSON
 * would take for trailing garbage, so it parses a copy and accepts. Either
 * way the body is the string cJSON made, not a copy of it.
 */
static void test_terminated_reads_only_len(void **state)
{
    static const char text[] = MIN_PREFIX "}, \"and\": \"more\"}";
    size_t len = strlen(MIN_PREFIX "}");
    struct rg_referral r;
    struct rg_error err;
    assert_int_equal(rg_referral_parse_terminated(text, len, &r, &err), 0);
    assert_string_equal(r.body, "b");
    assert_true(r.body_cjson);
    rg_referral_clear(&r);
    assert_int_equal(rg_referral_parse_terminated(text, sizeof(text) - 1, &r, &err),
                     -1);
    assert_int_equal(err.code, RG_INVALID_JSON);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_spec_example),
        cmocka_unit_test(test_field_order_is_free),
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_every_signal_urgency_and_attribute_value),
        cmocka_unit_test(test_missing_fields),
        cmocka_unit_test(test_wrong_types),
        cmocka_unit_test(test_bad_enum_values),
        cmocka_unit_test(test_unknown_fields),
        cmocka_unit_test(test_invalid_documents),
        cmocka_unit_test(test_nul_in_a_value),
        cmocka_unit_test(test_to),
        cmocka_unit_test(test_client_ref),
        cmocka_unit_test(test_body_size),
        cmocka_unit_test(test_to_json_round_trips),
        cmocka_unit_test(test_from_json_validates),
        cmocka_unit_test(test_clear_wipes),
        cmocka_unit_test(test_terminated_reads_only_len),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
