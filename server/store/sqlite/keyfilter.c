/*
 * keyfilter.c - a growing Bloom filter of keyed digests (keyfilter.h).
 *
 * Each layer is an array of 64-byte blocks; a key sets BITS bits of one
 * block (one cache line per question and layer). At 16 bits per key and 8
 * bits set, about 1 in 1,000 keys never added answer "maybe" for each full
 * layer (0.09 % at 131,072 keys, 0.26 % at 917,504 in three layers).
 */
#include "keyfilter.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define BLOCK_WORDS 8      /* 512 bits: a cache line */
#define BITS 8             /* set per key */
#define FIRST_BLOCKS 4096u /* the first layer: 256 KiB */
#define KEYS_PER_BLOCK 32u /* 16 bits per key */

struct layer {
    struct layer *next; /* the layer before (smaller) */
    uint64_t (*blocks)[BLOCK_WORDS];
    size_t nblocks; /* a power of two */
    size_t count;   /* keys added to this layer */
};

struct keyfilter {
    struct layer *newest;
    size_t count, bytes;
};

static uint64_t word_at(const unsigned char *p)
{
    uint64_t w;
    memcpy(&w, p, sizeof(w));
    return w;
}

/* The block of key in layer l: its first 8 bytes. */
static uint64_t *block_of(const struct layer *l, const unsigned char *key)
{
    return l->blocks[word_at(key) & (l->nblocks - 1)];
}

/* The bits of key within its block: 8 times 9 bits, from the next 16
 * bytes, which choose nothing else. */
static void positions(const unsigned char *key, unsigned pos[BITS])
{
    uint64_t a = word_at(key + 8), b = word_at(key + 16);
    for (int i = 0; i < BITS; i++) {
        uint64_t src = i < 7 ? a >> (9 * i) : b;
        pos[i] = (unsigned)(src & 511u);
    }
}

static struct layer *layer_new(size_t nblocks)
{
    struct layer *l = calloc(1, sizeof(*l));
    if (l == NULL)
        return NULL;
    /* Aligned, so that a block is one cache line. */
    l->blocks = aligned_alloc(sizeof(*l->blocks), nblocks * sizeof(*l->blocks));
    if (l->blocks == NULL) {
        free(l);
        return NULL;
    }
    memset(l->blocks, 0, nblocks * sizeof(*l->blocks));
    l->nblocks = nblocks;
    return l;
}

struct keyfilter *keyfilter_new(void)
{
    struct keyfilter *f = calloc(1, sizeof(*f));
    if (f == NULL)
        return NULL;
    f->newest = layer_new(FIRST_BLOCKS);
    if (f->newest == NULL) {
        free(f);
        return NULL;
    }
    f->bytes = FIRST_BLOCKS * sizeof(*f->newest->blocks);
    return f;
}

void keyfilter_free(struct keyfilter *f)
{
    if (f == NULL)
        return;
    for (struct layer *l = f->newest, *next; l != NULL; l = next) {
        next = l->next;
        free(l->blocks);
        free(l);
    }
    free(f);
}

int keyfilter_add(struct keyfilter *f, const unsigned char key[DIGEST_LEN])
{
    struct layer *l = f->newest;
    if (l->count >= l->nblocks * KEYS_PER_BLOCK) {
        struct layer *bigger = layer_new(l->nblocks * 2);
        if (bigger == NULL)
            return -1;
        bigger->next = l;
        f->newest = l = bigger;
        f->bytes += l->nblocks * sizeof(*l->blocks);
    }
    unsigned pos[BITS];
    positions(key, pos);
    uint64_t *block = block_of(l, key);
    for (int i = 0; i < BITS; i++)
        block[pos[i] / 64] |= (uint64_t)1 << (pos[i] % 64);
    l->count++;
    f->count++;
    return 0;
}

bool keyfilter_may_hold(const struct keyfilter *f, const unsigned char key[DIGEST_LEN])
{
    unsigned pos[BITS];
    positions(key, pos);
    for (const struct layer *l = f->newest; l != NULL; l = l->next) {
        const uint64_t *block = block_of(l, key);
        bool all = true;
        for (int i = 0; i < BITS && all; i++)
            all = (block[pos[i] / 64] >> (pos[i] % 64)) & 1u;
        if (all)
            return true;
    }
    return false;
}

size_t keyfilter_count(const struct keyfilter *f)
{
    return f->count;
}

size_t keyfilter_bytes(const struct keyfilter *f)
{
    return f->bytes;
}
