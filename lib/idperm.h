/*
 * idperm.h - referral ids as a keyed permutation of the store's sequence.
 *
 * A store numbers its referrals 1, 2, 3...; the id it hands out is that
 * number encrypted with AES-128 under a key only the store knows, in one
 * 16-byte block (a 64-bit check value, then the number), written as the 24
 * URL-safe characters of rg_id_valid (ids.h). Without the key an id carries
 * no order, no time and no volume (SPEC §5), and is as unguessable as 128
 * random bits; with it the store finds the row from the id alone, so it keeps
 * no id column nor an index of random keys, whose inserts land all over the
 * disk.
 *
 * Decoding checks the 64-bit check value, and 15 more bits that encoding
 * derives from the block under the same key: a forged or altered id decodes
 * to nothing but with a chance of 2^-79. Several threads may use one
 * rg_idperm only if each has its own (the cipher contexts are not shared).
 */
#ifndef REFGW_IDPERM_H
#define REFGW_IDPERM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ids.h"

#define RG_IDPERM_KEY_LEN 16

struct rg_idperm;

/* A permutation under key (copied, and wiped with the object); NULL if
 * OpenSSL fails. */
struct rg_idperm *rg_idperm_new(const unsigned char key[RG_IDPERM_KEY_LEN]);
void rg_idperm_free(struct rg_idperm *p);

/* out (RG_ID_LEN + 1 bytes): the id of seq. 0, or -1 if OpenSSL fails. */
int rg_idperm_encode(struct rg_idperm *p, uint64_t seq, char out[RG_ID_LEN + 1]);

/* Whether id (len bytes) is one this key made; then *seq is its number. */
bool rg_idperm_decode(struct rg_idperm *p, const char *id, size_t len, uint64_t *seq);

#endif
