#include "tls.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#define KEY_FILE_MAX (64 * 1024)
#define VERIFY_DEPTH 4

struct tls_server {
    SSL_CTX *ctx;
    X509_CRL *crl; /* NULL without a CRL */
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

static X509_CRL *read_crl(const char *path, char err[RG_ERR_MAX])
{
    ERR_clear_error();
    BIO *bio = BIO_new_file(path, "r");
    X509_CRL *crl = bio ? PEM_read_bio_X509_CRL(bio, NULL, NULL, NULL) : NULL;
    BIO_free(bio);
    if (crl == NULL)
        fail(err, "cannot read tls.crl", path);
    return crl;
}

static int configure(struct tls_server *t, const struct config *c,
                     char err[RG_ERR_MAX])
{
    SSL_CTX *ctx = t->ctx;
    if (!SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION)) {
        fail(err, "cannot set the TLS version", NULL);
        return -1;
    }
    /* Level 2: 112-bit security, so RSA keys under 2048 bits are refused. */
    SSL_CTX_set_security_level(ctx, 2);
    SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET | SSL_OP_NO_RENEGOTIATION |
                                 SSL_OP_CIPHER_SERVER_PREFERENCE);
    SSL_CTX_set_num_tickets(ctx, 0);
    SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
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

    if (SSL_CTX_load_verify_locations(ctx, c->tls_client_ca, NULL) != 1) {
        fail(err, "cannot load tls.client_ca", c->tls_client_ca);
        return -1;
    }
    STACK_OF(X509_NAME) *names = SSL_load_client_CA_file(c->tls_client_ca);
    if (names == NULL) {
        fail(err, "cannot read tls.client_ca", c->tls_client_ca);
        return -1;
    }
    SSL_CTX_set_client_CA_list(ctx, names);
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, NULL);
    SSL_CTX_set_verify_depth(ctx, VERIFY_DEPTH);
    X509_STORE *store = SSL_CTX_get_cert_store(ctx);
    X509_STORE_set_purpose(store, X509_PURPOSE_SSL_CLIENT);

    if (c->tls_crl != NULL) {
        t->crl = read_crl(c->tls_crl, err);
        if (t->crl == NULL)
            return -1;
        if (X509_STORE_add_crl(store, t->crl) != 1) {
            fail(err, "cannot use tls.crl", c->tls_crl);
            return -1;
        }
        /* The leaf is checked; a missing or stale CRL fails closed. */
        X509_STORE_set_flags(store, X509_V_FLAG_CRL_CHECK);
    }
    return 0;
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
