#include "e2e.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/buffer.h>
#include <openssl/cms.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/x509v3.h>

#include "e2e_envelope.h"
#include "wipe.h"

X509_STORE *e2e_trust_new(const char *ca_file, struct e2e_error *err)
{
    ERR_clear_error();
    X509_STORE *store = X509_STORE_new();
    /*
     * No purpose: partners' certificates are clientAuth certificates, which
     * OpenSSL's default for CMS (S/MIME signing) would refuse. What a
     * certificate may do is checked here instead (key usage, not a CA).
     */
    if (store == NULL || X509_STORE_load_file(store, ca_file) != 1 ||
        X509_STORE_set_purpose(store, X509_PURPOSE_ANY) != 1) {
        X509_STORE_free(store);
        e2e_fail(err, true, "cannot read the CA certificates of %s", ca_file);
        return NULL;
    }
    return store;
}

void e2e_free(char *p, size_t len)
{
    if (p == NULL)
        return;
    OPENSSL_cleanse(p, len);
    free(p);
}

int e2e_cert_cn(X509 *cert, char out[E2E_CN_MAX + 1])
{
    X509_NAME *name = X509_get_subject_name(cert);
    int i = X509_NAME_get_index_by_NID(name, NID_commonName, -1);
    if (i < 0 || X509_NAME_get_index_by_NID(name, NID_commonName, i) >= 0)
        return -1;
    unsigned char *utf8 = NULL;
    int n = ASN1_STRING_to_UTF8(&utf8,
                                X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, i)));
    bool ok = n > 0 && n <= E2E_CN_MAX && memchr(utf8, '\0', (size_t)n) == NULL;
    if (ok) {
        memcpy(out, utf8, (size_t)n);
        out[n] = '\0';
    }
    OPENSSL_free(utf8);
    return ok ? 0 : -1;
}

enum cert_role { SIGNER, RECIPIENT };

/*
 * What a certificate must be for its role: an EC key, not a CA, the key
 * usage the role needs (digitalSignature for a signer, which may also have
 * no key usage extension at all; keyAgreement, stated, for a recipient),
 * and issued by a CA of trust now. `what` names it in messages.
 */
static int check_cert(X509 *cert, enum cert_role role, X509_STORE *trust,
                      const char *what, struct e2e_error *err)
{
    EVP_PKEY *pub = X509_get0_pubkey(cert);
    if (pub == NULL || EVP_PKEY_get_base_id(pub) != EVP_PKEY_EC)
        return e2e_fail(err, false, "the %s has no EC key", what);
    if (X509_check_ca(cert) != 0)
        return e2e_fail(err, false, "the %s is a CA certificate", what);
    uint32_t usage = X509_get_key_usage(cert);
    bool stated = (X509_get_extension_flags(cert) & EXFLAG_KUSAGE) != 0;
    if (role == SIGNER && !(usage & KU_DIGITAL_SIGNATURE))
        return e2e_fail(err, false, "the %s may not sign (key usage)", what);
    if (role == RECIPIENT && !(stated && (usage & KU_KEY_AGREEMENT)))
        return e2e_fail(err, false, "the %s is not for key agreement (key usage)",
                        what);
    char curve[32] = "";
    if (role == RECIPIENT &&
        (EVP_PKEY_get_group_name(pub, curve, sizeof(curve), NULL) != 1 ||
         strcmp(curve, "prime256v1") != 0)) {
        ERR_clear_error();
        return e2e_fail(err, false, "the %s is not an EC P-256 key", what);
    }
    if (trust == NULL)
        return 0;
    X509_STORE_CTX *ctx = X509_STORE_CTX_new();
    if (ctx == NULL || X509_STORE_CTX_init(ctx, trust, cert, NULL) != 1) {
        X509_STORE_CTX_free(ctx);
        return e2e_fail(err, true, "cannot check the %s", what);
    }
    int ok = X509_verify_cert(ctx);
    int code = X509_STORE_CTX_get_error(ctx);
    X509_STORE_CTX_free(ctx);
    if (ok != 1)
        return e2e_fail(err, false, "the %s is not trusted: %s", what,
                        X509_verify_cert_error_string(code));
    return 0;
}

int e2e_recipient_check(X509 *cert, const char *recipient_id, X509_STORE *trust,
                        const char *what, struct e2e_error *err)
{
    char cn[E2E_CN_MAX + 1];
    if (check_cert(cert, RECIPIENT, trust, what, err) < 0)
        return -1;
    if (e2e_cert_cn(cert, cn) < 0 || strcmp(cn, recipient_id) != 0)
        return e2e_fail(err, false,
                        "the %s is not issued to the recipient (its CN differs)", what);
    return 0;
}

/* Wipes the content a CMS structure holds (plaintext) before freeing it. */
static void cms_wipe_free(CMS_ContentInfo *cms)
{
    if (cms == NULL)
        return;
    ASN1_OCTET_STRING **content = CMS_get0_content(cms);
    if (content != NULL && *content != NULL)
        OPENSSL_cleanse((void *)ASN1_STRING_get0_data(*content),
                        (size_t)ASN1_STRING_length(*content));
    CMS_ContentInfo_free(cms);
    ERR_clear_error(); /* CMS_get0_content on a type without content */
}

/* The DER of a SignedData over inner, by signer_cert/signer_key; wiped by the caller.
 */
static int sign(const char *inner, size_t inner_len, X509 *signer_cert,
                EVP_PKEY *signer_key, unsigned char **der, int *der_len,
                struct e2e_error *err)
{
    const unsigned int flags = CMS_BINARY | CMS_NOSMIMECAP;
    BIO *in = BIO_new_mem_buf(inner, (int)inner_len);
    CMS_ContentInfo *cms = CMS_sign(NULL, NULL, NULL, NULL, flags | CMS_PARTIAL);
    int rc = 0;
    if (in == NULL || cms == NULL ||
        CMS_add1_signer(cms, signer_cert, signer_key, EVP_sha256(), flags) == NULL ||
        CMS_final(cms, in, NULL, flags) != 1 ||
        (*der_len = i2d_CMS_ContentInfo(cms, der)) <= 0)
        rc = e2e_fail(err, true, "cannot sign the referral with the client key");
    cms_wipe_free(cms);
    BIO_free(in);
    return rc;
}

/* Adds one recipient, ECDH with the KDF over SHA-256 (SPEC §10). */
static int add_recipient(CMS_ContentInfo *env, X509 *cert, struct e2e_error *err)
{
    CMS_RecipientInfo *ri = CMS_add1_recipient_cert(env, cert, CMS_KEY_PARAM);
    if (ri == NULL || CMS_RecipientInfo_type(ri) != CMS_RECIPINFO_AGREE)
        return e2e_fail(err, ri == NULL, "cannot encrypt to a recipient certificate");
    EVP_PKEY_CTX *pctx = CMS_RecipientInfo_get0_pkey_ctx(ri);
    if (pctx == NULL || EVP_PKEY_CTX_set_ecdh_kdf_md(pctx, EVP_sha256()) <= 0)
        return e2e_fail(err, true, "cannot set the key derivation to SHA-256");
    return 0;
}

/* The AuthEnvelopedData of der to recipients, as DER in *out. */
static int envelope(const unsigned char *der, int der_len, STACK_OF(X509) * recipients,
                    unsigned char **out, int *out_len, struct e2e_error *err)
{
    BIO *in = BIO_new_mem_buf(der, der_len);
    CMS_ContentInfo *env = CMS_AuthEnvelopedData_create(EVP_aes_256_gcm());
    /* Content attached (CMS_encrypt does the same); the content type says what it is.
     */
    int rc = in != NULL && env != NULL && CMS_set_detached(env, 0) == 1 &&
                     CMS_set1_eContentType(env, OBJ_nid2obj(NID_pkcs7_signed)) == 1
                 ? 0
                 : e2e_fail(err, true, "cannot make an AuthEnvelopedData");
    for (int i = 0; rc == 0 && i < sk_X509_num(recipients); i++)
        rc = add_recipient(env, sk_X509_value(recipients, i), err);
    if (rc == 0 && (CMS_final(env, in, NULL, CMS_BINARY) != 1 ||
                    (*out_len = i2d_CMS_ContentInfo(env, out)) <= 0))
        rc = e2e_fail(err, true, "cannot encrypt the signed referral");
    CMS_ContentInfo_free(env);
    BIO_free(in);
    return rc;
}

int e2e_seal(const char *inner, size_t inner_len, X509 *signer_cert,
             EVP_PKEY *signer_key, STACK_OF(X509) * recipients,
             const char *recipient_id, X509_STORE *trust, char **out, size_t *out_len,
             struct e2e_error *err)
{
    ERR_clear_error();
    *out = NULL;
    if (sk_X509_num(recipients) <= 0)
        return e2e_fail(err, false, "no recipient certificate to encrypt to");
    if (inner_len > E2E_BASE64_MAX)
        return e2e_fail(err, false, "the referral is too large to encrypt");
    for (int i = 0; i < sk_X509_num(recipients); i++) {
        char what[64];
        snprintf(what, sizeof(what), "recipient's encryption certificate %d", i + 1);
        if (e2e_recipient_check(sk_X509_value(recipients, i), recipient_id, trust, what,
                                err) < 0)
            return -1;
    }
    if (check_cert(signer_cert, SIGNER, NULL, "client certificate", err) < 0)
        return -1;

    unsigned char *signed_der = NULL, *env_der = NULL;
    int signed_len = 0, env_len = 0;
    int rc =
        sign(inner, inner_len, signer_cert, signer_key, &signed_der, &signed_len, err);
    if (rc == 0)
        rc = envelope(signed_der, signed_len, recipients, &env_der, &env_len, err);
    if (rc == 0 &&
        (*out = e2e_base64_encode(env_der, (size_t)env_len, out_len)) == NULL)
        rc = e2e_fail(err, false, "out of memory");
    if (rc == 0 && *out_len > E2E_BASE64_MAX) {
        free(*out);
        *out = NULL;
        rc = e2e_fail(err, false,
                      "the encrypted body would be %zu characters, more than the %d "
                      "allowed: shorten the body",
                      *out_len, E2E_BASE64_MAX);
    }
    if (signed_der != NULL)
        OPENSSL_clear_free(signed_der, (size_t)signed_len);
    OPENSSL_free(env_der);
    ERR_clear_error();
    rg_wipe_stack(); /* CMS signed the referral through a buffer of its stack */
    return rc;
}

/* Decrypts env with the first key whose certificate it names; *plain: a secmem BIO. */
static int decrypt(CMS_ContentInfo *env, const struct e2e_keypair *keys, size_t nkeys,
                   BIO **plain, struct e2e_error *err)
{
    for (size_t i = 0; i < nkeys; i++) {
        if (!e2e_envelope_names(env, keys[i].cert))
            continue;
        *plain = BIO_new(BIO_s_secmem());
        if (*plain == NULL)
            return e2e_fail(err, false, "out of memory");
        if (CMS_decrypt(env, keys[i].key, keys[i].cert, NULL, *plain, CMS_BINARY) == 1)
            return 0;
        return e2e_fail(err, true,
                        "cannot decrypt with the key of decryption certificate %zu: "
                        "the key is not that certificate's, or the body was altered",
                        i + 1);
    }
    return e2e_fail(err, false,
                    "none of the decryption keys (%zu) is a recipient of this body",
                    nkeys);
}

/* The SignedData in plain, held to SPEC §10: one signer, SHA-256, content attached. */
static CMS_ContentInfo *signed_data(BIO *plain, struct e2e_error *err)
{
    BUF_MEM *mem = NULL;
    BIO_get_mem_ptr(plain, &mem);
    const unsigned char *p = (const unsigned char *)mem->data;
    CMS_ContentInfo *sd = d2i_CMS_ContentInfo(NULL, &p, (long)mem->length);
    const char *why = NULL;
    if (sd == NULL || p != (const unsigned char *)mem->data + mem->length ||
        OBJ_obj2nid(CMS_get0_type(sd)) != NID_pkcs7_signed)
        why = "the decrypted content is not a CMS SignedData";
    else if (CMS_is_detached(sd) != 0 ||
             OBJ_obj2nid(CMS_get0_eContentType(sd)) != NID_pkcs7_data)
        why = "the signed content is not attached data";
    else if (sk_CMS_SignerInfo_num(CMS_get0_SignerInfos(sd)) != 1)
        why = "the signed content does not have exactly one signer";
    if (why == NULL) {
        X509_ALGOR *digest;
        const ASN1_OBJECT *oid;
        CMS_SignerInfo_get0_algs(sk_CMS_SignerInfo_value(CMS_get0_SignerInfos(sd), 0),
                                 NULL, NULL, &digest, NULL);
        X509_ALGOR_get0(&oid, NULL, NULL, digest);
        if (OBJ_obj2nid(oid) != NID_sha256)
            why = "the signature's digest is not SHA-256";
    }
    if (why != NULL) {
        cms_wipe_free(sd);
        e2e_fail(err, false, "%s", why);
        return NULL;
    }
    return sd;
}

/* Verifies sd against trust; the content into *content (secmem), the CN into cn. */
static int verify(CMS_ContentInfo *sd, X509_STORE *trust, BIO **content,
                  char cn[E2E_CN_MAX + 1], struct e2e_error *err)
{
    *content = BIO_new(BIO_s_secmem());
    if (*content == NULL)
        return e2e_fail(err, false, "out of memory");
    if (CMS_verify(sd, NULL, trust, NULL, *content, CMS_BINARY) != 1)
        return e2e_fail(err, true, "the signature does not verify");
    STACK_OF(X509) *signers = CMS_get0_signers(sd);
    X509 *signer = sk_X509_num(signers) == 1 ? sk_X509_value(signers, 0) : NULL;
    int rc = 0;
    if (signer == NULL)
        rc = e2e_fail(err, true, "the signer's certificate is not in the body");
    else if (check_cert(signer, SIGNER, NULL, "signer's certificate", err) < 0)
        rc = -1;
    else if (e2e_cert_cn(signer, cn) < 0)
        rc = e2e_fail(err, false, "the signer's certificate has no single valid CN");
    sk_X509_free(signers);
    return rc;
}

int e2e_open(const char *b64, size_t b64_len, const struct e2e_keypair *keys,
             size_t nkeys, X509_STORE *trust, char **inner, size_t *inner_len,
             char signer_cn[E2E_CN_MAX + 1], struct e2e_error *err)
{
    *inner = NULL;
    CMS_ContentInfo *env = e2e_envelope_parse(b64, b64_len, err);
    if (env == NULL)
        return -1;
    BIO *plain = NULL, *content = NULL;
    CMS_ContentInfo *sd = NULL;
    int rc = decrypt(env, keys, nkeys, &plain, err);
    if (rc == 0 && (sd = signed_data(plain, err)) == NULL)
        rc = -1;
    if (rc == 0)
        rc = verify(sd, trust, &content, signer_cn, err);
    if (rc == 0) {
        BUF_MEM *mem = NULL;
        BIO_get_mem_ptr(content, &mem);
        if ((*inner = malloc(mem->length + 1)) == NULL) {
            rc = e2e_fail(err, false, "out of memory");
        } else {
            memcpy(*inner, mem->data, mem->length);
            (*inner)[mem->length] = '\0';
            *inner_len = mem->length;
        }
    }
    BIO_free(content);
    cms_wipe_free(sd);
    BIO_free(plain);
    CMS_ContentInfo_free(env);
    ERR_clear_error();
    rg_wipe_stack(); /* CMS decrypted and verified through buffers of its stack */
    return rc;
}
