#include "worker.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <event2/event.h>

#include "conn.h"
#include "idtab.h"
#include "taxonomy.h"

#define BACKOFF_MS 100 /* before reconnecting or retrying after a failure */
/* Request line and headers, in front of the body: the longest host (255),
 * path (200) and ack path fit with room to spare. */
#define HEADER_ROOM 1024

/* ---- scheduling ------------------------------------------------------------ */

static void ready_push(struct conn *c)
{
    struct worker *w = c->w;
    if (c->in_ready)
        return;
    c->in_ready = true;
    w->ready[w->nready++] = c;
}

/* Connections leave the ready stack lazily: one that went down while on it
 * is skipped here. */
static struct conn *ready_pop(struct worker *w)
{
    while (w->nready > 0) {
        struct conn *c = w->ready[--w->nready];
        c->in_ready = false;
        if (c->state == w->ready_state)
            return c;
    }
    return NULL;
}

static void arm(struct event *ev, uint64_t delay_ns)
{
    struct timeval tv = {.tv_sec = (time_t)(delay_ns / 1000000000u),
                         .tv_usec = (suseconds_t)(delay_ns % 1000000000u / 1000u)};
    evtimer_add(ev, &tv);
}

/* Starts every request that is due while a connection is free. */
static void dispatch(struct worker *w)
{
    uint64_t now = now_ns();
    while (w->phase == PH_RUN) {
        uint64_t due = now;
        if (w->rate > 0)
            due = w->b->t_start + (uint64_t)((double)w->seq * 1e9 / w->rate);
        if (due > now) {
            arm(w->tick, due - now);
            return;
        }
        struct conn *c = ready_pop(w);
        if (!c)
            return; /* the request waits, and its latency grows */
        w->seq++;
        w->start(c, due);
    }
}

static void on_tick(evutil_socket_t fd, short what, void *arg)
{
    dispatch(arg);
}

/* Runs c's role retry after ms milliseconds. */
static void later(struct conn *c, unsigned ms)
{
    arm(c->retry, (uint64_t)ms * 1000000u);
}

static void on_retry(evutil_socket_t fd, short what, void *arg)
{
    struct conn *c = arg;
    if (c->w->phase != PH_DONE)
        c->ops->retry(c);
}

/* Opens c, or tries again a little later. */
static void reopen(struct conn *c)
{
    if (c->state == CS_DOWN && conn_open(c) < 0)
        later(c, BACKOFF_MS);
}

static void finish(struct worker *w)
{
    w->phase = PH_DONE;
    event_base_loopbreak(w->base);
}

/* ---- requests -------------------------------------------------------------- */

static unsigned request_timeout(const struct worker *w)
{
    return (unsigned)(w->b->o.timeout + 0.5);
}

/* Puts the request line and headers in front of the body already written at
 * w->scratch + HEADER_ROOM, so the request goes out as one write; for c's
 * server. */
static const char *frame(struct conn *c, const char *method, const char *path,
                         const char *extra, size_t body_len, size_t *len)
{
    struct worker *w = c->w;
    char head[HEADER_ROOM];
    int n = snprintf(head, sizeof head,
                     "%s %s HTTP/1.1\r\nHost: %s\r\n%sContent-Length: %zu\r\n\r\n",
                     method, path, c->t->host_header, extra, body_len);
    if (n < 0 || (size_t)n >= sizeof head)
        n = 0; /* cannot happen with our paths; send the body alone and fail */
    char *start = w->scratch + HEADER_ROOM - n;
    memcpy(start, head, (size_t)n);
    *len = (size_t)n + body_len;
    return start;
}

/* A bodiless GET; close asks the server to end the connection after it. */
static const char *get_request(struct conn *c, const char *path, bool close,
                               size_t *len)
{
    struct worker *w = c->w;
    char head[HEADER_ROOM];
    int n = snprintf(head, sizeof head, "GET %s HTTP/1.1\r\nHost: %s\r\n%s\r\n", path,
                     c->t->host_header, close ? "Connection: close\r\n" : "");
    if (n < 0 || (size_t)n >= sizeof head)
        n = 0; /* cannot happen (see HEADER_ROOM); an empty request fails visibly */
    memcpy(w->scratch, head, (size_t)n);
    *len = (size_t)n;
    return w->scratch;
}

/* A referral as SPEC §4 describes it, its subject varied over the taxonomy so
 * that the server's counters see realistic spread. */
static size_t referral_json(struct worker *w, char *out, size_t cap)
{
    const struct bench *b = w->b;
    uint64_t seq = w->seq;
    const char *to = b->o.to[seq % b->o.nto];
    const char *signal = rg_signals.values[seq % rg_signals.count];
    const char *urgency = rg_urgencies.values[seq % 10 == 0 ? 1 : 0];
    size_t n = (size_t)snprintf(out, cap,
                                "{\"to\":\"%s\",\"client_ref\":\"%s-%u-%llu\","
                                "\"signal\":\"%s\",\"urgency\":\"%s\",\"subject\":{",
                                to, b->run_id, w->index, (unsigned long long)seq,
                                signal, urgency);
    for (size_t i = 0; i < RG_SUBJECT_ATTRS && n < cap; i++) {
        const struct rg_attr *a = &rg_subject[i];
        const char *v = a->values.values[(seq * (2 * i + 1) + i) % a->values.count];
        if (a->pattern && seq % 2 == 0)
            v = "GM0935"; /* a municipality code, Maastricht's */
        n += (size_t)snprintf(out + n, cap - n, "%s\"%s\":\"%s\"", i ? "," : "",
                              a->name, v);
    }
    /* The body by memcpy: printf would copy its 2 KiB a byte at a time. */
    static const char plain[] = "},\"body\":\"", sealed[] = "},\"body_cms\":\"",
                      close[] = "\"}";
    const char *open = b->sealed ? sealed : plain;
    size_t open_len = b->sealed ? sizeof sealed - 1 : sizeof plain - 1;
    size_t body = b->o.body_size;
    if (n + open_len + body + sizeof close > cap)
        return n < cap ? n : cap; /* cannot happen: scratch has room for it */
    memcpy(out + n, open, open_len);
    n += open_len;
    memcpy(out + n, b->body_text, body);
    n += body;
    memcpy(out + n, close, sizeof close - 1);
    return n + sizeof close - 1;
}

/* Counts an answer; true if it has the expected status. */
static bool count_answer(struct worker *w, int status, int expected, const char *body,
                         size_t len, uint64_t now)
{
    if (in_window(w->b, now)) {
        w->st.responses++;
        w->st.status[status]++;
    }
    if (status == expected)
        return true;
    char text[ERR_SAMPLE_LEN];
    int n = snprintf(text, sizeof text, "HTTP %d: ", status);
    /* The start of the error body, printable bytes only. */
    for (size_t i = 0; i < len && n < (int)sizeof text - 1; i++)
        text[n++] = body[i] >= 0x20 && body[i] < 0x7f ? body[i] : '.';
    text[n] = '\0';
    enum err_kind k = status >= 200 && status < 600 ? ERR_HTTP_2XX + (status / 100 - 2)
                                                    : ERR_PROTOCOL;
    stats_error(w, k, text);
    return false;
}

static void record_latency(struct worker *w, struct conn *c, uint64_t now)
{
    if (in_window(w->b, now)) {
        w->st.ok++;
        hist_record(&w->st.latency, now - c->t_intended);
    }
}

/* ---- e2e: matching sends with receipts -------------------------------------- */

static bool e2e_drained(const struct worker *w)
{
    return w->st.e2e_received >= w->st.e2e_accepted;
}

static void e2e_complete(struct worker *w, struct id_entry *e)
{
    if (!e->measured)
        return;
    hist_record(&w->st.e2e,
                e->t_receive > e->t_accept ? e->t_receive - e->t_accept : 0);
    w->st.e2e_received++;
    if (w->phase == PH_DRAIN && e2e_drained(w))
        finish(w);
}

static void e2e_accepted(struct worker *w, const char *body, size_t len, uint64_t now)
{
    cJSON *doc = cJSON_ParseWithLength(body, len);
    const cJSON *id = cJSON_GetObjectItemCaseSensitive(doc, "id");
    struct id_entry *e =
        cJSON_IsString(id) ? idtab_get(w->ids, id->valuestring, strlen(id->valuestring))
                           : NULL;
    cJSON_Delete(doc);
    if (!e) {
        stats_error(w, ERR_PROTOCOL, "202 without a usable id");
        return;
    }
    if (e->t_accept)
        return;
    e->t_accept = now;
    e->measured = in_window(w->b, now);
    if (e->measured)
        w->st.e2e_accepted++;
    if (e->t_receive)
        e2e_complete(w, e);
}

/* Whether an id can go into a path as it is (ids are URL-safe by contract). */
static bool id_url_safe(const char *s, size_t len)
{
    if (len == 0 || len > ID_MAX)
        return false;
    for (size_t i = 0; i < len; i++)
        if (!strchr(
                "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.~",
                s[i]))
            return false;
    return true;
}

static void rcpt_enqueue(struct recipient *r, const char *id)
{
    if (r->qlen == r->qcap) {
        size_t cap = r->qcap ? r->qcap * 2 : 1024;
        char(*q)[ID_MAX + 1] = malloc(cap * sizeof *q);
        if (!q)
            return; /* not acked: it comes again */
        for (size_t i = 0; i < r->qlen; i++)
            memcpy(q[i], r->queue[(r->qhead + i) % r->qcap], ID_MAX + 1);
        free(r->queue);
        r->queue = q;
        r->qcap = cap;
        r->qhead = 0;
    }
    snprintf(r->queue[(r->qhead + r->qlen) % r->qcap], ID_MAX + 1, "%s", id);
    r->qlen++;
}

static void e2e_received(struct worker *w, struct recipient *r, const char *id,
                         uint64_t now)
{
    size_t len = strlen(id);
    if (!id_url_safe(id, len)) {
        stats_error(w, ERR_PROTOCOL, "inbox item with an unusable id");
        return;
    }
    rcpt_enqueue(r, id);
    struct id_entry *e = idtab_get(w->ids, id, len);
    if (!e)
        return;
    if (e->t_receive) {
        w->st.e2e_redelivered++;
        return;
    }
    e->t_receive = now;
    if (e->t_accept)
        e2e_complete(w, e);
}

static void count_leftovers(const struct id_entry *e, void *arg)
{
    struct stats *st = arg;
    if (e->measured && e->t_accept && !e->t_receive)
        st->e2e_lost++;
    if (e->t_receive && !e->t_accept)
        st->e2e_foreign++;
}

/* ---- senders (send, e2e) ----------------------------------------------------- */

static void sender_start(struct conn *c, uint64_t due)
{
    struct worker *w = c->w;
    size_t body_len =
        referral_json(w, w->scratch + HEADER_ROOM, w->scratch_len - HEADER_ROOM);
    size_t len;
    const char *req = frame(c, "POST", "/v1/referrals",
                            "Content-Type: application/json\r\n", body_len, &len);
    conn_send(c, req, len, due, request_timeout(w));
}

static void sender_up(struct conn *c)
{
    ready_push(c);
    dispatch(c->w);
}

/* --ids-out: the id of a 202, warm-up and drain included (every 202 counts
 * when checking that none was lost). stdio locks the file per call. */
static void write_id(struct worker *w, const char *body, size_t len)
{
    cJSON *doc = cJSON_ParseWithLength(body, len);
    const cJSON *id = cJSON_GetObjectItemCaseSensitive(doc, "id");
    if (cJSON_IsString(id) && id_url_safe(id->valuestring, strlen(id->valuestring)))
        fprintf(w->b->ids_out, "%s\n", id->valuestring);
    else
        stats_error(w, ERR_PROTOCOL, "202 without a usable id");
    cJSON_Delete(doc);
}

static void sender_response(struct conn *c, int status, const char *body, size_t len)
{
    struct worker *w = c->w;
    uint64_t now = now_ns();
    if (status == 202 && w->b->ids_out)
        write_id(w, body, len);
    if (count_answer(w, status, 202, body, len, now)) {
        record_latency(w, c, now);
        if (w->b->o.mode == MODE_E2E)
            e2e_accepted(w, body, len, now);
    }
    if (c->state == CS_READY)
        sender_up(c);
}

static void sender_down(struct conn *c, enum conn_state was, bool failed)
{
    if (c->w->phase == PH_RUN)
        later(c, failed ? BACKOFF_MS : 0);
}

static const struct conn_ops sender_ops = {
    .up = sender_up, .response = sender_response, .down = sender_down, .retry = reopen};

/* ---- get: keep-alive GETs, the cost of TLS and HTTP without the store ---------- */

static void getter_start(struct conn *c, uint64_t due)
{
    size_t len;
    const char *req = get_request(c, c->w->b->o.path, false, &len);
    conn_send(c, req, len, due, request_timeout(c->w));
}

static void getter_response(struct conn *c, int status, const char *body, size_t len)
{
    struct worker *w = c->w;
    uint64_t now = now_ns();
    if (count_answer(w, status, 200, body, len, now))
        record_latency(w, c, now);
    if (c->state == CS_READY)
        sender_up(c);
}

static const struct conn_ops getter_ops = {
    .up = sender_up, .response = getter_response, .down = sender_down, .retry = reopen};

/* ---- e2e recipients ------------------------------------------------------------ */

/* Polls again once everything received before has been acknowledged: items
 * not yet acknowledged would only be handed out again. */
static void rcpt_poll(struct recipient *r)
{
    struct conn *c = r->poller;
    struct worker *w = c->w;
    if (c->state != CS_READY || r->qlen || r->acks_in_flight || w->phase == PH_DONE)
        return;
    char path[64];
    snprintf(path, sizeof path, "/v1/inbox?wait=%u&limit=%u", w->b->o.inbox_wait,
             w->b->o.inbox_limit);
    size_t len;
    const char *req = get_request(c, path, false, &len);
    conn_send(c, req, len, now_ns(), w->b->o.inbox_wait + request_timeout(w));
}

static void rcpt_kick(struct recipient *r)
{
    struct worker *w = r->poller->w;
    for (size_t i = 0; i < r->nackers && r->qlen > 0; i++) {
        struct conn *c = &r->ackers[i];
        if (c->state != CS_READY)
            continue;
        char path[ID_MAX + 32];
        snprintf(path, sizeof path, "/v1/inbox/%s/ack", r->queue[r->qhead]);
        r->qhead = (r->qhead + 1) % r->qcap;
        r->qlen--;
        size_t len;
        const char *req = frame(c, "POST", path, "", 0, &len);
        conn_send(c, req, len, now_ns(), request_timeout(w));
        r->acks_in_flight++;
    }
}

static void parse_inbox(struct worker *w, struct recipient *r, const char *body,
                        size_t len, uint64_t now)
{
    cJSON *doc = cJSON_ParseWithLength(body, len);
    const cJSON *items = cJSON_GetObjectItemCaseSensitive(doc, "referrals");
    if (!cJSON_IsArray(items))
        stats_error(w, ERR_PROTOCOL, "inbox answer without a referrals array");
    const cJSON *item;
    cJSON_ArrayForEach(item, items)
    {
        const cJSON *id = cJSON_GetObjectItemCaseSensitive(item, "id");
        if (cJSON_IsString(id))
            e2e_received(w, r, id->valuestring, now);
        else
            stats_error(w, ERR_PROTOCOL, "inbox item without an id");
    }
    cJSON_Delete(doc);
}

static void poller_up(struct conn *c)
{
    rcpt_poll(c->rcpt);
}

static void poller_response(struct conn *c, int status, const char *body, size_t len)
{
    struct worker *w = c->w;
    uint64_t now = now_ns();
    if (in_window(w->b, now))
        w->st.polls++;
    if (count_answer(w, status, 200, body, len, now))
        parse_inbox(w, c->rcpt, body, len, now);
    else if (c->state == CS_READY) {
        later(c, BACKOFF_MS); /* do not hammer a server that says no */
        return;
    }
    rcpt_kick(c->rcpt);
    rcpt_poll(c->rcpt);
}

static void poller_down(struct conn *c, enum conn_state was, bool failed)
{
    if (c->w->phase != PH_DONE)
        later(c, failed ? BACKOFF_MS : 0);
}

static void poller_retry(struct conn *c)
{
    if (c->state == CS_DOWN)
        reopen(c);
    else
        rcpt_poll(c->rcpt);
}

static const struct conn_ops poller_ops = {.up = poller_up,
                                           .response = poller_response,
                                           .down = poller_down,
                                           .retry = poller_retry};

static void acker_up(struct conn *c)
{
    rcpt_kick(c->rcpt);
}

static void acker_response(struct conn *c, int status, const char *body, size_t len)
{
    struct recipient *r = c->rcpt;
    uint64_t now = now_ns();
    r->acks_in_flight--;
    if (count_answer(c->w, status, 200, body, len, now) && in_window(c->w->b, now))
        c->w->st.acks_ok++;
    rcpt_kick(r);
    rcpt_poll(r);
}

static void acker_down(struct conn *c, enum conn_state was, bool failed)
{
    struct recipient *r = c->rcpt;
    if (was == CS_BUSY)
        r->acks_in_flight--; /* that item comes again on a later poll */
    if (c->w->phase != PH_DONE)
        later(c, failed ? BACKOFF_MS : 0);
    rcpt_kick(r);
    rcpt_poll(r);
}

static const struct conn_ops acker_ops = {
    .up = acker_up, .response = acker_response, .down = acker_down, .retry = reopen};

/* ---- handshake: a new connection per request ------------------------------------ */

static void hs_start(struct conn *c, uint64_t due)
{
    c->t_intended = due;
    if (conn_open(c) < 0)
        later(c, BACKOFF_MS);
}

static void hs_up(struct conn *c)
{
    size_t len;
    const char *req = get_request(c, "/v1/health", true, &len);
    conn_send(c, req, len, c->t_intended, request_timeout(c->w));
}

/* The slot is free again: the next due request may take it. */
static void hs_release(struct conn *c)
{
    ready_push(c);
    dispatch(c->w);
}

static void hs_response(struct conn *c, int status, const char *body, size_t len)
{
    struct worker *w = c->w;
    uint64_t now = now_ns();
    if (count_answer(w, status, 200, body, len, now))
        record_latency(w, c, now);
    conn_close(c, true);
    hs_release(c);
}

static void hs_down(struct conn *c, enum conn_state was, bool failed)
{
    if (failed)
        later(c, BACKOFF_MS);
    else
        hs_release(c);
}

static const struct conn_ops hs_ops = {
    .up = hs_up, .response = hs_response, .down = hs_down, .retry = hs_release};

/* ---- idle: open and hold ----------------------------------------------------------
 */

static void idle_more(struct worker *w)
{
    while (w->connecting < w->b->o.max_connecting && w->next_idle < w->nconns) {
        struct conn *c = &w->conns[w->next_idle++];
        w->connecting++;
        if (conn_open(c) < 0) {
            w->connecting--;
            w->st.idle_failed++;
        }
    }
    if (w->st.idle_established + w->st.idle_failed >= w->nconns)
        finish(w);
}

static void idle_up(struct conn *c)
{
    /* An answer proves the server accepted the certificate (TLS 1.3 only
     * says so after the handshake). */
    size_t len;
    const char *req = get_request(c, "/v1/health", false, &len);
    conn_send(c, req, len, now_ns(), request_timeout(c->w));
}

static void idle_response(struct conn *c, int status, const char *body, size_t len)
{
    struct worker *w = c->w;
    uint64_t now = now_ns();
    w->connecting--;
    if (count_answer(w, status, 200, body, len, now)) {
        record_latency(w, c, now);
        c->established = true;
        w->st.idle_established++;
    } else {
        conn_close(c, false);
        w->st.idle_failed++;
    }
    idle_more(w);
}

static void idle_down(struct conn *c, enum conn_state was, bool failed)
{
    struct worker *w = c->w;
    if (c->established) {
        w->st.idle_dropped++;
        return;
    }
    w->connecting--;
    w->st.idle_failed++;
    idle_more(w);
}

static void idle_retry(struct conn *c)
{
}

static const struct conn_ops idle_ops = {
    .up = idle_up, .response = idle_response, .down = idle_down, .retry = idle_retry};

/* ---- the worker -------------------------------------------------------------------
 */

static void on_phase(evutil_socket_t fd, short what, void *arg)
{
    struct worker *w = arg;
    if (w->phase == PH_RUN && w->b->o.mode == MODE_E2E && !e2e_drained(w)) {
        /* Give the sends of the window time to arrive. */
        w->phase = PH_DRAIN;
        arm(w->phase_ev, (uint64_t)(w->b->o.drain * 1e9));
        return;
    }
    finish(w);
}

/* This worker's part of total when it is split over n workers. */
static unsigned share(unsigned total, unsigned index, unsigned n)
{
    return total / n + (index < total % n ? 1 : 0);
}

static int conn_init(struct worker *w, struct conn *c, const struct target *t,
                     enum conn_role role, const struct conn_ops *ops,
                     const struct ident *id)
{
    c->w = w;
    c->t = t;
    c->role = role;
    c->ops = ops;
    c->id = id;
    c->state = CS_DOWN;
    c->retry = evtimer_new(w->base, on_retry, c);
    return c->retry ? 0 : -1;
}

static int recipients_init(struct worker *w)
{
    const struct bench_opts *o = &w->b->o;
    w->nrcpts = o->nrecipients;
    w->rcpts = calloc(w->nrcpts, sizeof *w->rcpts);
    if (!w->rcpts)
        return -1;
    for (size_t i = 0; i < w->nrcpts; i++) {
        struct recipient *r = &w->rcpts[i];
        r->id = &o->recipients[i];
        r->nackers = o->ack_connections;
        r->poller = calloc(1, sizeof *r->poller);
        r->ackers = calloc(r->nackers, sizeof *r->ackers);
        if (!r->poller || !r->ackers ||
            conn_init(w, r->poller, &o->recv, ROLE_POLLER, &poller_ops, r->id) < 0)
            return -1;
        r->poller->rcpt = r;
        for (size_t k = 0; k < r->nackers; k++) {
            if (conn_init(w, &r->ackers[k], &o->recv, ROLE_ACKER, &acker_ops, r->id) <
                0)
                return -1;
            r->ackers[k].rcpt = r;
        }
    }
    return 0;
}

static const struct {
    enum conn_role role;
    const struct conn_ops *ops;
    void (*start)(struct conn *c, uint64_t due);
    enum conn_state ready_state;
} mode_setup[] = {
    [MODE_SEND] = {ROLE_SENDER, &sender_ops, sender_start, CS_READY},
    [MODE_E2E] = {ROLE_SENDER, &sender_ops, sender_start, CS_READY},
    [MODE_HANDSHAKE] = {ROLE_HANDSHAKE, &hs_ops, hs_start, CS_DOWN},
    [MODE_IDLE] = {ROLE_IDLE, &idle_ops, NULL, CS_READY},
    [MODE_GET] = {ROLE_SENDER, &getter_ops, getter_start, CS_READY},
};

int worker_init(struct worker *w, const struct bench *b, unsigned index,
                unsigned nworkers, char *err, size_t errlen)
{
    const struct bench_opts *o = &b->o;
    memset(w, 0, sizeof *w);
    w->b = b;
    w->index = index;
    stats_init(&w->st);
    w->rate = o->rate / nworkers;
    w->start = mode_setup[o->mode].start;
    w->ready_state = mode_setup[o->mode].ready_state;
    w->nconns = share(o->connections, index, nworkers);
    if (o->mode == MODE_IDLE)
        w->st.idle_target = w->nconns;

    struct event_config *cfg = event_config_new();
    if (cfg) {
        /* Timers at 1 ms, not epoll's rounding: the schedule is the measure. */
        event_config_set_flag(cfg, EVENT_BASE_FLAG_PRECISE_TIMER);
        w->base = event_base_new_with_config(cfg);
        event_config_free(cfg);
    }
    w->scratch_len = HEADER_ROOM + o->body_size + 4096;
    w->scratch = malloc(w->scratch_len);
    w->conns = calloc(w->nconns ? w->nconns : 1, sizeof *w->conns);
    w->ready = calloc(w->nconns ? w->nconns : 1, sizeof *w->ready);
    if (!w->base || !w->scratch || !w->conns || !w->ready)
        goto fail;
    w->tick = evtimer_new(w->base, on_tick, w);
    w->phase_ev = evtimer_new(w->base, on_phase, w);
    if (!w->tick || !w->phase_ev)
        goto fail;
    for (size_t i = 0; i < w->nconns; i++) {
        /* Spread the identities and the servers over all workers' connections. */
        size_t global = index + i * nworkers;
        if (conn_init(w, &w->conns[i], &o->targets[global % o->ntargets],
                      mode_setup[o->mode].role, mode_setup[o->mode].ops,
                      &o->senders[global % o->nsenders]) < 0)
            goto fail;
    }
    if (o->mode == MODE_E2E &&
        ((w->ids = idtab_new()) == NULL || recipients_init(w) < 0))
        goto fail;
    return 0;
fail:
    snprintf(err, errlen, "worker %u: out of memory", index);
    return -1;
}

void worker_run(struct worker *w)
{
    const struct bench *b = w->b;
    switch (b->o.mode) {
    case MODE_E2E:
        for (size_t i = 0; i < w->nrcpts; i++) {
            reopen(w->rcpts[i].poller);
            for (size_t k = 0; k < w->rcpts[i].nackers; k++)
                reopen(&w->rcpts[i].ackers[k]);
        }
        /* fall through */
    case MODE_SEND:
    case MODE_GET:
        for (size_t i = 0; i < w->nconns; i++)
            reopen(&w->conns[i]);
        break;
    case MODE_HANDSHAKE:
        for (size_t i = 0; i < w->nconns; i++)
            ready_push(&w->conns[i]);
        dispatch(w);
        break;
    case MODE_IDLE:
        idle_more(w);
        break;
    case MODE_COUNT:
        break;
    }
    if (b->o.mode != MODE_IDLE) {
        uint64_t now = now_ns();
        arm(w->phase_ev, b->t_end > now ? b->t_end - now : 0);
    }
    if (w->phase != PH_DONE)
        event_base_dispatch(w->base);
}

void worker_finish(struct worker *w)
{
    if (w->ids)
        idtab_walk(w->ids, count_leftovers, &w->st);
}

static void conn_free(struct conn *c)
{
    /* Idle connections say goodbye properly: 5,000 unclean closes would
     * only add noise to the server's log. */
    conn_close(c, c->state == CS_READY);
    if (c->retry)
        event_free(c->retry);
}

void worker_free(struct worker *w)
{
    for (size_t i = 0; w->conns && i < w->nconns; i++)
        conn_free(&w->conns[i]);
    for (size_t i = 0; w->rcpts && i < w->nrcpts; i++) {
        struct recipient *r = &w->rcpts[i];
        if (r->poller)
            conn_free(r->poller);
        for (size_t k = 0; r->ackers && k < r->nackers; k++)
            conn_free(&r->ackers[k]);
        free(r->poller);
        free(r->ackers);
        free(r->queue);
    }
    free(w->rcpts);
    if (w->tick)
        event_free(w->tick);
    if (w->phase_ev)
        event_free(w->phase_ev);
    if (w->base)
        event_base_free(w->base);
    idtab_free(w->ids);
    free(w->conns);
    free(w->ready);
    free(w->scratch);
}
