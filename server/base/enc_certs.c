#include "enc_certs.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "config.h"
#include "e2e.h"

struct enc_certs {
    STACK_OF(X509) * certs;
};

void enc_certs_free(struct enc_certs *e)
{
    if (e == NULL)
        return;
    sk_X509_pop_free(e->certs, X509_free);
    free(e);
}

static X509 *parse_pem(const char *pem)
{
    BIO *bio = BIO_new_mem_buf(pem, -1);
    X509 *cert = bio ? PEM_read_bio_X509(bio, NULL, NULL, NULL) : NULL;
    BIO_free(bio);
    return cert;
}

/* client_ca, with the CRL when there is one: what a certificate must chain
 * to, not revoked, now. */
static X509_STORE *trust_of(const struct config *c, char err[RG_ERR_MAX])
{
    struct e2e_error e;
    X509_STORE *trust = e2e_trust_new(c->tls_client_ca, &e);
    if (trust == NULL) {
        snprintf(err, RG_ERR_MAX, "tls.client_ca: %s", e.message);
        return NULL;
    }
    if (c->tls_crl == NULL)
        return trust;
    FILE *f = fopen(c->tls_crl, "rb");
    X509_CRL *crl = f ? PEM_read_X509_CRL(f, NULL, NULL, NULL) : NULL;
    if (f != NULL)
        fclose(f);
    if (crl == NULL || X509_STORE_add_crl(trust, crl) != 1 ||
        X509_STORE_set_flags(trust, X509_V_FLAG_CRL_CHECK) != 1) {
        X509_CRL_free(crl);
        X509_STORE_free(trust);
        ERR_clear_error();
        snprintf(err, RG_ERR_MAX, "tls.crl: cannot read %s", c->tls_crl);
        return NULL;
    }
    X509_CRL_free(crl);
    return trust;
}

static int load_org(struct org *o, size_t index, X509_STORE *trust,
                    char err[RG_ERR_MAX])
{
    o->encryption = calloc(1, sizeof(*o->encryption));
    if (o->encryption == NULL || (o->encryption->certs = sk_X509_new_null()) == NULL) {
        snprintf(err, RG_ERR_MAX, "out of memory");
        return -1;
    }
    for (size_t i = 0; i < o->encryption_cert_count; i++) {
        char what[96];
        snprintf(what, sizeof(what), "organisations[%zu].encryption_certs[%zu]", index,
                 i);
        X509 *cert = parse_pem(o->encryption_certs[i]);
        if (cert == NULL) {
            ERR_clear_error();
            snprintf(err, RG_ERR_MAX, "%s: %s is not a PEM certificate", what,
                     o->encryption_cert_paths[i]);
            return -1;
        }
        struct e2e_error e;
        if (e2e_recipient_check(cert, o->id, trust, "encryption certificate", &e) < 0 ||
            sk_X509_push(o->encryption->certs, cert) <= 0) {
            X509_free(cert);
            snprintf(err, RG_ERR_MAX, "%s: %.150s", what, e.message);
            return -1;
        }
    }
    return 0;
}

int enc_certs_load(struct config *c, char err[RG_ERR_MAX])
{
    X509_STORE *trust = NULL;
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < c->org_count; i++) {
        struct org *o = &c->orgs[i];
        if (o->encryption_cert_count == 0)
            continue;
        if (trust == NULL && (trust = trust_of(c, err)) == NULL)
            return -1;
        rc = load_org(o, i, trust, err);
    }
    X509_STORE_free(trust);
    ERR_clear_error();
    return rc;
}

int enc_certs_check_body(const struct enc_certs *e, const char *b64, size_t len,
                         char why[RG_MESSAGE_MAX])
{
    struct e2e_error err;
    if (e2e_check(b64, len, e->certs, &err) == 0)
        return 0;
    snprintf(why, RG_MESSAGE_MAX, "%.150s", err.message);
    return -1;
}
