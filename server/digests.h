/*
 * digests.h - the keyed digests that stand in for what the store must
 * recognise but may not keep in clear: a sender's client_ref, and a
 * referral's content (to tell a repeat from a conflict, SPEC §5).
 *
 * Both are HMAC-SHA256 with the store's secret over length-prefixed fields,
 * so no two field lists hash alike. A digester is one thread's: each event
 * loop keeps one (store_digester_new), so the hashing of a send is done
 * where the request was parsed, in parallel, and not on the store's single
 * writer thread.
 */
#ifndef REFGW_DIGESTS_H
#define REFGW_DIGESTS_H

#include <stddef.h>

#include "referral.h"

#define DIGEST_LEN 32

/* What store_put needs besides the referral. */
struct put_digests {
    unsigned char content[DIGEST_LEN];
    unsigned char ref_key[DIGEST_LEN]; /* when the referral has a client_ref */
};

struct digester;

/* A digester keyed with secret (copied). NULL if OpenSSL cannot make one. */
struct digester *digester_new(const unsigned char *secret, size_t len);
void digester_free(struct digester *d); /* wipes the key; NULL is fine */

/* Both digests of a send from sender. 0, or -1 if OpenSSL failed: a digest
 * that could not be made never stands in for one. */
int digester_put(struct digester *d, const char *sender, const struct rg_referral *r,
                 struct put_digests *out);

#endif
