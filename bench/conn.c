#include "conn.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <event2/util.h>
#include <openssl/err.h>
#include <openssl/x509v3.h>

/* The first queued OpenSSL error as text, the queue emptied. */
static void drain_ssl_errors(char *out, size_t outlen)
{
    unsigned long e, first = 0;
    while ((e = ERR_get_error()) != 0)
        if (!first)
            first = e;
    if (outlen)
        out[0] = '\0';
    if (first)
        ERR_error_string_n(first, out, outlen);
}

int tls_ctx_load(struct ident *id, const char *ca, bool lean, char *err, size_t errlen)
{
    const char *step = "SSL_CTX_new";
    char why[160];
    ERR_clear_error();
    SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
    if (!ctx)
        goto fail;
    step = "TLS versions";
    if (!SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION))
        goto fail;
    step = ca;
    if (SSL_CTX_load_verify_locations(ctx, ca, NULL) != 1)
        goto fail;
    step = id->cert;
    if (SSL_CTX_use_certificate_chain_file(ctx, id->cert) != 1)
        goto fail;
    step = id->key;
    if (SSL_CTX_use_PrivateKey_file(ctx, id->key, SSL_FILETYPE_PEM) != 1 ||
        SSL_CTX_check_private_key(ctx) != 1)
        goto fail;
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
    /* Every handshake is a full one: no session is ever resumed, so the
     * handshake mode measures what a new partner connection costs. */
    SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
    /* Servers that close without close_notify (evhttp does) end a connection,
     * they do not make it an error. */
    SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET | SSL_OP_IGNORE_UNEXPECTED_EOF);
    if (lean)
        SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS);
    id->ctx = ctx;
    return 0;
fail:
    drain_ssl_errors(why, sizeof why);
    snprintf(err, errlen, "TLS setup: %s: %s", step, why[0] ? why : "failed");
    SSL_CTX_free(ctx);
    return -1;
}

void tls_ctx_free(struct ident *id)
{
    SSL_CTX_free(id->ctx);
    id->ctx = NULL;
}

static void set_timeout(struct conn *c, unsigned seconds)
{
    if (seconds == 0) {
        bufferevent_set_timeouts(c->bev, NULL, NULL);
        return;
    }
    struct timeval tv = {.tv_sec = seconds, .tv_usec = 0};
    bufferevent_set_timeouts(c->bev, &tv, &tv);
}

void conn_close(struct conn *c, bool graceful)
{
    if (!c->bev)
        return;
    SSL *ssl = bufferevent_openssl_get_ssl(c->bev);
    if (graceful && ssl && c->state != CS_BUSY) {
        /* close_notify goes straight to the socket: the output is empty. */
        ERR_clear_error();
        SSL_shutdown(ssl);
        ERR_clear_error();
    }
    bufferevent_free(c->bev);
    c->bev = NULL;
    c->state = CS_DOWN;
}

/* errno after a failed read or write, unless it is a leftover of a
 * non-blocking call that merely had to wait. */
static int socket_error(void)
{
    int e = EVUTIL_SOCKET_ERROR();
    return e == EAGAIN || e == EWOULDBLOCK || e == EINTR || e == EINPROGRESS ? 0 : e;
}

/* Sorts a failure into the report's kinds; text gets a short reason.
 *
 * libevent files SSL_get_error()'s own code (SSL_ERROR_SYSCALL, ...) among
 * the OpenSSL errors it saves; those small values are not OpenSSL errors and
 * only say "look at errno". */
static enum err_kind classify(struct conn *c, short what, char *text, size_t len)
{
    unsigned long e, first = 0;
    while ((e = bufferevent_get_openssl_error(c->bev)) != 0)
        if (!first && ERR_GET_LIB(e) != 0)
            first = e;
    int sockerr = socket_error();
    if (what & BEV_EVENT_TIMEOUT) {
        snprintf(text, len, "%s",
                 c->state == CS_CONNECTING ? "handshake timed out"
                                           : "no answer in time");
        return ERR_TIMEOUT;
    }
    if (first) {
        char why[120];
        ERR_error_string_n(first, why, sizeof why);
        snprintf(text, len, "%s: %s",
                 c->state == CS_CONNECTING ? "handshake" : "after handshake", why);
        return ERR_TLS;
    }
    /* With dirty shutdowns allowed, libevent reports a refused or reset
     * connection as EOF: errno tells them apart. */
    const char *why =
        sockerr ? evutil_socket_error_to_string(sockerr) : "closed by the server";
    if (c->state == CS_CONNECTING) {
        snprintf(text, len, "%s", why);
        return ERR_CONNECT;
    }
    if (c->answers == 0 && c->state == CS_BUSY) {
        /* TLS 1.3: the server judges the client certificate after the client
         * has finished its handshake; a refusal ends the connection before
         * the first answer, as an alert or, if the request crossed it, a
         * reset. (A connection closed before it was ever used has merely
         * been idle too long.) */
        snprintf(text, len, "%s before the first answer (certificate refused?)", why);
        return ERR_TLS;
    }
    snprintf(text, len, "%s with a request outstanding", why);
    return ERR_CLOSED;
}

static void on_event(struct bufferevent *bev, short what, void *arg)
{
    struct conn *c = arg;
    struct worker *w = c->w;
    if (what & BEV_EVENT_CONNECTED) {
        uint64_t now = now_ns();
        if (in_window(w->b, now))
            hist_record(&w->st.connect, now - c->t_connect);
        c->state = CS_READY;
        set_timeout(c, 0);
        c->ops->up(c);
        return;
    }
    enum conn_state was = c->state;
    char text[ERR_SAMPLE_LEN];
    enum err_kind kind = classify(c, what, text, sizeof text);
    /* An idle keep-alive connection closed by the server is no failure. */
    bool failed = !(kind == ERR_CLOSED && (was == CS_READY || was == CS_CLOSING));
    ERR_clear_error();
    conn_close(c, false);
    if (failed)
        stats_error(w, kind, text);
    else
        w->st.closed_idle++;
    c->ops->down(c, was, failed);
}

/* Hands one complete answer to the role, then drops its bytes. */
static void deliver(struct conn *c, struct bufferevent *bev, struct evbuffer *in)
{
    size_t len = (size_t)c->resp.length;
    int status = c->resp.status;
    bool keep = c->resp.keep_alive;
    const char *body = len ? (const char *)evbuffer_pullup(in, (ev_ssize_t)len) : "";
    c->state = keep ? CS_READY : CS_CLOSING;
    c->answers++;
    set_timeout(c, 0);
    c->ops->response(c, status, body, len);
    if (c->bev != bev)
        return; /* the role closed it (and perhaps opened a new one) */
    evbuffer_drain(in, len);
    if (c->state != CS_BUSY)
        http_resp_reset(&c->resp);
    if (!keep) {
        c->w->st.server_close++;
        conn_close(c, true);
        c->ops->down(c, CS_CLOSING, false);
    }
}

static void on_read(struct bufferevent *bev, void *arg)
{
    struct conn *c = arg;
    struct evbuffer *in = bufferevent_get_input(bev);
    while (c->bev == bev && evbuffer_get_length(in) > 0) {
        if (c->state != CS_BUSY) {
            /* Bytes nobody asked for: an HTTP server never sends those. */
            stats_error(c->w, ERR_PROTOCOL, "data without a request");
            enum conn_state was = c->state;
            conn_close(c, false);
            c->ops->down(c, was, true);
            return;
        }
        enum http_result r = http_resp_parse(&c->resp, in);
        if (r == HTTP_MORE)
            return;
        if (r == HTTP_ERROR) {
            stats_error(c->w, ERR_PROTOCOL, c->resp.error);
            conn_close(c, false);
            c->ops->down(c, CS_BUSY, true);
            return;
        }
        deliver(c, bev, in);
    }
}

/* Checks the server's name or address against its certificate, and names
 * the host for SNI unless it is an address. */
static int set_peer_name(SSL *ssl, const struct target *t)
{
    if (t->host_is_ip)
        return X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), t->host) == 1 ? 0
                                                                                : -1;
    if (SSL_set_tlsext_host_name(ssl, t->host) != 1)
        return -1;
    return SSL_set1_host(ssl, t->host) == 1 ? 0 : -1;
}

int conn_open(struct conn *c)
{
    struct worker *w = c->w;
    const struct bench *b = w->b;
    char text[ERR_SAMPLE_LEN];
    ERR_clear_error();
    SSL *ssl = SSL_new(c->id->ctx);
    if (!ssl || set_peer_name(ssl, c->t) < 0) {
        drain_ssl_errors(text, sizeof text);
        SSL_free(ssl);
        stats_error(w, ERR_TLS, text[0] ? text : "SSL_new failed");
        return -1;
    }
    /* The bufferevent owns ssl from here, and the socket it creates. */
    c->bev = bufferevent_openssl_socket_new(
        w->base, -1, ssl, BUFFEREVENT_SSL_CONNECTING, BEV_OPT_CLOSE_ON_FREE);
    if (!c->bev) {
        SSL_free(ssl);
        stats_error(w, ERR_CONNECT, "bufferevent_openssl_socket_new failed");
        return -1;
    }
    bufferevent_openssl_set_allow_dirty_shutdown(c->bev, 1);
    bufferevent_setcb(c->bev, on_read, NULL, on_event, c);
    http_resp_reset(&c->resp);
    c->answers = 0;
    c->state = CS_CONNECTING;
    c->t_connect = now_ns();
    set_timeout(c, (unsigned)(b->o.timeout + 0.5));
    if (bufferevent_socket_connect(c->bev, (const struct sockaddr *)&c->t->addr,
                                   (int)c->t->addrlen) < 0) {
        snprintf(text, sizeof text, "connect: %s",
                 evutil_socket_error_to_string(EVUTIL_SOCKET_ERROR()));
        conn_close(c, false);
        stats_error(w, ERR_CONNECT, text);
        return -1;
    }
    /* Requests are single writes; Nagle would only hold back the last
     * segment of each. */
    int one = 1;
    evutil_socket_t fd = bufferevent_getfd(c->bev);
    if (fd >= 0)
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    bufferevent_enable(c->bev, EV_READ | EV_WRITE);
    return 0;
}

void conn_send(struct conn *c, const char *req, size_t len, uint64_t due,
               unsigned timeout_s)
{
    c->t_intended = due;
    c->timeout_s = timeout_s;
    c->state = CS_BUSY;
    http_resp_reset(&c->resp);
    set_timeout(c, timeout_s);
    evbuffer_add(bufferevent_get_output(c->bev), req, len);
}
