#include "worker.h"
#include "worker_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "conn.h"
#include "idtab.h"
#include "taxonomy.h"

/* ---- scheduling ------------------------------------------------------------ */

void wk_ready_push(struct conn *c)
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

void wk_arm(struct event *ev, uint64_t delay_ns)
{
    struct timeval tv = {.tv_sec = (time_t)(delay_ns / 1000000000u),
                         .tv_usec = (suseconds_t)(delay_ns % 1000000000u / 1000u)};
    evtimer_add(ev, &tv);
}

/* Starts every request that is due while a connection is free. */
void wk_dispatch(struct worker *w)
{
    uint64_t now = now_ns();
    while (w->phase == PH_RUN) {
        uint64_t due = now;
        if (w->rate > 0)
            due = w->b->t_start + (uint64_t)((double)w->seq * 1e9 / w->rate);
        if (due > now) {
            wk_arm(w->tick, due - now);
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
    wk_dispatch(arg);
}

/* Runs c's role retry after ms milliseconds. */
void wk_later(struct conn *c, unsigned ms)
{
    wk_arm(c->retry, (uint64_t)ms * 1000000u);
}

static void on_retry(evutil_socket_t fd, short what, void *arg)
{
    struct conn *c = arg;
    if (c->w->phase != PH_DONE)
        c->ops->retry(c);
}

/* Opens c, or tries again a little later. */
void wk_reopen(struct conn *c)
{
    if (c->state == CS_DOWN && conn_open(c) < 0)
        wk_later(c, BACKOFF_MS);
}

void wk_finish(struct worker *w)
{
    w->phase = PH_DONE;
    event_base_loopbreak(w->base);
}

/* ---- requests -------------------------------------------------------------- */

unsigned wk_request_timeout(const struct worker *w)
{
    return (unsigned)(w->b->o.timeout + 0.5);
}

/* Puts the request line and headers in front of the body already written at
 * w->scratch + HEADER_ROOM, so the request goes out as one write; for c's
 * server. */
const char *wk_frame(struct conn *c, const char *method, const char *path,
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
const char *wk_get_request(struct conn *c, const char *path, bool close, size_t *len)
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
size_t wk_referral_json(struct worker *w, char *out, size_t cap)
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
bool wk_count_answer(struct worker *w, int status, int expected, const char *body,
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

void wk_record_latency(struct worker *w, struct conn *c, uint64_t now)
{
    if (in_window(w->b, now)) {
        w->st.ok++;
        hist_record(&w->st.latency, now - c->t_intended);
    }
}

/* Whether an id can go into a path as it is (ids are URL-safe by contract). */
bool wk_id_url_safe(const char *s, size_t len)
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

/* ---- the worker -------------------------------------------------------------------
 */

static void on_phase(evutil_socket_t fd, short what, void *arg)
{
    struct worker *w = arg;
    if (w->phase == PH_RUN && w->b->o.mode == MODE_E2E && !e2e_drained(w)) {
        /* Give the sends of the window time to arrive. */
        w->phase = PH_DRAIN;
        wk_arm(w->phase_ev, (uint64_t)(w->b->o.drain * 1e9));
        return;
    }
    wk_finish(w);
}

/* This worker's part of total when it is split over n workers. */
static unsigned share(unsigned total, unsigned index, unsigned n)
{
    return total / n + (index < total % n ? 1 : 0);
}

int wk_conn_init(struct worker *w, struct conn *c, const struct target *t,
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
        if (wk_conn_init(w, &w->conns[i], &o->targets[global % o->ntargets],
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
            wk_reopen(w->rcpts[i].poller);
            for (size_t k = 0; k < w->rcpts[i].nackers; k++)
                wk_reopen(&w->rcpts[i].ackers[k]);
        }
        /* fall through */
    case MODE_SEND:
    case MODE_GET:
        for (size_t i = 0; i < w->nconns; i++)
            wk_reopen(&w->conns[i]);
        break;
    case MODE_HANDSHAKE:
        for (size_t i = 0; i < w->nconns; i++)
            wk_ready_push(&w->conns[i]);
        wk_dispatch(w);
        break;
    case MODE_IDLE:
        idle_more(w);
        break;
    case MODE_COUNT:
        break;
    }
    if (b->o.mode != MODE_IDLE) {
        uint64_t now = now_ns();
        wk_arm(w->phase_ev, b->t_end > now ? b->t_end - now : 0);
    }
    if (w->phase != PH_DONE)
        event_base_dispatch(w->base);
}

void worker_finish(struct worker *w)
{
    if (w->ids)
        idtab_walk(w->ids, e2e_count_leftovers, &w->st);
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
