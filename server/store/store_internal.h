/*
 * store_internal.h - the writer's state, shared by store.c (its queue and
 * thread) and batch.c (what it does with one batch). Not for other layers.
 */
#ifndef REFGW_STORE_INTERNAL_H
#define REFGW_STORE_INTERNAL_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>

#include "backend.h"
#include "store.h"

#define MAX_BATCH 1024

/* A referral committed by another gateway for org, to hand up (store.h). */
struct arrival {
    struct arrival *next;
    char org[RG_ORG_ID_MAX + 1];
};

/* The most serious failure seen (store_take_error); class NULL: none. */
struct failure {
    const char *class;
    enum store_stage stage;
};

struct store {
    const struct store_backend *backend;
    void *db;
    struct store_hooks hooks;
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t wake_thread;     /* on CLOCK_MONOTONIC */
    struct op *queue, **queue_tail; /* guarded by lock */
    size_t queued;                  /* ops in the queue; guarded by lock */
    size_t wake_at;                 /* queued ops that wake the thread; lock */
    size_t last_batch;              /* ops the last batch took; the thread's own */
    bool idle_due;                  /* a batch ran since backend->idle; thread's own */
    long gather_ns;                 /* store_options.gather_ns, or the default */
    struct failure error;           /* guarded by lock */
    bool stopping;                  /* guarded by lock */
    struct arrival *arrivals;       /* guarded by lock */
    int arrival_count;              /* guarded by lock */
    bool healthy;                   /* the last batch committed; atomic */
    bool degraded;                  /* sends refused for room; atomic */
    long long counted_at;           /* CLOCK_MONOTONIC ns; the thread's own */
    unsigned long long commits;     /* atomic */
    unsigned long long commit_ns;   /* atomic */
};

/* Keeps the failure of class (NULL: none) at stage if it is the most
 * serious yet. */
void failure_note(struct failure *f, enum store_stage stage, const char *class);

/* Runs one batch in one transaction (on the writer's thread); marks ops
 * failed as the backend dictates, and the worst failure in error. */
void batch_run(struct store *s, struct op *batch, struct failure *error);

#endif
