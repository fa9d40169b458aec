/* pthread_setname_np and gettid are GNU extensions. */
#define _GNU_SOURCE 1

#include "priority.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <sys/resource.h>
#include <unistd.h>

int thread_role(const char *role, int delta)
{
    char name[16];
    snprintf(name, sizeof(name), "refgwd-%s", role);
    pthread_setname_np(pthread_self(), name);
    if (delta == 0)
        return 0;
    /* On Linux a nice value is a thread's own, set through its thread id. */
    id_t tid = (id_t)gettid();
    errno = 0;
    int nice = getpriority(PRIO_PROCESS, tid);
    if (nice == -1 && errno != 0)
        return -1;
    nice += delta;
    nice = nice < -20 ? -20 : nice > 19 ? 19 : nice;
    return setpriority(PRIO_PROCESS, tid, nice);
}
