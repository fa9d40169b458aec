/*
 * procstat.h - what the kernel says about the server under test.
 *
 * A sample covers the given processes and all their descendants, so that a
 * server with worker processes (nginx: a master and its workers) is measured
 * as a whole, the same way as a server with worker threads (refgwd). The CPU
 * time of each thread is kept too, to show how the load spreads over cores.
 */
#ifndef BENCH_PROCSTAT_H
#define BENCH_PROCSTAT_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#define PROC_THREADS_MAX 128

struct thread_cpu {
    pid_t tid;
    char name[16]; /* the kernel's comm */
    double cpu_s;
};

struct proc_sample {
    bool ok;      /* false if the first process could not be read */
    size_t nproc; /* processes counted */
    double cpu_s; /* user + system CPU time since each process started */
    long rss_kb;  /* VmRSS, summed */
    long hwm_kb;  /* VmHWM (peak RSS), summed */
    struct thread_cpu threads[PROC_THREADS_MAX];
    size_t nthreads;
};

/* Samples pids[0..n) and their descendants. Never fails: a process that
 * vanishes between listing and reading is left out. */
void proc_sample(const pid_t *pids, size_t n, struct proc_sample *out);

/* The whole machine's CPU time (all cores) from /proc/stat: busy (user,
 * nice, system, irq, softirq) and stolen by the hypervisor. Comparing busy
 * with the server's and the client's own time tells whether something else
 * was running during a measurement. */
struct machine_sample {
    bool ok;
    double busy_s, steal_s;
};

void machine_sample(struct machine_sample *out);

/* CPU seconds thread t used since before (0 if it was not there then). */
double proc_thread_delta(const struct proc_sample *before, const struct thread_cpu *t);

#endif
