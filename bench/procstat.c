#include "procstat.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define PROC_MAX 256

/* Name and utime + stime of a /proc/.../stat file. The name is in
 * parentheses and may itself contain spaces and parentheses, so the fields
 * are counted from the last ')'. */
static int read_stat(const char *path, char name[16], double *cpu_s)
{
    char buf[1024];
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    char *open = strchr(buf, '(');
    char *close = strrchr(buf, ')');
    if (!open || !close || close < open)
        return -1;
    size_t len = (size_t)(close - open - 1);
    if (len > 15)
        len = 15;
    memcpy(name, open + 1, len);
    name[len] = '\0';
    unsigned long long utime = 0, stime = 0;
    /* After ")": state(3) ppid pgrp session tty_nr tpgid flags minflt cminflt
     * majflt cmajflt utime(14) stime(15). */
    if (sscanf(close + 1, " %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu",
               &utime, &stime) != 2)
        return -1;
    *cpu_s = (double)(utime + stime) / (double)sysconf(_SC_CLK_TCK);
    return 0;
}

static void read_memory(pid_t pid, long *rss_kb, long *hwm_kb)
{
    char path[64], line[256];
    snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return;
    long v;
    while (fgets(line, sizeof line, f)) {
        if (sscanf(line, "VmRSS: %ld kB", &v) == 1)
            *rss_kb += v;
        else if (sscanf(line, "VmHWM: %ld kB", &v) == 1)
            *hwm_kb += v;
    }
    fclose(f);
}

/* Calls fn for every thread id of pid (the names in /proc/PID/task). */
static void for_each_thread(pid_t pid, void (*fn)(pid_t, pid_t, void *), void *arg)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/task", (int)pid);
    DIR *d = opendir(path);
    if (!d)
        return;
    struct dirent *e;
    while ((e = readdir(d)))
        if (e->d_name[0] != '.')
            fn(pid, (pid_t)atoi(e->d_name), arg);
    closedir(d);
}

struct pid_list {
    pid_t pids[PROC_MAX];
    size_t n;
};

/* Linux keeps the children of a process per thread. */
static void add_children(pid_t pid, pid_t tid, void *arg)
{
    struct pid_list *l = arg;
    char path[96];
    snprintf(path, sizeof path, "/proc/%d/task/%d/children", (int)pid, (int)tid);
    FILE *f = fopen(path, "r");
    if (!f)
        return;
    int child;
    while (l->n < PROC_MAX && fscanf(f, "%d", &child) == 1)
        l->pids[l->n++] = (pid_t)child;
    fclose(f);
}

static void add_thread(pid_t pid, pid_t tid, void *arg)
{
    struct proc_sample *s = arg;
    if (s->nthreads == PROC_THREADS_MAX)
        return;
    struct thread_cpu *t = &s->threads[s->nthreads];
    char path[96];
    snprintf(path, sizeof path, "/proc/%d/task/%d/stat", (int)pid, (int)tid);
    if (read_stat(path, t->name, &t->cpu_s) < 0)
        return;
    t->tid = tid;
    s->nthreads++;
}

void proc_sample(const pid_t *pids, size_t n, struct proc_sample *out)
{
    struct pid_list l = {.n = 0};
    memset(out, 0, sizeof *out);
    for (size_t i = 0; i < n && l.n < PROC_MAX; i++)
        l.pids[l.n++] = pids[i];
    /* Breadth first: the list grows while it is walked. */
    for (size_t i = 0; i < l.n; i++)
        for_each_thread(l.pids[i], add_children, &l);
    for (size_t i = 0; i < l.n; i++) {
        char path[64], name[16];
        double cpu;
        snprintf(path, sizeof path, "/proc/%d/stat", (int)l.pids[i]);
        if (read_stat(path, name, &cpu) < 0)
            continue;
        if (i == 0)
            out->ok = true;
        out->cpu_s += cpu;
        out->nproc++;
        read_memory(l.pids[i], &out->rss_kb, &out->hwm_kb);
        for_each_thread(l.pids[i], add_thread, out);
    }
}

void machine_sample(struct machine_sample *out)
{
    unsigned long long user, nice, system, idle, iowait, irq, softirq, steal;
    memset(out, 0, sizeof *out);
    FILE *f = fopen("/proc/stat", "r");
    if (!f)
        return;
    int n = fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &user, &nice,
                   &system, &idle, &iowait, &irq, &softirq, &steal);
    fclose(f);
    if (n != 8)
        return;
    double tick = (double)sysconf(_SC_CLK_TCK);
    out->busy_s = (double)(user + nice + system + irq + softirq) / tick;
    out->steal_s = (double)steal / tick;
    out->ok = true;
}

double proc_thread_delta(const struct proc_sample *before, const struct thread_cpu *t)
{
    for (size_t i = 0; i < before->nthreads; i++)
        if (before->threads[i].tid == t->tid)
            return t->cpu_s - before->threads[i].cpu_s;
    return t->cpu_s;
}
