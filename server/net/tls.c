#include "tls.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "log.h"
#include "tls_files.h"

#define KEY_FILE_MAX (64 * 1024)
#define VERIFY_DEPTH 4
#define CRL_LOG_SECONDS 60

/*
 * What the gateway offers (docs/security.md lists it): in TLS 1.2 only
 * ECDHE key exchange with AEAD ciphers, so every session has forward
 * secrecy and no CBC or SHA-1 MAC is ever used; in TLS 1.3 its three
 * AEAD suites; and elliptic-curve groups only.
 */
#define TLS12_CIPHERS                                                                  \
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"                       \
    "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"                       \
    "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305"
#define TLS13_SUITES                                                                   \
    "TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256"
#define TLS_GROUPS "X25519:P-256:X448:P-384:P-521"

struct tls_server {
    SSL_CTX *ctx;
    X509_CRL *crl; /* NULL without a CRL */
    long long expiry[CERT_WHICH_COUNT];
    long long crl_logged; /* when a refusal for the CRL's age was last logged */
    int refs;
};

/* Drains the error queue into err after the failing step named by what. */
static void fail(char err[RG_ERR_MAX], const char *what, const char *path)
{
    unsigned long e = ERR_get_error();
    char reason[160] = "unknown error";
    if (e != 0)
        ERR_error_string_n(e, reason, sizeof(reason));
    snprintf(err, RG_ERR_MAX, "%s %s: %s", what, path ? path : "", reason);
    ERR_clear_error();
}

void tls_clear_errors(void)
{
    ERR_clear_error();
}

/* Reads the private key once from a buffer that is wiped afterwards. */
static EVP_PKEY *read_key(const char *path, char err[RG_ERR_MAX])
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        snprintf(err, RG_ERR_MAX, "cannot open tls.key %s", path);
        return NULL;
    }
    unsigned char *buf = malloc(KEY_FILE_MAX);
    size_t len = buf ? fread(buf, 1, KEY_FILE_MAX, f) : 0;
    fclose(f);
    if (buf == NULL || len == 0 || len == KEY_FILE_MAX) {
        if (buf != NULL)
            OPENSSL_cleanse(buf, KEY_FILE_MAX);
        free(buf);
        snprintf(err, RG_ERR_MAX, "cannot read tls.key %s", path);
        return NULL;
    }
    ERR_clear_error();
    BIO *bio = BIO_new_mem_buf(buf, (int)len);
    EVP_PKEY *key = bio ? PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL) : NULL;
    BIO_free(bio);
    OPENSSL_cleanse(buf, KEY_FILE_MAX);
    free(buf);
    if (key == NULL)
        fail(err, "cannot parse tls.key", path);
    return key;
}

/*
 * Why a client certificate that verified is still no client certificate
 * (X509_V_OK if none): OpenSSL takes a CA certificate for a leaf, and its
 * client purpose accepts a keyUsage of keyAgreement alone (an encryption
 * certificate, SPEC §10), which must not log in.
 */
static int leaf_refusal(X509 *leaf)
{
    uint32_t flags = X509_get_extension_flags(leaf);
    if (X509_check_ca(leaf) != 0)
        return X509_V_ERR_INVALID_NON_CA;
    if ((flags & EXFLAG_KUSAGE) && !(X509_get_key_usage(leaf) & KU_DIGITAL_SIGNATURE))
        return X509_V_ERR_KEYUSAGE_NO_DIGITAL_SIGNATURE;
    if ((flags & EXFLAG_XKUSAGE) &&
        !(X509_get_extended_key_usage(leaf) & XKU_SSL_CLIENT))
        return X509_V_ERR_INVALID_PURPOSE;
    return X509_V_OK;
}

/* Once a minute at most: every client is refused, and whose fault it is. */
static void note_stale_crl(X509_STORE_CTX *x)
{
    SSL *ssl = X509_STORE_CTX_get_ex_data(x, SSL_get_ex_data_X509_STORE_CTX_idx());
    struct tls_server *t = ssl ? SSL_CTX_get_app_data(SSL_get_SSL_CTX(ssl)) : NULL;
    if (t == NULL)
        return;
    long long now = (long long)time(NULL);
    long long last = __atomic_load_n(&t->crl_logged, __ATOMIC_RELAXED);
    if (now - last < CRL_LOG_SECONDS ||
        !__atomic_compare_exchange_n(&t->crl_logged, &last, now, false,
                                     __ATOMIC_RELAXED, __ATOMIC_RELAXED))
        return;
    log_line("tls: handshake refused: crl expired (tls.crl is past its nextUpdate;"
             " every client is refused until a new CRL is loaded)");
}

static int verify_client(int ok, X509_STORE_CTX *x)
{
    if (!ok) {
        if (X509_STORE_CTX_get_error(x) == X509_V_ERR_CRL_HAS_EXPIRED)
            note_stale_crl(x);
        return 0;
    }
    /* Called once more for the leaf when its whole chain has verified. */
    if (X509_STORE_CTX_get_error_depth(x) != 0)
        return 1;
    int why = leaf_refusal(X509_STORE_CTX_get_current_cert(x));
    if (why == X509_V_OK)
        return 1;
    X509_STORE_CTX_set_error(x, why);
    return 0;
}

/* The protocol and what it offers. */
static int set_policy(SSL_CTX *ctx, char err[RG_ERR_MAX])
{
    if (!SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION)) {
        fail(err, "cannot set the TLS version", NULL);
        return -1;
    }
    /* Level 2: 112-bit security, so RSA keys under 2048 bits are refused. */
    SSL_CTX_set_security_level(ctx, 2);
    if (SSL_CTX_set_cipher_list(ctx, TLS12_CIPHERS) != 1 ||
        SSL_CTX_set_ciphersuites(ctx, TLS13_SUITES) != 1 ||
        SSL_CTX_set1_groups_list(ctx, TLS_GROUPS) != 1) {
        fail(err, "cannot set the TLS ciphers", NULL);
        return -1;
    }
    /* CLEANSE_PLAINTEXT: a record's decrypted bytes (a request, a body) are
     * wiped from OpenSSL's buffer once read, not left until overwritten. */
    SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET | SSL_OP_NO_RENEGOTIATION |
                                 SSL_OP_CIPHER_SERVER_PREFERENCE |
                                 SSL_OP_CLEANSE_PLAINTEXT);
    SSL_CTX_set_num_tickets(ctx, 0);
    SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
    return 0;
}

/* Who may connect: client_ca's certificates, and the CRL when there is one. */
static int set_clients(struct tls_server *t, const struct config *c, long long now,
                       char err[RG_ERR_MAX])
{
    SSL_CTX *ctx = t->ctx;
    STACK_OF(X509) *cas =
        tls_read_client_cas(c->tls_client_ca, now, &t->expiry[CERT_CA], err);
    if (cas == NULL)
        return -1;
    X509_STORE *store = SSL_CTX_get_cert_store(ctx);
    int rc = 0;
    for (int i = 0; i < sk_X509_num(cas) && rc == 0; i++) {
        X509 *ca = sk_X509_value(cas, i);
        if (X509_STORE_add_cert(store, ca) != 1 || SSL_CTX_add_client_CA(ctx, ca) != 1)
            rc = -1;
    }
    if (rc == 0 && c->tls_crl != NULL) {
        t->crl = tls_read_crl(c->tls_crl, cas, now, &t->expiry[CERT_CRL], err);
        if (t->crl == NULL) {
            sk_X509_pop_free(cas, X509_free);
            return -1;
        }
        if (X509_STORE_add_crl(store, t->crl) != 1)
            rc = -1;
        /* The leaf is checked; a missing or stale CRL fails closed. */
        X509_STORE_set_flags(store, X509_V_FLAG_CRL_CHECK);
    }
    sk_X509_pop_free(cas, X509_free);
    if (rc < 0) {
        fail(err, "cannot use tls.client_ca or tls.crl", NULL);
        return -1;
    }
    SSL_CTX_set_app_data(ctx, t);
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT,
                       verify_client);
    SSL_CTX_set_verify_depth(ctx, VERIFY_DEPTH);
    X509_STORE_set_purpose(store, X509_PURPOSE_SSL_CLIENT);
    return 0;
}

static int configure(struct tls_server *t, const struct config *c, char err[RG_ERR_MAX])
{
    SSL_CTX *ctx = t->ctx;
    long long now = (long long)time(NULL);
    if (set_policy(ctx, err) < 0)
        return -1;
    /* Small buffers for idle connections, released when empty. The chain
     * sent is tls.cert as written: without NO_AUTO_CHAIN, OpenSSL would
     * complete it from the client CAs on every handshake (verifying our own
     * certificate each time) and send the root, which clients must already
     * hold, for each of them to decode. */
    SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS | SSL_MODE_NO_AUTO_CHAIN);
    /* A record's header and body in one read, not two (conn.c reads on
     * while OpenSSL holds records the socket no longer signals). */
    SSL_CTX_set_read_ahead(ctx, 1);

    if (SSL_CTX_use_certificate_chain_file(ctx, c->tls_cert) != 1) {
        fail(err, "cannot load tls.cert", c->tls_cert);
        return -1;
    }
    if (tls_check_server_cert(SSL_CTX_get0_certificate(ctx), now,
                              &t->expiry[CERT_SERVER], err) < 0)
        return -1;
    EVP_PKEY *key = read_key(c->tls_key, err);
    if (key == NULL)
        return -1;
    int ok =
        SSL_CTX_use_PrivateKey(ctx, key) == 1 && SSL_CTX_check_private_key(ctx) == 1;
    EVP_PKEY_free(key);
    if (!ok) {
        fail(err, "tls.key does not match tls.cert", c->tls_key);
        return -1;
    }
    return set_clients(t, c, now, err);
}

struct tls_server *tls_server_new(const struct config *c, char err[RG_ERR_MAX])
{
    struct tls_server *t = calloc(1, sizeof(*t));
    if (t == NULL) {
        snprintf(err, RG_ERR_MAX, "out of memory");
        return NULL;
    }
    t->refs = 1;
    ERR_clear_error();
    t->ctx = SSL_CTX_new(TLS_server_method());
    if (t->ctx == NULL) {
        fail(err, "cannot create a TLS context", NULL);
        free(t);
        return NULL;
    }
    if (configure(t, c, err) < 0) {
        tls_server_unref(t);
        return NULL;
    }
    return t;
}

struct tls_server *tls_server_ref(struct tls_server *t)
{
    __atomic_add_fetch(&t->refs, 1, __ATOMIC_RELAXED);
    return t;
}

void tls_server_unref(struct tls_server *t)
{
    if (t == NULL || __atomic_sub_fetch(&t->refs, 1, __ATOMIC_ACQ_REL) > 0)
        return;
    SSL_CTX_free(t->ctx);
    X509_CRL_free(t->crl);
    free(t);
}

SSL *tls_server_new_ssl(struct tls_server *t)
{
    ERR_clear_error();
    SSL *ssl = SSL_new(t->ctx);
    if (ssl == NULL)
        ERR_clear_error();
    return ssl;
}

int tls_peer_identity(SSL *ssl, char org[RG_ORG_ID_MAX + 1], X509 **cert)
{
    ERR_clear_error();
    if (SSL_get_verify_result(ssl) != X509_V_OK)
        return -1;
    X509 *peer = SSL_get1_peer_certificate(ssl);
    if (peer == NULL)
        return -1;
    X509_NAME *subject = X509_get_subject_name(peer);
    int idx = X509_NAME_get_index_by_NID(subject, NID_commonName, -1);
    /* Exactly one CN, read with its length: an embedded NUL must not truncate it. */
    if (idx < 0 || X509_NAME_get_index_by_NID(subject, NID_commonName, idx) >= 0)
        goto refuse;
    const ASN1_STRING *cn = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(subject, idx));
    int len = ASN1_STRING_length(cn);
    const unsigned char *data = ASN1_STRING_get0_data(cn);
    if (len <= 0 || len > RG_ORG_ID_MAX ||
        !rg_org_id_valid((const char *)data, (size_t)len))
        goto refuse;
    memcpy(org, data, (size_t)len);
    org[len] = '\0';
    *cert = peer;
    return 0;
refuse:
    X509_free(peer);
    ERR_clear_error();
    return -1;
}

void tls_server_expiry(const struct tls_server *t, long long at[CERT_WHICH_COUNT])
{
    memcpy(at, t->expiry, sizeof(t->expiry));
}

enum handshake_failure tls_refusal_class(SSL *ssl)
{
    return ssl != NULL && SSL_get_verify_result(ssl) == X509_V_ERR_CRL_HAS_EXPIRED
               ? HANDSHAKE_CRL_EXPIRED
               : HANDSHAKE_REFUSED;
}

bool tls_server_revokes(const struct tls_server *t, X509 *cert)
{
    if (t->crl == NULL)
        return false;
    X509_REVOKED *rev = NULL;
    ERR_clear_error();
    int r = X509_CRL_get0_by_cert(t->crl, &rev, cert);
    ERR_clear_error();
    return r == 1;
}
