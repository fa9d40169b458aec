#include "http1.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <http_parser.h>

#include "api_limits.h"
#include "net.h"
#include "wipe.h"

/* Longer than any method the gateway knows. */
#define METHOD_MAX 8

struct http1 {
    http_parser parser;
    char method[METHOD_MAX + 1]; /* the request's method token, read ahead */
    size_t method_len;
    bool method_read; /* the token has ended and the parser has it */
    char *url;
    size_t url_len;
    char *body;
    size_t body_len, body_cap;
    char *content_type;
    char field[32]; /* the current header's name, lower case, truncated */
    size_t field_len;
    char *value; /* the current header's value */
    size_t value_len;
    bool in_value;
    int content_types, content_lengths, hosts;
    bool host_invalid;
    bool transfer_encoding, expect_continue, continue_due;
    bool head;
    enum rg_code reject; /* set by a callback that refuses the request */
    const char *refusal; /* and its message for the client */
};

#define TOO_LARGE "the request is larger than the gateway accepts"
#define NO_MEMORY "out of memory"
#define MALFORMED "the HTTP request is malformed"

/*
 * The methods the gateway knows (RFC 9110 §9, and PATCH): one a path does
 * not offer gets 405 with Allow from the router. Any other token is a method
 * the gateway does not implement at all: 501 (CONNECT too: no tunnels).
 */
static const char *const known_methods[] = {"GET",    "HEAD",    "POST",  "PUT",
                                            "DELETE", "OPTIONS", "TRACE", "PATCH"};

static http_parser_settings settings;

static void forget(struct http1 *p)
{
    free(p->url);
    if (p->body != NULL) {
        rg_wipe(p->body, p->body_len);
        free(p->body);
    }
    free(p->content_type);
    free(p->value);
}

void http1_reset(struct http1 *p)
{
    forget(p);
    memset(p, 0, sizeof(*p));
    http_parser_init(&p->parser, HTTP_REQUEST);
    p->parser.data = p;
}

/* Refuses the request being read; -1 stops the parser. */
static int refuse(struct http1 *p, enum rg_code code, const char *message)
{
    p->reject = code;
    p->refusal = message;
    return -1;
}

static int append(char **buf, size_t *len, const char *at, size_t n, size_t max)
{
    if (*len + n > max)
        return -1;
    char *grown = realloc(*buf, *len + n + 1);
    if (grown == NULL)
        return -1;
    memcpy(grown + *len, at, n);
    *len += n;
    grown[*len] = '\0';
    *buf = grown;
    return 0;
}

/* Appends header bytes; beyond the limit the request is too large, not malformed. */
static int append_header(struct http1 *p, char **buf, size_t *len, const char *at,
                         size_t n)
{
    if (*len + n > RG_HEADERS_MAX)
        return refuse(p, RG_TOO_LARGE, TOO_LARGE);
    if (append(buf, len, at, n, RG_HEADERS_MAX) < 0)
        return refuse(p, RG_UNAVAILABLE, NO_MEMORY);
    return 0;
}

static int on_url(http_parser *hp, const char *at, size_t n)
{
    struct http1 *p = hp->data;
    return append_header(p, &p->url, &p->url_len, at, n);
}

static bool field_is(const struct http1 *p, const char *name)
{
    return p->field_len == strlen(name) && memcmp(p->field, name, p->field_len) == 0;
}

/* Characters of a reg-name (RFC 3986 §3.2.2: unreserved, sub-delims, '%'). */
#define REG_NAME                                                                       \
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~!$&'()*+,;=%"

/* A Host value: uri-host [":" port] (RFC 9110 §7.2), empty allowed. */
static bool host_valid(const char *v)
{
    size_t i;
    if (v[0] == '[') { /* an IP literal */
        i = 1 + strspn(v + 1, "0123456789abcdefABCDEF:.");
        if (v[i++] != ']')
            return false;
    } else {
        i = strspn(v, REG_NAME);
    }
    if (v[i] == ':')
        i += 1 + strspn(v + i + 1, "0123456789");
    return v[i] == '\0';
}

/* One complete header: remember what the gateway acts on. */
static void finish_header(struct http1 *p)
{
    if (!p->in_value)
        return;
    while (p->value_len > 0 &&
           (p->value[p->value_len - 1] == ' ' || p->value[p->value_len - 1] == '\t'))
        p->value[--p->value_len] = '\0'; /* trailing whitespace is not the value's */
    const char *v = p->value ? p->value : "";
    if (field_is(p, "content-type")) {
        p->content_types++;
        free(p->content_type);
        p->content_type = strdup(v);
    } else if (field_is(p, "content-length")) {
        p->content_lengths++;
    } else if (field_is(p, "transfer-encoding")) {
        p->transfer_encoding = true;
    } else if (field_is(p, "host")) {
        p->hosts++;
        p->host_invalid = p->host_invalid || !host_valid(v);
    } else if (field_is(p, "expect")) {
        p->expect_continue = strcasecmp(v, "100-continue") == 0;
    }
    free(p->value);
    p->value = NULL;
    p->value_len = 0;
    p->field_len = 0;
    p->in_value = false;
}

static int on_header_field(http_parser *hp, const char *at, size_t n)
{
    struct http1 *p = hp->data;
    finish_header(p);
    for (size_t i = 0; i < n; i++) {
        if (p->field_len < sizeof(p->field) - 1) {
            char ch = at[i];
            p->field[p->field_len++] = (ch >= 'A' && ch <= 'Z') ? (char)(ch + 32) : ch;
        } else {
            p->field[0] = '#'; /* too long for any header we act on */
        }
    }
    return 0;
}

static int on_header_value(http_parser *hp, const char *at, size_t n)
{
    struct http1 *p = hp->data;
    p->in_value = true;
    return append_header(p, &p->value, &p->value_len, at, n);
}

static int on_headers_complete(http_parser *hp)
{
    struct http1 *p = hp->data;
    finish_header(p);
    p->head = hp->method == HTTP_HEAD;
    bool http11 = hp->http_major == 1 && hp->http_minor >= 1;
    if (hp->http_major != 1)
        return refuse(p, RG_BAD_REQUEST, "only HTTP/1.1 and HTTP/1.0 are spoken here");
    if (p->transfer_encoding || hp->upgrade || p->content_lengths > 1 ||
        p->content_types > 1)
        return refuse(p, RG_BAD_REQUEST,
                      "send a body with exactly one Content-Length; Transfer-Encoding "
                      "and upgrades are not supported");
    /* RFC 9112 §3.2: exactly one Host in HTTP/1.1, never two, always valid. */
    if ((http11 && p->hosts != 1) || p->hosts > 1 || p->host_invalid)
        return refuse(p, RG_BAD_REQUEST, "send exactly one valid Host header");
    if ((hp->flags & F_CONTENTLENGTH) && hp->content_length > RG_REQUEST_MAX)
        return refuse(p, RG_TOO_LARGE, TOO_LARGE);
    if ((hp->flags & F_CONTENTLENGTH) && hp->content_length > 0) {
        p->body_cap = (size_t)hp->content_length;
        p->body = malloc(p->body_cap + 1);
        if (p->body == NULL)
            return refuse(p, RG_UNAVAILABLE, NO_MEMORY);
        /* An HTTP/1.0 client's expectation is ignored (RFC 9110 §10.1.1). */
        p->continue_due = p->expect_continue && http11;
    }
    return 0;
}

static int on_body(http_parser *hp, const char *at, size_t n)
{
    struct http1 *p = hp->data;
    if (p->body == NULL || p->body_len + n > p->body_cap)
        return refuse(p, RG_TOO_LARGE, TOO_LARGE);
    memcpy(p->body + p->body_len, at, n);
    p->body_len += n;
    p->body[p->body_len] = '\0';
    return 0;
}

static int on_message_complete(http_parser *hp)
{
    /* Stop here: the next pipelined request waits until this one is answered. */
    http_parser_pause(hp, 1);
    return 0;
}

struct http1 *http1_new(void)
{
    settings.on_url = on_url;
    settings.on_header_field = on_header_field;
    settings.on_header_value = on_header_value;
    settings.on_headers_complete = on_headers_complete;
    settings.on_body = on_body;
    settings.on_message_complete = on_message_complete;
    http_parser_set_max_header_size(RG_HEADERS_MAX);
    struct http1 *p = calloc(1, sizeof(*p));
    if (p != NULL)
        http1_reset(p);
    return p;
}

void http1_free(struct http1 *p)
{
    if (p == NULL)
        return;
    forget(p);
    free(p);
}

/* tchar of RFC 9110 §5.6.2. */
static bool is_tchar(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           (c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

static bool method_known(const char *m, size_t len)
{
    for (size_t i = 0; i < sizeof(known_methods) / sizeof(known_methods[0]); i++)
        if (strlen(known_methods[i]) == len && memcmp(known_methods[i], m, len) == 0)
            return true;
    return false;
}

/*
 * Reads the method token ahead of http-parser, which calls any method it does
 * not know malformed: a well-formed token the gateway does not know is 501
 * (RFC 9110 §15.6.2), garbage 400. A known method goes on to the parser.
 * Returns how much of data it took.
 */
static size_t read_method(struct http1 *p, const char *data, size_t len)
{
    size_t i = 0;
    for (; i < len; i++) {
        unsigned char c = (unsigned char)data[i];
        if (p->method_len == 0 && (c == '\r' || c == '\n'))
            continue; /* empty lines before a request line (RFC 9112 §2.2) */
        if (!is_tchar(c))
            break;
        if (p->method_len < METHOD_MAX)
            p->method[p->method_len] = (char)c;
        if (++p->method_len > RG_HEADERS_MAX) {
            refuse(p, RG_TOO_LARGE, TOO_LARGE);
            return i + 1;
        }
    }
    if (i == len)
        return i;
    p->method_read = true;
    if (data[i] != ' ' || p->method_len == 0)
        refuse(p, RG_BAD_REQUEST, MALFORMED);
    else if (p->method_len > METHOD_MAX || !method_known(p->method, p->method_len))
        refuse(p, RG_NOT_IMPLEMENTED, "the gateway does not implement this method");
    else if (http_parser_execute(&p->parser, &settings, p->method, p->method_len) !=
             p->method_len)
        refuse(p, RG_BAD_REQUEST, MALFORMED);
    return i;
}

enum http1_state http1_feed(struct http1 *p, const char *data, size_t len, size_t *used)
{
    size_t taken = 0;
    if (!p->method_read) {
        taken = read_method(p, data, len);
        if (p->reject != RG_OK) {
            *used = taken;
            return HTTP1_REFUSED;
        }
    }
    *used = taken;
    if (!p->method_read)
        return HTTP1_MORE;
    *used += http_parser_execute(&p->parser, &settings, data + taken, len - taken);
    enum http_errno e = HTTP_PARSER_ERRNO(&p->parser);
    if (e == HPE_PAUSED) {
        http_parser_pause(&p->parser, 0);
        return HTTP1_DONE;
    }
    if (e == HPE_OK)
        return HTTP1_MORE;
    if (e == HPE_HEADER_OVERFLOW)
        refuse(p, RG_TOO_LARGE, TOO_LARGE);
    else if (p->reject == RG_OK)
        refuse(p, RG_BAD_REQUEST, MALFORMED);
    return HTTP1_REFUSED;
}

bool http1_continue_due(struct http1 *p)
{
    bool due = p->continue_due;
    p->continue_due = false;
    return due;
}

int http1_take(struct http1 *p, struct request *req, bool *keep_alive)
{
    *keep_alive = http_should_keep_alive(&p->parser);
    req->method = http_method_str((enum http_method)p->parser.method);
    char *q = p->url ? strchr(p->url, '?') : NULL;
    if (q != NULL) {
        req->query = strdup(q + 1);
        *q = '\0';
    }
    req->path = p->url ? p->url : strdup("");
    p->url = NULL;
    req->content_type = p->content_type;
    p->content_type = NULL;
    req->body = p->body;
    req->body_len = p->body_len;
    p->body = NULL;
    p->body_len = 0;
    return req->path == NULL || (q != NULL && req->query == NULL) ? -1 : 0;
}

const char *http1_reason(int status)
{
    static const struct {
        int status;
        const char *text;
    } reasons[] = {
        {100, "Continue"},
        {200, "OK"},
        {202, "Accepted"},
        {400, "Bad Request"},
        {403, "Forbidden"},
        {404, "Not Found"},
        {405, "Method Not Allowed"},
        {408, "Request Timeout"},
        {409, "Conflict"},
        {413, "Content Too Large"},
        {415, "Unsupported Media Type"},
        {429, "Too Many Requests"},
        {501, "Not Implemented"},
        {503, "Service Unavailable"},
    };
    for (size_t i = 0; i < sizeof(reasons) / sizeof(reasons[0]); i++)
        if (reasons[i].status == status)
            return reasons[i].text;
    return "Unknown";
}

bool http1_is_head(const struct http1 *p)
{
    return p->head;
}

enum rg_code http1_refusal(const struct http1 *p, const char **message)
{
    *message = p->refusal;
    return p->reject;
}
