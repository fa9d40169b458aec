/*
 * counters.h - the gateway's running totals, shared by its threads.
 *
 * The network layer counts connections and failed handshakes, the HTTP layer
 * the events and rejections; main.c sets when the certificates in use run
 * out. The periodic log line and /metrics read them. Every update is
 * atomic; nothing here names an organisation or a referral.
 */
#ifndef REFGW_COUNTERS_H
#define REFGW_COUNTERS_H

#include "errors.h"
#include "expiry.h"

/* Why a TLS handshake failed, for the log and /metrics (SPEC §6, §7). */
enum handshake_failure {
    HANDSHAKE_REFUSED, /* the certificate or protocol was refused */
    HANDSHAKE_TIMEOUT, /* it did not complete in time */
    HANDSHAKE_CLOSED,  /* the peer went away during it */
    /* Refused because our CRL is past its nextUpdate: the operator's to
     * fix, not the partner's fault. */
    HANDSHAKE_CRL_EXPIRED,
    HANDSHAKE_FAILURE_CLASSES
};

struct counters {
    unsigned long accepted, delivered, acknowledged, expired, rejected;
    unsigned long handshakes; /* completed, with an admissible certificate */
    unsigned long handshake_failures;
    unsigned long handshake_failure_by[HANDSHAKE_FAILURE_CLASSES];
    unsigned long rejections[RG_CODE_COUNT];         /* since start, by code */
    unsigned long pending_rejections[RG_CODE_COUNT]; /* not yet written to the store */
    long connections;                                /* open now */
    /* The server certificate's and client CA's notAfter and the CRL's
     * nextUpdate (seconds since the epoch; EXPIRY_NONE: no such date),
     * of the TLS context in use. */
    long long cert_expiry[CERT_WHICH_COUNT];
};

/* Adds to a counter from any thread; reads one. */
#define COUNTER_ADD(field, n) __atomic_add_fetch(&(field), (n), __ATOMIC_RELAXED)
#define COUNTER_GET(field) __atomic_load_n(&(field), __ATOMIC_RELAXED)
#define COUNTER_SET(field, v) __atomic_store_n(&(field), (v), __ATOMIC_RELAXED)

#endif
