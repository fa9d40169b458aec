/*
 * http.h - the libcurl transport: HTTPS with a client certificate, one
 * connection kept alive across requests, connect and total timeouts.
 *
 * http_request() succeeds whenever the gateway answered, whatever the HTTP
 * status; it fails only when no answer came, and then says why in words a
 * partner's administrator can act on: refused connection, unknown CA, host
 * name mismatch, our certificate rejected, timeout. Nothing here prints,
 * except one line per request with `verbose` (method, path, status,
 * whether the connection was new; never a body).
 */
#ifndef REFGW_CLI_HTTP_H
#define REFGW_CLI_HTTP_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>

#include "cli.h"

/* The largest answer accepted (the gateway sends at most 8 MiB of bodies). */
#define HTTP_ANSWER_MAX (32u << 20)

struct http_config {
    const char *base_url; /* "https://host:port" */
    const char *cert;
    const char *key; /* NULL: in the cert file */
    const char *ca;  /* NULL: the system's CA store */
    long connect_timeout;
    long timeout;
    bool verbose;
};

struct http_response {
    long status;
    char *body; /* NUL-terminated; wiped when cleared (it may hold a referral) */
    size_t len;
    long retry_after; /* the Retry-After header in seconds, or 0 */
};

/* NULL with err (exit 1) when libcurl cannot be set up. Copies what it needs from cfg.
 */
struct http *http_open(const struct http_config *cfg, struct cli_error *err);

void http_close(struct http *h);

/*
 * While *flag is non-zero a cancellable request in progress is abandoned
 * (within about a second) and fails with err->exit CLI_OK, "interrupted".
 */
void http_set_cancel(struct http *h, volatile sig_atomic_t *flag);

/*
 * One request to base_url + path (path begins with '/'); body may be NULL.
 * extra_seconds lengthens the total timeout (long-polls). 0 when an answer
 * came (resp filled; clear it with http_response_clear), else -1 with err:
 * exit 3 (transient unless the TLS verdict will not change by retrying) or
 * exit 1 when our own certificate, key or CA file cannot be used.
 */
int http_request(struct http *h, const char *method, const char *path, const char *body,
                 size_t body_len, long extra_seconds, bool cancellable,
                 struct http_response *resp, struct cli_error *err);

void http_response_clear(struct http_response *r);

#endif
