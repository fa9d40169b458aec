/*
 * e2e_fixture.h - for test_e2e.c: a temporary folder of certificates made
 * with the `openssl` command, files in and out of it, and lib/e2e called the
 * way every test needs (asserting the OpenSSL error queue is left empty).
 */
#ifndef REFGW_E2E_FIXTURE_H
#define REFGW_E2E_FIXTURE_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <openssl/err.h>
#include <openssl/pem.h>

#include "e2e.h"
#include "e2e_envelope.h"

static char dir[] = "/tmp/test_e2e.XXXXXX";

static const char inner_json[] =
    "{\"to\":\"ecmj\",\"signal\":\"loverboy\",\"urgency\":\"urgent\",\"subject\":"
    "{\"age_band\":\"16_17\"},\"body\":\"Naam: Jan\\nTel: 06-1234 \xe2\x9c\x93\","
    "\"client_ref\":\"r-1\"}";

/* The certificates the setup makes: NAME.crt/.key, CN, profile, issuer. */
static const char make_certs[] =
    "set -e\n"
    "cat > ext.cnf <<'EOF'\n"
    "[client]\nbasicConstraints=critical,CA:false\n"
    "keyUsage=critical,digitalSignature\nextendedKeyUsage=clientAuth\n"
    "[enc]\nbasicConstraints=critical,CA:false\nkeyUsage=critical,keyAgreement\n"
    "subjectKeyIdentifier=hash\n"
    "[ca]\nbasicConstraints=critical,CA:true\nkeyUsage=critical,keyCertSign,cRLSign\n"
    "EOF\n"
    "key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "
    "$1.key; "
    "}\n"
    "ca() { key $1; openssl req -x509 -new -key $1.key -subj \"/CN=$2\" -days 30 "
    "-sha256 -addext basicConstraints=critical,CA:true "
    "-addext keyUsage=critical,keyCertSign,cRLSign -out $1.crt; }\n"
    "cert() { key $1; openssl req -new -key $1.key -subj \"/CN=$2\" -out $1.csr\n"
    "  openssl x509 -req -in $1.csr -CA $4.crt -CAkey $4.key -CAcreateserial -days 30 "
    "-sha256 -extfile ext.cnf -extensions $3 -out $1.crt; }\n"
    "ca ca 'test CA'; ca foreign 'foreign CA'\n"
    "cert school school-a client ca\n"
    "cert schoolb school-b client ca\n"
    "cert rogue school-a client foreign\n"
    "cert enc1 ecmj enc ca\n"
    "cert enc2 ecmj enc ca\n"
    "cert enc3 ecmj enc ca\n"
    "cert police police-a enc ca\n"
    "cert encforeign ecmj enc foreign\n"
    "cert notenc ecmj client ca\n";

/* Runs a shell command in dir; fails the test unless it exits 0. */
static void sh(const char *fmt, ...)
{
    char cmd[4096];
    int n = snprintf(cmd, sizeof(cmd), "cd '%s' && { ", dir);
    va_list ap;
    va_start(ap, fmt);
    n += vsnprintf(cmd + n, sizeof(cmd) - (size_t)n, fmt, ap);
    va_end(ap);
    snprintf(cmd + n, sizeof(cmd) - (size_t)n, "; } >>log 2>&1");
    if (system(cmd) != 0) {
        fprintf(stderr, "failed: %s (see %s/log)\n", cmd, dir);
        fail();
    }
}

static char *path_of(const char *name)
{
    static char p[4][256];
    static int i;
    i = (i + 1) % 4;
    snprintf(p[i], sizeof(p[i]), "%s/%s", dir, name);
    return p[i];
}

/* DIR/NAME.EXT, opened for reading; fails the test when it cannot be. */
static FILE *open_pem(const char *name, const char *ext)
{
    char file[64];
    snprintf(file, sizeof(file), "%s.%s", name, ext);
    FILE *f = fopen(path_of(file), "r");
    assert_non_null(f);
    return f;
}

static X509 *cert(const char *name)
{
    FILE *f = open_pem(name, "crt");
    X509 *x = PEM_read_X509(f, NULL, NULL, NULL);
    fclose(f);
    assert_non_null(x);
    return x;
}

static EVP_PKEY *key(const char *name)
{
    FILE *f = open_pem(name, "key");
    EVP_PKEY *k = PEM_read_PrivateKey(f, NULL, NULL, NULL);
    fclose(f);
    assert_non_null(k);
    return k;
}

static STACK_OF(X509) * certs(const char *a, const char *b, const char *c)
{
    STACK_OF(X509) *s = sk_X509_new_null();
    const char *names[] = {a, b, c};
    for (int i = 0; i < 3; i++)
        if (names[i] != NULL)
            sk_X509_push(s, cert(names[i]));
    return s;
}

static void certs_free(STACK_OF(X509) * s)
{
    sk_X509_pop_free(s, X509_free);
}

static char *slurp(const char *name, size_t *len)
{
    FILE *f = fopen(path_of(name), "rb");
    assert_non_null(f);
    char *buf = malloc(1 << 20);
    *len = fread(buf, 1, (1 << 20) - 1, f);
    buf[*len] = '\0';
    fclose(f);
    return buf;
}

static void spit(const char *name, const void *data, size_t len)
{
    FILE *f = fopen(path_of(name), "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, len, f), len);
    fclose(f);
}

/* A DER file as body_cms text. */
static char *b64_of_file(const char *name, size_t *len)
{
    size_t der_len;
    char *der = slurp(name, &der_len);
    char *b64 = e2e_base64_encode((unsigned char *)der, der_len, len);
    free(der);
    return b64;
}

/* body_cms text into a DER file. */
static void file_of_b64(const char *b64, const char *name)
{
    size_t len = strlen(b64);
    unsigned char *der = malloc(len);
    int n = EVP_DecodeBlock(der, (const unsigned char *)b64, (int)len);
    assert_true(n > 0);
    n -= (len > 0 && b64[len - 1] == '=') + (len > 1 && b64[len - 2] == '=');
    spit(name, der, (size_t)n);
    free(der);
}

static X509_STORE *trust(void)
{
    struct e2e_error err;
    X509_STORE *s = e2e_trust_new(path_of("ca.crt"), &err);
    assert_non_null(s);
    return s;
}

/* e2e_seal of inner from signer NAME (its key: key_name) to `to` for recipient_id. */
static int seal_as(const char *signer, const char *key_name, STACK_OF(X509) * to,
                   const char *recipient_id, const char *inner, size_t inner_len,
                   char **out, size_t *len, struct e2e_error *err)
{
    X509 *c = cert(signer);
    EVP_PKEY *k = key(key_name);
    X509_STORE *t = trust();
    err->message[0] = '\0';
    int rc = e2e_seal(inner, inner_len, c, k, to, recipient_id, t, out, len, err);
    assert_int_equal(ERR_peek_error(), 0);
    if (rc < 0)
        assert_null(*out);
    X509_STORE_free(t);
    EVP_PKEY_free(k);
    X509_free(c);
    return rc;
}

/* Seals inner_json from signer NAME to the recipients (for ecmj); asserts success. */
static char *seal(const char *signer, STACK_OF(X509) * to, size_t *len)
{
    struct e2e_error err;
    char *out = NULL;
    int rc = seal_as(signer, signer, to, "ecmj", inner_json, strlen(inner_json), &out,
                     len, &err);
    if (rc != 0)
        fprintf(stderr, "seal: %s\n", err.message);
    assert_int_equal(rc, 0);
    assert_int_equal(strlen(out), *len);
    return out;
}

/* Seals inner_json from school to one certificate NAME. */
static char *seal_to(const char *name)
{
    STACK_OF(X509) *to = certs(name, NULL, NULL);
    size_t len;
    char *b64 = seal("school", to, &len);
    certs_free(to);
    return b64;
}

/* body_cms text of a DER file after edit(der, &len) changed it. */
static char *edited(const char *b64, void (*edit)(unsigned char *der, size_t *len))
{
    file_of_b64(b64, "edit.der");
    size_t len;
    char *der = slurp("edit.der", &len);
    edit((unsigned char *)der, &len);
    spit("edit.der", der, len);
    free(der);
    return b64_of_file("edit.der", &len);
}

/* Opens with the keys named (NULL-terminated list); 0 or -1, err filled. */
static int open_with(const char *b64, const char *const *names, char cn[E2E_CN_MAX + 1],
                     struct e2e_error *err)
{
    struct e2e_keypair keys[4];
    size_t n = 0;
    for (; names[n] != NULL; n++)
        keys[n] = (struct e2e_keypair){key(names[n]), cert(names[n])};
    X509_STORE *t = trust();
    char *inner = NULL;
    size_t inner_len = 0;
    err->message[0] = '\0';
    int rc = e2e_open(b64, strlen(b64), keys, n, t, &inner, &inner_len, cn, err);
    assert_int_equal(ERR_peek_error(), 0);
    if (rc == 0) {
        assert_int_equal(inner_len, strlen(inner_json));
        assert_string_equal(inner, inner_json);
        e2e_free(inner, inner_len);
    } else {
        assert_null(inner);
        assert_true(err->message[0] != '\0');
    }
    for (size_t i = 0; i < n; i++) {
        EVP_PKEY_free(keys[i].key);
        X509_free(keys[i].cert);
    }
    X509_STORE_free(t);
    return rc;
}

/* e2e_check of b64 against the named certificates; 0 or -1 with err. */
static int check(const char *b64, const char *a, const char *b, const char *c,
                 struct e2e_error *err)
{
    STACK_OF(X509) *s = certs(a, b, c);
    err->message[0] = '\0';
    int rc = e2e_check(b64, strlen(b64), s, err);
    assert_int_equal(ERR_peek_error(), 0);
    certs_free(s);
    return rc;
}

/* The refusal's message contains want. */
static void refused(int rc, const struct e2e_error *err, const char *want)
{
    assert_int_equal(rc, -1);
    if (getenv("E2E_SHOW_REASONS"))
        fprintf(stderr, "refused: %s\n", err->message);
    if (strstr(err->message, want) == NULL) {
        fprintf(stderr, "message '%s' lacks '%s'\n", err->message, want);
        fail();
    }
}

static int setup(void **state)
{
    if (mkdtemp(dir) == NULL)
        return -1;
    char cmd[8192];
    snprintf(cmd, sizeof(cmd), "cd '%s' && { %s } >log 2>&1", dir, make_certs);
    if (system(cmd) != 0) {
        fprintf(stderr, "cannot make the test certificates (see %s/log)\n", dir);
        return -1;
    }
    spit("inner.json", inner_json, strlen(inner_json));
    return 0;
}

static int teardown(void **state)
{
    char cmd[300];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    return system(cmd) == 0 ? 0 : -1;
}

#endif
