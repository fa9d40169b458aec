#include "tls_files.h"

#include <stdio.h>
#include <time.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "expiry.h"

/* Fills err ("KEY: what (date)") and empties the error queue; returns -1. */
static int refuse(char err[RG_ERR_MAX], const char *key, const char *what, long long at)
{
    char date[32];
    expiry_date(at, date);
    snprintf(err, RG_ERR_MAX, "%s: %s (%s)", key, what, date);
    ERR_clear_error();
    return -1;
}

/* Fills err with OpenSSL's reason for the failing step; returns -1. */
static int openssl_failed(char err[RG_ERR_MAX], const char *key, const char *what,
                          const char *path)
{
    unsigned long e = ERR_peek_last_error();
    char reason[160] = "no PEM data found";
    if (e != 0)
        ERR_error_string_n(e, reason, sizeof(reason));
    snprintf(err, RG_ERR_MAX, "%s: %s %.100s: %s", key, what, path, reason);
    ERR_clear_error();
    return -1;
}

/* An ASN.1 time as seconds since the epoch; EXPIRY_NONE when it has none. */
static long long seconds_of(const ASN1_TIME *t)
{
    struct tm tm;
    if (t == NULL || ASN1_TIME_to_tm(t, &tm) != 1)
        return EXPIRY_NONE;
    return (long long)timegm(&tm);
}

/* A certificate's validity against now: 0, or -1 with err naming key. */
static int check_validity(X509 *x, const char *key, const char *what, long long now,
                          long long *not_after, char err[RG_ERR_MAX])
{
    char msg[96];
    long long from = seconds_of(X509_get0_notBefore(x));
    long long to = seconds_of(X509_get0_notAfter(x));
    if (from == EXPIRY_NONE || to == EXPIRY_NONE) {
        snprintf(msg, sizeof(msg), "%s has an unreadable validity period", what);
        return refuse(err, key, msg, now);
    }
    if (to <= now) {
        snprintf(msg, sizeof(msg), "%s expired", what);
        return refuse(err, key, msg, to);
    }
    if (from > now) {
        snprintf(msg, sizeof(msg), "%s is not valid yet", what);
        return refuse(err, key, msg, from);
    }
    *not_after = to;
    return 0;
}

int tls_check_server_cert(X509 *leaf, long long now, long long *not_after,
                          char err[RG_ERR_MAX])
{
    if (leaf == NULL)
        return refuse(err, "tls.cert", "no certificate", now);
    if (check_validity(leaf, "tls.cert", "the server certificate", now, not_after,
                       err) < 0)
        return -1;
    /* serverAuth when it has an extendedKeyUsage, and a keyUsage (if any)
     * that a TLS server can use: what clients check. */
    if (X509_check_purpose(leaf, X509_PURPOSE_SSL_SERVER, 0) != 1) {
        snprintf(err, RG_ERR_MAX,
                 "tls.cert: not a certificate for TLS servers (its extendedKeyUsage"
                 " lacks serverAuth, or its keyUsage does not allow a server)");
        ERR_clear_error();
        return -1;
    }
    return 0;
}

STACK_OF(X509) * tls_read_client_cas(const char *path, long long now,
                                     long long *not_after, char err[RG_ERR_MAX])
{
    ERR_clear_error();
    STACK_OF(X509) *cas = sk_X509_new_null();
    BIO *bio = cas ? BIO_new_file(path, "r") : NULL;
    if (bio == NULL) {
        openssl_failed(err, "tls.client_ca", "cannot open", path);
        sk_X509_free(cas);
        return NULL;
    }
    X509 *x;
    while ((x = PEM_read_bio_X509(bio, NULL, NULL, NULL)) != NULL)
        if (!sk_X509_push(cas, x)) {
            X509_free(x);
            break;
        }
    BIO_free(bio);
    /* The loop ends at the end of the file (a "no start line" error) or at
     * a broken certificate: only the first is fine. */
    unsigned long e = ERR_peek_last_error();
    int broken = e != 0 && ERR_GET_REASON(e) != PEM_R_NO_START_LINE;
    if (broken || sk_X509_num(cas) == 0) {
        if (!broken)
            ERR_clear_error();
        openssl_failed(err, "tls.client_ca", "cannot read a certificate from", path);
        sk_X509_pop_free(cas, X509_free);
        return NULL;
    }
    ERR_clear_error();
    *not_after = EXPIRY_NONE;
    for (int i = 0; i < sk_X509_num(cas); i++) {
        X509 *ca = sk_X509_value(cas, i);
        long long end;
        /* basicConstraints CA:TRUE, and keyCertSign if it has a keyUsage. */
        if (X509_check_ca(ca) != 1) {
            snprintf(err, RG_ERR_MAX,
                     "tls.client_ca: certificate %d of %.100s is not a CA certificate"
                     " (no basicConstraints CA:TRUE, or a keyUsage without"
                     " keyCertSign)",
                     i + 1, path);
            ERR_clear_error();
            sk_X509_pop_free(cas, X509_free);
            return NULL;
        }
        if (check_validity(ca, "tls.client_ca", "the client CA certificate", now, &end,
                           err) < 0) {
            sk_X509_pop_free(cas, X509_free);
            return NULL;
        }
        if (*not_after == EXPIRY_NONE || end < *not_after)
            *not_after = end;
    }
    return cas;
}

/* Whether a certificate of cas issued crl and signed it. */
static int issued_by(X509_CRL *crl, STACK_OF(X509) * cas)
{
    for (int i = 0; i < sk_X509_num(cas); i++) {
        X509 *ca = sk_X509_value(cas, i);
        EVP_PKEY *key = X509_get0_pubkey(ca);
        if (X509_NAME_cmp(X509_CRL_get_issuer(crl), X509_get_subject_name(ca)) == 0 &&
            key != NULL && X509_CRL_verify(crl, key) == 1) {
            ERR_clear_error();
            return 1;
        }
    }
    ERR_clear_error();
    return 0;
}

X509_CRL *tls_read_crl(const char *path, STACK_OF(X509) * cas, long long now,
                       long long *next_update, char err[RG_ERR_MAX])
{
    ERR_clear_error();
    BIO *bio = BIO_new_file(path, "r");
    X509_CRL *crl = bio ? PEM_read_bio_X509_CRL(bio, NULL, NULL, NULL) : NULL;
    BIO_free(bio);
    if (crl == NULL) {
        openssl_failed(err, "tls.crl", "cannot read a CRL from", path);
        return NULL;
    }
    if (!issued_by(crl, cas)) {
        snprintf(err, RG_ERR_MAX,
                 "tls.crl: not issued by tls.client_ca (no CA there has its issuer's"
                 " name and key)");
        X509_CRL_free(crl);
        return NULL;
    }
    long long last = seconds_of(X509_CRL_get0_lastUpdate(crl));
    long long next = seconds_of(X509_CRL_get0_nextUpdate(crl));
    int rc = 0;
    if (last == EXPIRY_NONE)
        rc = refuse(err, "tls.crl", "the CRL has an unreadable lastUpdate", now);
    else if (last > now)
        rc = refuse(err, "tls.crl", "the CRL is not valid yet (lastUpdate)", last);
    else if (next != EXPIRY_NONE && next <= now)
        rc = refuse(err, "tls.crl",
                    "the CRL is past its nextUpdate: every client would be refused;"
                    " issue a new one",
                    next);
    if (rc < 0) {
        X509_CRL_free(crl);
        return NULL;
    }
    *next_update = next;
    return crl;
}
