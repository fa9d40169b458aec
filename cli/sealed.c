#include "sealed.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/pem.h>

#include "e2e.h"
#include "gateway.h"
#include "json.h"
#include "referral.h"
#include "taxonomy.h"

#define DIRECTORY_CERTS_MAX 16
#define PEM_FILE_MAX (256 * 1024)
/* Inner JSON beyond this cannot fit E2E_BASE64_MAX once signed and sealed. */
#define INNER_MAX (E2E_BASE64_MAX / 4 * 3 - 4096)

struct sealed_reader {
    struct cli *c;
    bool loaded;
    struct e2e_keypair keys[CLI_DECRYPT_KEYS_MAX];
    size_t nkeys;
    X509_STORE *trust;
    char self[E2E_CN_MAX + 1]; /* this organisation: the CN of --cert */
};

/* A whole PEM file in memory (NUL-terminated); the caller wipes and frees it. */
static int read_pem(const char *path, const char *option, char **buf, size_t *len,
                    struct cli_error *err)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return cli_fail(err, CLI_USAGE, "cannot read %s %s: %s", option, path,
                        strerror(errno));
    *buf = malloc(PEM_FILE_MAX + 1);
    *len = *buf ? fread(*buf, 1, PEM_FILE_MAX, f) : 0;
    bool failed = *buf == NULL || ferror(f);
    fclose(f);
    if (failed) {
        free(*buf);
        return cli_fail(err, CLI_USAGE, "cannot read %s %s", option, path);
    }
    (*buf)[*len] = '\0';
    return 0;
}

static void wipe_free(char *buf, size_t len)
{
    OPENSSL_cleanse(buf, len);
    free(buf);
}

/* The first certificate, or private key, of PEM text; NULL when there is none. */
static X509 *pem_cert(const char *pem, size_t len)
{
    BIO *b = BIO_new_mem_buf(pem, (int)len);
    X509 *x = b ? PEM_read_bio_X509(b, NULL, NULL, NULL) : NULL;
    BIO_free(b);
    ERR_clear_error();
    return x;
}

static EVP_PKEY *pem_key(const char *pem, size_t len)
{
    BIO *b = BIO_new_mem_buf(pem, (int)len);
    EVP_PKEY *k = b ? PEM_read_bio_PrivateKey(b, NULL, NULL, NULL) : NULL;
    BIO_free(b);
    ERR_clear_error();
    return k;
}

/*
 * A key and its certificate: both in key_path, or the certificate in
 * cert_path when given (NULL: key_path, or NAME.crt for a key_path NAME.key).
 */
static int load_pair(const char *key_path, const char *cert_path, const char *option,
                     struct e2e_keypair *kp, struct cli_error *err)
{
    char *pem;
    size_t len;
    if (read_pem(key_path, option, &pem, &len, err) < 0)
        return -1;
    kp->key = pem_key(pem, len);
    kp->cert = cert_path == NULL ? pem_cert(pem, len) : NULL;
    wipe_free(pem, len);
    if (kp->key == NULL)
        return cli_fail(err, CLI_USAGE, "%s %s holds no private key", option, key_path);
    char beside[4096];
    size_t n = strlen(key_path);
    if (kp->cert == NULL && cert_path == NULL && n > 4 &&
        strcmp(key_path + n - 4, ".key") == 0 && n < sizeof(beside)) {
        snprintf(beside, sizeof(beside), "%.*s.crt", (int)(n - 4), key_path);
        cert_path = beside;
    }
    if (kp->cert == NULL && cert_path != NULL) {
        if (read_pem(cert_path, option, &pem, &len, err) < 0)
            return -1;
        kp->cert = pem_cert(pem, len);
        wipe_free(pem, len);
    }
    if (kp->cert == NULL)
        return cli_fail(err, CLI_USAGE,
                        "%s %s: no certificate for the key (put it in the same file, "
                        "or beside it as NAME.crt for NAME.key)",
                        option, key_path);
    if (X509_check_private_key(kp->cert, kp->key) != 1) {
        ERR_clear_error();
        return cli_fail(err, CLI_USAGE, "%s %s: the key is not its certificate's",
                        option, key_path);
    }
    return 0;
}

static void pair_free(struct e2e_keypair *kp)
{
    EVP_PKEY_free(kp->key);
    X509_free(kp->cert);
    kp->key = NULL;
    kp->cert = NULL;
}

/* The partners' CA: --signer-ca, else --ca (the same CA in a usual deployment). */
static X509_STORE *load_trust(const struct cli *c, struct cli_error *err)
{
    const char *path = c->signer_ca ? c->signer_ca : c->ca;
    if (path == NULL) {
        cli_fail(err, CLI_USAGE,
                 "end-to-end encryption needs the partners' CA: give --signer-ca FILE "
                 "(or --ca FILE when it is the same CA)");
        return NULL;
    }
    struct e2e_error e;
    X509_STORE *s = e2e_trust_new(path, &e);
    if (s == NULL)
        cli_fail(err, CLI_USAGE, "%s", e.message);
    return s;
}

/* The recipient's certificates from its directory entry; exit 2 when unusable. */
static int directory_certs(const cJSON *pems, const char *to, STACK_OF(X509) * *out,
                           struct cli_error *err)
{
    int n = cJSON_GetArraySize(pems);
    if (!cJSON_IsArray(pems) || n > DIRECTORY_CERTS_MAX)
        return cli_fail(err, CLI_REFUSED,
                        "the directory's encryption_certs of %s is not a list of at "
                        "most %d certificates; nothing was sent",
                        to, DIRECTORY_CERTS_MAX);
    *out = sk_X509_new_null();
    const cJSON *pem;
    int i = 0;
    cJSON_ArrayForEach(pem, pems)
    {
        i++;
        X509 *x = cJSON_IsString(pem)
                      ? pem_cert(pem->valuestring, strlen(pem->valuestring))
                      : NULL;
        if (*out == NULL || x == NULL || !sk_X509_push(*out, x)) {
            X509_free(x);
            sk_X509_pop_free(*out, X509_free);
            *out = NULL;
            return cli_fail(err, CLI_REFUSED,
                            "encryption certificate %d of %s in the directory is not a "
                            "PEM certificate; nothing was sent",
                            i, to);
        }
    }
    return 0;
}

/* Swaps "body" for "body_cms" in the wire document, wiping the body. */
static int swap_body(cJSON *wire, const char *b64)
{
    cJSON *body = cJSON_GetObjectItemCaseSensitive(wire, "body");
    if (cJSON_IsString(body))
        OPENSSL_cleanse(body->valuestring, strlen(body->valuestring));
    cJSON_DeleteItemFromObjectCaseSensitive(wire, "body");
    return cJSON_AddStringToObject(wire, "body_cms", b64) ? 0 : -1;
}

int sealed_wire(struct cli *c, const cJSON *recipient, cJSON *wire, bool *sealed,
                struct cli_error *err)
{
    *sealed = false;
    const cJSON *pems = cJSON_GetObjectItemCaseSensitive(recipient, "encryption_certs");
    if (pems == NULL || (cJSON_IsArray(pems) && cJSON_GetArraySize(pems) == 0))
        return 0;
    const char *to = gw_string(recipient, "id");
    STACK_OF(X509) *certs = NULL;
    struct e2e_keypair me = {0};
    X509_STORE *trust = NULL;
    char *inner = NULL, *b64 = NULL;
    size_t b64_len = 0;
    int rc = -1;
    if (directory_certs(pems, to, &certs, err) < 0 ||
        load_pair(c->key ? c->key : c->cert, c->key ? c->cert : NULL,
                  c->key ? "--key" : "--cert", &me, err) < 0 ||
        (trust = load_trust(c, err)) == NULL)
        goto done;
    if ((inner = rg_json_print(wire)) == NULL) {
        cli_fail(err, CLI_USAGE, "out of memory");
        goto done;
    }
    if (strlen(inner) > INNER_MAX) {
        cli_fail(err, CLI_USAGE,
                 "invalid referral: too large to encrypt (%zu bytes of JSON, at most "
                 "%d): shorten the body (too_large, field body)",
                 strlen(inner), INNER_MAX);
        goto done;
    }
    struct e2e_error e;
    if (e2e_seal(inner, strlen(inner), me.cert, me.key, certs, to, trust, &b64,
                 &b64_len, &e) < 0)
        cli_fail(err, CLI_REFUSED, "cannot encrypt to %s: %s; nothing was sent", to,
                 e.message);
    else if (swap_body(wire, b64) < 0)
        cli_fail(err, CLI_USAGE, "out of memory");
    else
        rc = 0;
    *sealed = rc == 0;
done:
    free(b64);
    gw_wipe_free(inner);
    X509_STORE_free(trust);
    pair_free(&me);
    sk_X509_pop_free(certs, X509_free);
    return rc;
}

struct sealed_reader *sealed_reader_new(struct cli *c, struct cli_error *err)
{
    struct sealed_reader *rd = calloc(1, sizeof(*rd));
    if (rd == NULL)
        cli_fail(err, CLI_USAGE, "out of memory");
    else
        rd->c = c;
    return rd;
}

void sealed_reader_free(struct sealed_reader *rd)
{
    if (rd == NULL)
        return;
    for (size_t i = 0; i < rd->nkeys; i++)
        pair_free(&rd->keys[i]);
    X509_STORE_free(rd->trust);
    free(rd);
}

/* The keys, the CA and this organisation's id, read on the first encrypted item. */
static int load(struct sealed_reader *rd, struct cli_error *err)
{
    if (rd->loaded)
        return 0;
    const struct cli *c = rd->c;
    if (c->ndecrypt_keys == 0)
        return cli_fail(err, CLI_USAGE,
                        "an encrypted referral is waiting, and no --decrypt-key (or "
                        "REFGW_DECRYPT_KEY) is given to read it with");
    for (; rd->nkeys < c->ndecrypt_keys; rd->nkeys++)
        if (load_pair(c->decrypt_keys[rd->nkeys], NULL, "--decrypt-key",
                      &rd->keys[rd->nkeys], err) < 0) {
            pair_free(&rd->keys[rd->nkeys]);
            return -1;
        }
    char *pem;
    size_t len;
    if (read_pem(c->cert, "--cert", &pem, &len, err) < 0)
        return -1;
    X509 *mine = pem_cert(pem, len);
    wipe_free(pem, len);
    int cn = mine ? e2e_cert_cn(mine, rd->self) : -1;
    X509_free(mine);
    if (cn < 0)
        return cli_fail(err, CLI_USAGE, "--cert %s: no certificate with a single CN",
                        c->cert);
    if ((rd->trust = load_trust(c, err)) == NULL)
        return -1;
    rd->loaded = true;
    return 0;
}

bool sealed_item_encrypted(const cJSON *item)
{
    return cJSON_GetObjectItemCaseSensitive(item, "body_cms") != NULL;
}

/* Fills why (values from the item made printable) and returns 1. */
static int unreadable(char why[SEALED_REASON_MAX], const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static int unreadable(char why[SEALED_REASON_MAX], const char *fmt, ...)
{
    char raw[SEALED_REASON_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(raw, sizeof(raw), fmt, ap);
    va_end(ap);
    gw_printable(raw, why, SEALED_REASON_MAX);
    return 1;
}

/* The referral inside against the item outside (SPEC §10); 0 or 1 with why. */
static int compare(const struct sealed_reader *rd, const cJSON *item,
                   const char *signer, const struct rg_referral *r,
                   char why[SEALED_REASON_MAX])
{
    const char *from = gw_string(item, "from");
    if (strcmp(signer, from) != 0)
        return unreadable(why, "it is signed by '%s', not by its sender '%s'", signer,
                          from);
    if (strcmp(r->to, rd->self) != 0)
        return unreadable(why, "it was sealed for '%s', not for this organisation '%s'",
                          r->to, rd->self);
    if (r->body == NULL)
        return unreadable(why, "the signed referral inside has no body");
    static const char *const fields[] = {"signal", "urgency"};
    const char *inside[] = {r->signal, r->urgency};
    for (size_t i = 0; i < 2; i++)
        if (strcmp(inside[i], gw_string(item, fields[i])) != 0)
            return unreadable(why, "its %s is '%s' inside and '%s' outside", fields[i],
                              inside[i], gw_string(item, fields[i]));
    const cJSON *subject = cJSON_GetObjectItemCaseSensitive(item, "subject");
    for (int i = 0; i < RG_SUBJECT_ATTRS; i++) {
        const char *outside = gw_string(subject, rg_subject[i].name);
        if (strcmp(r->subject[i], outside) != 0)
            return unreadable(why, "its subject.%s is '%s' inside and '%s' outside",
                              rg_subject[i].name, r->subject[i], outside);
    }
    return 0;
}

/* The item with body in place of body_cms, and what was checked. NULL: no memory. */
static cJSON *plain_item(const cJSON *item, const char *body, const char *signer)
{
    cJSON *plain = cJSON_Duplicate(item, 1);
    cJSON *e2e = cJSON_CreateObject();
    if (plain == NULL || e2e == NULL || !cJSON_AddTrueToObject(e2e, "encrypted") ||
        !cJSON_AddStringToObject(e2e, "signer", signer)) {
        cJSON_Delete(plain);
        cJSON_Delete(e2e);
        return NULL;
    }
    cJSON_DeleteItemFromObjectCaseSensitive(plain, "body_cms");
    if (!cJSON_AddStringToObject(plain, "body", body) ||
        !cJSON_AddItemToObject(plain, "e2e", e2e)) {
        sealed_doc_free(plain);
        return NULL;
    }
    return plain;
}

int sealed_item_open(struct sealed_reader *rd, const cJSON *item, cJSON **plain,
                     char why[SEALED_REASON_MAX], struct cli_error *err)
{
    *plain = NULL;
    if (load(rd, err) < 0)
        return -1;
    const cJSON *cms = cJSON_GetObjectItemCaseSensitive(item, "body_cms");
    if (!cJSON_IsString(cms))
        return unreadable(why, "its body_cms is not a string");
    if (cJSON_GetObjectItemCaseSensitive(item, "body") != NULL)
        return unreadable(why, "it carries both body and body_cms");
    char *inner = NULL, signer[E2E_CN_MAX + 1];
    size_t inner_len = 0;
    struct e2e_error e;
    if (e2e_open(cms->valuestring, strlen(cms->valuestring), rd->keys, rd->nkeys,
                 rd->trust, &inner, &inner_len, signer, &e) < 0)
        return unreadable(why, "%s", e.message);
    struct rg_referral r;
    memset(&r, 0, sizeof(r));
    struct rg_error re;
    int rc = rg_referral_parse(inner, inner_len, &r, &re) < 0
                 ? unreadable(why, "the signed referral inside is not valid: %s%s%s",
                              re.message, re.field[0] ? ", field " : "", re.field)
                 : compare(rd, item, signer, &r, why);
    if (rc == 0 && (*plain = plain_item(item, r.body, signer)) == NULL)
        rc = cli_fail(err, CLI_USAGE, "out of memory");
    e2e_free(inner, inner_len);
    rg_referral_clear(&r);
    return rc;
}

void sealed_doc_free(cJSON *doc)
{
    cJSON *body = cJSON_GetObjectItemCaseSensitive(doc, "body");
    if (cJSON_IsString(body))
        OPENSSL_cleanse(body->valuestring, strlen(body->valuestring));
    cJSON_Delete(doc);
}
