/*
 * keyfilter.h - a set of client_ref keys in memory that answers "maybe" or
 * "no": a Bloom filter that grows.
 *
 * Almost every send's client_ref is new, and asking the refs table proved
 * it by a B-tree descent to a random leaf: more of the writer's time the
 * larger the store. The filter answers "no" for nearly all of them without
 * the table; "maybe" (for every key added, and one to three in a thousand
 * others) sends the question on to the table. A key once added is never
 * removed, as a client_ref names its referral for ever.
 *
 * Keys are keyed digests (digests.h), uniformly random, so their bytes are
 * the hashes. The filter is a list of layers, each twice the size of the
 * one before; a key goes into the newest, a question asks each. Two bytes
 * a key in a full layer; with the newest not yet full, 2 to 6 in all.
 *
 * Not thread-safe: the store's writer is its only user.
 */
#ifndef REFGW_KEYFILTER_H
#define REFGW_KEYFILTER_H

#include <stdbool.h>
#include <stddef.h>

#include "digests.h"

struct keyfilter;

/* An empty filter, or NULL out of memory. */
struct keyfilter *keyfilter_new(void);
void keyfilter_free(struct keyfilter *f);

/* Adds key; 0, or -1 out of memory (the filter must then not be trusted:
 * it may answer "no" for this key). */
int keyfilter_add(struct keyfilter *f, const unsigned char key[DIGEST_LEN]);

/* False only if key was never added. */
bool keyfilter_may_hold(const struct keyfilter *f, const unsigned char key[DIGEST_LEN]);

/* Keys added, and bytes of memory held. */
size_t keyfilter_count(const struct keyfilter *f);
size_t keyfilter_bytes(const struct keyfilter *f);

#endif
