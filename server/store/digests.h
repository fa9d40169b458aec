/*
 * digests.h - the keyed digests that stand in for what the store must
 * recognise but may not keep in clear: a sender's client_ref, and a
 * referral's content (to tell a repeat from a conflict, SPEC §5).
 *
 * Both are HMAC-SHA256 with the store's secret over a list of fields, each
 * led by its length in 8 bytes, least significant first, so that no two
 * lists hash alike: "ref", the sender's id and the client_ref for the one;
 * to, signal, urgency, the subject attributes in taxonomy order and the body
 * for the other (for a sealed body, SPEC §10: "sealed", then the same
 * without the body). Stores keep them for as long as the referral is kept, so
 * this format never changes (unit_digests).
 *
 * A digester is one thread's: each event loop keeps one (store_digester_new),
 * so the hashing of a send is done where the request was parsed, in
 * parallel, and not on the store's single writer thread.
 */
#ifndef REFGW_DIGESTS_H
#define REFGW_DIGESTS_H

#include <stddef.h>

#include "referral.h"

#define DIGEST_LEN 32

/* What a put needs besides the referral. */
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
