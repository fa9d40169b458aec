/*
 * test_send_answer.c - the answer to a send (server/http/call.c), printed
 * without a cJSON tree: byte for byte what cJSON_PrintUnformatted gave of
 * the tree send_done built before, for every state, fresh and old ids, new
 * and duplicate; and nothing printed for a string that would need escaping.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "call.h"
#include "ids.h"
#include "ops.h"

/* What send_done printed until it printed directly. */
static char *printed_by_cjson(const char *id, const char *state, bool duplicate)
{
    cJSON *doc = cJSON_CreateObject();
    cJSON_AddStringToObject(doc, "id", id);
    cJSON_AddStringToObject(doc, "status", state);
    if (duplicate)
        cJSON_AddBoolToObject(doc, "duplicate", 1);
    char *text = cJSON_PrintUnformatted(doc);
    cJSON_Delete(doc);
    assert_non_null(text);
    return text;
}

static void expect_same_bytes(const char *id, const char *state, bool duplicate)
{
    char out[128];
    char *want = printed_by_cjson(id, state, duplicate);
    int n = call_format_send_answer(out, sizeof(out), id, state, duplicate);
    assert_int_equal(n, (int)strlen(want));
    assert_memory_equal(out, want, (size_t)n + 1);
    cJSON_free(want);
}

/* Each state name the store gives (and "queued" of a fresh send), with ids
 * drawn at random and ids of the first version's length. */
static void test_same_bytes_as_cjson(void **state)
{
    for (int s = 0; s < 5; s++) {
        const char *name = referral_state_name((enum referral_state)s);
        for (int i = 0; i < 200; i++) {
            char id[RG_ID_LEN + 1];
            assert_int_equal(rg_id_new(id), 0);
            expect_same_bytes(id, name, i & 1);
            id[RG_ID_LEN_OLD] = '\0';
            expect_same_bytes(id, name, !(i & 1));
        }
    }
    /* Every character of the id alphabet, at once. */
    expect_same_bytes(rg_id_chars, "queued", false);
    expect_same_bytes(rg_id_chars, "acknowledged", true);
}

/* A string that cJSON would escape, or that is not ASCII, is not printed. */
static void test_refuses_what_needs_escaping(void **state)
{
    static const char *const bad[] = {"a\"b", "a\\b", "a\nb",
                                      "\x01", "\x7f", "caf\xc3\xa9"};
    char out[128];
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        assert_int_equal(call_format_send_answer(out, sizeof(out), bad[i], "queued", 0),
                         -1);
        assert_int_equal(call_format_send_answer(out, sizeof(out), "id", bad[i], 1),
                         -1);
    }
}

/* Too small a buffer: -1, never a cut document. */
static void test_refuses_to_cut(void **state)
{
    char out[128];
    const char *id = "ABCDEFGHIJKLMNOPQRSTUVWX";
    int n = call_format_send_answer(out, sizeof(out), id, "queued", false);
    assert_true(n > 0);
    assert_int_equal(call_format_send_answer(out, (size_t)n + 1, id, "queued", false),
                     n);
    assert_int_equal(call_format_send_answer(out, (size_t)n, id, "queued", false), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_same_bytes_as_cjson),
        cmocka_unit_test(test_refuses_what_needs_escaping),
        cmocka_unit_test(test_refuses_to_cut),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
