/*
 * worker_e2e.c - e2e mode's other half: each 202's id matched with its
 * receipt in a recipient's long-poll, and the recipients' pollers and
 * ackers that acknowledge what they received.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "conn.h"
#include "idtab.h"
#include "worker_internal.h"

/* ---- e2e: matching sends with receipts -------------------------------------- */

bool e2e_drained(const struct worker *w)
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
        wk_finish(w);
}

void e2e_accepted(struct worker *w, const char *body, size_t len, uint64_t now)
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
    if (!wk_id_url_safe(id, len)) {
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

void e2e_count_leftovers(const struct id_entry *e, void *arg)
{
    struct stats *st = arg;
    if (e->measured && e->t_accept && !e->t_receive)
        st->e2e_lost++;
    if (e->t_receive && !e->t_accept)
        st->e2e_foreign++;
}

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
    const char *req = wk_get_request(c, path, false, &len);
    conn_send(c, req, len, now_ns(), w->b->o.inbox_wait + wk_request_timeout(w));
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
        const char *req = wk_frame(c, "POST", path, "", 0, &len);
        conn_send(c, req, len, now_ns(), wk_request_timeout(w));
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
    if (wk_count_answer(w, status, 200, body, len, now))
        parse_inbox(w, c->rcpt, body, len, now);
    else if (c->state == CS_READY) {
        wk_later(c, BACKOFF_MS); /* do not hammer a server that says no */
        return;
    }
    rcpt_kick(c->rcpt);
    rcpt_poll(c->rcpt);
}

static void poller_down(struct conn *c, enum conn_state was, bool failed)
{
    if (c->w->phase != PH_DONE)
        wk_later(c, failed ? BACKOFF_MS : 0);
}

static void poller_retry(struct conn *c)
{
    if (c->state == CS_DOWN)
        wk_reopen(c);
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
    if (wk_count_answer(c->w, status, 200, body, len, now) && in_window(c->w->b, now))
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
        wk_later(c, failed ? BACKOFF_MS : 0);
    rcpt_kick(r);
    rcpt_poll(r);
}

static const struct conn_ops acker_ops = {
    .up = acker_up, .response = acker_response, .down = acker_down, .retry = wk_reopen};

int recipients_init(struct worker *w)
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
            wk_conn_init(w, r->poller, &o->recv, ROLE_POLLER, &poller_ops, r->id) < 0)
            return -1;
        r->poller->rcpt = r;
        for (size_t k = 0; k < r->nackers; k++) {
            if (wk_conn_init(w, &r->ackers[k], &o->recv, ROLE_ACKER, &acker_ops,
                             r->id) < 0)
                return -1;
            r->ackers[k].rcpt = r;
        }
    }
    return 0;
}
