/*
 * http.h - just enough HTTP/1.1 to read a server's responses.
 *
 * The contract (SPEC §8) promises a Content-Length on every answer, so the
 * parser reads a status line, headers and exactly Content-Length bytes of
 * body; chunked or length-less answers are protocol errors. The parser keeps
 * its state between calls, so a response may arrive in any number of pieces.
 */
#ifndef BENCH_HTTP_H
#define BENCH_HTTP_H

#include <stdbool.h>
#include <stddef.h>

struct evbuffer;

#define HTTP_HEADER_MAX (16 * 1024)
#define HTTP_BODY_MAX (64 * 1024 * 1024)

enum http_result { HTTP_MORE, HTTP_DONE, HTTP_ERROR };

struct http_resp {
    enum { HR_STATUS, HR_HEADERS, HR_BODY } state;
    int status;
    bool keep_alive;  /* false: the server closes after this response */
    long long length; /* Content-Length, -1 until seen */
    size_t header_bytes;
    const char *error; /* why HTTP_ERROR, a static string */
};

void http_resp_reset(struct http_resp *r);

/* Consumes the status line and headers from in. On HTTP_DONE the body,
 * r->length bytes, is at the front of in for the caller to take. */
enum http_result http_resp_parse(struct http_resp *r, struct evbuffer *in);

#endif
