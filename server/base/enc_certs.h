/*
 * enc_certs.h - the organisations' encryption certificates (SPEC §10), as
 * the gateway holds them: parsed once per configuration, checked (EC P-256,
 * keyUsage keyAgreement, issued by client_ca, not revoked by the CRL, not
 * expired, CN the organisation's id), and used to check a body_cms names
 * exactly the recipient's current certificates. The gateway never has a key
 * to decrypt with.
 *
 * Opaque: the HTTP layer checks a body through it without OpenSSL types.
 */
#ifndef REFGW_ENC_CERTS_H
#define REFGW_ENC_CERTS_H

#include <stddef.h>

#include "errors.h"

struct config;
struct enc_certs;

/* Parses and checks every organisation's encryption certificates against
 * the configuration's client_ca and CRL, and attaches them to the
 * organisations. 0, or -1 with err naming the certificate at fault. */
int enc_certs_load(struct config *c, char err[RG_ERR_MAX]);

void enc_certs_free(struct enc_certs *e);

/* Whether body_cms b64[0..len) is an AuthEnvelopedData whose recipient
 * infos name exactly the certificates of e. 0, or -1 with why (words that
 * never quote the input). */
int enc_certs_check_body(const struct enc_certs *e, const char *b64, size_t len,
                         char why[RG_MESSAGE_MAX]);

#endif
