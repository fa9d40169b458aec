#include "conn.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stddef.h>
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
#include <event2/util.h>
#include <openssl/err.h>

#include "config.h"
#include "descriptors.h"
#include "handshakes.h"
#include "http1.h"
#include "api_limits.h"
#include "loop.h"
#include "net_internal.h"
#include "tls.h"
#include "wipe.h"

#define HANDSHAKE_SECONDS 10
#define IDLE_SECONDS 90
#define REQUEST_SECONDS 20 /* first byte to complete request: slow senders are cut */
#define WRITE_SECONDS 30
#define READ_HIGH_WATER (RG_REQUEST_MAX + RG_HEADERS_MAX)

enum conn_state { C_HANDSHAKE, C_IDLE, C_READING, C_HANDLING, C_WRITING };

/* Why a connection ends, and what that asks of the close. */
enum close_why {
    CLOSE_DONE,      /* its answers are written and it asked to end, or idled */
    CLOSE_PEER,      /* the peer went away or broke the protocol */
    CLOSE_REFUSED,   /* the handshake ended without an admissible identity */
    CLOSE_TIMEOUT,   /* the handshake did not complete in time */
    CLOSE_EVICTED,   /* in its handshake, evicted at max_connections */
    CLOSE_STALLED,   /* the client stopped reading its answer */
    CLOSE_REVOKED,   /* a reload no longer admits it */
    CLOSE_SHUTDOWN,  /* the gateway stops */
    CLOSE_NO_MEMORY, /* nothing could be allocated to serve it */
};

static const struct {
    bool close_notify;                   /* end TLS properly first */
    enum handshake_failure if_handshake; /* the class, if it ends a handshake */
} close_how[] = {
    [CLOSE_DONE] = {true, HANDSHAKE_CLOSED},
    [CLOSE_PEER] = {false, HANDSHAKE_CLOSED},
    [CLOSE_REFUSED] = {false, HANDSHAKE_REFUSED},
    [CLOSE_TIMEOUT] = {false, HANDSHAKE_TIMEOUT},
    [CLOSE_EVICTED] = {false, HANDSHAKE_TIMEOUT}, /* the gateway needed its place */
    [CLOSE_STALLED] = {false, HANDSHAKE_TIMEOUT},
    [CLOSE_REVOKED] = {false, HANDSHAKE_REFUSED},
    [CLOSE_SHUTDOWN] = {false, HANDSHAKE_FAILURE_CLASSES},
    [CLOSE_NO_MEMORY] = {false, HANDSHAKE_FAILURE_CLASSES},
};

struct conns {
    struct loop *loop;
    struct net *net;
    struct conn *list;
    struct handshakes *handshakes;   /* those in their TLS handshake */
    struct descriptors *descriptors; /* closing ones still counted */
    long busy;                       /* connections with a request being handled */
};

struct conn {
    struct conns *owner;
    struct conn *prev, *next;
    struct hs_entry hs; /* in owner->handshakes until its handshake ends */
    struct bufferevent *bev;
    struct tls_server *tls;
    X509 *cert;
    char org[RG_ORG_ID_MAX + 1];
    enum conn_state state;
    struct event *timer;
    struct http1 *reader;
    struct request *req; /* handed up, not yet answered */
    bool close_after;
};

static void set_timer(struct conn *c, int seconds)
{
    struct timeval tv = {seconds, 0};
    evtimer_add(c->timer, &tv);
}

static void request_free(struct request *req)
{
    config_unref(req->config);
    free(req->path);
    free(req->query);
    free(req->content_type);
    if (req->body != NULL) {
        rg_wipe(req->body, req->body_len);
        free(req->body);
    }
    free(req);
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

/* The one way a connection ends. */
static void conn_close(struct conn *c, enum close_why why)
{
    struct conns *s = c->owner;
    struct counters *n = net_counters(s->net);
    if (c->req != NULL) {
        struct request *req = c->req;
        c->req = NULL;
        s->busy--;
        const struct net_hooks *h = net_hooks(s->net);
        h->abandoned(h->ctx, req);
        request_free(req);
    }
    handshakes_remove(s->handshakes, &c->hs);
    SSL *ssl = bufferevent_openssl_get_ssl(c->bev);
    enum handshake_failure class = close_how[why].if_handshake;
    if (c->state == C_HANDSHAKE && class != HANDSHAKE_FAILURE_CLASSES) {
        if (class == HANDSHAKE_REFUSED)
            class = tls_refusal_class(ssl); /* our stale CRL is not their fault */
        COUNTER_ADD(n->handshake_failures, 1);
        COUNTER_ADD(n->handshake_failure_by[class], 1);
    }
    /* close_notify first, as TLS asks, so that the client can tell the end
     * from a truncation. The alert goes straight to the socket; if it does
     * not fit, the close goes on without it. */
    if (close_how[why].close_notify && c->state != C_HANDSHAKE && ssl != NULL &&
        SSL_shutdown(ssl) < 0)
        ERR_clear_error();
    if (c->prev != NULL)
        c->prev->next = c->next;
    else
        s->list = c->next;
    if (c->next != NULL)
        c->next->prev = c->prev;
    descriptors_release_later(s->descriptors);
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
    http1_free(c->reader);
    free(c);
}

/* ---- writing ---- */

static void write_response(struct conn *c, int status, const char *content_type,
                           const char *body, size_t len, const char *extra)
{
    struct evbuffer *out = bufferevent_get_output(c->bev);
    if (net_stopping(c->owner->net))
        c->close_after = true;
    evbuffer_add_printf(out,
                        "HTTP/1.1 %d %s\r\n"
                        "Content-Type: %s\r\n"
                        "Content-Length: %zu\r\n"
                        "Cache-Control: no-store\r\n"
                        "Connection: %s\r\n"
                        "%s\r\n",
                        status, http1_reason(status), content_type, len,
                        c->close_after ? "close" : "keep-alive", extra ? extra : "");
    /* The answer to HEAD has a Content-Length but no body (RFC 9110 §9.3.2). */
    if (!http1_is_head(c->reader))
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

void net_reply(struct request *req, int status, const char *content_type,
               const char *body, size_t len, const char *extra_headers)
{
    struct conn *c = req->conn;
    c->req = NULL;
    c->owner->busy--;
    write_response(c, status, content_type, body, len, extra_headers);
    request_free(req);
}

/* ---- reading ---- */

/* Hands the request up: complete, or refused (then nothing more is read). */
static void hand_up(struct conn *c, enum rg_code refused, const char *refusal)
{
    struct conns *s = c->owner;
    struct request *req = calloc(1, sizeof(*req));
    bool keep_alive = false;
    if (req != NULL && refused == RG_OK &&
        http1_take(c->reader, req, &keep_alive) < 0) {
        refused = RG_UNAVAILABLE;
        refusal = "out of memory";
    }
    if (req == NULL) {
        conn_close(c, CLOSE_NO_MEMORY);
        return;
    }
    c->close_after = !keep_alive || refused != RG_OK || net_stopping(s->net);
    if (refused != RG_OK)
        bufferevent_disable(c->bev, EV_READ);
    req->loop = s->loop;
    req->config = net_config(s->net);
    memcpy(req->org_id, c->org, sizeof(req->org_id));
    req->refused = refused;
    req->refusal = refusal;
    req->conn = c;
    c->req = req;
    c->state = C_HANDLING;
    s->busy++;
    evtimer_del(c->timer);
    const struct net_hooks *h = net_hooks(s->net);
    h->request(h->ctx, req);
}

static void feed_input(struct conn *c)
{
    struct evbuffer *in = bufferevent_get_input(c->bev);
    while (c->state == C_IDLE || c->state == C_READING) {
        if (evbuffer_get_length(in) == 0)
            return;
        if (c->state == C_IDLE) {
            http1_reset(c->reader);
            c->state = C_READING;
            set_timer(c, REQUEST_SECONDS);
        }
        struct evbuffer_iovec v;
        if (evbuffer_peek(in, -1, NULL, &v, 1) < 1)
            return;
        size_t used;
        enum http1_state st = http1_feed(c->reader, v.iov_base, v.iov_len, &used);
        evbuffer_drain(in, used);
        if (http1_continue_due(c->reader))
            evbuffer_add_printf(bufferevent_get_output(c->bev),
                                "HTTP/1.1 100 Continue\r\n\r\n");
        if (st == HTTP1_DONE) {
            hand_up(c, RG_OK, NULL);
            return;
        }
        if (st == HTTP1_REFUSED) {
            const char *message;
            enum rg_code code = http1_refusal(c->reader, &message);
            hand_up(c, code, message);
            return;
        }
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

static void on_write(struct bufferevent *bev, void *arg)
{
    struct conn *c = arg;
    if (c->state != C_WRITING)
        return;
    if (c->close_after) {
        conn_close(c, CLOSE_DONE);
        return;
    }
    c->state = C_IDLE;
    set_timer(c, IDLE_SECONDS);
    feed(c);
}

static void handshake_done(struct conn *c)
{
    struct net *net = c->owner->net;
    /* Chosen for eviction while its last flight was on its way: it goes. */
    if (!handshakes_done(c->owner->handshakes, &c->hs)) {
        conn_close(c, CLOSE_EVICTED);
        return;
    }
    SSL *ssl = bufferevent_openssl_get_ssl(c->bev);
    /* Checked against the current CRL too: a reload may have come meanwhile. */
    struct tls_server *current = net_tls(net);
    bool refused = ssl == NULL || tls_peer_identity(ssl, c->org, &c->cert) < 0 ||
                   tls_server_revokes(current, c->cert);
    tls_server_unref(current);
    if (refused) {
        conn_close(c, CLOSE_REFUSED);
        return;
    }
    COUNTER_ADD(net_counters(net)->handshakes, 1);
    c->state = C_IDLE;
    set_timer(c, IDLE_SECONDS);
    feed(c);
}

static void on_event(struct bufferevent *bev, short what, void *arg)
{
    struct conn *c = arg;
    if (what & BEV_EVENT_CONNECTED)
        handshake_done(c);
    else if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR | BEV_EVENT_TIMEOUT))
        conn_close(c, c->state == C_HANDSHAKE && (what & BEV_EVENT_ERROR)
                          ? CLOSE_REFUSED
                          : CLOSE_PEER);
}

static void on_timer(evutil_socket_t fd, short what, void *arg)
{
    struct conn *c = arg;
    switch (c->state) {
    case C_HANDSHAKE:
        conn_close(c, CLOSE_TIMEOUT);
        break;
    case C_READING:
        hand_up(c, RG_REQUEST_TIMEOUT, "the request did not arrive in time");
        break;
    case C_IDLE:
        conn_close(c, CLOSE_DONE);
        break;
    case C_WRITING: /* the client stopped reading: no room for an alert */
        conn_close(c, CLOSE_STALLED);
        break;
    case C_HANDLING:
        break;
    }
}

/* ---- the set of a loop's connections ---- */

static void close_evicted(struct hs_entry *e)
{
    struct conn *c = (struct conn *)((char *)e - offsetof(struct conn, hs));
    conn_close(c, CLOSE_EVICTED);
}

struct conns *conns_new(struct loop *loop)
{
    struct conns *s = calloc(1, sizeof(*s));
    if (s == NULL)
        return NULL;
    s->loop = loop;
    s->net = loop_net(loop);
    s->handshakes = handshakes_new(loop, close_evicted);
    s->descriptors = descriptors_new(loop_base(loop), s->net);
    if (s->handshakes == NULL || s->descriptors == NULL) {
        handshakes_free(s->handshakes);
        descriptors_free(s->descriptors);
        free(s);
        return NULL;
    }
    return s;
}

struct handshakes *conns_handshakes(struct conns *s)
{
    return s->handshakes;
}

void conns_refuse(struct conns *s, int fd)
{
    COUNTER_ADD(net_counters(s->net)->connections, -1);
    evutil_closesocket(fd);
}

void conns_adopt(struct conns *s, int fd, unsigned long long seq)
{
    if (net_stopping(s->net)) {
        conns_refuse(s, fd);
        return;
    }
    struct tls_server *tls = net_tls(s->net);
    SSL *ssl = tls_server_new_ssl(tls);
    if (ssl == NULL) {
        tls_server_unref(tls);
        conns_refuse(s, fd); /* never a plaintext connection */
        return;
    }
    struct event_base *base = loop_base(s->loop);
    struct conn *c = calloc(1, sizeof(*c));
    struct http1 *reader = c ? http1_new() : NULL;
    struct bufferevent *bev =
        reader ? bufferevent_openssl_socket_new(
                     base, fd, ssl, BUFFEREVENT_SSL_ACCEPTING, BEV_OPT_CLOSE_ON_FREE)
               : NULL;
    struct event *timer = bev ? evtimer_new(base, on_timer, c) : NULL;
    if (timer == NULL) {
        if (bev != NULL) {
            bufferevent_free(bev); /* frees ssl and closes fd */
            descriptors_release_later(s->descriptors);
        } else {
            SSL_free(ssl);
            conns_refuse(s, fd);
        }
        http1_free(reader);
        free(c);
        tls_server_unref(tls);
        tls_clear_errors();
        return;
    }
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    c->owner = s;
    c->bev = bev;
    c->timer = timer;
    c->tls = tls;
    c->reader = reader;
    c->state = C_HANDSHAKE;
    c->next = s->list;
    if (c->next != NULL)
        c->next->prev = c;
    s->list = c;
    bufferevent_openssl_set_allow_dirty_shutdown(bev, 1);
    bufferevent_setwatermark(bev, EV_READ, 0, READ_HIGH_WATER);
    bufferevent_setcb(bev, on_read, on_write, on_event, c);
    bufferevent_enable(bev, EV_READ | EV_WRITE);
    set_timer(c, HANDSHAKE_SECONDS);
    handshakes_add(s->handshakes, &c->hs, seq);
}

void conns_recheck(struct conns *s)
{
    struct config *config = net_config(s->net);
    struct tls_server *tls = net_tls(s->net);
    struct conn *c = s->list;
    while (c != NULL) {
        struct conn *next = c->next;
        if (c->cert != NULL) {
            const struct org *o = config_find_org(config, c->org);
            if (o == NULL || o->disabled || tls_server_revokes(tls, c->cert))
                conn_close(c, CLOSE_REVOKED);
        }
        c = next;
    }
    tls_server_unref(tls);
    config_unref(config);
}

long conns_busy(const struct conns *s)
{
    return s->busy;
}

void conns_free(struct conns *s)
{
    if (s == NULL)
        return;
    while (s->list != NULL)
        conn_close(s->list, CLOSE_SHUTDOWN);
    handshakes_free(s->handshakes);
    descriptors_free(s->descriptors);
    free(s);
}
