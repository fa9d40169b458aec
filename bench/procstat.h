/*
 * procstat.h - what the kernel says about the server under test.
 *
 * A sample covers the given processes and all their descendants, so that a
 * server with worker processes (nginx: a master and its workers) is measured
 * as a whole, the same way as a server with worker threads (refgwd).
 */
#ifndef BENCH_PROCSTAT_H
#define BENCH_PROCSTAT_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct proc_sample {
    bool ok;      /* false if the first process could not be read */
    size_t nproc; /* processes counted */
    double cpu_s; /* user + system CPU time since each process started */
    long rss_kb;  /* VmRSS, summed */
    long hwm_kb;  /* VmHWM (peak RSS), summed */
};

/* Samples pids[0..n) and their descendants. Never fails: a process that
 * vanishes between listing and reading is left out. */
void proc_sample(const pid_t *pids, size_t n, struct proc_sample *out);

#endif
