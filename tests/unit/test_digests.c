/*
 * test_digests.c - the keyed digests that stand in for a client_ref and a
 * referral's content (digests.h). They are kept in stores that outlive any
 * version of refgwd, so they must never change: the expected values here
 * were computed apart from refgwd (Python's hmac module) from the format
 * digests.h describes, HMAC-SHA256 over fields each led by its length as 8
 * bytes, least significant first.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "digests.h"

static void hex(const unsigned char *d, char out[2 * DIGEST_LEN + 1])
{
    for (int i = 0; i < DIGEST_LEN; i++)
        snprintf(out + 2 * i, 3, "%02x", d[i]);
}

static struct digester *keyed(void)
{
    unsigned char secret[32];
    for (int i = 0; i < 32; i++)
        secret[i] = (unsigned char)(i + 1);
    struct digester *d = digester_new(secret, sizeof(secret));
    assert_non_null(d);
    return d;
}

static void make(struct rg_referral *r, char *body, const char *client_ref)
{
    static const char *const subject[RG_SUBJECT_ATTRS] = {
        "16_17",   "male",    "GM0935",  "unknown",
        "unknown", "unknown", "unknown", "unknown"};
    memset(r, 0, sizeof(*r));
    snprintf(r->to, sizeof(r->to), "care-a");
    snprintf(r->client_ref, sizeof(r->client_ref), "%s", client_ref);
    snprintf(r->signal, sizeof(r->signal), "loverboy");
    snprintf(r->urgency, sizeof(r->urgency), "normal");
    for (int i = 0; i < RG_SUBJECT_ATTRS; i++)
        snprintf(r->subject[i], sizeof(r->subject[i]), "%s", subject[i]);
    r->body = body;
    r->body_len = strlen(body);
}

static void test_values_are_stable(void **state)
{
    (void)state;
    struct digester *d = keyed();
    char body[] = "Seen at the station, Monday.";
    struct rg_referral r;
    make(&r, body, "2026-000123");
    struct put_digests a, b;
    char h[2 * DIGEST_LEN + 1];
    assert_int_equal(digester_put(d, "school-a", &r, &a), 0);
    hex(a.content, h);
    assert_string_equal(
        h, "4f96f8b4b838767502662b8c6a477ff0062b47a62a6bb2545404984a1dd62088");
    hex(a.ref_key, h);
    assert_string_equal(
        h, "001164c38f996ea505049f88040da61a9e91f35ff77a394b8f2d2fb6c1642ee3");

    /* Another sender's client_ref is its own; the content digest is the same. */
    assert_int_equal(digester_put(d, "school-b", &r, &b), 0);
    hex(b.ref_key, h);
    assert_string_equal(
        h, "d7a16d8ae85ced9571c060cd7ead31015cd1f4abf1db674089bedae416a46320");
    assert_memory_equal(a.content, b.content, DIGEST_LEN);
    digester_free(d);
}

/* Each digest starts afresh: the same input gives the same digest again,
 * whatever was hashed in between. */
static void test_no_state_between_digests(void **state)
{
    (void)state;
    struct digester *d = keyed();
    char body[] = "Seen at the station, Monday.", other[] = "something else";
    struct rg_referral r, o;
    make(&r, body, "2026-000123");
    make(&o, other, "");
    struct put_digests first, between, again;
    assert_int_equal(digester_put(d, "school-a", &r, &first), 0);
    assert_int_equal(digester_put(d, "school-a", &o, &between), 0);
    assert_int_equal(digester_put(d, "school-a", &r, &again), 0);
    assert_memory_equal(first.content, again.content, DIGEST_LEN);
    assert_memory_equal(first.ref_key, again.ref_key, DIGEST_LEN);
    assert_memory_not_equal(first.content, between.content, DIGEST_LEN);
    /* Without a client_ref there is no key to compare. */
    static const unsigned char zero[DIGEST_LEN];
    assert_memory_equal(between.ref_key, zero, DIGEST_LEN);
    digester_free(d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_values_are_stable),
        cmocka_unit_test(test_no_state_between_digests),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
