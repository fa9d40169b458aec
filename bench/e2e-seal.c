/*
 * e2e-seal - how long lib/e2e takes to seal a referral: `e2e-seal [RUNS]`
 * seals a referral with a 2 KiB body for 3 recipient encryption certificates
 * RUNS times (default 2000) and prints the median, the 99th percentile and
 * the worst, in milliseconds, then opens one to show it was real.
 *
 * The certificates (a CA, the sender's signing certificate, three EC P-256
 * encryption certificates of one recipient) are made in memory with
 * OpenSSL, so the program needs nothing but itself. A seal includes all
 * that `refgw send` does for it: checking the three certificates against
 * the CA, signing, three ECDH key agreements, AES-256-GCM, base64.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "e2e.h"

#define RECIPIENTS 3
#define BODY_BYTES 2048

static void die(const char *what)
{
    fprintf(stderr, "e2e-seal: %s\n", what);
    exit(1);
}

static void add_ext(X509 *cert, X509 *issuer, int nid, const char *value)
{
    X509V3_CTX ctx;
    X509V3_set_ctx(&ctx, issuer, cert, NULL, NULL, 0);
    X509_EXTENSION *ext = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
    if (ext == NULL || !X509_add_ext(cert, ext, -1))
        die("cannot add an extension");
    X509_EXTENSION_free(ext);
}

/* A certificate for a new P-256 key, CN cn, signed by ca (itself when NULL). */
static X509 *make_cert(const char *cn, const char *usage, X509 *ca, EVP_PKEY *ca_key,
                       EVP_PKEY **key)
{
    static long serial = 1;
    *key = EVP_EC_gen("P-256");
    X509 *cert = X509_new();
    if (*key == NULL || cert == NULL)
        die("out of memory");
    X509_set_version(cert, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(cert), serial++);
    X509_gmtime_adj(X509_getm_notBefore(cert), -60);
    X509_gmtime_adj(X509_getm_notAfter(cert), 86400);
    X509_NAME *name = X509_get_subject_name(cert);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1,
                               -1, 0);
    X509_set_issuer_name(cert, ca ? X509_get_subject_name(ca) : name);
    X509_set_pubkey(cert, *key);
    add_ext(cert, ca ? ca : cert, NID_basic_constraints,
            ca ? "critical,CA:false" : "critical,CA:true");
    add_ext(cert, ca ? ca : cert, NID_key_usage, usage);
    if (!X509_sign(cert, ca ? ca_key : *key, EVP_sha256()))
        die("cannot sign a certificate");
    return cert;
}

static double now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

static int by_value(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
    int runs = argc > 1 ? atoi(argv[1]) : 2000;
    if (runs < 1)
        die("RUNS must be a positive number");
    EVP_PKEY *ca_key, *signer_key, *enc_key[RECIPIENTS];
    X509 *ca =
        make_cert("bench CA", "critical,keyCertSign,cRLSign", NULL, NULL, &ca_key);
    X509 *signer =
        make_cert("school-a", "critical,digitalSignature", ca, ca_key, &signer_key);
    STACK_OF(X509) *to = sk_X509_new_null();
    for (int i = 0; i < RECIPIENTS; i++)
        sk_X509_push(
            to, make_cert("ecmj", "critical,keyAgreement", ca, ca_key, &enc_key[i]));

    /* e2e_trust_new reads a file, as refgw does. */
    char ca_file[] = "/tmp/e2e-seal-ca.XXXXXX";
    int fd = mkstemp(ca_file);
    FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
    if (f == NULL || !PEM_write_X509(f, ca) || fclose(f) != 0)
        die("cannot write the CA to a temporary file");
    struct e2e_error err;
    X509_STORE *trust = e2e_trust_new(ca_file, &err);
    unlink(ca_file);
    if (trust == NULL)
        die(err.message);

    char body[BODY_BYTES + 1];
    for (int i = 0; i < BODY_BYTES; i++)
        body[i] = (char)('a' + i % 26);
    body[BODY_BYTES] = '\0';
    char inner[BODY_BYTES + 512];
    int inner_len = snprintf(inner, sizeof(inner),
                             "{\"to\":\"ecmj\",\"signal\":\"loverboy\",\"urgency\":"
                             "\"normal\",\"subject\":{},\"body\":\"%s\",\"client_ref\":"
                             "\"bench-1\"}",
                             body);

    double *ms = malloc(sizeof(double) * (size_t)runs);
    char *out = NULL;
    size_t out_len = 0;
    for (int i = 0; i < runs; i++) {
        free(out);
        double start = now_ms();
        if (e2e_seal(inner, (size_t)inner_len, signer, signer_key, to, "ecmj", trust,
                     &out, &out_len, &err) < 0)
            die(err.message);
        ms[i] = now_ms() - start;
    }
    qsort(ms, (size_t)runs, sizeof(double), by_value);
    printf("seal of a %d-byte body (inner JSON %d bytes) for %d recipient "
           "certificates, %d runs:\n"
           "  median %.3f ms, p99 %.3f ms, max %.3f ms; body_cms %zu characters\n",
           BODY_BYTES, inner_len, RECIPIENTS, runs, ms[runs / 2],
           ms[(int)(runs * 0.99)], ms[runs - 1], out_len);

    struct e2e_keypair last = {enc_key[RECIPIENTS - 1],
                               sk_X509_value(to, RECIPIENTS - 1)};
    char *opened = NULL, cn[E2E_CN_MAX + 1];
    size_t opened_len = 0;
    double start = now_ms();
    if (e2e_open(out, out_len, &last, 1, trust, &opened, &opened_len, cn, &err) < 0)
        die(err.message);
    printf("  one open with the third key: %.3f ms, signer %s, %s\n", now_ms() - start,
           cn,
           opened_len == (size_t)inner_len && memcmp(opened, inner, opened_len) == 0
               ? "content intact"
               : "CONTENT DIFFERS");
    e2e_free(opened, opened_len);
    free(out);
    free(ms);
    X509_STORE_free(trust);
    for (int i = 0; i < RECIPIENTS; i++)
        EVP_PKEY_free(enc_key[i]);
    sk_X509_pop_free(to, X509_free);
    X509_free(signer);
    X509_free(ca);
    EVP_PKEY_free(signer_key);
    EVP_PKEY_free(ca_key);
    return 0;
}
