#define _GNU_SOURCE /* malloc_usable_size */
#include "wipe.h"

#include <malloc.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* glibc's explicit_bzero is its vectorised memset behind a barrier the
 * compiler may not remove; OPENSSL_cleanse stores eight bytes at a time, and
 * a send wipes every block cJSON allocated for it. */
void rg_wipe(void *p, size_t n)
{
    if (p != NULL && n > 0)
        explicit_bzero(p, n);
}

/* Not inlined: its frame must lie below the caller's, where the frames of
 * the caller's callees were. */
__attribute__((noinline)) void rg_wipe_stack(void)
{
    unsigned char below[RG_WIPE_STACK_BYTES];
    explicit_bzero(below, sizeof(below));
}

/* The allocator knows each block's size (glibc, jemalloc and the
 * sanitizers' all answer malloc_usable_size): no header of our own, which
 * pushed libevent's power-of-two buffers into the next size class. */
void *rg_wiping_malloc(size_t n)
{
    /* No object may be larger (the sanitizers' malloc aborts instead). */
    return n <= PTRDIFF_MAX ? malloc(n) : NULL;
}

void rg_wiping_free(void *p)
{
    if (p == NULL)
        return;
    rg_wipe(p, malloc_usable_size(p));
    free(p);
}

void *rg_wiping_realloc(void *p, size_t n)
{
    if (p == NULL)
        return rg_wiping_malloc(n);
    if (n == 0) {
        rg_wiping_free(p);
        return NULL;
    }
    size_t old = malloc_usable_size(p);
    if (n <= old)
        return p; /* the block is large enough as it is */
    void *q = rg_wiping_malloc(n);
    if (q == NULL)
        return NULL;
    memcpy(q, p, old);
    rg_wiping_free(p);
    return q;
}
