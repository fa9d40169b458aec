/*
 * expiry.h - when the gateway's own certificates and CRL run out, and when
 * to say so.
 *
 * The TLS module reads three dates from the files of the configuration: the
 * server certificate's notAfter, the client CA's notAfter and the CRL's
 * nextUpdate. This module turns a date into the stage of a warning (none,
 * 14 days before, 3 days before, then one per day after) and into the words
 * of that warning, which name the configuration key. Pure functions of the
 * date and the time now: the caller keeps which stage it last said.
 */
#ifndef REFGW_EXPIRY_H
#define REFGW_EXPIRY_H

#include <stddef.h>

enum cert_which { CERT_SERVER, CERT_CA, CERT_CRL, CERT_WHICH_COUNT };

/* The label value of refgw_cert_expiry_seconds: "server", "ca", "crl". */
const char *cert_label(enum cert_which which);
/* The configuration key: "tls.cert", "tls.client_ca", "tls.crl". */
const char *cert_key(enum cert_which which);

#define EXPIRY_WARN_DAYS 14 /* the first warning */
#define EXPIRY_URGENT_DAYS 3

/* No date: no CRL, or a CRL without nextUpdate. */
#define EXPIRY_NONE 0

/*
 * The stage of at (seconds since the epoch) seen at now: 0 while more than
 * 14 days remain (or at is EXPIRY_NONE), 1 within 14 days, 2 within 3 days,
 * 3 + N on the Nth day after it passed (N from 0). A caller warns each time
 * the stage grows, so once at 14 days, once at 3 and once a day after.
 */
int expiry_stage(long long at, long long now);

/* at as "2026-12-04T10:00:00Z" (UTC). */
void expiry_date(long long at, char out[32]);

/*
 * The warning for stage expiry_stage(at, now) > 0 of which, in out: for
 * example "tls.crl: the CRL's nextUpdate is in 6 days (2026-12-04T10:00:00Z)"
 * or "tls.cert: the server certificate expired 2 days ago (...)".
 */
void expiry_describe(enum cert_which which, long long at, long long now, char *out,
                     size_t size);

#endif
