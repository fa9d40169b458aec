#include "ui_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/queue.h>
#include <sys/socket.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "wipe.h"

#define HEADERS_MAX (16 * 1024)
#define BODY_MAX (512 * 1024)
#define IDLE_SECONDS 60

/* Sent with every answer (SPEC §12, and what a browser needs besides). */
static const char *const fixed_headers[][2] = {
    {"Content-Security-Policy", "default-src 'self'; frame-ancestors 'none'"},
    {"X-Content-Type-Options", "nosniff"},
    {"Cache-Control", "no-store"},
    /* "no-referrer" would make Chromium send "Origin: null" with our own forms. */
    {"Referrer-Policy", "same-origin"},
    {"X-Frame-Options", "DENY"},
    {"Cross-Origin-Opener-Policy", "same-origin"},
    {"Cross-Origin-Resource-Policy", "same-origin"},
};

static const char *reason(int status)
{
    static const struct {
        int status;
        const char *text;
    } reasons[] = {
        {200, "OK"},
        {303, "See Other"},
        {400, "Bad Request"},
        {403, "Forbidden"},
        {404, "Not Found"},
        {405, "Method Not Allowed"},
        {409, "Conflict"},
        {415, "Unsupported Media Type"},
        {500, "Internal Server Error"},
        {502, "Bad Gateway"},
    };
    for (size_t i = 0; i < sizeof(reasons) / sizeof(reasons[0]); i++)
        if (reasons[i].status == status)
            return reasons[i].text;
    return "";
}

static const char *method_name(enum evhttp_cmd_type cmd)
{
    return cmd == EVHTTP_REQ_GET ? "GET" : cmd == EVHTTP_REQ_POST ? "POST" : "OTHER";
}

/* The header's value; *count how often it came. */
static const char *header(struct evkeyvalq *headers, const char *name, int *count)
{
    const char *value = NULL;
    struct evkeyval *kv;
    *count = 0;
    TAILQ_FOREACH(kv, headers, next)
    {
        if (strcasecmp(kv->key, name) == 0 && (*count)++ == 0)
            value = kv->value;
    }
    return value;
}

static void add_headers(struct evkeyvalq *out, const struct ui_response *rs)
{
    for (size_t i = 0; i < sizeof(fixed_headers) / sizeof(fixed_headers[0]); i++)
        evhttp_add_header(out, fixed_headers[i][0], fixed_headers[i][1]);
    const char *optional[][2] = {
        {"Content-Type", rs->type ? rs->type : "text/plain; charset=utf-8"},
        {"Location", rs->location},
        {"Content-Disposition", rs->disposition},
        {"Set-Cookie", rs->cookie},
        {"Allow", rs->allow ? rs->allow : ""},
    };
    for (size_t i = 0; i < sizeof(optional) / sizeof(optional[0]); i++)
        if (optional[i][1][0] != '\0')
            evhttp_add_header(out, optional[i][0], optional[i][1]);
}

static void on_request(struct evhttp_request *req, void *arg)
{
    struct ui_app *app = arg;
    struct evkeyvalq *in_headers = evhttp_request_get_input_headers(req);
    struct evbuffer *body = evhttp_request_get_input_buffer(req);
    int hosts, ignored;
    struct ui_in in = {
        .method = method_name(evhttp_request_get_command(req)),
        .target = evhttp_request_get_uri(req),
        .host = header(in_headers, "Host", &hosts),
        .cookie = header(in_headers, "Cookie", &ignored),
        .origin = header(in_headers, "Origin", &ignored),
        .content_type = header(in_headers, "Content-Type", &ignored),
        .body_len = evbuffer_get_length(body),
    };
    if (hosts != 1)
        in.host = NULL;
    in.body = in.body_len ? (const char *)evbuffer_pullup(body, -1) : "";
    if (in.body == NULL) { /* out of memory */
        in.body = "";
        in.body_len = 0;
    }

    /* A page leaves in several segments: without this, the last one waits for
     * the browser's delayed ACK (40 ms). */
    int one = 1;
    struct bufferevent *bev =
        evhttp_connection_get_bufferevent(evhttp_request_get_connection(req));
    if (bev != NULL)
        setsockopt(bufferevent_getfd(bev), IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));

    struct ui_response rs;
    ui_app_handle(app, &in, &rs);
    struct evbuffer *out = evbuffer_new();
    if (out == NULL) {
        evhttp_send_error(req, 500, NULL);
    } else {
        add_headers(evhttp_request_get_output_headers(req), &rs);
        if (rs.body.len > 0)
            evbuffer_add(out, rs.body.data, rs.body.len);
        evhttp_send_reply(req, rs.status, reason(rs.status), out);
        evbuffer_free(out);
    }
    ui_buf_free(&rs.body);
}

static void on_signal(evutil_socket_t sig, short what, void *arg)
{
    event_base_loopbreak(arg);
}

/* The port bound, or 0 when it cannot be told. */
static unsigned bound_port(struct evhttp_bound_socket *s)
{
    struct sockaddr_in sin;
    socklen_t len = sizeof(sin);
    if (getsockname(evhttp_bound_socket_get_fd(s), (struct sockaddr *)&sin, &len) < 0)
        return 0;
    return ntohs(sin.sin_port);
}

int ui_server_run(struct ui_app *app, const char *addr, unsigned port,
                  struct cli_error *err)
{
    /* Before any other libevent call: buffers that held a referral are wiped. */
    event_set_mem_functions(rg_wiping_malloc, rg_wiping_realloc, rg_wiping_free);
    struct event_base *base = event_base_new();
    struct evhttp *http = base ? evhttp_new(base) : NULL;
    struct event *term = base ? evsignal_new(base, SIGTERM, on_signal, base) : NULL;
    struct event *intr = base ? evsignal_new(base, SIGINT, on_signal, base) : NULL;
    int rc = -1;
    if (http == NULL || term == NULL || intr == NULL || event_add(term, NULL) < 0 ||
        event_add(intr, NULL) < 0) {
        cli_fail(err, CLI_USAGE, "cannot set up the page's server (out of memory)");
        goto done;
    }
    evhttp_set_max_headers_size(http, HEADERS_MAX);
    evhttp_set_max_body_size(http, BODY_MAX);
    evhttp_set_timeout(http, IDLE_SECONDS);
    /* Every method reaches on_request, which answers 405 with our headers. */
    evhttp_set_allowed_methods(
        http, EVHTTP_REQ_GET | EVHTTP_REQ_POST | EVHTTP_REQ_HEAD | EVHTTP_REQ_PUT |
                  EVHTTP_REQ_DELETE | EVHTTP_REQ_OPTIONS | EVHTTP_REQ_TRACE |
                  EVHTTP_REQ_CONNECT | EVHTTP_REQ_PATCH);
    evhttp_set_gencb(http, on_request, app);
    struct evhttp_bound_socket *s = evhttp_bind_socket_with_handle(http, addr, port);
    if (s == NULL || (port = bound_port(s)) == 0) {
        cli_fail(err, CLI_USAGE, "cannot listen on %s:%u: %s", addr, port,
                 strerror(errno));
        goto done;
    }
    if (ui_guard_init(&app->guard, addr, port) < 0) {
        cli_fail(err, CLI_USAGE, "cannot get random bytes for the page's token");
        goto done;
    }
    printf("refgw ui: http://%s:%u/?token=%s\n", addr, port, app->guard.token);
    if (fflush(stdout) == EOF) {
        cli_fail(err, CLI_USAGE, "cannot write to standard output");
        goto done;
    }
    rc = event_base_dispatch(base) < 0
             ? cli_fail(err, CLI_USAGE, "the page's event loop failed")
             : 0;
done:
    ui_guard_clear(&app->guard);
    if (term != NULL)
        event_free(term);
    if (intr != NULL)
        event_free(intr);
    if (http != NULL)
        evhttp_free(http);
    if (base != NULL)
        event_base_free(base);
    return rc;
}
