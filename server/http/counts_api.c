#include "counts_api.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api.h"
#include "committer.h"
#include "config.h"
#include "metrics.h"
#include "ops.h"
#include "query.h"
#include "stats.h"
#include "store_stats.h"

/* ---- GET /v1/stats ---- */

static void stats_done(struct op *op)
{
    struct call *call = api_op_result(op);
    if (call == NULL)
        return;
    const struct stats_request *req = op->u.stats.req;
    struct stats_table *t = op->u.stats.table;
    long long min_count = call->config->stats_min_count;
    stats_suppress(t, min_count);
    if (req->format == STATS_CSV) {
        size_t len;
        char *csv = stats_to_csv(req, t, min_count, &len);
        if (csv == NULL)
            call_fail(call, RG_UNAVAILABLE, NULL);
        else
            call_reply(call, 200, "text/csv", csv, len, NULL);
        free(csv);
    } else {
        call_reply_json(call, 200, stats_to_json(req, t, min_count));
    }
    op_free(op);
}

void api_stats(struct call *call, const char *unused)
{
    struct rg_error err;
    struct stats_request *req = malloc(sizeof(*req));
    if (req == NULL) {
        call_fail(call, RG_UNAVAILABLE, NULL);
        return;
    }
    if (stats_request_parse(call->query, time(NULL), req, &err) < 0) {
        free(req);
        call_reply_error(call, &err, NULL);
        return;
    }
    struct op *op = api_new_op(call, OP_STATS, stats_done);
    struct stats_table *t = stats_table_new(req->by_count);
    if (op == NULL || t == NULL) {
        free(op);
        free(req);
        stats_table_free(t);
        call_fail(call, RG_UNAVAILABLE, NULL);
        return;
    }
    op->u.stats.req = req;
    op->u.stats.table = t;
    committer_submit(call->app->committer, op);
}

/* ---- GET /metrics ---- */

static void metrics_done(struct op *op)
{
    struct call *call = api_op_result(op);
    if (call == NULL)
        return;
    struct metrics_snapshot *m = op->u.metrics.snap;
    m->handshake_failures = COUNTER_GET(call->app->counters.handshake_failures);
    m->connections = COUNTER_GET(call->app->counters.connections);
    size_t len;
    char *text = metrics_render(m, &len);
    if (text == NULL)
        call_fail(call, RG_UNAVAILABLE, NULL);
    else
        call_reply(call, 200, METRICS_CONTENT_TYPE, text, len, NULL);
    free(text);
    op_free(op);
}

void api_metrics(struct call *call, const char *unused)
{
    struct rg_error err;
    if (query_parse(call->query, NULL, 0, &err) < 0) {
        call_reply_error(call, &err, NULL);
        return;
    }
    struct op *op = api_new_op(call, OP_METRICS, metrics_done);
    struct metrics_snapshot *m = calloc(1, sizeof(*m));
    if (op == NULL || m == NULL) {
        free(op);
        free(m);
        call_fail(call, RG_UNAVAILABLE, NULL);
        return;
    }
    /*
     * Rejections not yet flushed to the store, taken now: a flush queued after
     * this op is not in what the op reads, one queued before it is (the
     * committer runs ops in order), so each rejection is counted exactly once.
     */
    struct app *app = call->app;
    op->u.metrics.snap = m;
    pthread_mutex_lock(&app->lock); /* the flush of rejections takes it too */
    for (int i = 0; i < RG_CODE_COUNT; i++)
        m->unflushed_rejections[i] =
            (unsigned)COUNTER_GET(app->counters.pending_rejections[i]);
    committer_submit(app->committer, op);
    pthread_mutex_unlock(&app->lock);
}
