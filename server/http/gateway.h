/*
 * gateway.h - the HTTP layer, as start-up sees it: admission, routing and
 * the handlers of SPEC §5 on top of the network layer (net.h) and the store
 * (store.h). It gives each of them the hooks through which they reach it:
 * the net hands it requests, the store hands back finished ops.
 */
#ifndef REFGW_GATEWAY_H
#define REFGW_GATEWAY_H

#include "counters.h"
#include "errors.h"
#include "net.h"
#include "store.h"

struct gateway;

/* NULL when out of memory. counters outlives it. */
struct gateway *gateway_new(struct counters *counters);

/* The hooks to give the net and the store when making them. */
struct net_hooks gateway_net_hooks(struct gateway *gw);
struct store_hooks gateway_store_hooks(struct gateway *gw);

/* Once both exist: each loop's own state (long-polls, a digester keyed by
 * the store). 0, or -1 with err. */
int gateway_attach(struct gateway *gw, struct net *net, struct store *store,
                   char err[RG_ERR_MAX]);

/* Queues op for the store with its done() to run on loop 0, the main
 * thread's (periodic work). */
void gateway_submit(struct gateway *gw, struct op *op);

/* Writes the rejections counted since the last flush to the store (each
 * tick, and at shutdown before the store closes). */
void gateway_flush_rejections(struct gateway *gw);

/* After the net is freed (no request is left). */
void gateway_free(struct gateway *gw);

#endif
