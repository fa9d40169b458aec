/*
 * metrics.h - GET /metrics: the Prometheus text exposition format 0.0.4,
 * operational series only (SPEC §6), counters and gauges.
 *
 * Counters: referral events by type and rejections by error code, both
 * since the store was created (they survive a restart); TLS handshakes and
 * their failures by class, store commits and the time they took, since
 * refgwd started. Gauges: open connections, the seconds left to the
 * server certificate, the client CA and the CRL's nextUpdate, and the build
 * (refgw_build_info{version}). No label is a signal, an
 * organisation or a subject attribute, and nothing here is a count that
 * /v1/stats would withhold.
 */
#ifndef REFGW_METRICS_H
#define REFGW_METRICS_H

#include <stddef.h>

#include "counters.h"
#include "counts.h"
#include "errors.h"

#define METRICS_CONTENT_TYPE "text/plain; version=0.0.4"

/* What one scrape shows: the store's counters and the running ones. */
struct metrics_snapshot {
    const struct store_metrics *store;
    /* Rejections counted on the loop thread and not yet written to the store
     * when the scrape was queued (see docs/counts.md). */
    unsigned unflushed_rejections[RG_CODE_COUNT];
    unsigned long handshakes;
    unsigned long handshake_failures[HANDSHAKE_FAILURE_CLASSES];
    long connections;
    unsigned long long commits;
    double commit_seconds;
    /* When each runs out (EXPIRY_NONE: no such date, no line), and now. */
    long long cert_expiry[CERT_WHICH_COUNT];
    long long now;
};

/* The exposition text (the caller frees it), or NULL (memory). */
char *metrics_render(const struct metrics_snapshot *m, size_t *len);

#endif
