#define _GNU_SOURCE 1 /* sched_getaffinity */
#include "net.h"

#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "config.h"
#include "listener.h"
#include "loop.h"
#include "net_internal.h"
#include "tls.h"

struct net {
    struct net_hooks hooks;
    struct counters *counters;
    pthread_mutex_t lock;   /* guards config and tls */
    struct config *config;  /* current; a reload swaps it */
    struct tls_server *tls; /* current; a reload swaps it */
    struct loop *loops[LOOPS_MAX];
    int loop_count;
    unsigned next_loop; /* loop 0's thread only */
    struct listener *listener;
    bool stopping; /* atomic */
};

/* One loop per processor refgwd may run on (taskset, systemd's CPUAffinity,
 * a container's cpuset), not per processor online: TLS and HTTP scale with
 * cores; the store has its own thread. */
static int loops_wanted(void)
{
    cpu_set_t allowed;
    long n = sched_getaffinity(0, sizeof(allowed), &allowed) == 0
                 ? CPU_COUNT(&allowed)
                 : sysconf(_SC_NPROCESSORS_ONLN);
    return n < 1 ? 1 : n > LOOPS_MAX ? LOOPS_MAX : (int)n;
}

struct net *net_new(struct config *config, struct tls_server *tls,
                    struct counters *counters, const struct net_hooks *hooks, int *port,
                    char err[RG_ERR_MAX])
{
    struct net *n = calloc(1, sizeof(*n));
    if (n == NULL) {
        config_unref(config);
        tls_server_unref(tls);
        snprintf(err, RG_ERR_MAX, "out of memory");
        return NULL;
    }
    pthread_mutex_init(&n->lock, NULL);
    n->hooks = *hooks;
    n->counters = counters;
    n->config = config;
    n->tls = tls;
    int fd = listener_bind(config->listen_host, config->listen_port, port, err);
    if (fd < 0) {
        net_free(n);
        return NULL;
    }
    int want = loops_wanted();
    for (int i = 0; i < want; i++) {
        struct loop *l = loop_new(n);
        if (l == NULL) {
            snprintf(err, RG_ERR_MAX, "cannot set up event loop %d", i);
            close(fd);
            net_free(n);
            return NULL;
        }
        n->loops[n->loop_count++] = l;
    }
    /* Loop 0 accepts; the others are handed connections. */
    n->listener = listener_new(n->loops[0], fd, err);
    if (n->listener == NULL) {
        net_free(n);
        return NULL;
    }
    return n;
}

int net_start(struct net *n)
{
    for (int i = 1; i < n->loop_count; i++)
        if (loop_start_thread(n->loops[i]) < 0)
            return -1;
    return 0;
}

void net_run(struct net *n)
{
    loop_run(n->loops[0]);
}

struct event_base *net_base(struct net *n)
{
    return loop_base(n->loops[0]);
}

void net_stop(struct net *n, time_t deadline)
{
    if (net_stopping(n))
        return;
    __atomic_store_n(&n->stopping, true, __ATOMIC_RELAXED);
    listener_stop(n->listener);
    for (int i = 0; i < n->loop_count; i++)
        loop_stop(n->loops[i], deadline);
}

bool net_stopping(struct net *n)
{
    return __atomic_load_n(&n->stopping, __ATOMIC_RELAXED);
}

void net_join(struct net *n)
{
    for (int i = 1; i < n->loop_count; i++) {
        loop_stop(n->loops[i], time(NULL)); /* if start-up failed half way */
        loop_join(n->loops[i]);
    }
}

void net_free(struct net *n)
{
    if (n == NULL)
        return;
    listener_free(n->listener);
    loop_free_all(n->loops, n->loop_count);
    config_unref(n->config);
    tls_server_unref(n->tls);
    pthread_mutex_destroy(&n->lock);
    free(n);
}

struct config *net_config(struct net *n)
{
    pthread_mutex_lock(&n->lock);
    struct config *c = config_ref(n->config);
    pthread_mutex_unlock(&n->lock);
    return c;
}

struct tls_server *net_tls(struct net *n)
{
    pthread_mutex_lock(&n->lock);
    struct tls_server *t = tls_server_ref(n->tls);
    pthread_mutex_unlock(&n->lock);
    return t;
}

void net_swap(struct net *n, struct config *config, struct tls_server *tls)
{
    pthread_mutex_lock(&n->lock);
    struct config *old_config = n->config;
    struct tls_server *old_tls = n->tls;
    n->config = config;
    n->tls = tls;
    pthread_mutex_unlock(&n->lock);
    config_unref(old_config);
    tls_server_unref(old_tls);
    for (int i = 0; i < n->loop_count; i++)
        loop_recheck(n->loops[i]);
}

int net_loop_count(const struct net *n)
{
    return n->loop_count;
}

struct loop *net_loop(struct net *n, int i)
{
    return n->loops[i];
}

const struct net_hooks *net_hooks(struct net *n)
{
    return &n->hooks;
}

struct counters *net_counters(struct net *n)
{
    return n->counters;
}

struct loop *net_next_loop(struct net *n)
{
    return n->loops[n->next_loop++ % (unsigned)n->loop_count];
}

void net_loop_stopping(struct net *n, struct loop *l)
{
    if (n->hooks.stopping != NULL)
        n->hooks.stopping(n->hooks.ctx, l);
}
