/*
 * fuzz_cms - the gateway's check of body_cms (lib/e2e: e2e_check), the one
 * place where the gateway parses CMS from a partner.
 *
 * Each input is used twice: as the body_cms text itself (the strict base64
 * decoder), and as DER, base64-encoded first (the CMS parser and the
 * structure checks). Both against one and against two encryption
 * certificates of the recipient "ecmj" (below: certificates only, made once
 * with `openssl` for this harness; no key is needed to check).
 *
 * Checks: the answer is 0 or -1; a refusal says why in one printable line;
 * the OpenSSL error queue is empty afterwards; and a body accepted for one
 * certificate is not also accepted for two (each must be named).
 *
 * The seeds in corpus/cms were made from these certificates with `openssl
 * cms -sign -nodetach -binary -outform DER` and then `openssl cms -encrypt
 * -binary -outform DER` with the options each name says (valid, -keyid,
 * one recipient, a foreign recipient, AES-128-GCM, CBC, SHA-1 KDF, AES-128
 * wrap, -stream BER), plus the SignedData alone and an empty input.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/pem.h>

#include "e2e.h"
#include "e2e_envelope.h"
#include "fuzz.h"

static const char enc1_pem[] =
    "-----BEGIN CERTIFICATE-----\n"
    "MIIBjDCCATGgAwIBAgIUSsY1IdQ4m9C+yDuLMkTrmjs+RkUwCgYIKoZIzj0EAwIw\n"
    "GDEWMBQGA1UEAwwNcmVmZ3cgZnV6eiBDQTAgFw0yNjEyMDIwNDM5MDRaGA8yMTI2\n"
    "MTEwODA0MzkwNFowDzENMAsGA1UEAwwEZWNtajBZMBMGByqGSM49AgEGCCqGSM49\n"
    "AwEHA0IABFNvd33/NdlSSM+kQRm65xHNRKPumysZNuekVpwpTUvSzlchD3aqRZma\n"
    "n3ssQ+rNBjgMFKI1bVBxXrQQja4efiejYDBeMAwGA1UdEwEB/wQCMAAwDgYDVR0P\n"
    "AQH/BAQDAgMIMB0GA1UdDgQWBBQgJ8LpLhE2m0RMKFfz+ubsGoEGJDAfBgNVHSME\n"
    "GDAWgBTX3UQxZr10jn3nG4Ce6k8U9fH8ezAKBggqhkjOPQQDAgNJADBGAiEAlKgC\n"
    "+N0bgW7A7yt0+l3dTHdd1UvDYncQRZzTHzwZg1wCIQDcFDOYSPTTS8vrV8QellXJ\n"
    "XBb1OvVAg4zp2bWTea4Iog==\n"
    "-----END CERTIFICATE-----\n";

static const char enc2_pem[] =
    "-----BEGIN CERTIFICATE-----\n"
    "MIIBizCCATGgAwIBAgIUSsY1IdQ4m9C+yDuLMkTrmjs+RkYwCgYIKoZIzj0EAwIw\n"
    "GDEWMBQGA1UEAwwNcmVmZ3cgZnV6eiBDQTAgFw0yNjEyMDIwNDM5MDRaGA8yMTI2\n"
    "MTEwODA0MzkwNFowDzENMAsGA1UEAwwEZWNtajBZMBMGByqGSM49AgEGCCqGSM49\n"
    "AwEHA0IABJU7CnHkGUmEqMlsQ6lSVOQGczKdjZ4p/YEmXOvt3v2bzcBaNZRkm67V\n"
    "hobr8mm6ydnN7XmQKVblcXAOjLSUqCqjYDBeMAwGA1UdEwEB/wQCMAAwDgYDVR0P\n"
    "AQH/BAQDAgMIMB0GA1UdDgQWBBSEax+mPRdME2CDDIzlQEKU9vQLrTAfBgNVHSME\n"
    "GDAWgBTX3UQxZr10jn3nG4Ce6k8U9fH8ezAKBggqhkjOPQQDAgNIADBFAiBScefa\n"
    "ewLXCmKWsekhyBl+d2oBmvqR3GUBZ/ahj1SpiQIhALxUkqAFQCbAQE3NM+IHfaWe\n"
    "APH1T88CTniJoWt4mMFq\n"
    "-----END CERTIFICATE-----\n";

static X509 *read_cert(const char *pem)
{
    BIO *b = BIO_new_mem_buf(pem, -1);
    X509 *x = b ? PEM_read_bio_X509(b, NULL, NULL, NULL) : NULL;
    BIO_free(b);
    FUZZ_CHECK(x != NULL);
    return x;
}

static STACK_OF(X509) * one, *two;

static void setup(void)
{
    one = sk_X509_new_null();
    two = sk_X509_new_null();
    X509 *a = read_cert(enc1_pem), *b = read_cert(enc2_pem);
    FUZZ_CHECK(one && two && sk_X509_push(one, a) && sk_X509_push(two, a) &&
               sk_X509_push(two, b));
    X509_up_ref(a); /* in two stacks */
}

/* e2e_check's verdict, with the invariants every verdict must keep. */
static int checked(const char *b64, size_t len, STACK_OF(X509) * certs)
{
    struct e2e_error err;
    memset(&err, 0xAA, sizeof(err));
    int rc = e2e_check(b64, len, certs, &err);
    FUZZ_CHECK(rc == 0 || rc == -1);
    FUZZ_CHECK(ERR_peek_error() == 0);
    if (rc < 0) {
        size_t n = strnlen(err.message, sizeof(err.message));
        FUZZ_CHECK(n > 0 && n < sizeof(err.message));
        for (size_t i = 0; i < n; i++)
            FUZZ_CHECK((unsigned char)err.message[i] >= 0x20 && err.message[i] != 0x7f);
    }
    return rc;
}

static void check_both(const char *b64, size_t len)
{
    int for_one = checked(b64, len, one);
    int for_two = checked(b64, len, two);
    FUZZ_CHECK(!(for_one == 0 && for_two == 0));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (one == NULL)
        setup();
    check_both((const char *)data, size);
    size_t len;
    char *b64 = e2e_base64_encode(data, size, &len);
    FUZZ_CHECK(b64 != NULL);
    check_both(b64, len);
    free(b64);
    return 0;
}
