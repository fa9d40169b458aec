/*
 * api.h - the API of SPEC §5: routing, admission and the handlers.
 *
 * api_dispatch() takes a call whose request has fully arrived and answers it,
 * now or after a store op or a long-poll. It includes neither libevent nor
 * OpenSSL: the network layer hands it plain strings.
 */
#ifndef REFGW_API_H
#define REFGW_API_H

#include "call.h"
#include "ops.h"

void api_dispatch(struct call *call);

/* For handlers that need the store: an op whose done() runs on the call's loop. */
struct op *api_new_op(struct call *call, enum op_kind kind, void (*done)(struct op *));

/* The op's call, or NULL (and the call freed) when its connection has gone. */
struct call *api_op_call(struct op *op);

/* The op's call when its connection is there and the store did its part;
 * otherwise NULL, with the call answered 503 or freed, and the op freed. */
struct call *api_op_result(struct op *op);

#endif
