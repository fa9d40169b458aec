/*
 * http1.h - reading HTTP/1.1 requests off a connection's bytes, with
 * http-parser, under SPEC §8's limits: headers at most RG_HEADERS_MAX, a
 * body only with exactly one Content-Length of at most RG_REQUEST_MAX, no
 * Transfer-Encoding and no upgrade, HTTP/1.1 with exactly one valid Host
 * (HTTP/1.0 with at most one). A method the gateway does not know is refused
 * as not implemented (501) as soon as its name has arrived; the known ones
 * (RFC 9110's and PATCH) go up for the router to allow or not. Pipelined
 * requests are read one at a time: parsing stops at the end of each.
 *
 * No socket and no TLS here: bytes in, a request's parts out.
 */
#ifndef REFGW_HTTP1_H
#define REFGW_HTTP1_H

#include <stdbool.h>
#include <stddef.h>

#include "errors.h"

struct request;
struct http1;

enum http1_state {
    HTTP1_MORE,    /* everything given was taken; the request goes on */
    HTTP1_DONE,    /* a whole request has arrived (http1_take) */
    HTTP1_REFUSED, /* the request is refused (http1_refusal); read no more */
};

/* NULL when out of memory. */
struct http1 *http1_new(void);
void http1_free(struct http1 *p);

/* Starts reading a new request, forgetting (and wiping) the last. */
void http1_reset(struct http1 *p);

/* Reads from data[0..len); *used says how much it took. */
enum http1_state http1_feed(struct http1 *p, const char *data, size_t len,
                            size_t *used);

/* Whether a "100 Continue" is due now (asked for, headers accepted); once. */
bool http1_continue_due(struct http1 *p);

/* After HTTP1_DONE: moves method, path, query, content type and body into
 * req (0), or -1 when out of memory. *keep_alive: whether the connection
 * may carry another request after this one. */
int http1_take(struct http1 *p, struct request *req, bool *keep_alive);

/* The reason phrase of an answer's status line ("Not Found"). */
const char *http1_reason(int status);

/* Whether the request is a HEAD: its answer has no body. */
bool http1_is_head(const struct http1 *p);

/* After HTTP1_REFUSED: why, and the message for the client. */
enum rg_code http1_refusal(const struct http1 *p, const char **message);

#endif
