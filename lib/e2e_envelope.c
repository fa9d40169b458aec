#include "e2e_envelope.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/asn1.h>
#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/x509v3.h>

int e2e_fail(struct e2e_error *err, bool with_openssl, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(err->message, sizeof(err->message), fmt, ap);
    va_end(ap);
    /* The last error is the most specific; its data says more (a verify error). */
    const char *data = NULL;
    int flags = 0;
    unsigned long e =
        with_openssl ? ERR_peek_last_error_all(NULL, NULL, NULL, &data, &flags) : 0;
    if (e != 0 && n >= 0 && (size_t)n < sizeof(err->message)) {
        const char *reason = ERR_reason_error_string(e);
        bool text = data != NULL && (flags & ERR_TXT_STRING) && data[0] != '\0';
        snprintf(err->message + n, sizeof(err->message) - (size_t)n, " (%s%s%s)",
                 reason ? reason : "unknown OpenSSL error", text ? ": " : "",
                 text ? data : "");
    }
    ERR_clear_error();
    return -1;
}

char *e2e_base64_encode(const unsigned char *der, size_t len, size_t *out_len)
{
    if (len > INT32_MAX / 2)
        return NULL;
    size_t size = 4 * ((len + 2) / 3) + 1;
    char *out = malloc(size);
    if (out == NULL)
        return NULL;
    int n = EVP_EncodeBlock((unsigned char *)out, der, (int)len);
    *out_len = (size_t)n;
    return out;
}

/* Each base64 character's value plus one; 0 for any other byte. One
 * lookup a character: the gateway decodes every body_cms it is sent. */
static const unsigned char b64_values[256] = {
    ['A'] = 1,  ['B'] = 2,  ['C'] = 3,  ['D'] = 4,  ['E'] = 5,  ['F'] = 6,  ['G'] = 7,
    ['H'] = 8,  ['I'] = 9,  ['J'] = 10, ['K'] = 11, ['L'] = 12, ['M'] = 13, ['N'] = 14,
    ['O'] = 15, ['P'] = 16, ['Q'] = 17, ['R'] = 18, ['S'] = 19, ['T'] = 20, ['U'] = 21,
    ['V'] = 22, ['W'] = 23, ['X'] = 24, ['Y'] = 25, ['Z'] = 26, ['a'] = 27, ['b'] = 28,
    ['c'] = 29, ['d'] = 30, ['e'] = 31, ['f'] = 32, ['g'] = 33, ['h'] = 34, ['i'] = 35,
    ['j'] = 36, ['k'] = 37, ['l'] = 38, ['m'] = 39, ['n'] = 40, ['o'] = 41, ['p'] = 42,
    ['q'] = 43, ['r'] = 44, ['s'] = 45, ['t'] = 46, ['u'] = 47, ['v'] = 48, ['w'] = 49,
    ['x'] = 50, ['y'] = 51, ['z'] = 52, ['0'] = 53, ['1'] = 54, ['2'] = 55, ['3'] = 56,
    ['4'] = 57, ['5'] = 58, ['6'] = 59, ['7'] = 60, ['8'] = 61, ['9'] = 62, ['+'] = 63,
    ['/'] = 64,
};

/* The message for the first byte of b64[0, len) that is not base64. */
static int not_base64(const char *b64, size_t len, struct e2e_error *err)
{
    size_t i = 0;
    while (i < len && b64_values[(unsigned char)b64[i]] != 0)
        i++;
    return e2e_fail(err, false,
                    "body_cms is not standard base64 (a character outside "
                    "A-Z a-z 0-9 + / at offset %zu)",
                    i);
}

/* Strict base64 into der (3/4 of len bytes at most); 0 or -1 with err. */
static int base64_decode(const char *b64, size_t len, unsigned char *der,
                         size_t *der_len, struct e2e_error *err)
{
    if (len == 0 || len % 4 != 0)
        return e2e_fail(err, false,
                        "body_cms is not base64 (its length is not a "
                        "multiple of 4)");
    size_t pad = b64[len - 1] == '=' ? (b64[len - 2] == '=' ? 2 : 1) : 0;
    size_t n = 0, full = (len - pad) / 4 * 4;
    const unsigned char *in = (const unsigned char *)b64;
    /* Four characters at a time, the check for a stray byte (a value of 0
     * in the table) once at the end: no branch per character. */
    unsigned valid = 1;
    for (size_t i = 0; i < full; i += 4) {
        unsigned a = b64_values[in[i]], b = b64_values[in[i + 1]],
                 c = b64_values[in[i + 2]], d = b64_values[in[i + 3]];
        valid &= a != 0 && b != 0 && c != 0 && d != 0;
        uint32_t q = (a - 1) << 18 | (b - 1) << 12 | (c - 1) << 6 | (d - 1);
        der[n++] = (unsigned char)(q >> 16);
        der[n++] = (unsigned char)(q >> 8);
        der[n++] = (unsigned char)q;
    }
    uint32_t acc = 0;
    for (size_t i = full; i < len - pad; i++) {
        unsigned v = b64_values[in[i]];
        valid &= v != 0;
        acc = (acc << 6) | ((v - 1) & 63);
    }
    if (!valid)
        return not_base64(b64, len - pad, err);
    /* The last quantum: 2 or 3 characters whose unused low bits must be zero. */
    if (pad == 2) {
        if (acc & 0xf)
            return e2e_fail(err, false, "body_cms is not canonical base64");
        der[n++] = (unsigned char)(acc >> 4);
    } else if (pad == 1) {
        if (acc & 0x3)
            return e2e_fail(err, false, "body_cms is not canonical base64");
        der[n++] = (unsigned char)(acc >> 10);
        der[n++] = (unsigned char)(acc >> 2);
    }
    *der_len = n;
    return 0;
}

/*
 * Steps into the element at *p (within end) whose tag and class are given:
 * *p then points at its contents, *inner_end after them. -1 otherwise.
 * OpenSSL's own TLV reader, on DER that d2i already accepted: it only finds
 * a field that OpenSSL 3.0's CMS API has no getter for.
 */
static int enter(const unsigned char **p, const unsigned char *end, int tag, int xclass,
                 const unsigned char **inner_end)
{
    const unsigned char *q = *p;
    long len;
    int t, c;
    int r = ASN1_get_object(&q, &len, &t, &c, end - *p);
    if ((r & 0x80) || (r & 1) || t != tag || c != xclass)
        return -1;
    *p = q;
    *inner_end = q + len;
    return 0;
}

/* Skips the element at *p when it has this tag and class; 1 if skipped, 0 if not. */
static int skip_if(const unsigned char **p, const unsigned char *end, int tag,
                   int xclass)
{
    const unsigned char *inner_end;
    const unsigned char *q = *p;
    if (enter(&q, end, tag, xclass, &inner_end) < 0)
        return 0;
    *p = inner_end;
    return 1;
}

/* The NID of the DER AlgorithmIdentifier at p, or NID_undef. */
static int decoded_nid(const unsigned char *p, long len)
{
    X509_ALGOR *alg = d2i_X509_ALGOR(NULL, &p, len);
    if (alg == NULL)
        return NID_undef;
    const ASN1_OBJECT *oid;
    X509_ALGOR_get0(&oid, NULL, NULL, alg);
    int nid = OBJ_obj2nid(oid);
    X509_ALGOR_free(alg);
    return nid;
}

/*
 * The content-encryption algorithm of an AuthEnvelopedData (RFC 5083):
 * ContentInfo { OID, [0] { version, [0] originatorInfo?, SET recipientInfos,
 * SEQUENCE { OID, AlgorithmIdentifier, ... } ... } }. NID_undef if absent.
 */
static int content_cipher(const unsigned char *der, size_t len)
{
    const unsigned char *p = der, *end = der + len, *e;
    const int U = V_ASN1_UNIVERSAL, C = V_ASN1_CONTEXT_SPECIFIC;
    if (enter(&p, end, V_ASN1_SEQUENCE, U, &end) < 0 ||
        !skip_if(&p, end, V_ASN1_OBJECT, U) || enter(&p, end, 0, C, &end) < 0 ||
        enter(&p, end, V_ASN1_SEQUENCE, U, &end) < 0 ||
        !skip_if(&p, end, V_ASN1_INTEGER, U))
        return NID_undef;
    skip_if(&p, end, 0, C); /* originatorInfo, optional */
    if (!skip_if(&p, end, V_ASN1_SET, U) ||
        enter(&p, end, V_ASN1_SEQUENCE, U, &e) < 0 || !skip_if(&p, e, V_ASN1_OBJECT, U))
        return NID_undef;
    return decoded_nid(p, e - p);
}

/* The NID of an AlgorithmIdentifier held as an ANY parameter (the key wrap). */
static int algorithm_in(const X509_ALGOR *outer)
{
    int ptype;
    const void *pval;
    X509_ALGOR_get0(NULL, &ptype, &pval, outer);
    if (ptype != V_ASN1_SEQUENCE)
        return NID_undef;
    const ASN1_STRING *seq = pval;
    return decoded_nid(ASN1_STRING_get0_data(seq), ASN1_STRING_length(seq));
}

static int check_recipient_info(CMS_RecipientInfo *ri, struct e2e_error *err)
{
    if (CMS_RecipientInfo_type(ri) != CMS_RECIPINFO_AGREE)
        return e2e_fail(err, false, "a recipient info is not a KeyAgreeRecipientInfo");
    X509_ALGOR *alg, *pubalg;
    ASN1_OCTET_STRING *ukm, *keyid;
    ASN1_BIT_STRING *pubkey;
    X509_NAME *issuer;
    ASN1_INTEGER *serial;
    const ASN1_OBJECT *oid;
    if (CMS_RecipientInfo_kari_get0_alg(ri, &alg, &ukm) != 1)
        return e2e_fail(err, true, "a recipient info has no key agreement algorithm");
    X509_ALGOR_get0(&oid, NULL, NULL, alg);
    if (OBJ_obj2nid(oid) != NID_dhSinglePass_stdDH_sha256kdf_scheme)
        return e2e_fail(err, false,
                        "a recipient info's key agreement is not "
                        "dhSinglePass-stdDH-sha256kdf-scheme");
    if (algorithm_in(alg) != NID_id_aes256_wrap)
        return e2e_fail(err, false, "a recipient info's key wrap is not AES-256 wrap");
    if (CMS_RecipientInfo_kari_get0_orig_id(ri, &pubalg, &pubkey, &keyid, &issuer,
                                            &serial) != 1 ||
        pubalg == NULL)
        return e2e_fail(err, false, "a recipient info has no ephemeral originator key");
    X509_ALGOR_get0(&oid, NULL, NULL, pubalg);
    if (OBJ_obj2nid(oid) != NID_X9_62_id_ecPublicKey)
        return e2e_fail(err, false, "a recipient info's originator key is not EC");
    return 0;
}

/* Nesting deeper than any CMS structure we accept: refused, not recursed. */
#define DER_DEPTH_MAX 24

/*
 * DER's length rules, over every element from p to end: definite lengths,
 * each in the fewest bytes (OpenSSL's ASN1_object_size says how long the
 * shortest header is), and universal strings (OCTET STRING, BIT STRING) in
 * one piece, never constructed. Less than re-encoding the parsed value and
 * comparing proved, at a tenth of its cost (bench/notes.md): a string under
 * an implicit context tag in pieces, a SET out of order or a value in a
 * longer form than DER's still pass, when OpenSSL parses them. That is
 * enough here: the gateway only stores the bytes, bounded in size, and the
 * recipient's client parses them with the same library; what is refused is
 * the streaming BER (indefinite lengths) that an encoder would emit.
 */
static bool der_lengths(const unsigned char *p, const unsigned char *end, int depth)
{
    while (p < end) {
        const unsigned char *q = p;
        long len;
        int tag, xclass;
        int r = ASN1_get_object(&q, &len, &tag, &xclass, end - p);
        if ((r & 0x80) || (r & 1) || depth >= DER_DEPTH_MAX)
            return false;
        bool constructed = (r & V_ASN1_CONSTRUCTED) != 0;
        if (ASN1_object_size(constructed, (int)len, tag) != (q - p) + len)
            return false; /* a longer header than needed */
        if (constructed && xclass == V_ASN1_UNIVERSAL &&
            (tag == V_ASN1_OCTET_STRING || tag == V_ASN1_BIT_STRING))
            return false;
        if (constructed && !der_lengths(q, q + len, depth + 1))
            return false;
        p = q + len;
    }
    return true;
}

CMS_ContentInfo *e2e_envelope_parse(const char *b64, size_t b64_len,
                                    struct e2e_error *err)
{
    ERR_clear_error();
    if (b64_len > E2E_BASE64_MAX) {
        e2e_fail(err, false, "body_cms is longer than %d characters", E2E_BASE64_MAX);
        return NULL;
    }
    unsigned char *der = malloc(b64_len / 4 * 3 + 1);
    size_t len = 0;
    if (der == NULL) {
        e2e_fail(err, false, "out of memory");
        return NULL;
    }
    CMS_ContentInfo *cms = NULL;
    if (base64_decode(b64, b64_len, der, &len, err) < 0)
        goto fail;
    const unsigned char *p = der;
    if (der_lengths(der, der + len, 0))
        cms = d2i_CMS_ContentInfo(NULL, &p, (long)len);
    if (cms == NULL || p != der + len) {
        e2e_fail(err, cms == NULL, "body_cms is not the DER of a CMS ContentInfo");
        goto fail;
    }
    if (OBJ_obj2nid(CMS_get0_type(cms)) != NID_id_smime_ct_authEnvelopedData) {
        e2e_fail(err, false, "body_cms is not an AuthEnvelopedData (RFC 5083)");
        goto fail;
    }
    if (content_cipher(der, len) != NID_aes_256_gcm) {
        e2e_fail(err, false, "body_cms is not encrypted with AES-256-GCM");
        goto fail;
    }
    if (CMS_is_detached(cms) != 0) {
        e2e_fail(err, false, "body_cms holds no encrypted content");
        goto fail;
    }
    STACK_OF(CMS_RecipientInfo) *ris = CMS_get0_RecipientInfos(cms);
    if (sk_CMS_RecipientInfo_num(ris) <= 0) {
        e2e_fail(err, false, "body_cms has no recipient");
        goto fail;
    }
    for (int i = 0; i < sk_CMS_RecipientInfo_num(ris); i++)
        if (check_recipient_info(sk_CMS_RecipientInfo_value(ris, i), err) < 0)
            goto fail;
    free(der);
    ERR_clear_error();
    return cms;
fail:
    CMS_ContentInfo_free(cms);
    free(der);
    ERR_clear_error();
    return NULL;
}

/* fn for each recipient encrypted key of each recipient info, until it returns
 * non-zero. */
static int each_key(CMS_ContentInfo *cms,
                    int (*fn)(CMS_RecipientEncryptedKey *, void *), void *arg)
{
    STACK_OF(CMS_RecipientInfo) *ris = CMS_get0_RecipientInfos(cms);
    for (int i = 0; i < sk_CMS_RecipientInfo_num(ris); i++) {
        STACK_OF(CMS_RecipientEncryptedKey) *reks =
            CMS_RecipientInfo_kari_get0_reks(sk_CMS_RecipientInfo_value(ris, i));
        for (int j = 0; j < sk_CMS_RecipientEncryptedKey_num(reks); j++) {
            int r = fn(sk_CMS_RecipientEncryptedKey_value(reks, j), arg);
            if (r != 0)
                return r;
        }
    }
    return 0;
}

static int names_cert(CMS_RecipientEncryptedKey *rek, void *cert)
{
    return CMS_RecipientEncryptedKey_cert_cmp(rek, cert) == 0;
}

bool e2e_envelope_names(CMS_ContentInfo *cms, X509 *cert)
{
    return each_key(cms, names_cert, cert) == 1;
}

/* e2e_check's tally: which certificate each encrypted key names. */
struct tally {
    STACK_OF(X509) * certs;
    unsigned char *named; /* per certificate: how often named */
    struct e2e_error *err;
};

/* Whether rek names cert: the certificate's own key identifier, or its
 * issuer (the same DER: a sender copies it from the certificate) and serial.
 * CMS_RecipientEncryptedKey_cert_cmp says the same, but canonicalises the
 * parsed issuer name for every comparison, a third of the check's time. */
static bool rek_names(CMS_RecipientEncryptedKey *rek, X509 *cert)
{
    ASN1_OCTET_STRING *keyid;
    X509_NAME *issuer;
    ASN1_INTEGER *serial;
    if (CMS_RecipientEncryptedKey_get0_id(rek, &keyid, NULL, NULL, &issuer, &serial) !=
        1)
        return false;
    if (keyid != NULL) {
        const ASN1_OCTET_STRING *ski = X509_get0_subject_key_id(cert);
        return ski != NULL && ASN1_OCTET_STRING_cmp(keyid, ski) == 0;
    }
    const unsigned char *a, *b;
    size_t alen, blen;
    return issuer != NULL && serial != NULL &&
           ASN1_INTEGER_cmp(serial, X509_get0_serialNumber(cert)) == 0 &&
           X509_NAME_get0_der(issuer, &a, &alen) == 1 &&
           X509_NAME_get0_der(X509_get_issuer_name(cert), &b, &blen) == 1 &&
           alen == blen && memcmp(a, b, alen) == 0;
}

static int count_name(CMS_RecipientEncryptedKey *rek, void *arg)
{
    struct tally *t = arg;
    for (int i = 0; i < sk_X509_num(t->certs); i++) {
        if (!rek_names(rek, sk_X509_value(t->certs, i)))
            continue;
        if (t->named[i]++)
            return e2e_fail(t->err, false,
                            "encryption certificate %d of the recipient is named twice",
                            i + 1);
        return 0;
    }
    return e2e_fail(t->err, false,
                    "a recipient key is encrypted to a certificate that is not one of "
                    "the recipient's current encryption certificates");
}

int e2e_check(const char *b64, size_t b64_len, STACK_OF(X509) * certs,
              struct e2e_error *err)
{
    int ncerts = sk_X509_num(certs);
    if (ncerts <= 0)
        return e2e_fail(err, false,
                        "the recipient has no encryption certificate to check against");
    CMS_ContentInfo *cms = e2e_envelope_parse(b64, b64_len, err);
    if (cms == NULL)
        return -1;
    struct tally t = {certs, calloc((size_t)ncerts, 1), err};
    int rc = t.named == NULL ? e2e_fail(err, false, "out of memory")
                             : each_key(cms, count_name, &t);
    for (int i = 0; rc == 0 && i < ncerts; i++)
        if (!t.named[i])
            rc = e2e_fail(err, false,
                          "encryption certificate %d of the recipient is not named: "
                          "the body is not encrypted to every current certificate",
                          i + 1);
    free(t.named);
    CMS_ContentInfo_free(cms);
    ERR_clear_error();
    return rc;
}
