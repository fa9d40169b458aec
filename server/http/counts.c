/*
 * counts.c - the administrators' handlers: GET /v1/stats (SPEC §6) and
 * GET /metrics. The router admits only admin callers; both read the store
 * through an op on its writer's thread.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "config.h"
#include "handlers.h"
#include "metrics.h"
#include "query.h"
#include "stats.h"

/* ---- GET /v1/stats ---- */

static void stats_done(struct op *op)
{
    struct call *call = call_of_result(op);
    if (call == NULL)
        return;
    const struct stats_request *req = op->u.stats.req;
    struct stats_table *t = op->u.stats.table;
    if (req->format == STATS_CSV) {
        size_t len;
        char *csv = stats_to_csv(req, t, &len);
        if (csv == NULL)
            call_fail(call, RG_UNAVAILABLE, NULL);
        else
            call_reply(call, 200, "text/csv", csv, len, NULL);
        free(csv);
    } else {
        call_reply_json(call, 200, stats_to_json(req, t));
    }
    op_free(op);
}

void handle_stats(struct call *call, const char *unused)
{
    struct rg_error err;
    struct stats_request *req = malloc(sizeof(*req));
    if (req == NULL) {
        call_fail(call, RG_UNAVAILABLE, NULL);
        return;
    }
    if (stats_request_parse(call->req->query, time(NULL), call->config->stats_min_count,
                            req, &err) < 0) {
        free(req);
        call_error(call, &err, NULL);
        return;
    }
    struct op *op = call_op(call, OP_STATS, stats_done);
    if (op == NULL) {
        free(req);
        return;
    }
    op->u.stats.req = req;
    op->u.stats.table = stats_table_new(req->by_count);
    if (op->u.stats.table == NULL) {
        op_free(op);
        call_fail(call, RG_UNAVAILABLE, NULL);
        return;
    }
    call_submit(call, op);
}

/* ---- GET /metrics ---- */

static void metrics_done(struct op *op)
{
    struct call *call = call_of_result(op);
    if (call == NULL)
        return;
    struct metrics_snapshot m = {.store = op->u.metrics.store};
    memcpy(m.unflushed_rejections, op->u.metrics.unflushed,
           sizeof(m.unflushed_rejections));
    const struct counters *n = call->gw->counters;
    m.handshakes = COUNTER_GET(n->handshakes);
    for (int c = 0; c < HANDSHAKE_FAILURE_CLASSES; c++)
        m.handshake_failures[c] = COUNTER_GET(n->handshake_failure_by[c]);
    m.connections = COUNTER_GET(n->connections);
    for (int w = 0; w < CERT_WHICH_COUNT; w++)
        m.cert_expiry[w] = COUNTER_GET(n->cert_expiry[w]);
    m.now = (long long)time(NULL);
    store_latency(call->gw->store, &m.commits, &m.commit_seconds);
    size_t len;
    char *text = metrics_render(&m, &len);
    if (text == NULL)
        call_fail(call, RG_UNAVAILABLE, NULL);
    else
        call_reply(call, 200, METRICS_CONTENT_TYPE, text, len, NULL);
    free(text);
    op_free(op);
}

void handle_metrics(struct call *call, const char *unused)
{
    struct rg_error err;
    if (query_parse(call->req->query, NULL, 0, &err) < 0) {
        call_error(call, &err, NULL);
        return;
    }
    struct op *op = call_op(call, OP_METRICS, metrics_done);
    if (op == NULL)
        return;
    op->u.metrics.store = calloc(1, sizeof(*op->u.metrics.store));
    if (op->u.metrics.store == NULL) {
        op_free(op);
        call_fail(call, RG_UNAVAILABLE, NULL);
        return;
    }
    /*
     * Rejections not yet flushed to the store, taken now: a flush queued after
     * this op is not in what the op reads, one queued before it is (the
     * writer runs ops in order), so each rejection is counted exactly once.
     */
    struct gateway *gw = call->gw;
    pthread_mutex_lock(&gw->lock); /* the flush of rejections takes it too */
    for (int i = 0; i < RG_CODE_COUNT; i++)
        op->u.metrics.unflushed[i] =
            (unsigned)COUNTER_GET(gw->counters->pending_rejections[i]);
    call_submit(call, op);
    pthread_mutex_unlock(&gw->lock);
}
