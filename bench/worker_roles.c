/*
 * worker_roles.c - what the load's own connections do in each mode (see
 * worker.h): senders (send, e2e), keep-alive GETs, a new connection per
 * request (handshake), connections opened and held (idle).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "conn.h"
#include "worker_internal.h"

/* ---- senders (send, e2e) ----------------------------------------------------- */

void sender_start(struct conn *c, uint64_t due)
{
    struct worker *w = c->w;
    size_t body_len =
        wk_referral_json(w, w->scratch + HEADER_ROOM, w->scratch_len - HEADER_ROOM);
    size_t len;
    const char *req = wk_frame(c, "POST", "/v1/referrals",
                               "Content-Type: application/json\r\n", body_len, &len);
    conn_send(c, req, len, due, wk_request_timeout(w));
}

static void sender_up(struct conn *c)
{
    wk_ready_push(c);
    wk_dispatch(c->w);
}

/* --ids-out: the id of a 202, warm-up and drain included (every 202 counts
 * when checking that none was lost). stdio locks the file per call. */
static void write_id(struct worker *w, const char *body, size_t len)
{
    cJSON *doc = cJSON_ParseWithLength(body, len);
    const cJSON *id = cJSON_GetObjectItemCaseSensitive(doc, "id");
    if (cJSON_IsString(id) && wk_id_url_safe(id->valuestring, strlen(id->valuestring)))
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
    if (wk_count_answer(w, status, 202, body, len, now)) {
        wk_record_latency(w, c, now);
        if (w->b->o.mode == MODE_E2E)
            e2e_accepted(w, body, len, now);
    }
    if (c->state == CS_READY)
        sender_up(c);
}

static void sender_down(struct conn *c, enum conn_state was, bool failed)
{
    if (c->w->phase == PH_RUN)
        wk_later(c, failed ? BACKOFF_MS : 0);
}

const struct conn_ops sender_ops = {.up = sender_up,
                                    .response = sender_response,
                                    .down = sender_down,
                                    .retry = wk_reopen};

/* ---- get: keep-alive GETs, the cost of TLS and HTTP without the store ---------- */

void getter_start(struct conn *c, uint64_t due)
{
    size_t len;
    const char *req = wk_get_request(c, c->w->b->o.path, false, &len);
    conn_send(c, req, len, due, wk_request_timeout(c->w));
}

static void getter_response(struct conn *c, int status, const char *body, size_t len)
{
    struct worker *w = c->w;
    uint64_t now = now_ns();
    if (wk_count_answer(w, status, 200, body, len, now))
        wk_record_latency(w, c, now);
    if (c->state == CS_READY)
        sender_up(c);
}

const struct conn_ops getter_ops = {.up = sender_up,
                                    .response = getter_response,
                                    .down = sender_down,
                                    .retry = wk_reopen};

/* ---- handshake: a new connection per request ------------------------------------ */

void hs_start(struct conn *c, uint64_t due)
{
    c->t_intended = due;
    if (conn_open(c) < 0)
        wk_later(c, BACKOFF_MS);
}

static void hs_up(struct conn *c)
{
    size_t len;
    const char *req = wk_get_request(c, "/v1/health", true, &len);
    conn_send(c, req, len, c->t_intended, wk_request_timeout(c->w));
}

/* The slot is free again: the next due request may take it. */
static void hs_release(struct conn *c)
{
    wk_ready_push(c);
    wk_dispatch(c->w);
}

static void hs_response(struct conn *c, int status, const char *body, size_t len)
{
    struct worker *w = c->w;
    uint64_t now = now_ns();
    if (wk_count_answer(w, status, 200, body, len, now))
        wk_record_latency(w, c, now);
    conn_close(c, true);
    hs_release(c);
}

static void hs_down(struct conn *c, enum conn_state was, bool failed)
{
    if (failed)
        wk_later(c, BACKOFF_MS);
    else
        hs_release(c);
}

const struct conn_ops hs_ops = {
    .up = hs_up, .response = hs_response, .down = hs_down, .retry = hs_release};

/* ---- idle: open and hold ----------------------------------------------------------
 */

void idle_more(struct worker *w)
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
        wk_finish(w);
}

static void idle_up(struct conn *c)
{
    /* An answer proves the server accepted the certificate (TLS 1.3 only
     * says so after the handshake). */
    size_t len;
    const char *req = wk_get_request(c, "/v1/health", false, &len);
    conn_send(c, req, len, now_ns(), wk_request_timeout(c->w));
}

static void idle_response(struct conn *c, int status, const char *body, size_t len)
{
    struct worker *w = c->w;
    uint64_t now = now_ns();
    w->connecting--;
    if (wk_count_answer(w, status, 200, body, len, now)) {
        wk_record_latency(w, c, now);
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

const struct conn_ops idle_ops = {
    .up = idle_up, .response = idle_response, .down = idle_down, .retry = idle_retry};
