#include "conn.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/bufferevent_struct.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <event2/util.h>
#include <http_parser.h>
#include <openssl/crypto.h>
#include <openssl/err.h>

#include "api.h"
#include "call.h"
#include "loop.h"
#include "config.h"
#include "tls.h"

#define HANDSHAKE_SECONDS 10
#define IDLE_SECONDS 90
#define REQUEST_SECONDS 20 /* first byte to complete request: slow senders are cut */
#define WRITE_SECONDS 30
#define READ_HIGH_WATER (REQUEST_MAX + HEADERS_MAX)

enum conn_state { C_HANDSHAKE, C_IDLE, C_READING, C_HANDLING, C_WRITING };

struct listener {
    struct app *app;
    struct loop *loop;
    unsigned next_loop; /* the loop that gets the next accepted connection */
    struct evconnlistener *evl;
    struct conn *conns;
    long busy;            /* connections with a request being handled */
    int spare_fd;         /* held so that a connection can be refused at EMFILE */
    struct event *resume; /* re-enables accepting after a failure */
};

/* The request being read. */
struct request {
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
    int content_types, content_lengths;
    bool transfer_encoding, expect_continue;
    bool head; /* a HEAD request: its answer has no body */
};

struct conn {
    struct listener *owner;
    struct conn *prev, *next;
    struct bufferevent *bev;
    struct tls_server *tls;
    X509 *cert;
    char org[RG_ORG_ID_MAX + 1];
    enum conn_state state;
    struct event *timer;
    http_parser parser;
    struct request req;
    enum rg_code reject; /* set by a parser callback that refuses the request */
    bool close_after;
    struct call *call;
};

static http_parser_settings parser_settings;

/* ---- lifecycle ---- */

static void request_reset(struct request *r)
{
    free(r->url);
    if (r->body != NULL) {
        OPENSSL_cleanse(r->body, r->body_len);
        free(r->body);
    }
    free(r->content_type);
    free(r->value);
    memset(r, 0, sizeof(*r));
}

/*
 * A refused handshake: the alert is already written. Closing with the
 * client's last flight unread would send a reset, which can overtake the
 * alert, so the client could not tell why it was refused. Read what is
 * there and half-close first.
 */
static void linger_for_alert(evutil_socket_t fd)
{
    char sink[4096];
    if (fd < 0)
        return;
    while (recv(fd, sink, sizeof(sink), MSG_DONTWAIT) > 0)
        ;
    shutdown(fd, SHUT_WR);
}

static void conn_close(struct conn *c)
{
    struct listener *l = c->owner;
    if (c->call != NULL) {
        struct call *call = c->call;
        c->call = NULL;
        call->conn = NULL;
        l->busy--;
        if (call->cancel != NULL) { /* parked: nobody else holds it */
            call->cancel(call);
            call_free(call);
        } /* else a store op holds it and frees it on completion */
    }
    if (c->prev != NULL)
        c->prev->next = c->next;
    else
        l->conns = c->next;
    if (c->next != NULL)
        c->next->prev = c->prev;
    COUNTER_ADD(l->app->counters.connections, -1);
    event_free(c->timer);
    /* Drain what OpenSSL queued for this connection; a peer's error is not ours. */
    while (bufferevent_get_openssl_error(c->bev) != 0)
        ;
    if (c->state == C_HANDSHAKE)
        linger_for_alert(bufferevent_getfd(c->bev));
    bufferevent_free(c->bev);
    tls_clear_errors();
    X509_free(c->cert);
    tls_server_unref(c->tls);
    request_reset(&c->req);
    free(c);
}

static void set_timer(struct conn *c, int seconds)
{
    struct timeval tv = {seconds, 0};
    evtimer_add(c->timer, &tv);
}

/* ---- writing ---- */

static const char *reason(int status)
{
    switch (status) {
    case 200:
        return "OK";
    case 202:
        return "Accepted";
    case 400:
        return "Bad Request";
    case 403:
        return "Forbidden";
    case 404:
        return "Not Found";
    case 405:
        return "Method Not Allowed";
    case 408:
        return "Request Timeout";
    case 409:
        return "Conflict";
    case 413:
        return "Content Too Large";
    case 415:
        return "Unsupported Media Type";
    case 429:
        return "Too Many Requests";
    case 503:
        return "Service Unavailable";
    default:
        return "Unknown";
    }
}

static void write_response(struct conn *c, int status, const char *content_type,
                           const char *body, size_t len, const char *extra)
{
    struct evbuffer *out = bufferevent_get_output(c->bev);
    if (app_stopping(c->owner->app))
        c->close_after = true;
    evbuffer_add_printf(out,
                        "HTTP/1.1 %d %s\r\n"
                        "Content-Type: %s\r\n"
                        "Content-Length: %zu\r\n"
                        "Cache-Control: no-store\r\n"
                        "Connection: %s\r\n"
                        "%s\r\n",
                        status, reason(status), content_type, len,
                        c->close_after ? "close" : "keep-alive", extra ? extra : "");
    /* The answer to HEAD has a Content-Length but no body (RFC 9110 §9.3.2). */
    if (!c->req.head)
        evbuffer_add(out, body, len);
    c->state = C_WRITING;
    set_timer(c, WRITE_SECONDS);
    bufferevent_enable(c->bev, EV_WRITE);
    /* libevent's OpenSSL bufferevent writes only once epoll reports the
     * socket writable: one more trip through the loop, and an epoll_ctl to
     * arm the write event and one to disarm it, for every answer. Running
     * its write callback now sends the answer in this iteration; with the
     * loop's changelist the arming and disarming cancel out. If the socket
     * is full, the callback leaves the event armed, as before. */
    event_active(&c->bev->ev_write, EV_WRITE, 1);
}

void call_reply(struct call *call, int status, const char *content_type,
                const char *body, size_t len, const char *extra_headers)
{
    struct conn *c = call->conn;
    if (c != NULL) {
        c->call = NULL;
        c->owner->busy--;
        write_response(c, status, content_type, body, len, extra_headers);
    }
    call_free(call);
}

/* Refuses the request being read with a JSON error and closes after writing. */
static void refuse(struct conn *c, enum rg_code code, const char *message)
{
    struct rg_error err;
    rg_fail(&err, code, NULL, "%s", message);
    struct counters *n = &c->owner->app->counters;
    COUNTER_ADD(n->rejected, 1);
    COUNTER_ADD(n->rejections[code], 1);
    COUNTER_ADD(n->pending_rejections[code], 1);
    char body[320];
    int len =
        snprintf(body, sizeof(body), "{\"error\":{\"code\":\"%s\",\"message\":\"%s\"}}",
                 rg_code_name(code), err.message);
    c->close_after = true;
    bufferevent_disable(c->bev, EV_READ);
    write_response(c, rg_code_status(code), "application/json", body, (size_t)len,
                   NULL);
}

/* ---- reading ---- */

static void start_request(struct conn *c)
{
    request_reset(&c->req);
    http_parser_init(&c->parser, HTTP_REQUEST);
    c->parser.data = c;
    c->reject = RG_OK;
    c->state = C_READING;
    set_timer(c, REQUEST_SECONDS);
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

/* Appends header bytes; beyond HEADERS_MAX the request is too large, not malformed. */
static int append_header(struct conn *c, char **buf, size_t *len, const char *at,
                         size_t n)
{
    if (*len + n > HEADERS_MAX) {
        c->reject = RG_TOO_LARGE;
        return -1;
    }
    if (append(buf, len, at, n, HEADERS_MAX) < 0) {
        c->reject = RG_UNAVAILABLE;
        return -1;
    }
    return 0;
}

static int on_url(http_parser *p, const char *at, size_t n)
{
    struct conn *c = p->data;
    return append_header(c, &c->req.url, &c->req.url_len, at, n);
}

static bool field_is(const struct request *r, const char *name)
{
    return r->field_len == strlen(name) && memcmp(r->field, name, r->field_len) == 0;
}

/* One complete header: remember what the gateway acts on. */
static int finish_header(struct conn *c)
{
    struct request *r = &c->req;
    if (!r->in_value)
        return 0;
    const char *v = r->value ? r->value : "";
    if (field_is(r, "content-type")) {
        r->content_types++;
        free(r->content_type);
        r->content_type = strdup(v);
    } else if (field_is(r, "content-length")) {
        r->content_lengths++;
    } else if (field_is(r, "transfer-encoding")) {
        r->transfer_encoding = true;
    } else if (field_is(r, "expect")) {
        r->expect_continue = strcasecmp(v, "100-continue") == 0;
    }
    free(r->value);
    r->value = NULL;
    r->value_len = 0;
    r->field_len = 0;
    r->in_value = false;
    return 0;
}

static int on_header_field(http_parser *p, const char *at, size_t n)
{
    struct conn *c = p->data;
    struct request *r = &c->req;
    finish_header(c);
    for (size_t i = 0; i < n; i++) {
        if (r->field_len < sizeof(r->field) - 1) {
            char ch = at[i];
            r->field[r->field_len++] = (ch >= 'A' && ch <= 'Z') ? (char)(ch + 32) : ch;
        } else {
            r->field[0] = '#'; /* too long for any header we act on */
        }
    }
    return 0;
}

static int on_header_value(http_parser *p, const char *at, size_t n)
{
    struct conn *c = p->data;
    c->req.in_value = true;
    return append_header(c, &c->req.value, &c->req.value_len, at, n);
}

static int on_headers_complete(http_parser *p)
{
    struct conn *c = p->data;
    struct request *r = &c->req;
    finish_header(c);
    r->head = p->method == HTTP_HEAD;
    if (r->transfer_encoding || p->upgrade) {
        c->reject = RG_BAD_REQUEST;
        return -1;
    }
    if (r->content_lengths > 1 || r->content_types > 1) {
        c->reject = RG_BAD_REQUEST;
        return -1;
    }
    if ((p->flags & F_CONTENTLENGTH) && p->content_length > REQUEST_MAX) {
        c->reject = RG_TOO_LARGE;
        return -1;
    }
    if ((p->flags & F_CONTENTLENGTH) && p->content_length > 0) {
        r->body_cap = (size_t)p->content_length;
        r->body = malloc(r->body_cap + 1);
        if (r->body == NULL) {
            c->reject = RG_UNAVAILABLE;
            return -1;
        }
        if (r->expect_continue)
            evbuffer_add_printf(bufferevent_get_output(c->bev),
                                "HTTP/1.1 100 Continue\r\n\r\n");
    }
    return 0;
}

static int on_body(http_parser *p, const char *at, size_t n)
{
    struct conn *c = p->data;
    struct request *r = &c->req;
    if (r->body == NULL || r->body_len + n > r->body_cap) {
        c->reject = RG_TOO_LARGE;
        return -1;
    }
    memcpy(r->body + r->body_len, at, n);
    r->body_len += n;
    r->body[r->body_len] = '\0';
    return 0;
}

static int on_message_complete(http_parser *p)
{
    /* Stop here: the next pipelined request waits until this one is answered. */
    http_parser_pause(p, 1);
    return 0;
}

/* Hands the complete request to the API as a call. */
static void dispatch(struct conn *c)
{
    struct app *app = c->owner->app;
    struct request *r = &c->req;
    c->close_after = !http_should_keep_alive(&c->parser) || app_stopping(app);
    struct call *call = calloc(1, sizeof(*call));
    if (call == NULL) {
        refuse(c, RG_UNAVAILABLE, "out of memory");
        return;
    }
    call->app = app;
    call->loop = c->owner->loop;
    call->config = app_config(app);
    memcpy(call->org_id, c->org, sizeof(call->org_id));
    call->method = http_method_str((enum http_method)c->parser.method);
    char *q = r->url ? strchr(r->url, '?') : NULL;
    if (q != NULL) {
        call->query = strdup(q + 1);
        *q = '\0';
    }
    call->path = r->url ? r->url : strdup("");
    r->url = NULL;
    call->content_type = r->content_type;
    r->content_type = NULL;
    call->body = r->body;
    call->body_len = r->body_len;
    r->body = NULL;
    call->conn = c;
    c->call = call;
    c->state = C_HANDLING;
    c->owner->busy++;
    evtimer_del(c->timer);
    if (call->path == NULL || (q != NULL && call->query == NULL)) {
        call_fail(call, RG_UNAVAILABLE, NULL);
        return;
    }
    api_dispatch(call);
}

static void feed_input(struct conn *c)
{
    struct evbuffer *in = bufferevent_get_input(c->bev);
    while (c->state == C_IDLE || c->state == C_READING) {
        if (evbuffer_get_length(in) == 0)
            return;
        if (c->state == C_IDLE)
            start_request(c);
        struct evbuffer_iovec v;
        if (evbuffer_peek(in, -1, NULL, &v, 1) < 1)
            return;
        size_t n =
            http_parser_execute(&c->parser, &parser_settings, v.iov_base, v.iov_len);
        evbuffer_drain(in, n);
        enum http_errno e = HTTP_PARSER_ERRNO(&c->parser);
        if (e == HPE_PAUSED) {
            http_parser_pause(&c->parser, 0);
            dispatch(c);
            return;
        }
        if (e == HPE_OK)
            continue;
        if (c->reject == RG_TOO_LARGE || e == HPE_HEADER_OVERFLOW)
            refuse(c, RG_TOO_LARGE, "the request is larger than the gateway accepts");
        else if (c->reject == RG_UNAVAILABLE)
            refuse(c, RG_UNAVAILABLE, "out of memory");
        else if (c->reject == RG_BAD_REQUEST)
            refuse(c, RG_BAD_REQUEST,
                   "send a body with exactly one Content-Length; Transfer-Encoding and "
                   "upgrades are not supported");
        else
            refuse(c, RG_BAD_REQUEST, "the HTTP request is malformed");
        return;
    }
}

/*
 * With read-ahead (tls.c) OpenSSL may hold whole records that the socket no
 * longer signals, and libevent's OpenSSL bufferevent reads on only while the
 * record at hand has bytes left (SSL_pending): it is asked to read again.
 * It calls on_read only when it got something, so this ends.
 */
static void read_buffered(struct conn *c)
{
    SSL *ssl = bufferevent_openssl_get_ssl(c->bev);
    if ((bufferevent_get_enabled(c->bev) & EV_READ) && ssl != NULL &&
        SSL_has_pending(ssl))
        event_active(&c->bev->ev_read, EV_READ, 1);
}

/* Parses what has arrived, then reads what OpenSSL holds back. */
static void feed(struct conn *c)
{
    feed_input(c);
    read_buffered(c);
}

/* ---- bufferevent callbacks ---- */

static void on_read(struct bufferevent *bev, void *arg)
{
    feed(arg);
}

/*
 * Ends a connection whose answers are all written: close_notify first, as
 * TLS asks, so that the client can tell the end from a truncation (without
 * it, OpenSSL clients report an unexpected EOF and answer with an alert).
 * The alert goes straight to the socket; if it does not fit, the close goes
 * on without it.
 */
static void conn_end(struct conn *c)
{
    SSL *ssl = bufferevent_openssl_get_ssl(c->bev);
    if (ssl != NULL && SSL_shutdown(ssl) < 0)
        ERR_clear_error();
    conn_close(c);
}

static void on_write(struct bufferevent *bev, void *arg)
{
    struct conn *c = arg;
    if (c->state != C_WRITING)
        return;
    if (c->close_after) {
        conn_end(c);
        return;
    }
    c->state = C_IDLE;
    set_timer(c, IDLE_SECONDS);
    feed(c);
}

static void handshake_done(struct conn *c)
{
    struct app *app = c->owner->app;
    SSL *ssl = bufferevent_openssl_get_ssl(c->bev);
    /* Checked against the current CRL too: a reload may have come meanwhile. */
    struct tls_server *current = app_tls(app);
    bool refused = ssl == NULL || tls_peer_identity(ssl, c->org, &c->cert) < 0 ||
                   tls_server_revokes(current, c->cert);
    tls_server_unref(current);
    if (refused) {
        COUNTER_ADD(app->counters.handshake_failures, 1);
        conn_close(c);
        return;
    }
    c->state = C_IDLE;
    set_timer(c, IDLE_SECONDS);
    feed(c);
}

static void on_event(struct bufferevent *bev, short what, void *arg)
{
    struct conn *c = arg;
    if (what & BEV_EVENT_CONNECTED) {
        handshake_done(c);
        return;
    }
    if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR | BEV_EVENT_TIMEOUT)) {
        if (c->state == C_HANDSHAKE)
            COUNTER_ADD(c->owner->app->counters.handshake_failures, 1);
        conn_close(c);
    }
}

static void on_timer(evutil_socket_t fd, short what, void *arg)
{
    struct conn *c = arg;
    switch (c->state) {
    case C_HANDSHAKE:
        COUNTER_ADD(c->owner->app->counters.handshake_failures, 1);
        conn_close(c);
        break;
    case C_READING:
        refuse(c, RG_REQUEST_TIMEOUT, "the request did not arrive in time");
        break;
    case C_IDLE:
        conn_end(c);
        break;
    case C_WRITING: /* the client stopped reading: no room for an alert */
        conn_close(c);
        break;
    case C_HANDLING:
        break;
    }
}

void listener_adopt(struct listener *l, int fd)
{
    struct app *app = l->app;
    if (app_stopping(app)) {
        COUNTER_ADD(app->counters.connections, -1);
        evutil_closesocket(fd);
        return;
    }
    struct tls_server *tls = app_tls(app);
    SSL *ssl = tls_server_new_ssl(tls);
    if (ssl == NULL) {
        tls_server_unref(tls);
        COUNTER_ADD(app->counters.connections, -1);
        evutil_closesocket(fd); /* never a plaintext connection */
        return;
    }
    struct event_base *base = loop_base(l->loop);
    struct conn *c = calloc(1, sizeof(*c));
    struct bufferevent *bev =
        c ? bufferevent_openssl_socket_new(base, fd, ssl, BUFFEREVENT_SSL_ACCEPTING,
                                           BEV_OPT_CLOSE_ON_FREE)
          : NULL;
    struct event *timer = bev ? evtimer_new(base, on_timer, c) : NULL;
    if (timer == NULL) {
        if (bev != NULL)
            bufferevent_free(bev); /* frees ssl and closes fd */
        else {
            SSL_free(ssl);
            evutil_closesocket(fd);
        }
        free(c);
        tls_server_unref(tls);
        COUNTER_ADD(app->counters.connections, -1);
        tls_clear_errors();
        return;
    }
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    c->owner = l;
    c->bev = bev;
    c->timer = timer;
    c->tls = tls;
    c->state = C_HANDSHAKE;
    c->next = l->conns;
    if (c->next != NULL)
        c->next->prev = c;
    l->conns = c;
    bufferevent_openssl_set_allow_dirty_shutdown(bev, 1);
    bufferevent_setwatermark(bev, EV_READ, 0, READ_HIGH_WATER);
    bufferevent_setcb(bev, on_read, on_write, on_event, c);
    bufferevent_enable(bev, EV_READ | EV_WRITE);
    set_timer(c, HANDSHAKE_SECONDS);
}

static void on_accept(struct evconnlistener *evl, evutil_socket_t fd,
                      struct sockaddr *sa, int salen, void *arg)
{
    struct listener *l = arg;
    struct app *app = l->app;
    /* Beyond the limit, refuse at once; those already open keep being served. */
    struct config *config = app_config(app);
    int max = config->max_connections;
    config_unref(config);
    if (COUNTER_ADD(app->counters.connections, 1) > max || app_stopping(app)) {
        COUNTER_ADD(app->counters.connections, -1);
        evutil_closesocket(fd);
        return;
    }
    /* Spread connections over the loops in turn; the handshake happens there. */
    struct loop *target = app->loops[l->next_loop++ % (unsigned)app->loop_count];
    if (target == l->loop)
        listener_adopt(l, fd);
    else
        loop_adopt(target, fd);
}

static void on_resume(evutil_socket_t fd, short what, void *arg)
{
    struct listener *l = arg;
    if (l->evl != NULL)
        evconnlistener_enable(l->evl);
}

/*
 * Accepting failed: out of descriptors (EMFILE, ENFILE) or kernel memory. The
 * waiting connection keeps the socket readable, so doing nothing would spin
 * the loop. Out of descriptors, the spare one is given up to take the waiting
 * connections and close them at once (refused, as beyond max_connections);
 * in every case accepting pauses for a moment. Open connections are served.
 */
static void on_accept_error(struct evconnlistener *evl, void *arg)
{
    struct listener *l = arg;
    int e = EVUTIL_SOCKET_ERROR();
    if ((e == EMFILE || e == ENFILE) && l->spare_fd >= 0) {
        close(l->spare_fd);
        evutil_socket_t lfd = evconnlistener_get_fd(evl);
        for (int i = 0; i < 1024; i++) {
            evutil_socket_t fd = accept(lfd, NULL, NULL);
            if (fd < 0)
                break;
            close(fd);
        }
        l->spare_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
    }
    evconnlistener_disable(evl);
    struct timeval tv = {0, 100 * 1000};
    evtimer_add(l->resume, &tv);
}

static int bound_port_of(evutil_socket_t fd)
{
    struct sockaddr_storage ss;
    socklen_t len = sizeof(ss);
    if (getsockname(fd, (struct sockaddr *)&ss, &len) < 0)
        return -1;
    if (ss.ss_family == AF_INET6)
        return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
    return ntohs(((struct sockaddr_in *)&ss)->sin_port);
}

int listener_bind(const char *host, int port, int *bound_port, char err[LISTEN_ERR_MAX])
{
    struct evutil_addrinfo hints = {0}, *res = NULL;
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = EVUTIL_AI_PASSIVE | EVUTIL_AI_ADDRCONFIG;
    char portstr[8];
    snprintf(portstr, sizeof(portstr), "%d", port);
    int rc = evutil_getaddrinfo(host, portstr, &hints, &res);
    if (rc != 0) {
        snprintf(err, LISTEN_ERR_MAX, "listen: cannot resolve %s: %s", host,
                 evutil_gai_strerror(rc));
        return -1;
    }
    evutil_socket_t fd =
        socket(res->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    int one = 1;
    if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
        bind(fd, res->ai_addr, (socklen_t)res->ai_addrlen) < 0 ||
        listen(fd, 1024) < 0) {
        snprintf(err, LISTEN_ERR_MAX, "listen: cannot bind %s:%d: %s", host, port,
                 strerror(errno));
        if (fd >= 0)
            close(fd);
        fd = -1;
    }
    evutil_freeaddrinfo(res);
    if (fd >= 0)
        *bound_port = bound_port_of(fd);
    return fd;
}

struct listener *listener_new(struct app *app, struct loop *loop, int fd,
                              char err[LISTEN_ERR_MAX])
{
    parser_settings.on_url = on_url;
    parser_settings.on_header_field = on_header_field;
    parser_settings.on_header_value = on_header_value;
    parser_settings.on_headers_complete = on_headers_complete;
    parser_settings.on_body = on_body;
    parser_settings.on_message_complete = on_message_complete;
    http_parser_set_max_header_size(HEADERS_MAX);

    struct listener *l = calloc(1, sizeof(*l));
    if (l == NULL) {
        close(fd);
        snprintf(err, LISTEN_ERR_MAX, "out of memory");
        return NULL;
    }
    l->app = app;
    l->loop = loop;
    l->spare_fd = -1;
    if (fd < 0)
        return l; /* this loop is handed connections by the accepting one */
    l->spare_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
    l->resume = evtimer_new(loop_base(loop), on_resume, l);
    l->evl = l->resume ? evconnlistener_new(loop_base(loop), on_accept, l,
                                            LEV_OPT_CLOSE_ON_FREE, -1, fd)
                       : NULL;
    if (l->evl == NULL) {
        close(fd);
        if (l->resume != NULL)
            event_free(l->resume);
        if (l->spare_fd >= 0)
            close(l->spare_fd);
        free(l);
        snprintf(err, LISTEN_ERR_MAX, "listen: cannot start accepting");
        return NULL;
    }
    evconnlistener_set_error_cb(l->evl, on_accept_error);
    return l;
}

void listener_stop_accepting(struct listener *l)
{
    if (l->evl != NULL) {
        evconnlistener_free(l->evl);
        l->evl = NULL;
    }
}

void listener_recheck(struct listener *l)
{
    struct config *config = app_config(l->app);
    struct tls_server *tls = app_tls(l->app);
    struct conn *c = l->conns;
    while (c != NULL) {
        struct conn *next = c->next;
        if (c->cert != NULL) {
            const struct org *o = config_find_org(config, c->org);
            if (o == NULL || o->disabled || tls_server_revokes(tls, c->cert))
                conn_close(c);
        }
        c = next;
    }
    tls_server_unref(tls);
    config_unref(config);
}

long listener_busy(const struct listener *l)
{
    return l->busy;
}

void listener_free(struct listener *l)
{
    if (l == NULL)
        return;
    listener_stop_accepting(l);
    while (l->conns != NULL)
        conn_close(l->conns);
    if (l->resume != NULL)
        event_free(l->resume);
    if (l->spare_fd >= 0)
        close(l->spare_fd);
    free(l);
}
