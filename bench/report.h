/*
 * report.h - the results of a run, for people (text) or scripts (--json).
 */
#ifndef BENCH_REPORT_H
#define BENCH_REPORT_H

#include <stdio.h>

#include "bench.h"
#include "procstat.h"

struct run_result {
    double window_s;  /* the measured window (idle: time to open them all) */
    bool have_server; /* --server-pid was given and readable */
    struct proc_sample srv_before, srv_after; /* window start and end (idle:
                                                 before opening, after settling) */
    double client_cpu_s;
    struct machine_sample mach_before, mach_after;
};

void report_text(FILE *f, const struct bench *b, const struct stats *s,
                 const struct run_result *r);

/* One JSON object on one line. Returns 0, or -1 if out of memory. */
int report_json(FILE *f, const struct bench *b, const struct stats *s,
                const struct run_result *r);

#endif
