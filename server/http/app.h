/*
 * app.h - the gateway's one context, shared by its threads.
 *
 * Several event loops (struct loop, one thread each) serve connections; one
 * committer thread owns the store. What they share is here: the current
 * configuration and TLS context (swapped on reload under a lock, handed out
 * by reference), counters (updated atomically), and the rate limiter (which
 * locks itself).
 */
#ifndef REFGW_APP_H
#define REFGW_APP_H

#include <pthread.h>
#include <stdbool.h>

#include "errors.h"

struct config;
struct tls_server;
struct committer;
struct ratelimit;
struct loop;

#define MAX_LOOPS 16

/* Totals since start, for the periodic log line and /metrics. Atomic. */
struct counters {
    unsigned long accepted, delivered, acknowledged, expired, rejected;
    unsigned long handshake_failures;
    unsigned long rejections[RG_CODE_COUNT];         /* since start, by code */
    unsigned long pending_rejections[RG_CODE_COUNT]; /* not yet written to the store */
    long connections;                                /* open now */
};

/* Adds to a counter from any thread; reads one. */
#define COUNTER_ADD(field, n) __atomic_add_fetch(&(field), (n), __ATOMIC_RELAXED)
#define COUNTER_GET(field) __atomic_load_n(&(field), __ATOMIC_RELAXED)

struct app {
    const char *config_path;
    pthread_mutex_t lock;   /* guards config and tls, and orders the flush of
                               pending_rejections against /metrics snapshots */
    struct config *config;  /* current; a reload swaps it */
    struct tls_server *tls; /* current; a reload swaps it */
    struct committer *committer;
    struct ratelimit *ratelimit;
    struct loop *loops[MAX_LOOPS];
    int loop_count;
    struct counters counters;
    bool stopping; /* atomic */
};

/* The current configuration and TLS context, each a reference the caller drops. */
struct config *app_config(struct app *app);
struct tls_server *app_tls(struct app *app);

/* Swaps in a new configuration and TLS context (taking the references). */
void app_swap(struct app *app, struct config *config, struct tls_server *tls);

bool app_stopping(struct app *app);

/* A referral was committed for org_id: wake its long-polls on every loop
 * where a long-poll may wait (loop.h). */
void app_referral_arrived(struct app *app, const char *org_id);

#endif
