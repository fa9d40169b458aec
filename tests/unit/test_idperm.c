/*
 * test_idperm.c - ids as a keyed permutation of the sequence (idperm.h): a
 * bijection on a sample (every id decodes to its number, no two alike),
 * each of the shape rg_id_valid accepts; an id altered in any one character,
 * an id of another key, and random strings decode to nothing.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "idperm.h"
#include "ids.h"

#define SAMPLE 20000

static const char alphabet[] =
    "-0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz";

static struct rg_idperm *perm_of(unsigned char fill)
{
    unsigned char key[RG_IDPERM_KEY_LEN];
    memset(key, fill, sizeof(key));
    struct rg_idperm *p = rg_idperm_new(key);
    assert_non_null(p);
    return p;
}

static int by_id(const void *a, const void *b)
{
    return memcmp(a, b, RG_ID_LEN + 1);
}

/* The numbers 1..SAMPLE and some far ones. */
static uint64_t sample(size_t i)
{
    if (i < SAMPLE - 4)
        return i + 1;
    static const uint64_t far[] = {0, (uint64_t)INT64_MAX, UINT64_MAX, 1ull << 40};
    return far[i - (SAMPLE - 4)];
}

static void test_bijection_on_a_sample(void **state)
{
    (void)state;
    struct rg_idperm *p = perm_of(7);
    char(*ids)[RG_ID_LEN + 1] = calloc(SAMPLE, sizeof(*ids));
    assert_non_null(ids);
    for (size_t i = 0; i < SAMPLE; i++) {
        assert_int_equal(rg_idperm_encode(p, sample(i), ids[i]), 0);
        assert_int_equal(strlen(ids[i]), RG_ID_LEN);
        assert_true(rg_id_valid(ids[i], RG_ID_LEN));
        /* A letter first: never read as an option on a command line. */
        assert_true((ids[i][0] >= 'A' && ids[i][0] <= 'Z') ||
                    (ids[i][0] >= 'a' && ids[i][0] <= 'z'));
        uint64_t back = 0;
        assert_true(rg_idperm_decode(p, ids[i], RG_ID_LEN, &back));
        assert_true(back == sample(i));
    }
    qsort(ids, SAMPLE, sizeof(*ids), by_id);
    for (size_t i = 1; i < SAMPLE; i++)
        assert_int_not_equal(memcmp(ids[i - 1], ids[i], RG_ID_LEN), 0);
    free(ids);
    rg_idperm_free(p);
}

/* Consecutive numbers give ids with nothing in common: each character of
 * the id of n+1 differs from that of n about as often as chance says
 * (63/64 of the time; the first 31/32), never systematically alike. */
static void test_neighbours_look_unrelated(void **state)
{
    (void)state;
    struct rg_idperm *p = perm_of(9);
    int same[RG_ID_LEN] = {0};
    char a[RG_ID_LEN + 1], b[RG_ID_LEN + 1];
    assert_int_equal(rg_idperm_encode(p, 1, a), 0);
    for (uint64_t n = 2; n <= 4001; n++) {
        assert_int_equal(rg_idperm_encode(p, n, b), 0);
        for (int c = 0; c < RG_ID_LEN; c++)
            same[c] += a[c] == b[c];
        memcpy(a, b, sizeof(a));
    }
    for (int c = 0; c < RG_ID_LEN; c++)
        assert_true(same[c] < 4000 / 16); /* chance: about 63 (125 for the first) */
    rg_idperm_free(p);
}

static void test_altered_ids_decode_to_nothing(void **state)
{
    (void)state;
    struct rg_idperm *p = perm_of(7), *other = perm_of(8);
    char id[RG_ID_LEN + 1], bad[RG_ID_LEN + 1];
    uint64_t seq;
    for (uint64_t n = 1; n <= 200; n++) {
        assert_int_equal(rg_idperm_encode(p, n, id), 0);
        assert_false(rg_idperm_decode(other, id, RG_ID_LEN, &seq));
        assert_false(rg_idperm_decode(p, id, RG_ID_LEN - 1, &seq));
        for (int c = 0; c < RG_ID_LEN; c++)
            for (int k = 0; k < 64; k += 5) {
                memcpy(bad, id, sizeof(bad));
                bad[c] = alphabet[k];
                if (bad[c] == id[c])
                    continue;
                assert_false(rg_idperm_decode(p, bad, RG_ID_LEN, &seq));
            }
    }
    /* Random strings of the right shape. */
    srand(1);
    for (int i = 0; i < 100000; i++) {
        for (int c = 0; c < RG_ID_LEN; c++)
            bad[c] = alphabet[rand() % 64];
        bad[RG_ID_LEN] = '\0';
        assert_false(rg_idperm_decode(p, bad, RG_ID_LEN, &seq));
    }
    rg_idperm_free(p);
    rg_idperm_free(other);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bijection_on_a_sample),
        cmocka_unit_test(test_neighbours_look_unrelated),
        cmocka_unit_test(test_altered_ids_decode_to_nothing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
