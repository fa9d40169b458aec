#include "descriptors.h"

#include <dirent.h>
#include <limits.h>
#include <stdlib.h>
#include <sys/resource.h>

#include <event2/event.h>

#include "net_internal.h"

struct descriptors {
    struct net *net;
    struct event *release; /* a zero timer: the loop's next turn */
    long closing;          /* closed since it last ran */
};

static void on_release(evutil_socket_t fd, short what, void *arg)
{
    struct descriptors *d = arg;
    if (d->closing > 0)
        COUNTER_ADD(net_counters(d->net)->connections, -d->closing);
    d->closing = 0;
}

struct descriptors *descriptors_new(struct event_base *base, struct net *net)
{
    struct descriptors *d = calloc(1, sizeof(*d));
    if (d == NULL)
        return NULL;
    d->net = net;
    d->release = evtimer_new(base, on_release, d);
    if (d->release == NULL) {
        free(d);
        return NULL;
    }
    return d;
}

void descriptors_free(struct descriptors *d)
{
    if (d == NULL)
        return;
    on_release(-1, 0, d);
    event_free(d->release);
    free(d);
}

void descriptors_release_later(struct descriptors *d)
{
    static const struct timeval now = {0, 0};
    if (d->closing++ == 0)
        evtimer_add(d->release, &now);
}

long descriptors_open(void)
{
    DIR *dir = opendir("/proc/self/fd");
    if (dir == NULL)
        return -1;
    long n = -1; /* not the directory's own */
    while (readdir(dir) != NULL)
        n++;
    closedir(dir);
    return n - 2; /* "." and ".." */
}

long descriptors_limit(void)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
        return 0;
    if (rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur > LONG_MAX)
        return LONG_MAX;
    return (long)rl.rlim_cur;
}
