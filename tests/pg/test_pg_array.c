/* Unit tests of pg_array.c: one-dimensional arrays in PostgreSQL's binary
 * format (array_recv in src/backend/utils/adt/arrayfuncs.c), as the
 * PostgreSQL store sends many rows in one parameter. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "pg_array.h"

static uint32_t be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* The header: ndim 1, the NULL flag, the element type, one dimension of
 * count elements from index 1. */
static void expect_header(const unsigned char *p, uint32_t has_null, uint32_t oid,
                          uint32_t count)
{
    assert_int_equal(be32(p), 1);
    assert_int_equal(be32(p + 4), has_null);
    assert_int_equal(be32(p + 8), oid);
    assert_int_equal(be32(p + 12), count);
    assert_int_equal(be32(p + 16), 1);
}

static void empty_has_no_dimension(void **state)
{
    struct pg_array a;
    int len;
    pg_array_init(&a, PG_OID_TEXT, false);
    const unsigned char *p = (const unsigned char *)pg_array_finish(&a, &len);
    assert_non_null(p);
    assert_int_equal(len, 12);
    assert_int_equal(be32(p), 0);
    assert_int_equal(be32(p + 4), 0);
    assert_int_equal(be32(p + 8), PG_OID_TEXT);
    pg_array_free(&a);
}

static void text_elements_with_lengths(void **state)
{
    struct pg_array a;
    int len;
    pg_array_init(&a, PG_OID_TEXT, false);
    pg_array_add_str(&a, "a");
    pg_array_add_str(&a, "");
    pg_array_add(&a, "b\0c", 3); /* bytes, not a C string */
    const unsigned char *p = (const unsigned char *)pg_array_finish(&a, &len);
    assert_int_equal(len, 20 + (4 + 1) + 4 + (4 + 3));
    expect_header(p, 0, PG_OID_TEXT, 3);
    assert_int_equal(be32(p + 20), 1);
    assert_memory_equal(p + 24, "a", 1);
    assert_int_equal(be32(p + 25), 0);
    assert_int_equal(be32(p + 29), 3);
    assert_memory_equal(p + 33, "b\0c", 3);
    pg_array_free(&a);
}

static void integers_in_network_order(void **state)
{
    struct pg_array a8, a4, a2;
    int len;
    pg_array_init(&a8, PG_OID_INT8, false);
    pg_array_add_int(&a8, 1);
    pg_array_add_int(&a8, -2);
    const unsigned char *p = (const unsigned char *)pg_array_finish(&a8, &len);
    assert_int_equal(len, 20 + 2 * 12);
    expect_header(p, 0, PG_OID_INT8, 2);
    assert_int_equal(be32(p + 20), 8);
    assert_memory_equal(p + 24, "\0\0\0\0\0\0\0\1", 8);
    assert_int_equal(be32(p + 32), 8);
    assert_memory_equal(p + 36, "\xff\xff\xff\xff\xff\xff\xff\xfe", 8);

    pg_array_init(&a4, PG_OID_INT4, false);
    pg_array_add_int(&a4, 0x01020304);
    p = (const unsigned char *)pg_array_finish(&a4, &len);
    assert_int_equal(len, 20 + 8);
    assert_int_equal(be32(p + 20), 4);
    assert_memory_equal(p + 24, "\1\2\3\4", 4);

    pg_array_init(&a2, PG_OID_INT2, false);
    pg_array_add_int(&a2, -1);
    p = (const unsigned char *)pg_array_finish(&a2, &len);
    assert_int_equal(be32(p + 20), 2);
    assert_memory_equal(p + 24, "\xff\xff", 2);
    pg_array_free(&a8);
    pg_array_free(&a4);
    pg_array_free(&a2);
}

static void null_is_flagged_and_has_length_minus_one(void **state)
{
    struct pg_array a;
    int len;
    pg_array_init(&a, PG_OID_BYTEA, false);
    pg_array_add(&a, "\x01", 1);
    pg_array_add_null(&a);
    const unsigned char *p = (const unsigned char *)pg_array_finish(&a, &len);
    assert_int_equal(len, 20 + 5 + 4);
    expect_header(p, 1, PG_OID_BYTEA, 2);
    assert_int_equal(be32(p + 25), UINT32_MAX);
    pg_array_reset(&a);
    pg_array_add(&a, "\x02", 1);
    p = (const unsigned char *)pg_array_finish(&a, &len);
    expect_header(p, 0, PG_OID_BYTEA, 1); /* reset forgets the NULL */
    pg_array_free(&a);
}

/* Grown past its first block, every element is still there and in order. */
static void grows_keeping_elements(void **state)
{
    struct pg_array a;
    int len;
    char big[3000];
    memset(big, 'x', sizeof(big));
    pg_array_init(&a, PG_OID_BYTEA, true);
    for (int i = 0; i < 100; i++)
        pg_array_add(&a, big, (size_t)(i * 30));
    const unsigned char *p = (const unsigned char *)pg_array_finish(&a, &len);
    expect_header(p, 0, PG_OID_BYTEA, 100);
    size_t at = 20;
    for (int i = 0; i < 100; i++) {
        assert_int_equal(be32(p + at), (uint32_t)(i * 30));
        assert_memory_equal(p + at + 4, big, (size_t)(i * 30));
        at += 4 + (size_t)(i * 30);
    }
    assert_int_equal(len, (int)at);
    pg_array_free(&a);
}

/* An array of content is wiped when reset: its bytes are gone from the
 * buffer it keeps for reuse. */
static void content_is_wiped_on_reset(void **state)
{
    struct pg_array a;
    int len;
    pg_array_init(&a, PG_OID_BYTEA, true);
    pg_array_add(&a, "secret body", 11);
    const unsigned char *p = (const unsigned char *)pg_array_finish(&a, &len);
    assert_memory_equal(p + 24, "secret body", 11);
    pg_array_reset(&a);
    for (int i = 0; i < len; i++)
        assert_int_equal(a.buf[i], 0);
    pg_array_free(&a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(empty_has_no_dimension),
        cmocka_unit_test(text_elements_with_lengths),
        cmocka_unit_test(integers_in_network_order),
        cmocka_unit_test(null_is_flagged_and_has_length_minus_one),
        cmocka_unit_test(grows_keeping_elements),
        cmocka_unit_test(content_is_wiped_on_reset),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
