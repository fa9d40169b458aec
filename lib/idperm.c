#include "idperm.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>


/* The block's first half: a forged id must decrypt to it. */
static const unsigned char check_value[8] = {'r', 'e', 'f', 'g', 'w', 'i', 'd', '1'};

/* 5 + 23 * 6 = 143 bits: the 128 of the block, then 15 spare bits. */
#define ID_BITS 143
#define SPARE_BITS (ID_BITS - 128)

struct rg_idperm {
    EVP_CIPHER_CTX *enc, *dec;
};

struct rg_idperm *rg_idperm_new(const unsigned char key[RG_IDPERM_KEY_LEN])
{
    struct rg_idperm *p = calloc(1, sizeof(*p));
    if (p == NULL)
        return NULL;
    p->enc = EVP_CIPHER_CTX_new();
    p->dec = EVP_CIPHER_CTX_new();
    /* One block at a time, no padding: ECB of a single block is AES itself. */
    if (p->enc == NULL || p->dec == NULL ||
        EVP_EncryptInit_ex(p->enc, EVP_aes_128_ecb(), NULL, key, NULL) != 1 ||
        EVP_DecryptInit_ex(p->dec, EVP_aes_128_ecb(), NULL, key, NULL) != 1 ||
        EVP_CIPHER_CTX_set_padding(p->enc, 0) != 1 ||
        EVP_CIPHER_CTX_set_padding(p->dec, 0) != 1) {
        ERR_clear_error();
        rg_idperm_free(p);
        return NULL;
    }
    return p;
}

void rg_idperm_free(struct rg_idperm *p)
{
    if (p == NULL)
        return;
    EVP_CIPHER_CTX_free(p->enc); /* wipes the key schedule */
    EVP_CIPHER_CTX_free(p->dec);
    free(p);
}

static int aes(EVP_CIPHER_CTX *ctx, const unsigned char in[16], unsigned char out[16])
{
    int n = 0;
    if (EVP_CipherUpdate(ctx, out, &n, in, 16) != 1 || n != 16) {
        ERR_clear_error();
        return -1;
    }
    return 0;
}

/* The spare bits of the id of block c: the first bits of AES(c with every
 * bit flipped), so that they look as random as the rest and check it. */
static int spare_bits(struct rg_idperm *p, const unsigned char c[16],
                      unsigned char s[2])
{
    unsigned char in[16], out[16];
    for (int i = 0; i < 16; i++)
        in[i] = (unsigned char)~c[i];
    if (aes(p->enc, in, out) < 0)
        return -1;
    s[0] = out[0];
    s[1] = out[1] & (unsigned char)(0xff << (16 - SPARE_BITS));
    OPENSSL_cleanse(out, sizeof(out));
    return 0;
}

/* Bit i (0 the most significant of buf[0]) of buf. */
static unsigned bit(const unsigned char *buf, int i)
{
    return (buf[i / 8] >> (7 - i % 8)) & 1u;
}

int rg_idperm_encode(struct rg_idperm *p, uint64_t seq, char out[RG_ID_LEN + 1])
{
    unsigned char plain[16], bits[18];
    memcpy(plain, check_value, 8);
    for (int i = 0; i < 8; i++)
        plain[8 + i] = (unsigned char)(seq >> (56 - 8 * i));
    if (aes(p->enc, plain, bits) < 0 || spare_bits(p, bits, bits + 16) < 0)
        return -1;
    int at = 0;
    for (int c = 0; c < RG_ID_LEN; c++) {
        int width = c == 0 ? 5 : 6;
        unsigned v = 0;
        for (int k = 0; k < width; k++)
            v = (v << 1) | bit(bits, at++);
        out[c] = c == 0 ? rg_id_first_chars[v] : rg_id_chars[v];
    }
    out[RG_ID_LEN] = '\0';
    return 0;
}

bool rg_idperm_decode(struct rg_idperm *p, const char *id, size_t len, uint64_t *seq)
{
    if (len != RG_ID_LEN)
        return false;
    unsigned char bits[18] = {0};
    int at = 0;
    for (int c = 0; c < RG_ID_LEN; c++) {
        const char *alphabet = c == 0 ? rg_id_first_chars : rg_id_chars;
        const char *hit = id[c] == '\0' ? NULL : strchr(alphabet, id[c]);
        if (hit == NULL)
            return false;
        int width = c == 0 ? 5 : 6;
        unsigned v = (unsigned)(hit - alphabet);
        for (int k = width - 1; k >= 0; k--, at++)
            bits[at / 8] |= (unsigned char)(((v >> k) & 1u) << (7 - at % 8));
    }
    unsigned char spare[2], plain[16];
    if (spare_bits(p, bits, spare) < 0 || CRYPTO_memcmp(spare, bits + 16, 2) != 0 ||
        aes(p->dec, bits, plain) < 0 || CRYPTO_memcmp(plain, check_value, 8) != 0)
        return false;
    uint64_t v = 0;
    for (int i = 8; i < 16; i++)
        v = (v << 8) | plain[i];
    *seq = v;
    return true;
}
