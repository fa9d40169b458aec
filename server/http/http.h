/*
 * http.h - the HTTP layer's shared parts, for its own modules only: the
 * gateway's state and each loop's (a worker). Nothing outside http/
 * includes this.
 */
#ifndef REFGW_HTTP_H
#define REFGW_HTTP_H

#include <pthread.h>
#include <stdbool.h>

#include "gateway.h"

#define WORKERS_MAX 16

/* What the HTTP layer keeps per event loop; used on that loop's thread. */
struct worker {
    struct gateway *gw;
    struct loop *loop;
    struct waiters *waiters;   /* parked long-polls */
    struct digester *digester; /* for the sends this loop parses */
    long longpolls;            /* alive here; atomic (gateway_referral_arrived) */
};

struct gateway {
    struct counters *counters;
    struct ratelimit *ratelimit;
    struct net *net;
    struct store *store;
    pthread_mutex_t lock; /* orders the flush of rejections against /metrics */
    struct worker *workers[WORKERS_MAX];
    int worker_count;
};

/* A referral was committed for org_id: wake its long-polls on every loop
 * where one may wait. */
void gateway_referral_arrived(struct gateway *gw, const char *org_id);

/*
 * Long-polls alive on a worker: counted from the request until the call is
 * freed, so that a referral's arrival wakes only loops where one may wait.
 * Counted before the inbox op is queued, a poll is seen by every send the
 * store's writer runs after that op (the writer's and the mailboxes' locks
 * order them).
 */
void worker_longpolls_add(struct worker *w, long n);

#endif
