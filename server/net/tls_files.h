/*
 * tls_files.h - the files of the configuration's "tls" key, read and checked
 * before a TLS context is built from them. Only tls.c includes this.
 *
 * Each check refuses what would stop the gateway serving: a server
 * certificate that is expired, not yet valid or not for TLS servers; a
 * client_ca file holding anything but valid CA certificates; a CRL that no
 * certificate of client_ca issued, or that is past its nextUpdate (OpenSSL
 * would then refuse every client). Each message names the key; each date
 * read is handed back (seconds since the epoch) for the expiry gauges.
 * The OpenSSL error queue is empty when these return.
 */
#ifndef REFGW_TLS_FILES_H
#define REFGW_TLS_FILES_H

#include <openssl/x509.h>

#include "errors.h"

/* Checks the server's certificate (the first of tls.cert) at now. */
int tls_check_server_cert(X509 *leaf, long long now, long long *not_after,
                          char err[RG_ERR_MAX]);

/* Every certificate of tls.client_ca, each a CA valid at now; *not_after is
 * the earliest end among them. NULL with err. */
STACK_OF(X509) * tls_read_client_cas(const char *path, long long now,
                                     long long *not_after, char err[RG_ERR_MAX]);

/* The CRL of tls.crl (PEM), issued and signed by one of cas, current at now.
 * *next_update: its nextUpdate, or EXPIRY_NONE without one. NULL with err. */
X509_CRL *tls_read_crl(const char *path, STACK_OF(X509) * cas, long long now,
                       long long *next_update, char err[RG_ERR_MAX]);

#endif
