#include "wipe.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

/* Each block is preceded by its size, in a header that keeps the block
 * aligned as malloc's own are. */
#define HEADER 16

/* glibc's explicit_bzero is its vectorised memset behind a barrier the
 * compiler may not remove; OPENSSL_cleanse stores eight bytes at a time, and
 * a send wipes every block cJSON allocated for it. */
void rg_wipe(void *p, size_t n)
{
    if (p != NULL && n > 0)
        explicit_bzero(p, n);
}

void *rg_wiping_malloc(size_t n)
{
    if (n > SIZE_MAX - HEADER)
        return NULL;
    unsigned char *block = malloc(n + HEADER);
    if (block == NULL)
        return NULL;
    *(size_t *)block = n;
    return block + HEADER;
}

void rg_wiping_free(void *p)
{
    if (p == NULL)
        return;
    unsigned char *block = (unsigned char *)p - HEADER;
    rg_wipe(block, *(size_t *)block + HEADER);
    free(block);
}

void *rg_wiping_realloc(void *p, size_t n)
{
    if (p == NULL)
        return rg_wiping_malloc(n);
    if (n == 0) {
        rg_wiping_free(p);
        return NULL;
    }
    size_t old = *(size_t *)((unsigned char *)p - HEADER);
    void *q = rg_wiping_malloc(n);
    if (q == NULL)
        return NULL;
    memcpy(q, p, old < n ? old : n);
    rg_wiping_free(p);
    return q;
}

void rg_json_use_wiping_allocator(void)
{
    cJSON_Hooks hooks = {rg_wiping_malloc, rg_wiping_free};
    cJSON_InitHooks(&hooks);
}
