/*
 * test_ids.c - referral ids and the API's time formats.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "ids.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))
#define MANY 10000

static bool url_safe(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
           c == '-' || c == '_';
}

static bool id_valid(const char *s, size_t len)
{
    char *copy = malloc(len ? len : 1); /* exact length: ASan sees overreads */
    assert_non_null(copy);
    memcpy(copy, s, len);
    bool ok = rg_id_valid(copy, len);
    free(copy);
    return ok;
}

static void test_new_id_shape(void **state)
{
    char id[RG_ID_LEN + 1];
    assert_int_equal(RG_ID_LEN, 24); /* all random */
    for (int i = 0; i < 100; i++) {
        memset(id, '#', sizeof(id));
        assert_int_equal(rg_id_new(id), 0);
        assert_int_equal(strlen(id), RG_ID_LEN);
        for (size_t k = 0; k < RG_ID_LEN; k++)
            if (!url_safe(id[k]))
                fail_msg("id \"%s\" has character %zu not URL-safe", id, k);
        assert_true(rg_id_valid(id, RG_ID_LEN));
        /* `refgw ack ID` must not read an id as an option. */
        if (id[0] == '-')
            fail_msg("id \"%s\" starts with '-'", id);
    }
}

static int compare_ids(const void *a, const void *b)
{
    return memcmp(a, b, RG_ID_LEN + 1);
}

static void test_new_ids_are_distinct_and_random(void **state)
{
    char(*ids)[RG_ID_LEN + 1] = calloc(MANY, sizeof(*ids));
    assert_non_null(ids);
    for (int i = 0; i < MANY; i++)
        assert_int_equal(rg_id_new(ids[i]), 0);

    /* Every position varies widely: the first takes 32 letters, the others
     * all 64 characters. */
    for (size_t k = 0; k < RG_ID_LEN; k++) {
        bool seen[256] = {false};
        int distinct = 0;
        for (int i = 0; i < MANY; i++) {
            unsigned char c = (unsigned char)ids[i][k];
            distinct += !seen[c];
            seen[c] = true;
        }
        if (distinct < (k == 0 ? 30 : 60))
            fail_msg("position %zu takes only %d values in %d ids", k, distinct, MANY);
    }
    /* No counter and no time: ids made one after another share no prefix. */
    int same_start = 0;
    for (int i = 1; i < MANY; i++)
        same_start += memcmp(ids[i - 1], ids[i], 3) == 0;
    assert_true(same_start < 5);

    qsort(ids, MANY, sizeof(*ids), compare_ids);
    for (int i = 1; i < MANY; i++)
        if (memcmp(ids[i - 1], ids[i], RG_ID_LEN) == 0)
            fail_msg("id %s issued twice", ids[i]);
    free(ids);
}

/* SPEC §5: ids carry no time. Ids made seconds apart are no more alike, and
 * sort no more in order, than ids made at once. */
static void test_ids_carry_no_time(void **state)
{
    enum { PAIRS = 200 };
    int in_order = 0;
    for (int i = 0; i < PAIRS; i++) {
        char a[RG_ID_LEN + 1], b[RG_ID_LEN + 1];
        assert_int_equal(rg_id_new(a), 0);
        if (i % 50 == 0) {
            struct timespec pause = {0, 20 * 1000 * 1000};
            nanosleep(&pause, NULL);
        }
        assert_int_equal(rg_id_new(b), 0);
        in_order += strcmp(a, b) < 0;
    }
    /* Ordered by time, every pair would be in order; at random, about half. */
    if (in_order < PAIRS / 4 || in_order > PAIRS * 3 / 4)
        fail_msg("%d of %d ids made later sort after the earlier one", in_order, PAIRS);
}

static void test_random_bytes(void **state)
{
    unsigned char a[64], b[64], zero[64] = {0};
    memset(a, 0, sizeof(a));
    memset(b, 0, sizeof(b));
    assert_int_equal(rg_random_bytes(a, sizeof(a)), 0);
    assert_int_equal(rg_random_bytes(b, sizeof(b)), 0);
    assert_memory_not_equal(a, b, sizeof(a));
    assert_memory_not_equal(a, zero, sizeof(a));
    assert_int_equal(rg_random_bytes(a, 0), 0);
    /* A large request is filled entirely. */
    size_t n = 1 << 20;
    unsigned char *big = calloc(1, n);
    assert_non_null(big);
    assert_int_equal(rg_random_bytes(big, n), 0);
    size_t zeros = 0;
    for (size_t i = n - 4096; i < n; i++)
        zeros += big[i] == 0;
    assert_true(zeros < 100); /* ~16 expected */
    free(big);
}

/* Pooled draws: every byte handed out once, across the pool's refills (7
 * does not divide its size), and draws larger than the pool filled whole. */
static void test_random_pooled(void **state)
{
    enum { DRAW = 7, DRAWS = 600 }; /* 4,200 bytes: the pool refills 4 times */
    unsigned char *all = calloc(DRAWS, DRAW);
    assert_non_null(all);
    for (int i = 0; i < DRAWS; i++)
        assert_int_equal(rg_random_pooled(all + i * DRAW, DRAW), 0);
    /* A repeated 7-byte draw means the pool handed its bytes out twice. */
    for (int i = 0; i < DRAWS; i++)
        for (int j = i + 1; j < DRAWS; j++)
            assert_memory_not_equal(all + i * DRAW, all + j * DRAW, DRAW);
    size_t zeros = 0;
    for (size_t i = 0; i < DRAWS * DRAW; i++)
        zeros += all[i] == 0;
    assert_true(zeros < 60); /* ~16 expected */
    free(all);

    unsigned char big[4096] = {0};
    assert_int_equal(rg_random_pooled(big, sizeof(big)), 0);
    zeros = 0;
    for (size_t i = 0; i < sizeof(big); i++)
        zeros += big[i] == 0;
    assert_true(zeros < 60);
    assert_int_equal(rg_random_pooled(big, 0), 0);
}

static void test_id_valid(void **state)
{
    static const char *const good[] = {
        "AAAAAAAAAAAAAAAAAAAAAAAA", "abcdefghijklmnopqrstuvwx",
        "0123456789-_ABCDEFGHIJKL", "________________________",
        "------------------------", "zZ09-_zZ09-_zZ09-_zZ09-_",
    };
    for (size_t i = 0; i < COUNT(good); i++) {
        assert_int_equal(strlen(good[i]), RG_ID_LEN);
        if (!id_valid(good[i], RG_ID_LEN))
            fail_msg("\"%s\" refused", good[i]);
    }
    static const char *const bad_length[] = {
        "",
        "A",
        "AAAAAAAAAAAAAAAAAAAAAAA",
        "AAAAAAAAAAAAAAAAAAAAAAAAA",
        "AAAAAAAAAAAAAAAAAAAAA",
        "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"};
    for (size_t i = 0; i < COUNT(bad_length); i++)
        if (id_valid(bad_length[i], strlen(bad_length[i])))
            fail_msg("\"%s\" (%zu) accepted", bad_length[i], strlen(bad_length[i]));

    static const char bad_chars[] = {'/', '%', '.',  '\0', '+', '=', ' ',    '\n',
                                     '?', '#', '\\', '~',  ':', '"', '\x80', '\xff'};
    char id[RG_ID_LEN + 1];
    for (size_t c = 0; c < sizeof(bad_chars); c++) {
        for (size_t at = 0; at < RG_ID_LEN; at += 7) {
            memset(id, 'A', RG_ID_LEN);
            id[RG_ID_LEN] = '\0';
            id[at] = bad_chars[c];
            if (id_valid(id, RG_ID_LEN))
                fail_msg("character 0x%02x at %zu accepted",
                         (unsigned char)bad_chars[c], at);
        }
        memset(id, 'A', RG_ID_LEN);
        id[RG_ID_LEN - 1] = bad_chars[c];
        assert_false(id_valid(id, RG_ID_LEN));
    }
    /* Ids issued before ids led with their time (22 random characters) can
     * still be in a store: they stay valid, with the same alphabet. */
    assert_int_equal(RG_ID_LEN_OLD, 22);
    assert_true(id_valid("ATQxe6Y75SdGgTDKu5zJpQ", RG_ID_LEN_OLD));
    assert_true(id_valid("-_zZ09-_zZ09-_zZ09-_zZ", RG_ID_LEN_OLD));
    assert_false(id_valid("ATQxe6Y75SdGgTDKu5zJp/", RG_ID_LEN_OLD));

    /* Path tricks. */
    assert_false(id_valid("..AAAAAAAAAAAAAAAAAAAAAA", RG_ID_LEN));
    assert_false(id_valid("AAAAAAAAAAAAAAAAAAAAA%2F", RG_ID_LEN));
    /* The length decides, not a terminator. */
    assert_true(rg_id_valid("AAAAAAAAAAAAAAAAAAAAAAAA/junk", RG_ID_LEN));
    assert_false(rg_id_valid("AAAAAAAAAAAAAAAAAAAAAAAA", RG_ID_LEN - 1));
}

struct when {
    time_t t;
    const char *time;
};

static const struct when whens[] = {
    {0, "1970-01-01T00:00:00Z"},
    {1, "1970-01-01T00:00:01Z"},
    {-1, "1969-12-31T23:59:59Z"},
    {59, "1970-01-01T00:00:59Z"},
    {86399, "1970-01-01T23:59:59Z"},
    {951782400, "2000-02-29T00:00:00Z"},
    {946684799, "1999-12-31T23:59:59Z"},
    {1767225599, "2025-12-31T23:59:59Z"},
    {1767225600, "2026-01-01T00:00:00Z"},
    {1795857302, "2026-11-28T09:15:02Z"}, /* SPEC §5's example */
    {2147483647, "2038-01-19T03:14:07Z"},
    {2147483648LL, "2038-01-19T03:14:08Z"},
    {253402300799LL, "9999-12-31T23:59:59Z"},
};

static void check_formats(void)
{
    for (size_t i = 0; i < COUNT(whens); i++) {
        char out[RG_TIME_LEN], month[RG_MONTH_LEN];
        memset(out, '#', sizeof(out));
        rg_time_format(whens[i].t, out);
        if (strcmp(out, whens[i].time) != 0)
            fail_msg("%lld formats as %s, expected %s", (long long)whens[i].t, out,
                     whens[i].time);
        memset(month, '#', sizeof(month));
        rg_month_format(whens[i].t, month);
        if (strlen(month) != 7 || memcmp(month, whens[i].time, 7) != 0)
            fail_msg("%lld is month %s, expected %.7s", (long long)whens[i].t, month,
                     whens[i].time);
        assert_true(rg_month_valid(month, strlen(month)));
    }
}

static void test_time_formats(void **state)
{
    assert_int_equal(RG_TIME_LEN, strlen("2026-11-28T09:15:02Z") + 1);
    assert_int_equal(RG_MONTH_LEN, strlen("2026-11") + 1);
    check_formats();
}

/* UTC whatever the local time zone. */
static void test_time_formats_ignore_local_zone(void **state)
{
    const char *old = getenv("TZ");
    char *saved = old ? strdup(old) : NULL;
    static const char *const zones[] = {"Pacific/Kiritimati", "America/Los_Angeles",
                                        "<+14>-14", "<-12>+12"};
    for (size_t i = 0; i < COUNT(zones); i++) {
        setenv("TZ", zones[i], 1);
        tzset();
        check_formats();
    }
    if (saved) {
        setenv("TZ", saved, 1);
        free(saved);
    } else {
        unsetenv("TZ");
    }
    tzset();
}

static void test_month_valid(void **state)
{
    static const char *const good[] = {"2026-01", "2026-12", "2026-11", "1970-01",
                                       "9999-09", "2026-10", "0001-06"};
    for (size_t i = 0; i < COUNT(good); i++) {
        size_t len = strlen(good[i]);
        char *copy = malloc(len);
        memcpy(copy, good[i], len);
        if (!rg_month_valid(copy, len))
            fail_msg("\"%s\" refused", good[i]);
        free(copy);
    }
    static const char *const bad[] = {
        "2026-00", "2026-13",  "2026-1",     "2026/11",  "2026-011", "26-11",
        "2026-1a", "2026--1",  "202a-11",    " 2026-11", "2026-11 ", "2026-20",
        "2026-99", "2026_11",  "",           "2026",     "2026-",    "2026-+1",
        "2026- 1", "-2026-11", "2026-11-28", "20261-1",  "2026-1\n", "+026-11",
        "2026-:1", "2026-/1",  "2026-0/",    "2026-0:",  "2026-1/"};
    for (size_t i = 0; i < COUNT(bad); i++) {
        size_t len = strlen(bad[i]);
        char *copy = malloc(len ? len : 1);
        memcpy(copy, bad[i], len);
        if (rg_month_valid(copy, len))
            fail_msg("\"%s\" accepted", bad[i]);
        free(copy);
    }
    /* The length decides. */
    assert_true(rg_month_valid("2026-11X", 7));
    assert_false(rg_month_valid("2026-11", 6));
    assert_false(rg_month_valid("2026-1\0", 7));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_new_id_shape),
        cmocka_unit_test(test_new_ids_are_distinct_and_random),
        cmocka_unit_test(test_ids_carry_no_time),
        cmocka_unit_test(test_random_bytes),
        cmocka_unit_test(test_random_pooled),
        cmocka_unit_test(test_id_valid),
        cmocka_unit_test(test_time_formats),
        cmocka_unit_test(test_time_formats_ignore_local_zone),
        cmocka_unit_test(test_month_valid),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
