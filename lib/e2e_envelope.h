/*
 * e2e_envelope.h - inside lib/e2e: the outer layer of body_cms, shared by
 * the gateway's check and the recipient's open. Strict base64 both ways,
 * and the AuthEnvelopedData parsed and held to SPEC §10's algorithms
 * (everything e2e_check verifies but the certificates named).
 */
#ifndef REFGW_E2E_ENVELOPE_H
#define REFGW_E2E_ENVELOPE_H

#include <stdbool.h>
#include <stddef.h>

#include <openssl/cms.h>

#include "e2e.h"

/* Fills err (printf-style) and returns -1; with_openssl appends OpenSSL's reason.
 * Either way the OpenSSL error queue is emptied. */
int e2e_fail(struct e2e_error *err, bool with_openssl, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Standard base64 of der, NUL-terminated (free with free()); NULL when out of memory.
 */
char *e2e_base64_encode(const unsigned char *der, size_t len, size_t *out_len);

/*
 * body_cms text to its AuthEnvelopedData: at most E2E_BASE64_MAX characters
 * of strict base64 (the standard alphabet, '=' only as padding, no
 * whitespace, zero unused bits), DER exactly (no trailing bytes, no other
 * encoding of the same value), content cipher AES-256-GCM, the encrypted
 * content present, and every recipient info a KeyAgreeRecipientInfo with an
 * ephemeral EC originator key, dhSinglePass-stdDH-sha256kdf-scheme and
 * AES-256 key wrap. NULL with err otherwise.
 */
CMS_ContentInfo *e2e_envelope_parse(const char *b64, size_t b64_len,
                                    struct e2e_error *err);

/* Whether an encrypted key of some recipient info of cms names cert. */
bool e2e_envelope_names(CMS_ContentInfo *cms, X509 *cert);

#endif
