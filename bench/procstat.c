#include "procstat.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define PROC_MAX 256

/* Fields 14 and 15 of /proc/PID/stat, counted after the command name, which
 * may itself contain spaces and parentheses: so parse from the last ')'. */
static int read_cpu(pid_t pid, double *cpu_s)
{
    char path[64], buf[1024];
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    char *p = strrchr(buf, ')');
    if (!p)
        return -1;
    unsigned long long utime = 0, stime = 0;
    /* After ")": state(3) ppid pgrp session tty_nr tpgid flags minflt cminflt
     * majflt cmajflt utime(14) stime(15). */
    if (sscanf(p + 1, " %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &utime,
               &stime) != 2)
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

/* Appends the children of every thread of pid to list (Linux keeps the
 * children per thread in /proc/PID/task/TID/children). */
static void add_children(pid_t pid, pid_t *list, size_t *n)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/task", (int)pid);
    DIR *d = opendir(path);
    if (!d)
        return;
    struct dirent *e;
    while ((e = readdir(d)) && *n < PROC_MAX) {
        if (e->d_name[0] == '.')
            continue;
        char cpath[400];
        snprintf(cpath, sizeof cpath, "%s/%s/children", path, e->d_name);
        FILE *f = fopen(cpath, "r");
        if (!f)
            continue;
        int child;
        while (*n < PROC_MAX && fscanf(f, "%d", &child) == 1)
            list[(*n)++] = (pid_t)child;
        fclose(f);
    }
    closedir(d);
}

void proc_sample(const pid_t *pids, size_t n, struct proc_sample *out)
{
    pid_t list[PROC_MAX];
    size_t count = 0;
    memset(out, 0, sizeof *out);
    for (size_t i = 0; i < n && count < PROC_MAX; i++)
        list[count++] = pids[i];
    /* Breadth first: the list grows while it is walked. */
    for (size_t i = 0; i < count; i++)
        add_children(list[i], list, &count);
    for (size_t i = 0; i < count; i++) {
        double cpu;
        if (read_cpu(list[i], &cpu) < 0) {
            continue;
        }
        if (i == 0)
            out->ok = true;
        out->cpu_s += cpu;
        read_memory(list[i], &out->rss_kb, &out->hwm_kb);
        out->nproc++;
    }
}
