/*
 * app.h - the gateway's one context, passed down to every module.
 *
 * Owned by main.c; everything here is touched only from the event loop thread
 * (the committer thread has its own state behind its own lock).
 */
#ifndef REFGW_APP_H
#define REFGW_APP_H

#include <stdbool.h>

#include "errors.h"

struct event_base;
struct config;
struct tls_server;
struct committer;
struct waiters;
struct ratelimit;
struct listener;

/* Totals since start, for the periodic log line and /metrics. */
struct counters {
    unsigned long accepted, delivered, acknowledged, expired, rejected;
    unsigned long handshake_failures;
    unsigned long rejections[RG_CODE_COUNT]; /* since start, by code */
    unsigned pending_rejections[RG_CODE_COUNT]; /* not yet written to the store */
    long connections;
};

struct app {
    const char *config_path;
    struct event_base *base;
    struct config *config;   /* current; a reload swaps it */
    struct tls_server *tls;  /* current; a reload swaps it */
    struct committer *committer;
    struct waiters *waiters;
    struct ratelimit *ratelimit;
    struct listener *listener;
    struct counters counters;
    long pending;            /* referrals neither acknowledged nor expired, last seen */
    bool stopping;
};

#endif
