/*
 * metrics.h - GET /metrics: the Prometheus text exposition format 0.0.4.
 *
 * Counters: referrals by event, sender type, recipient type and signal, and
 * rejections by error code, both since the store was created (they survive a
 * restart); TLS handshake failures since refgwd started. Gauges: open
 * connections, referrals pending per recipient type, and the age of the oldest
 * pending referral per recipient type. Labels are only types, signals, events
 * and error codes: never an organisation id, never a subject attribute.
 */
#ifndef REFGW_METRICS_H
#define REFGW_METRICS_H

#include <stddef.h>

#include "errors.h"
#include "counts.h"

#define METRICS_CONTENT_TYPE "text/plain; version=0.0.4"

/* What one scrape shows: the store's counters and the loop thread's own. */
struct metrics_snapshot {
    const struct store_metrics *store;
    /* Rejections counted on the loop thread and not yet written to the store
     * when the scrape was queued (see docs/counts.md). */
    unsigned unflushed_rejections[RG_CODE_COUNT];
    unsigned long handshake_failures;
    long connections;
};

/* The exposition text (the caller frees it), or NULL (memory). */
char *metrics_render(const struct metrics_snapshot *m, size_t *len);

#endif
