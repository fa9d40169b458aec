#include "gateway.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "call.h"
#include "digests.h"
#include "handlers.h"
#include "http.h"
#include "ratelimit.h"
#include "waiters.h"

/* A referral's arrival, on its way to a loop where long-polls may wait. */
struct arrival {
    struct task task;
    struct worker *worker;
    char org[RG_ORG_ID_MAX + 1];
};

/* ---- the net's hooks ---- */

static void on_request(void *ctx, struct request *req)
{
    struct gateway *gw = ctx;
    struct call *call = call_new(gw, req);
    if (call == NULL) {
        call_refuse_unavailable(req);
        return;
    }
    if (req->refused != RG_OK) {
        struct rg_error err;
        rg_fail(&err, req->refused, NULL, "%s", req->refusal);
        call_error(call, &err, NULL);
        return;
    }
    route_call(call);
}

static void on_abandoned(void *ctx, struct request *req)
{
    call_gone(req->upper);
}

static void on_stopping(void *ctx, struct loop *loop)
{
    struct worker *w = loop_data(loop);
    if (w != NULL)
        waiters_wake_all(w->waiters); /* long-polls answer now, with what they have */
}

struct net_hooks gateway_net_hooks(struct gateway *gw)
{
    return (struct net_hooks){gw, on_request, on_abandoned, on_stopping};
}

/* ---- the store's hook: finished ops go back to the loop that queued them ---- */

static void run_ops(struct task *t)
{
    struct op *op = TASK_OWNER(t, struct op, task);
    while (op != NULL) {
        struct op *next = op->next;
        op->next = NULL;
        op->done(op);
        op = next;
    }
}

static void on_complete(void *ctx, void *owner, struct op *ops)
{
    struct worker *w = owner;
    ops->task.run = run_ops; /* the first op carries the list */
    loop_post(w->loop, &ops->task);
}

/* A referral committed through another gateway sharing the store. */
static void on_arrived(void *ctx, const char *org_id)
{
    gateway_referral_arrived(ctx, org_id);
}

struct store_hooks gateway_store_hooks(struct gateway *gw)
{
    return (struct store_hooks){gw, on_complete, on_arrived};
}

/* ---- long-polls across loops ---- */

void worker_longpolls_add(struct worker *w, long n)
{
    __atomic_add_fetch(&w->longpolls, n, __ATOMIC_RELAXED);
}

static void run_arrival(struct task *t)
{
    struct arrival *a = TASK_OWNER(t, struct arrival, task);
    waiters_wake(a->worker->waiters, a->org);
    free(a);
}

void gateway_referral_arrived(struct gateway *gw, const char *org_id)
{
    for (int i = 0; i < gw->worker_count; i++) {
        struct worker *w = gw->workers[i];
        if (__atomic_load_n(&w->longpolls, __ATOMIC_RELAXED) <= 0)
            continue;
        struct arrival *a = malloc(sizeof(*a));
        if (a == NULL)
            continue; /* the parked calls still end at their deadline */
        a->task.run = run_arrival;
        a->worker = w;
        snprintf(a->org, sizeof(a->org), "%s", org_id);
        loop_post(w->loop, &a->task);
    }
}

/* ---- life ---- */

struct gateway *gateway_new(struct counters *counters)
{
    struct gateway *gw = calloc(1, sizeof(*gw));
    if (gw == NULL)
        return NULL;
    gw->counters = counters;
    gw->ratelimit = ratelimit_new();
    if (gw->ratelimit == NULL) {
        free(gw);
        return NULL;
    }
    pthread_mutex_init(&gw->lock, NULL);
    return gw;
}

int gateway_attach(struct gateway *gw, struct net *net, struct store *store,
                   char err[RG_ERR_MAX])
{
    gw->net = net;
    gw->store = store;
    for (int i = 0; i < net_loop_count(net) && i < WORKERS_MAX; i++) {
        struct worker *w = calloc(1, sizeof(*w));
        if (w == NULL) {
            snprintf(err, RG_ERR_MAX, "out of memory");
            return -1;
        }
        gw->workers[gw->worker_count++] = w;
        w->gw = gw;
        w->loop = net_loop(net, i);
        w->waiters = waiters_new(w->loop);
        w->digester = store_digester_new(store);
        if (w->waiters == NULL || w->digester == NULL) {
            snprintf(err, RG_ERR_MAX, "store: cannot use HMAC-SHA256 from OpenSSL");
            return -1;
        }
        loop_set_data(w->loop, w);
    }
    /* Every loop has its state: arrivals through other gateways may come. */
    return store_watch(store, err);
}

void gateway_submit(struct gateway *gw, struct op *op)
{
    op->owner = gw->workers[0];
    store_submit(gw->store, op);
}

static void op_done_free(struct op *op)
{
    op_free(op);
}

void gateway_flush_rejections(struct gateway *gw)
{
    if (gw->worker_count == 0)
        return; /* never attached: no store to write to */
    struct op *op = op_new(OP_REJECTIONS, op_done_free, gw, gw->workers[0]);
    if (op == NULL)
        return;
    bool any = false;
    pthread_mutex_lock(&gw->lock); /* ordered against /metrics snapshots */
    for (int i = 0; i < RG_CODE_COUNT; i++) {
        unsigned long n = __atomic_exchange_n(&gw->counters->pending_rejections[i], 0,
                                              __ATOMIC_RELAXED);
        op->u.rejections.counts[i] = (unsigned)n;
        any |= n > 0;
    }
    if (any)
        store_submit(gw->store, op);
    pthread_mutex_unlock(&gw->lock);
    if (!any)
        op_free(op);
}

void gateway_free(struct gateway *gw)
{
    if (gw == NULL)
        return;
    for (int i = 0; i < gw->worker_count; i++) {
        struct worker *w = gw->workers[i];
        waiters_free(w->waiters);
        digester_free(w->digester);
        free(w);
    }
    ratelimit_free(gw->ratelimit);
    pthread_mutex_destroy(&gw->lock);
    free(gw);
}
