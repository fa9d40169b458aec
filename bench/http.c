#include "http.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <event2/buffer.h>

#define LINE_MAX_LEN 8192

void http_resp_reset(struct http_resp *r)
{
    memset(r, 0, sizeof *r);
    r->state = HR_STATUS;
    r->length = -1;
}

static enum http_result fail(struct http_resp *r, const char *why)
{
    r->error = why;
    return HTTP_ERROR;
}

/* Takes one CRLF-terminated line off in into line (NUL-terminated).
 * Returns 1 with a line, 0 if none is complete yet, -1 if it is too long. */
static int take_line(struct http_resp *r, struct evbuffer *in, char *line, size_t *len)
{
    size_t eol_len = 0;
    struct evbuffer_ptr p = evbuffer_search_eol(in, NULL, &eol_len, EVBUFFER_EOL_CRLF);
    if (p.pos < 0)
        return evbuffer_get_length(in) + r->header_bytes > HTTP_HEADER_MAX ? -1 : 0;
    if ((size_t)p.pos >= LINE_MAX_LEN)
        return -1;
    evbuffer_remove(in, line, (size_t)p.pos);
    evbuffer_drain(in, eol_len);
    line[p.pos] = '\0';
    *len = (size_t)p.pos;
    r->header_bytes += (size_t)p.pos + eol_len;
    return r->header_bytes > HTTP_HEADER_MAX ? -1 : 1;
}

static enum http_result parse_status(struct http_resp *r, const char *line, size_t len)
{
    /* "HTTP/1.x SSS reason" */
    if (len < 12 || strncmp(line, "HTTP/1.", 7) != 0 || line[8] != ' ')
        return fail(r, "bad status line");
    if (line[7] != '0' && line[7] != '1')
        return fail(r, "unsupported HTTP version");
    r->keep_alive = line[7] == '1'; /* HTTP/1.0 closes unless it says otherwise */
    int status = 0;
    for (int i = 9; i < 12; i++) {
        if (line[i] < '0' || line[i] > '9')
            return fail(r, "bad status code");
        status = status * 10 + (line[i] - '0');
    }
    if (status < 100 || status > 599)
        return fail(r, "bad status code");
    r->status = status;
    r->state = HR_HEADERS;
    return HTTP_MORE;
}

static bool header_is(const char *line, size_t name_len, const char *name)
{
    return strlen(name) == name_len && strncasecmp(line, name, name_len) == 0;
}

static enum http_result parse_header(struct http_resp *r, const char *line, size_t len)
{
    const char *colon = memchr(line, ':', len);
    if (!colon)
        return fail(r, "bad header line");
    size_t name_len = (size_t)(colon - line);
    const char *v = colon + 1;
    while (*v == ' ' || *v == '\t')
        v++;
    if (header_is(line, name_len, "Content-Length")) {
        char *end;
        long long n = strtoll(v, &end, 10);
        while (*end == ' ' || *end == '\t')
            end++;
        if (end == v || *end != '\0' || n < 0 || n > HTTP_BODY_MAX)
            return fail(r, "bad Content-Length");
        if (r->length >= 0 && r->length != n)
            return fail(r, "conflicting Content-Length");
        r->length = n;
    } else if (header_is(line, name_len, "Transfer-Encoding")) {
        return fail(r, "Transfer-Encoding in a response");
    } else if (header_is(line, name_len, "Connection")) {
        if (strcasestr(v, "close"))
            r->keep_alive = false;
        else if (strcasestr(v, "keep-alive"))
            r->keep_alive = true;
    }
    return HTTP_MORE;
}

static enum http_result end_of_headers(struct http_resp *r)
{
    if (r->length < 0) {
        /* Only these may come without a body and a length. */
        if (r->status != 204 && r->status != 304 && r->status >= 200)
            return fail(r, "no Content-Length");
        r->length = 0;
    }
    r->state = HR_BODY;
    return HTTP_MORE;
}

enum http_result http_resp_parse(struct http_resp *r, struct evbuffer *in)
{
    char line[LINE_MAX_LEN];
    size_t len;
    while (r->state != HR_BODY) {
        int got = take_line(r, in, line, &len);
        if (got < 0)
            return fail(r, "headers too large");
        if (got == 0)
            return HTTP_MORE;
        enum http_result res;
        if (r->state == HR_STATUS)
            res = parse_status(r, line, len);
        else if (len == 0)
            res = end_of_headers(r);
        else
            res = parse_header(r, line, len);
        if (res == HTTP_ERROR)
            return res;
    }
    return evbuffer_get_length(in) >= (size_t)r->length ? HTTP_DONE : HTTP_MORE;
}
