/*
 * call.h - one request as the handlers see it, and the one way it is
 * answered.
 *
 * A call wraps the net's request (net.h) with what the handlers need: the
 * caller's organisation in the configuration, the loop's worker, and the
 * long-poll state. A handler answers it exactly once, now or later (after a
 * store op or a long-poll), with call_reply() or one of the helpers; every
 * error answer goes through call_error(), which also counts it. If the
 * connection goes first, the call is orphaned (req NULL): answering it only
 * frees it. A parked call sets cancel so that it can be taken out of its
 * waiting list when the peer leaves.
 *
 * Includes neither libevent nor OpenSSL.
 */
#ifndef REFGW_CALL_H
#define REFGW_CALL_H

#include <stdbool.h>
#include <stddef.h>

#include <cjson/cJSON.h>

#include "errors.h"
#include "http.h"
#include "net.h"
#include "ops.h"

struct call {
    struct gateway *gw;
    struct worker *worker; /* the loop that owns the connection */
    struct request *req;   /* NULL once the connection is gone */
    struct config *config; /* a reference, dropped when the call ends */
    const struct org *org; /* the caller in config, once admitted */
    char org_id[RG_ORG_ID_MAX + 1];

    void (*cancel)(struct call *call); /* set while parked */
    void *park;                        /* the parking module's record */
    double started;                    /* monotonic seconds */
    int wait_seconds, limit;           /* inbox parameters */
    bool longpoll; /* counted in its worker's long-polls until freed */
};

/* A call for req; NULL when out of memory. */
struct call *call_new(struct gateway *gw, struct request *req);

/* Sends the answer (extra_headers: NULL or lines ending in "\r\n") and
 * frees the call. */
void call_reply(struct call *call, int status, const char *content_type,
                const char *body, size_t len, const char *extra_headers);

/* Answers with a JSON document (taken, freed, and wiped: it may hold content). */
void call_reply_json(struct call *call, int status, cJSON *doc);

/*
 * The answer to a send, {"id":ID,"status":STATE} and "duplicate":true after
 * them when duplicate: the bytes cJSON_PrintUnformatted gives of that tree,
 * printed without one. Both strings must print as they are (printable ASCII
 * without '"' or '\\', as ids and state names are); otherwise -1. Returns
 * the length written to out, or -1 (also when it does not fit).
 */
int call_format_send_answer(char *out, size_t size, const char *id, const char *state,
                            bool duplicate);

/* Answers status with call_format_send_answer's document (503 if it fails). */
void call_reply_send_answer(struct call *call, int status, const char *id,
                            const char *state, bool duplicate);

/* The one writer of SPEC §5's error answers; counts the rejection. */
void call_error(struct call *call, const struct rg_error *err,
                const char *extra_headers);
void call_fail(struct call *call, enum rg_code code, const char *field);

/* Out of memory, with no call to hold the request: its last resort. */
void call_refuse_unavailable(struct request *req);

/* The connection went: frees a parked call, orphans one a store op holds. */
void call_gone(struct call *call);

/* Frees the call without answering. */
void call_free(struct call *call);

/* An op for the store whose done() runs on the call's loop, queued. Out of
 * memory: NULL, and the call is answered 503. */
struct op *call_op(struct call *call, enum op_kind kind, void (*done)(struct op *));

/* Queues an op made by call_op (after filling its inputs). */
void call_submit(struct call *call, struct op *op);

/* The op's call when its connection is there and the store did its part;
 * otherwise NULL, with the call answered 503 or freed, and the op freed. */
struct call *call_of_result(struct op *op);

/* The op's call, or NULL (the call freed) when its connection has gone. */
struct call *call_of(struct op *op);

#endif
