/*
 * tls.h - every OpenSSL call of the gateway lives here.
 *
 * A tls_server is one SSL_CTX built from the configuration: TLS 1.2 minimum
 * with ECDHE and AEAD ciphers only, the server's certificate and key (the key
 * file is read once and its bytes wiped), client certificates required and
 * verified against client_ca and, when configured, the CRL; a client
 * certificate that is a CA, or whose keyUsage lacks digitalSignature, or
 * whose extendedKeyUsage lacks clientAuth, is refused. No session tickets or
 * cache, so no client skips verification by resuming. A reload builds a new
 * tls_server; connections keep a reference to the one they were accepted
 * with.
 *
 * Building one checks the files first (tls_files.h): a configuration that
 * would refuse every client, or that clients would refuse, is an error
 * that names its key.
 *
 * The error queue is cleared before and drained after each call here.
 */
#ifndef REFGW_TLS_H
#define REFGW_TLS_H

#include <stdbool.h>

#include <openssl/ssl.h>

#include "config.h"
#include "counters.h"
#include "expiry.h"

struct tls_server;

struct tls_server *tls_server_new(const struct config *c, char err[RG_ERR_MAX]);
struct tls_server *tls_server_ref(struct tls_server *t);
void tls_server_unref(struct tls_server *t);

/* A fresh SSL object for an accepted connection, or NULL. */
SSL *tls_server_new_ssl(struct tls_server *t);

/*
 * After the handshake: checks that verification succeeded and reads the
 * organisation id from the certificate's single CN. Returns 0 and fills org
 * and *cert (a reference the caller frees with X509_free), or -1.
 */
int tls_peer_identity(SSL *ssl, char org[RG_ORG_ID_MAX + 1], X509 **cert);

/* When its server certificate and client CA end, and its CRL's nextUpdate
 * (EXPIRY_NONE: no CRL, or one without a nextUpdate). */
void tls_server_expiry(const struct tls_server *t, long long at[CERT_WHICH_COUNT]);

/* The class of a failed handshake's refusal: HANDSHAKE_CRL_EXPIRED when
 * our CRL's age refused it (logged here once a minute), else
 * HANDSHAKE_REFUSED. */
enum handshake_failure tls_refusal_class(SSL *ssl);

/* Whether this server's CRL revokes cert (false when no CRL is configured). */
bool tls_server_revokes(const struct tls_server *t, X509 *cert);

/* Clears the thread's OpenSSL error queue (after a failed connection). */
void tls_clear_errors(void);

#endif
