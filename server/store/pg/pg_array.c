#include "pg_array.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

/* ndim, flags, element type, then one dimension: its size and lower bound. */
#define HEADER 20

static void put32(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)(v >> 24);
    p[1] = (unsigned char)(v >> 16);
    p[2] = (unsigned char)(v >> 8);
    p[3] = (unsigned char)v;
}

void pg_array_init(struct pg_array *a, uint32_t oid, bool wipe)
{
    memset(a, 0, sizeof(*a));
    a->oid = oid;
    a->wipe = wipe;
    a->len = HEADER;
}

/* Room for n more bytes; a copy that moves content wipes the old block. */
static bool reserve(struct pg_array *a, size_t n)
{
    if (a->failed)
        return false;
    if (a->len + n <= a->cap)
        return true;
    size_t cap = a->cap ? a->cap : 256;
    while (cap < a->len + n)
        cap *= 2;
    unsigned char *buf = malloc(cap);
    if (buf == NULL) {
        a->failed = true;
        return false;
    }
    if (a->buf != NULL) {
        memcpy(buf, a->buf, a->len);
        if (a->wipe)
            OPENSSL_cleanse(a->buf, a->len);
        free(a->buf);
    }
    a->buf = buf;
    a->cap = cap;
    return true;
}

void pg_array_add(struct pg_array *a, const void *data, size_t len)
{
    if (len > INT32_MAX || !reserve(a, 4 + len))
        return;
    put32(a->buf + a->len, (uint32_t)len);
    if (len > 0)
        memcpy(a->buf + a->len + 4, data, len);
    a->len += 4 + len;
    a->count++;
}

void pg_array_add_str(struct pg_array *a, const char *s)
{
    pg_array_add(a, s, strlen(s));
}

void pg_array_add_int(struct pg_array *a, int64_t v)
{
    unsigned char be[8];
    size_t size = a->oid == PG_OID_INT8 ? 8 : a->oid == PG_OID_INT4 ? 4 : 2;
    for (size_t i = 0; i < size; i++)
        be[i] = (unsigned char)((uint64_t)v >> (8 * (size - 1 - i)));
    pg_array_add(a, be, size);
}

void pg_array_add_null(struct pg_array *a)
{
    if (!reserve(a, 4))
        return;
    put32(a->buf + a->len, UINT32_MAX); /* length -1: NULL */
    a->len += 4;
    a->count++;
    a->has_null = true;
}

const char *pg_array_finish(struct pg_array *a, int *len)
{
    if (!reserve(a, 0) || a->len > INT32_MAX)
        return NULL;
    if (a->count == 0) {
        /* No dimension at all: PostgreSQL's empty array. */
        put32(a->buf, 0);
        put32(a->buf + 4, 0);
        put32(a->buf + 8, a->oid);
        *len = 12;
        return (const char *)a->buf;
    }
    put32(a->buf, 1);
    put32(a->buf + 4, a->has_null ? 1 : 0);
    put32(a->buf + 8, a->oid);
    put32(a->buf + 12, a->count);
    put32(a->buf + 16, 1);
    *len = (int)a->len;
    return (const char *)a->buf;
}

void pg_array_reset(struct pg_array *a)
{
    if (a->buf != NULL && a->wipe)
        OPENSSL_cleanse(a->buf, a->len);
    a->len = HEADER;
    a->count = 0;
    a->failed = false;
    a->has_null = false;
}

void pg_array_free(struct pg_array *a)
{
    pg_array_reset(a);
    free(a->buf);
    a->buf = NULL;
    a->cap = 0;
}
