/*
 * e2e.h - end-to-end encrypted referral bodies (SPEC §10), with OpenSSL's
 * CMS API.
 *
 * body_cms is standard base64 (no line breaks) of the DER of a CMS
 * ContentInfo AuthEnvelopedData (RFC 5083): content cipher AES-256-GCM, one
 * KeyAgreeRecipientInfo per recipient encryption certificate (ECDH with an
 * ephemeral key, dhSinglePass-stdDH-sha256kdf-scheme, AES-256 key wrap).
 * What it encrypts is the DER of a CMS SignedData (RFC 5652; SHA-256, ECDSA,
 * the signer's certificate included, content attached) whose content is the
 * inner UTF-8 JSON {"to", "signal", "urgency", "subject", "body",
 * "client_ref"?}.
 *
 * - e2e_seal (sender): signs, then encrypts to the recipient's certificates,
 *   each of which must be issued by the trusted CA for that organisation.
 * - e2e_open (recipient): decrypts with the first of its keys that a
 *   recipient info names, verifies the signature against the trusted CA, and
 *   returns the inner JSON and the signer's CN. The caller compares those
 *   with the inbox item.
 * - e2e_check (gateway): the structure and the recipients only; no key, no
 *   decryption.
 *
 * What "trusted" means (docs/e2e.md): a certificate chains to a CA of the
 * store built by e2e_trust_new at the time of the call, with no particular
 * purpose (extended key usage) required; a signer's certificate must be an
 * EC key allowed digitalSignature and not a CA; a recipient's an EC key
 * allowed keyAgreement, not a CA, and its single CN the organisation id.
 * Revocation is not checked here (the gateway's CRL guards its doors).
 *
 * Every function returns 0, or -1 with err->message saying why in words
 * that never quote the input; the OpenSSL error queue is empty on return.
 * Buffers that held plaintext are wiped before they are freed.
 */
#ifndef REFGW_E2E_H
#define REFGW_E2E_H

#include <stddef.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#define E2E_BASE64_MAX (96 * 1024) /* the longest body_cms, in characters */
#define E2E_MESSAGE_MAX 240
#define E2E_CN_MAX 64

struct e2e_error {
    char message[E2E_MESSAGE_MAX];
};

/* A decryption key and its certificate (which recipient infos name). */
struct e2e_keypair {
    EVP_PKEY *key;
    X509 *cert;
};

/* A store of the CA certificates in the PEM file ca_file, set up as above. */
X509_STORE *e2e_trust_new(const char *ca_file, struct e2e_error *err);

/*
 * Seals inner[0..inner_len) from signer_cert/signer_key to every certificate
 * of `recipients` (at least one; each checked against trust and recipient_id).
 * *out: NUL-terminated base64 of *out_len characters, free with free().
 */
int e2e_seal(const char *inner, size_t inner_len, X509 *signer_cert,
             EVP_PKEY *signer_key, STACK_OF(X509) * recipients,
             const char *recipient_id, X509_STORE *trust, char **out, size_t *out_len,
             struct e2e_error *err);

/*
 * Opens body_cms b64[0..b64_len). *inner: the NUL-terminated inner JSON of
 * *inner_len bytes (free with e2e_free); signer_cn: the signer's CN.
 */
int e2e_open(const char *b64, size_t b64_len, const struct e2e_keypair *keys,
             size_t nkeys, X509_STORE *trust, char **inner, size_t *inner_len,
             char signer_cn[E2E_CN_MAX + 1], struct e2e_error *err);

/*
 * The gateway's check of body_cms against the recipient's current encryption
 * certificates: at most E2E_BASE64_MAX characters of strict base64; DER of a
 * ContentInfo AuthEnvelopedData with AES-256-GCM; every recipient info a
 * KeyAgreeRecipientInfo (ephemeral EC key, sha256 KDF, AES-256 wrap) whose
 * encrypted keys each name (issuer and serial, or subject key identifier)
 * one of certs; and each of certs named exactly once.
 */
int e2e_check(const char *b64, size_t b64_len, STACK_OF(X509) * certs,
              struct e2e_error *err);

/*
 * Whether cert may be an encryption certificate of organisation
 * recipient_id: an EC P-256 key allowed keyAgreement, not a CA, its single
 * CN the id, and (trust not NULL) valid now and issued by a CA of trust,
 * with whatever CRL checking trust was set up with. `what` names it in the
 * message.
 */
int e2e_recipient_check(X509 *cert, const char *recipient_id, X509_STORE *trust,
                        const char *what, struct e2e_error *err);

/*
 * The single CN of cert, read with its length: 0, or -1 when it has none,
 * several, one with a NUL, or one longer than E2E_CN_MAX bytes.
 */
int e2e_cert_cn(X509 *cert, char out[E2E_CN_MAX + 1]);

/* Wipes p[0..len) and frees it. */
void e2e_free(char *p, size_t len);

#endif
