/*
 * pg_array.h - one-dimensional arrays in PostgreSQL's binary format, to send
 * many rows as one parameter of one statement (unnest($1::text[], ...)).
 *
 * The binary format needs no quoting and no escaping: bytes of a referral
 * never reach the text of a statement. An array that holds content is
 * wiped when reset or freed.
 */
#ifndef REFGW_PG_ARRAY_H
#define REFGW_PG_ARRAY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Element types (PostgreSQL's type oids). */
#define PG_OID_BYTEA 17
#define PG_OID_INT8 20
#define PG_OID_INT2 21
#define PG_OID_INT4 23
#define PG_OID_TEXT 25

struct pg_array {
    unsigned char *buf; /* the header's room, then the elements */
    size_t len, cap;
    uint32_t count, oid;
    bool wipe;     /* holds referral content */
    bool has_null; /* an element is NULL */
    bool failed;   /* out of memory: finish gives NULL */
};

/* An empty array of elements of type oid; wipe: it will hold content. */
void pg_array_init(struct pg_array *a, uint32_t oid, bool wipe);

/* Appends one element: len bytes (text or bytea), or an integer of the
 * array's type (int2, int4 or int8, sent in network order). */
void pg_array_add(struct pg_array *a, const void *data, size_t len);
void pg_array_add_str(struct pg_array *a, const char *s);
void pg_array_add_int(struct pg_array *a, int64_t v);
void pg_array_add_null(struct pg_array *a);

/* The array as a binary parameter (its header written now), valid until
 * the next add, reset or free; NULL when out of memory. */
const char *pg_array_finish(struct pg_array *a, int *len);

/* Empties it (wiping what it held) for reuse; free also releases memory. */
void pg_array_reset(struct pg_array *a);
void pg_array_free(struct pg_array *a);

#endif
