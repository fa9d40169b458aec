/*
 * hist.h - a small log-linear latency histogram in the manner of HdrHistogram.
 *
 * Values (nanoseconds here) below 2 * HIST_SUB are counted exactly; above,
 * each power of two is split into HIST_SUB equal buckets, so any recorded
 * value is known to within 1/HIST_SUB (under 1 %) while the whole 64-bit range
 * fits in a fixed array: no allocation on the hot path, and histograms of
 * several threads merge by adding counts.
 */
#ifndef BENCH_HIST_H
#define BENCH_HIST_H

#include <stdint.h>

#define HIST_SUB_BITS 7
#define HIST_SUB (1u << HIST_SUB_BITS)
#define HIST_BUCKETS ((64 - HIST_SUB_BITS) * HIST_SUB + 2 * HIST_SUB)

struct hist {
    uint64_t count;
    uint64_t min, max;
    long double sum;
    uint64_t buckets[HIST_BUCKETS];
};

void hist_init(struct hist *h);
void hist_record(struct hist *h, uint64_t value);
void hist_merge(struct hist *into, const struct hist *from);

/* The smallest recorded value v such that q of all values are <= v (q in 0..1),
 * reported as the top of its bucket but never above the true maximum. */
uint64_t hist_quantile(const struct hist *h, double q);
double hist_mean(const struct hist *h);

#endif
