/*
 * test_e2e.c - lib/e2e against SPEC §10 and against OpenSSL's own tool.
 *
 * The certificates are made here with the `openssl` command in a temporary
 * folder: a CA, a foreign CA, partners' client (signing) certificates, and
 * encryption certificates (keyAgreement). Checked: seal -> check -> open;
 * interop both ways with `openssl cms` exactly as docs/e2e.md gives it;
 * rotation (two certificates, either key opens); and every kind of bad
 * body refused with its reason, the OpenSSL error queue left empty.
 */
#define _GNU_SOURCE /* memmem */
#include "e2e_fixture.h"

#define KEYS(...) ((const char *const[]){__VA_ARGS__, NULL})

static void seal_check_open(void **state)
{
    char *b64 = seal_to("enc1");
    struct e2e_error err;
    char cn[E2E_CN_MAX + 1];
    assert_int_equal(check(b64, "enc1", NULL, NULL, &err), 0);
    assert_int_equal(open_with(b64, KEYS("enc1"), cn, &err), 0);
    assert_string_equal(cn, "school-a");
    /* Nothing of the referral is readable in the body. */
    file_of_b64(b64, "ours.der");
    size_t n;
    char *der = slurp("ours.der", &n);
    assert_null(memmem(der, n, "Naam", 4));
    assert_null(memmem(der, n, "loverboy", 8));
    free(der);
    /* Fresh keys each time: the same referral seals differently. */
    char *again = seal_to("enc1");
    assert_string_not_equal(b64, again);
    free(again);
    free(b64);
}

/* SPEC §10's interop, one way: made by `openssl cms`, checked and read by us. */
static void openssl_made_is_accepted_and_read(void **state)
{
    sh("openssl cms -sign -nodetach -binary -outform DER -in inner.json "
       "-signer school.crt -inkey school.key -out signed.der");
    sh("openssl cms -encrypt -binary -aes-256-gcm -outform DER -in signed.der "
       "-out env.der -recip enc1.crt -keyopt ecdh_kdf_md:sha256 "
       "-recip enc2.crt -keyopt ecdh_kdf_md:sha256");
    size_t len;
    char *b64 = b64_of_file("env.der", &len);
    struct e2e_error err;
    char cn[E2E_CN_MAX + 1];
    assert_int_equal(check(b64, "enc1", "enc2", NULL, &err), 0);
    assert_int_equal(open_with(b64, KEYS("enc2"), cn, &err), 0);
    assert_string_equal(cn, "school-a");
    free(b64);
    /* Recipients named by subject key identifier instead of issuer and serial. */
    sh("openssl cms -encrypt -binary -aes-256-gcm -keyid -outform DER -in signed.der "
       "-out env-skid.der -recip enc1.crt -keyopt ecdh_kdf_md:sha256 "
       "-recip enc2.crt -keyopt ecdh_kdf_md:sha256");
    b64 = b64_of_file("env-skid.der", &len);
    assert_int_equal(check(b64, "enc1", "enc2", NULL, &err), 0);
    refused(check(b64, "enc1", "enc3", NULL, &err), &err, "not one of the recipient's");
    assert_int_equal(open_with(b64, KEYS("enc1"), cn, &err), 0);
    free(b64);
}

/* The other way: made by us, opened and verified by `openssl cms`. */
static void ours_opens_with_openssl(void **state)
{
    char *b64 = seal_to("enc1");
    file_of_b64(b64, "ours.der");
    sh("openssl cms -decrypt -binary -inform DER -in ours.der -recip enc1.crt "
       "-inkey enc1.key -out ours-signed.der");
    sh("openssl cms -verify -binary -inform DER -in ours-signed.der -CAfile ca.crt "
       "-purpose any -out ours-inner.json");
    size_t len;
    char *inner = slurp("ours-inner.json", &len);
    assert_int_equal(len, strlen(inner_json));
    assert_memory_equal(inner, inner_json, len);
    free(inner);
    /* The algorithms, as OpenSSL reads them. */
    sh("openssl cms -cmsout -print -inform DER -in ours.der > ours.txt");
    char *print = slurp("ours.txt", &len);
    assert_non_null(strstr(print, "id-smime-ct-authEnvelopedData"));
    assert_non_null(strstr(print, "aes-256-gcm"));
    assert_non_null(strstr(print, "dhSinglePass-stdDH-sha256kdf-scheme"));
    assert_non_null(strstr(print, "id-aes256-wrap"));
    free(print);
    free(b64);
}

/* Two certificates side by side: either key opens; the gateway checks both. */
static void rotation(void **state)
{
    STACK_OF(X509) *to = certs("enc1", "enc2", NULL);
    size_t len;
    char *b64 = seal("school", to, &len);
    certs_free(to);
    struct e2e_error err;
    char cn[E2E_CN_MAX + 1];
    assert_int_equal(check(b64, "enc1", "enc2", NULL, &err), 0);
    assert_int_equal(check(b64, "enc2", "enc1", NULL, &err), 0);
    assert_int_equal(open_with(b64, KEYS("enc1"), cn, &err), 0);
    assert_int_equal(open_with(b64, KEYS("enc2"), cn, &err), 0);
    assert_int_equal(open_with(b64, KEYS("police", "enc2"), cn, &err), 0);
    /* The old certificate retired: what was sealed to it alone no longer passes. */
    char *old = seal_to("enc1");
    refused(check(old, "enc2", "enc3", NULL, &err), &err, "not one of the recipient's");
    assert_int_equal(open_with(old, KEYS("enc1"), cn, &err), 0);
    free(old);
    free(b64);
}

static void change_naam(unsigned char *der, size_t *len)
{
    unsigned char *p = memmem(der, *len, "Naam", 4);
    assert_non_null(p);
    p[3] = 'n';
}

/* Signed by someone else, or not as a signature should be. */
static void signer_refused(void **state)
{
    struct e2e_error err;
    char cn[E2E_CN_MAX + 1];
    STACK_OF(X509) *to = certs("enc1", NULL, NULL);
    size_t len;
    /* CN school-a, but from a CA that is not ours. */
    char *b64 = seal("rogue", to, &len);
    refused(open_with(b64, KEYS("enc1"), cn, &err), &err, "signature does not verify");
    free(b64);
    /* Another partner of our CA: opens, and says who (the caller compares with from).
     */
    b64 = seal("schoolb", to, &len);
    assert_int_equal(open_with(b64, KEYS("enc1"), cn, &err), 0);
    assert_string_equal(cn, "school-b");
    free(b64);
    certs_free(to);
    /* A certificate allowed keyAgreement only, signing. */
    sh("openssl cms -sign -nodetach -binary -outform DER -in inner.json -signer "
       "enc3.crt "
       "-inkey enc3.key -out badsig.der && openssl cms -encrypt -binary -aes-256-gcm "
       "-outform DER -in badsig.der -out badsig-env.der -recip enc1.crt "
       "-keyopt ecdh_kdf_md:sha256");
    b64 = b64_of_file("badsig-env.der", &len);
    refused(open_with(b64, KEYS("enc1"), cn, &err), &err, "may not sign");
    free(b64);
    /* Signed content changed after signing. */
    sh("openssl cms -sign -nodetach -binary -outform DER -in inner.json "
       "-signer school.crt -inkey school.key -out signed.der");
    char *s64 = b64_of_file("signed.der", &len);
    char *changed = edited(s64, change_naam);
    file_of_b64(changed, "changed.der");
    sh("openssl cms -encrypt -binary -aes-256-gcm -outform DER -in changed.der "
       "-out changed-env.der -recip enc1.crt -keyopt ecdh_kdf_md:sha256");
    b64 = b64_of_file("changed-env.der", &len);
    refused(open_with(b64, KEYS("enc1"), cn, &err), &err, "signature does not verify");
    free(b64);
    /* A SignedData alone is not a body_cms. */
    refused(check(s64, "enc1", NULL, NULL, &err), &err, "not an AuthEnvelopedData");
    free(changed);
    free(s64);
}

/* Encrypted to a certificate that is not the recipient's; a key not its cert's. */
static void not_a_recipient(void **state)
{
    struct e2e_error err;
    char cn[E2E_CN_MAX + 1];
    STACK_OF(X509) *to = certs("police", NULL, NULL);
    size_t len;
    char *b64 = NULL;
    assert_int_equal(seal_as("school", "school", to, "police-a", inner_json,
                             strlen(inner_json), &b64, &len, &err),
                     0);
    certs_free(to);
    refused(check(b64, "enc1", NULL, NULL, &err), &err, "not one of the recipient's");
    refused(open_with(b64, KEYS("enc1", "enc2"), cn, &err), &err,
            "none of the decryption keys (2) is a recipient");
    free(b64);
    /* enc1's certificate with enc2's key. */
    b64 = seal_to("enc1");
    struct e2e_keypair wrong = {key("enc2"), cert("enc1")};
    X509_STORE *t = trust();
    char *inner = NULL;
    size_t inner_len;
    refused(e2e_open(b64, strlen(b64), &wrong, 1, t, &inner, &inner_len, cn, &err),
            &err, "cannot decrypt with the key of decryption certificate 1");
    assert_int_equal(ERR_peek_error(), 0);
    X509_STORE_free(t);
    EVP_PKEY_free(wrong.key);
    X509_free(wrong.cert);
    free(b64);
}

static void flip_tag(unsigned char *der, size_t *len)
{
    der[*len - 1] ^= 1; /* the last byte of the MAC */
}

static void flip_content(unsigned char *der, size_t *len)
{
    der[*len - 60] ^= 0x80; /* in the encrypted content, before the MAC */
}

static void add_byte(unsigned char *der, size_t *len)
{
    der[(*len)++] = 0;
}

/* The outer SEQUENCE's length in one byte more than it needs (BER allows
 * it, DER does not): 30 82 hi lo becomes 30 83 00 hi lo. */
static void long_length(unsigned char *der, size_t *len)
{
    assert_int_equal(der[1], 0x82);
    memmove(der + 3, der + 2, *len - 2);
    der[1] = 0x83;
    der[2] = 0x00;
    (*len)++;
}

static void truncated_and_garbled(void **state)
{
    struct e2e_error err;
    char cn[E2E_CN_MAX + 1];
    char *b64 = seal_to("enc1");
    size_t len = strlen(b64);
    char *bad = strdup(b64);
    bad[len - 4] = '\0';
    refused(check(bad, "enc1", NULL, NULL, &err), &err, "not the DER of a CMS");
    refused(open_with(bad, KEYS("enc1"), cn, &err), &err, "not the DER of a CMS");
    bad[len - 5] = '\0';
    refused(check(bad, "enc1", NULL, NULL, &err), &err, "not a multiple of 4");
    strcpy(bad, b64);
    bad[len / 2] = '!';
    refused(check(bad, "enc1", NULL, NULL, &err), &err, "outside A-Z a-z 0-9 + /");
    bad[len / 2] = '\n';
    refused(check(bad, "enc1", NULL, NULL, &err), &err, "outside A-Z a-z 0-9 + /");
    free(bad);
    refused(check("AB==", "enc1", NULL, NULL, &err), &err, "not canonical base64");
    refused(check("", "enc1", NULL, NULL, &err), &err, "not a multiple of 4");
    /* Well-formed, but altered: the gateway cannot tell; the recipient can. */
    void (*edits[])(unsigned char *, size_t *) = {flip_tag, flip_content};
    for (size_t i = 0; i < 2; i++) {
        bad = edited(b64, edits[i]);
        assert_int_equal(check(bad, "enc1", NULL, NULL, &err), 0);
        refused(open_with(bad, KEYS("enc1"), cn, &err), &err, "the body was altered");
        free(bad);
    }
    bad = edited(b64, add_byte);
    refused(check(bad, "enc1", NULL, NULL, &err), &err, "not the DER of a CMS");
    free(bad);
    bad = edited(b64, long_length);
    refused(check(bad, "enc1", NULL, NULL, &err), &err, "not the DER of a CMS");
    free(bad);
    free(b64);
    /* BER that OpenSSL reads (indefinite lengths, from -stream) is not DER. */
    sh("openssl cms -sign -nodetach -binary -outform DER -in inner.json "
       "-signer school.crt -inkey school.key -out signed.der && "
       "openssl cms -encrypt -binary -stream -aes-256-gcm -outform DER -in signed.der "
       "-out ber.der -recip enc1.crt -keyopt ecdh_kdf_md:sha256");
    b64 = b64_of_file("ber.der", &len);
    refused(check(b64, "enc1", NULL, NULL, &err), &err, "not the DER of a CMS");
    free(b64);
}

static void oversize(void **state)
{
    struct e2e_error err;
    char *big = malloc(E2E_BASE64_MAX + 5);
    memset(big, 'A', E2E_BASE64_MAX + 4);
    big[E2E_BASE64_MAX + 4] = '\0';
    refused(check(big, "enc1", NULL, NULL, &err), &err, "longer than 98304 characters");
    free(big);
    /* A referral whose sealed body would be over the limit is refused by seal. */
    size_t n = 80000;
    char *inner = malloc(n);
    memset(inner, 'x', n);
    STACK_OF(X509) *to = certs("enc1", NULL, NULL);
    char *out = NULL;
    size_t len;
    refused(seal_as("school", "school", to, "ecmj", inner, n, &out, &len, &err), &err,
            "more than the 98304 allowed");
    certs_free(to);
    free(inner);
}

/* Encrypted with another cipher, another structure, another KDF or key wrap. */
static void wrong_cipher_or_kdf(void **state)
{
    static const struct {
        const char *options, *reason;
    } cases[] = {
        {"-aes-128-gcm -recip enc1.crt -keyopt ecdh_kdf_md:sha256", "AES-256-GCM"},
        {"-aes-256-cbc -recip enc1.crt -keyopt ecdh_kdf_md:sha256",
         "not an AuthEnvelopedData"},
        {"-aes-256-gcm -recip enc1.crt", "dhSinglePass-stdDH-sha256kdf-scheme"},
        {"-aes-256-gcm -recip enc1.crt -keyopt ecdh_kdf_md:sha256 -wrap id-aes128-wrap",
         "AES-256 wrap"},
    };
    sh("openssl cms -sign -nodetach -binary -outform DER -in inner.json "
       "-signer school.crt -inkey school.key -out signed.der");
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        sh("openssl cms -encrypt -binary -outform DER -in signed.der -out other.der %s",
           cases[i].options);
        size_t len;
        char *b64 = b64_of_file("other.der", &len);
        struct e2e_error err;
        char cn[E2E_CN_MAX + 1];
        refused(check(b64, "enc1", NULL, NULL, &err), &err, cases[i].reason);
        refused(open_with(b64, KEYS("enc1"), cn, &err), &err, cases[i].reason);
        free(b64);
    }
}

/* Each current certificate named once, and nothing else named. */
static void recipients_named(void **state)
{
    struct e2e_error err;
    char *b64 = seal_to("enc1");
    refused(check(b64, "enc1", "enc2", NULL, &err), &err,
            "encryption certificate 2 of the recipient is not named");
    refused(check(b64, NULL, NULL, NULL, &err), &err, "no encryption certificate");
    free(b64);
    sh("openssl cms -encrypt -binary -aes-256-gcm -outform DER -in inner.json "
       "-out twice.der -recip enc1.crt -keyopt ecdh_kdf_md:sha256 "
       "-recip enc1.crt -keyopt ecdh_kdf_md:sha256");
    size_t len;
    b64 = b64_of_file("twice.der", &len);
    refused(check(b64, "enc1", NULL, NULL, &err), &err, "named twice");
    free(b64);
}

/* The sender takes nothing from the directory on trust. */
static void seal_refuses_bad_recipients(void **state)
{
    static const struct {
        const char *cert, *id, *reason;
    } cases[] = {
        {"encforeign", "ecmj", "is not trusted"},
        {"police", "ecmj", "not issued to the recipient"},
        {"notenc", "ecmj", "not for key agreement"},
        {"ca", "ecmj", "is a CA certificate"},
    };
    struct e2e_error err;
    char *out = NULL;
    size_t len;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        STACK_OF(X509) *to = certs("enc1", cases[i].cert, NULL);
        refused(seal_as("school", "school", to, cases[i].id, inner_json,
                        strlen(inner_json), &out, &len, &err),
                &err, cases[i].reason);
        certs_free(to);
    }
    STACK_OF(X509) *none = sk_X509_new_null();
    refused(seal_as("school", "school", none, "ecmj", inner_json, strlen(inner_json),
                    &out, &len, &err),
            &err, "no recipient certificate");
    sk_X509_free(none);
    STACK_OF(X509) *to = certs("enc1", NULL, NULL);
    refused(seal_as("school", "schoolb", to, "ecmj", inner_json, strlen(inner_json),
                    &out, &len, &err),
            &err, "cannot sign");
    certs_free(to);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(seal_check_open),
        cmocka_unit_test(openssl_made_is_accepted_and_read),
        cmocka_unit_test(ours_opens_with_openssl),
        cmocka_unit_test(rotation),
        cmocka_unit_test(signer_refused),
        cmocka_unit_test(not_a_recipient),
        cmocka_unit_test(truncated_and_garbled),
        cmocka_unit_test(oversize),
        cmocka_unit_test(wrong_cipher_or_kdf),
        cmocka_unit_test(recipients_named),
        cmocka_unit_test(seal_refuses_bad_recipients),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
