/*
 * gateway.h - calling the refgw API: one request, and its answer read as the
 * contract of SPEC §5 says.
 *
 * gw_call() succeeds only on a 2xx answer that is a JSON document. An error
 * answer becomes exit 2 with the gateway's code and message (and field); no
 * answer becomes exit 3 (or 1 when our own files are at fault). The
 * connection is opened on the first call, after the global options are
 * checked, and kept for the next calls.
 */
#ifndef REFGW_CLI_GATEWAY_H
#define REFGW_CLI_GATEWAY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include <cjson/cJSON.h>

#include "cli.h"

struct gw_answer {
    long status;
    char *raw; /* the answer as it came, NUL-terminated; wiped when cleared */
    size_t raw_len;
    cJSON *doc; /* the parsed answer */
};

/* Checks the global options and opens the connection if not yet open; 0 or -1. */
int gw_connect(struct cli *c, struct cli_error *err);

/*
 * method "GET" or "POST", path from "/v1/...", body NULL or JSON text; wait
 * the seconds a long-poll may take beyond the usual timeout; a cancellable
 * call is abandoned when the flag given to http_set_cancel() is raised.
 * 0 with ans filled (clear it with gw_answer_clear), or -1 with err.
 */
int gw_call(struct cli *c, const char *method, const char *path, const char *body,
            long wait, bool cancellable, struct gw_answer *ans, struct cli_error *err);

/*
 * gw_call() again after a failure that a later attempt may not have (no
 * connection, a timeout, 429 or 503), up to `retries` times, 1, 2, 4 ... s
 * apart or as long as Retry-After says (at most GW_RETRY_WAIT_MAX s); each
 * retry is said on stderr. The same bytes every time.
 */
#define GW_RETRY_WAIT_MAX 60
int gw_call_retrying(struct cli *c, const char *method, const char *path,
                     const char *body, long retries, struct gw_answer *ans,
                     struct cli_error *err);

void gw_answer_clear(struct gw_answer *a);

/* Writes the answer as it came, with a final newline (--json). 0, or -1 with err. */
int gw_answer_print(const struct gw_answer *a, FILE *out, struct cli_error *err);

/* Refuses (exit 1) what cannot be a referral id before it goes into a URL path. */
int gw_check_id(const char *id, struct cli_error *err);

/* Wipes a printed JSON text (it may hold a referral) and frees it with cJSON_free. */
void gw_wipe_free(char *text);

/* A string member of an answer object, or "" (never NULL). */
const char *gw_string(const cJSON *obj, const char *name);

/* Copies s into out (size bytes) with control characters replaced: safe for a terminal.
 */
void gw_printable(const char *s, char *out, size_t size);

#endif
