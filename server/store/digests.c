#include "digests.h"

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct digester {
    EVP_MAC *hmac;
    EVP_MAC_CTX *mac; /* keyed once: each digest only re-initialises it */
};

struct digester *digester_new(const unsigned char *secret, size_t len)
{
    struct digester *d = calloc(1, sizeof(*d));
    if (d == NULL)
        return NULL;
    char digest_name[] = "SHA256";
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest_name, 0),
        OSSL_PARAM_construct_end(),
    };
    d->hmac = EVP_MAC_fetch(NULL, "HMAC", NULL);
    d->mac = d->hmac != NULL ? EVP_MAC_CTX_new(d->hmac) : NULL;
    if (d->mac == NULL || EVP_MAC_init(d->mac, secret, len, params) != 1) {
        ERR_clear_error();
        digester_free(d);
        return NULL;
    }
    return d;
}

void digester_free(struct digester *d)
{
    if (d == NULL)
        return;
    EVP_MAC_CTX_free(d->mac); /* cleanses its key material */
    EVP_MAC_free(d->hmac);
    free(d);
}

static int keyed_hash(struct digester *d, const char *const *fields, const size_t *lens,
                      size_t n, unsigned char out[DIGEST_LEN])
{
    /* A NULL key re-initialises the context with the key it has. */
    bool ok = EVP_MAC_init(d->mac, NULL, 0, NULL) == 1;
    for (size_t i = 0; ok && i < n; i++) {
        unsigned char prefix[8];
        for (int b = 0; b < 8; b++)
            prefix[b] = (unsigned char)((uint64_t)lens[i] >> (8 * b));
        ok = EVP_MAC_update(d->mac, prefix, sizeof(prefix)) == 1 &&
             EVP_MAC_update(d->mac, (const unsigned char *)fields[i], lens[i]) == 1;
    }
    size_t len = 0;
    ok = ok && EVP_MAC_final(d->mac, out, &len, DIGEST_LEN) == 1 && len == DIGEST_LEN;
    if (!ok) {
        ERR_clear_error();
        return -1;
    }
    return 0;
}

/* Keyed by sender: two senders may use the same client_ref. */
static int ref_key(struct digester *d, const char *sender, const char *client_ref,
                   unsigned char out[DIGEST_LEN])
{
    const char *f[] = {"ref", sender, client_ref};
    const size_t l[] = {3, strlen(sender), strlen(client_ref)};
    return keyed_hash(d, f, l, 3, out);
}

/* A sealed body (SPEC §10) is fresh ciphertext at every sealing, and the
 * gateway cannot read it: a repeat is the same routing and subject, the
 * body left out, and the list led by "sealed" so that it never hashes like
 * a plaintext referral's. */
static int content_digest(struct digester *d, const struct rg_referral *r,
                          unsigned char out[DIGEST_LEN])
{
    const char *f[5 + RG_SUBJECT_ATTRS];
    size_t l[5 + RG_SUBJECT_ATTRS];
    size_t n = 0;
    if (r->sealed)
        f[n] = "sealed", l[n] = 6, n++;
    f[n] = r->to, l[n] = strlen(r->to), n++;
    f[n] = r->signal, l[n] = strlen(r->signal), n++;
    f[n] = r->urgency, l[n] = strlen(r->urgency), n++;
    for (int i = 0; i < RG_SUBJECT_ATTRS; i++)
        f[n] = r->subject[i], l[n] = strlen(r->subject[i]), n++;
    if (!r->sealed)
        f[n] = r->body, l[n] = r->body_len, n++;
    return keyed_hash(d, f, l, n, out);
}

int digester_put(struct digester *d, const char *sender, const struct rg_referral *r,
                 struct put_digests *out)
{
    if (content_digest(d, r, out->content) < 0)
        return -1;
    if (r->client_ref[0] == '\0') {
        memset(out->ref_key, 0, sizeof(out->ref_key));
        return 0;
    }
    return ref_key(d, sender, r->client_ref, out->ref_key);
}
