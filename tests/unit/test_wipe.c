/*
 * Unit tests of lib/wipe.c: no freed block still holds referral content.
 *
 * The program is linked with -Wl,--wrap=free, so every free() of the code
 * under test (lib/, and cJSON's frees, which go through the hooks) passes
 * through wrap_free below, which looks for a canary in the block before
 * handing it to the real free. Each case parses, builds and prints
 * documents carrying the canary the way the gateway and the client do, then
 * frees everything. A control case without the wiping allocator must see
 * the canary in freed blocks: proof that the check can fail.
 */
#define _GNU_SOURCE
#include <malloc.h>
#include <setjmp.h>
#include <stdalign.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "json.h"
#include "json_arena.h"
#include "referral.h"
#include "wipe.h"

#define CANARY "canary-7f3a9c41-body-of-a-referral"

void __real_free(void *p);
void __wrap_free(void *p);

static int leaks; /* freed blocks that still held the canary */
static int frees; /* blocks freed, NULL aside */

void __wrap_free(void *p)
{
    if (p != NULL) {
        frees++;
        size_t n = malloc_usable_size(p);
        if (memmem(p, n, CANARY, strlen(CANARY)) != NULL)
            leaks++;
    }
    __real_free(p);
}

static const char referral_doc[] =
    "{\"to\":\"ecmj\",\"signal\":\"loverboy\",\"client_ref\":\"r-1\","
    "\"subject\":{\"age_band\":\"16_17\",\"gender\":\"male\"},"
    "\"body\":\"Observed: " CANARY ", call the mentor.\"}";

/* What the gateway does with a send, and the client with a referral it
 * reads: parse and validate, then free. */
static void parse_and_clear(void)
{
    struct rg_referral r;
    struct rg_error err;
    assert_int_equal(rg_referral_parse(referral_doc, strlen(referral_doc), &r, &err),
                     0);
    assert_non_null(strstr(r.body, CANARY));
    rg_referral_clear(&r);
    /* The server's entry: the body is the string cJSON made, taken. */
    assert_int_equal(
        rg_referral_parse_terminated(referral_doc, strlen(referral_doc), &r, &err), 0);
    assert_non_null(strstr(r.body, CANARY));
    rg_referral_clear(&r);
    cJSON *doc = rg_json_parse(referral_doc, strlen(referral_doc), 8, &err);
    assert_non_null(doc);
    cJSON_Delete(doc);
}

/* What the gateway does with an inbox answer: a tree of items with their
 * bodies, printed, sent, and freed. */
static void build_and_print(void)
{
    cJSON *doc = cJSON_CreateObject();
    cJSON *list = cJSON_AddArrayToObject(doc, "referrals");
    for (int i = 0; i < 40; i++) {
        cJSON *item = cJSON_CreateObject();
        cJSON_AddStringToObject(item, "body", "Observed: " CANARY ".");
        cJSON_AddItemToArray(list, item);
    }
    char *text = rg_json_print(doc);
    assert_non_null(text);
    cJSON_Delete(doc);
    cJSON_free(text);
}

static void test_nothing_freed_holds_content(void **state)
{
    rg_json_use_wiping_allocator();
    leaks = 0;
    parse_and_clear();
    build_and_print();
    assert_int_equal(leaks, 0);
}

/* cJSON as it allocates by default, but with its frees made visible here
 * (the default ones happen inside libcjson, out of the wrap's reach). */
static void plain_free(void *p)
{
    free(p);
}

static void test_without_wiping_the_canary_survives(void **state)
{
    cJSON_Hooks plain = {malloc, plain_free};
    cJSON_InitHooks(&plain);
    leaks = 0;
    parse_and_clear();
    assert_true(leaks > 0);
    leaks = 0;
    build_and_print();
    assert_true(leaks > 0);
}

static void test_wiping_free_zeroes_the_block(void **state)
{
    char *p = rg_wiping_malloc(64);
    assert_non_null(p);
    memcpy(p, CANARY, sizeof(CANARY));
    leaks = 0;
    rg_wiping_free(p);
    assert_int_equal(leaks, 0);
    rg_wiping_free(NULL);
    assert_null(rg_wiping_malloc(SIZE_MAX));
}

/* Growing and shrinking keep the content and leave no copy in freed memory. */
static void test_wiping_realloc(void **state)
{
    char *p = rg_wiping_realloc(NULL, 16);
    assert_non_null(p);
    memcpy(p, "0123456789abcde", 16);
    leaks = 0;
    for (size_t n = 64; n <= 4096; n *= 4) {
        p = rg_wiping_realloc(p, n);
        assert_non_null(p);
        if (n == 64)
            memcpy(p + 16, CANARY, sizeof(CANARY)); /* moved by the next grow */
    }
    assert_memory_equal(p, "0123456789abcde", 16);
    assert_string_equal(p + 16, CANARY);
    p = rg_wiping_realloc(p, 20); /* shrinks: the canary is cut, the rest kept */
    assert_non_null(p);
    assert_memory_equal(p, "0123456789abcde", 16);
    assert_null(rg_wiping_realloc(p, 0)); /* frees */
    assert_int_equal(leaks, 0);
    p = rg_wiping_malloc(8);
    assert_null(rg_wiping_realloc(p, SIZE_MAX)); /* fails: p is still p's */
    rg_wiping_free(p);
}

/* Whether any block the arena can hand out holds the canary: walks this
 * thread's whole arena in a scope of its own (which wipes it again). */
static bool arena_holds_canary(void)
{
    bool found = false;
    rg_json_arena_begin();
    unsigned char *p;
    while ((p = rg_json_arena_alloc(RG_JSON_ARENA_BLOCK_MAX)) != NULL)
        found = found || memmem(p, RG_JSON_ARENA_BLOCK_MAX, CANARY, strlen(CANARY));
    rg_json_arena_end();
    return found;
}

static void test_arena_blocks(void **state)
{
    rg_json_arena_begin();
    char *a = rg_json_arena_alloc(10), *b = rg_json_arena_alloc(1);
    assert_non_null(a);
    assert_true(rg_json_arena_owns(a) && rg_json_arena_owns(b));
    assert_true((uintptr_t)b % alignof(max_align_t) == 0 && b - a >= 10);
    assert_null(rg_json_arena_alloc(RG_JSON_ARENA_BLOCK_MAX + 1));
    assert_null(rg_json_arena_alloc(0));
    memcpy(a, CANARY, 10);
    size_t taken = 2;
    while (rg_json_arena_alloc(RG_JSON_ARENA_BLOCK_MAX) != NULL)
        taken++;
    assert_true(taken * RG_JSON_ARENA_BLOCK_MAX >= RG_JSON_ARENA_SIZE / 2);
    rg_json_arena_end();
    assert_null(rg_json_arena_alloc(8)); /* closed: the heap's turn */
    for (size_t i = 0; i < 10; i++)
        assert_int_equal(a[i], 0); /* wiped at the end */
    char *heap = malloc(8);
    assert_false(rg_json_arena_owns(heap));
    free(heap);
}

/* A send's parse takes the tree's small blocks from the arena: a referral
 * with a body too large for it frees one block from the heap (the body, at
 * its clear), not one per node, key and value. The arena keeps no content
 * after the parse, and a short body, made in the arena, is copied out. */
static void test_parse_uses_the_arena(void **state)
{
    rg_json_use_wiping_allocator();
    char doc[1024];
    char body[400];
    memset(body, 'x', sizeof(body) - 1);
    body[sizeof(body) - 1] = '\0';
    snprintf(doc, sizeof(doc),
             "{\"to\":\"ecmj\",\"signal\":\"loverboy\",\"client_ref\":\"r-1\","
             "\"subject\":{\"age_band\":\"16_17\",\"gender\":\"male\","
             "\"municipality\":\"%s\"},\"body\":\"%s\"}",
             "GM0363", body);
    struct rg_referral r;
    struct rg_error err;
    frees = 0;
    assert_int_equal(rg_referral_parse_terminated(doc, strlen(doc), &r, &err), 0);
    rg_referral_clear(&r);
    assert_int_equal(frees, 1);

    leaks = 0;
    assert_int_equal(
        rg_referral_parse_terminated(referral_doc, strlen(referral_doc), &r, &err), 0);
    assert_false(arena_holds_canary());
    assert_non_null(strstr(r.body, CANARY)); /* short: copied out of the arena */
    assert_false(rg_json_arena_owns(r.body));
    rg_referral_clear(&r);
    assert_int_equal(leaks, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_wiping_free_zeroes_the_block),
        cmocka_unit_test(test_wiping_realloc),
        cmocka_unit_test(test_nothing_freed_holds_content),
        cmocka_unit_test(test_without_wiping_the_canary_survives),
        cmocka_unit_test(test_arena_blocks),
        cmocka_unit_test(test_parse_uses_the_arena),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
