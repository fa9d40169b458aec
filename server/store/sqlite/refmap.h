/*
 * refmap.h - the client_ref keys not yet merged into the refs table, in
 * memory: key -> seq of the referral that used it.
 *
 * A send with a client_ref used to insert its keyed digest into a UNIQUE
 * index at a random place: one leaf of its own written per send. Now its
 * key is appended to ref_log (in seq order, so one leaf per batch) and put
 * here; the writer merges the keys into the refs table later, many at a
 * time and in key order (refindex.c). A lookup asks this map first.
 *
 * Keys added in the current transaction can be taken back, those of an op
 * (a savepoint) or all of them: refmap_mark() and refmap_undo_to(). Keys
 * are keyed digests (digests.h), uniformly random, so the map hashes them
 * by their first bytes.
 *
 * Not thread-safe: the store's writer is its only user.
 */
#ifndef REFGW_REFMAP_H
#define REFGW_REFMAP_H

#include <stdbool.h>
#include <stddef.h>

#include "digests.h"

struct refmap_entry {
    unsigned char key[DIGEST_LEN];
    long long seq; /* > 0 */
};

struct refmap;

struct refmap *refmap_new(void);
void refmap_free(struct refmap *m);

/* Whether key is in the map; then *seq is its referral's. */
bool refmap_find(const struct refmap *m, const unsigned char key[DIGEST_LEN],
                 long long *seq);

/* Adds key (not in the map) for seq (> 0) in the current transaction.
 * 0, or -1 when out of memory (nothing added). */
int refmap_add(struct refmap *m, const unsigned char key[DIGEST_LEN], long long seq);

/* How many keys the current transaction has added: a mark to undo to. */
size_t refmap_mark(const struct refmap *m);
/* Takes back the keys added since mark (an op undone; 0: a rollback). */
void refmap_undo_to(struct refmap *m, size_t mark);
/* The transaction committed: its keys stay. */
void refmap_commit(struct refmap *m);

/* Keys in the map, the current transaction's included. */
size_t refmap_size(const struct refmap *m);

/* The keys with seq <= upto, sorted by key, in a new array *out (n entries;
 * the caller frees it). Called between transactions: every key is
 * committed. 0, or -1 when out of memory. */
int refmap_sorted(const struct refmap *m, long long upto, struct refmap_entry **out,
                  size_t *n);

/* Drops every key with seq <= upto (they are in the refs table now). 0, or
 * -1 when out of memory (then nothing is dropped). */
int refmap_drop_upto(struct refmap *m, long long upto);

#endif
