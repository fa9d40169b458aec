/*
 * call.h - one HTTP request and its answer, as handlers see them.
 *
 * The network layer (conn.c) makes a call once a request has fully arrived
 * and the caller's certificate is known; a handler answers it exactly once
 * with call_reply() or one of the helpers, possibly later (after a store op
 * or a long-poll). If the connection goes away first, the call is orphaned:
 * replying to it only frees it. A parked call (long-poll) sets cancel so the
 * network layer can take it out of its waiting list when the peer leaves.
 */
#ifndef REFGW_CALL_H
#define REFGW_CALL_H

#include <stdbool.h>
#include <stddef.h>

#include <cjson/cJSON.h>

#include "app.h"
#include "errors.h"
#include "referral.h"

struct loop;

struct call {
    struct app *app;
    struct loop *loop;              /* the event loop that owns the connection */
    struct config *config;          /* a reference, dropped when the call ends */
    char org_id[RG_ORG_ID_MAX + 1]; /* the certificate's CN */
    const struct org *org;          /* the caller in config, once admitted */

    const char *method; /* "GET", "POST", ... */
    char *path;         /* raw, without the query */
    char *query;        /* raw, NULL without '?' */
    char *content_type; /* NULL when absent */
    char *body;
    size_t body_len;

    void (*cancel)(struct call *call); /* set while parked */
    void *park;                        /* the parking module's record */
    double started;                    /* monotonic seconds */
    int wait_seconds, limit;           /* inbox parameters */
    bool longpoll; /* counted in its loop's long-polls until freed */

    void *conn; /* NULL once the connection is gone */
};

/*
 * Sends the answer and ends the call. extra_headers is NULL or lines each
 * ending in "\r\n". Frees the call.
 */
void call_reply(struct call *call, int status, const char *content_type,
                const char *body, size_t len, const char *extra_headers);

/* Answers with a JSON document (taken and freed). */
void call_reply_json(struct call *call, int status, cJSON *doc);

/* Answers with SPEC §5's error document and counts the rejection. */
void call_reply_error(struct call *call, const struct rg_error *err,
                      const char *extra_headers);
void call_fail(struct call *call, enum rg_code code, const char *field);

/* Frees the call without answering (the connection is gone). */
void call_free(struct call *call);

#endif
