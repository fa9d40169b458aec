/*
 * inbox.c - GET /v1/inbox (with long-poll) and POST /v1/inbox/ID/ack.
 */
#include <stdio.h>
#include <string.h>

#include "config.h"
#include "handlers.h"
#include "json.h"
#include "api_limits.h"
#include "query.h"
#include "waiters.h"

static void inbox_query(struct call *call);

static cJSON *inbox_item_json(const struct inbox_item *it)
{
    cJSON *item = cJSON_CreateObject();
    cJSON *subject = cJSON_CreateObject();
    cJSON_AddStringToObject(item, "id", it->id);
    cJSON_AddStringToObject(item, "from", it->from);
    cJSON_AddStringToObject(item, "from_type", it->from_type);
    rg_json_add_time(item, "created_at", it->created_at);
    cJSON_AddStringToObject(item, "signal", it->signal);
    cJSON_AddStringToObject(item, "urgency", it->urgency);
    for (int i = 0; i < RG_SUBJECT_ATTRS; i++)
        cJSON_AddStringToObject(subject, rg_subject[i].name, it->subject[i]);
    cJSON_AddItemToObject(item, "subject", subject);
    cJSON_AddStringToObject(item, it->sealed ? "body_cms" : "body", it->body);
    cJSON_AddNumberToObject(item, "deliveries", it->deliveries);
    return item;
}

static void reply_items(struct call *call, const struct inbox_item *items, size_t count)
{
    cJSON *doc = cJSON_CreateObject();
    cJSON *list = cJSON_AddArrayToObject(doc, "referrals");
    for (size_t i = 0; i < count; i++)
        cJSON_AddItemToArray(list, inbox_item_json(&items[i]));
    COUNTER_ADD(call->gw->counters->delivered, count);
    call_reply_json(call, 200, doc);
}

static void inbox_woken(struct call *call, bool timed_out)
{
    if (timed_out)
        reply_items(call, NULL, 0);
    else
        inbox_query(call);
}

static void inbox_done(struct op *op)
{
    struct call *call = call_of_result(op);
    if (call == NULL)
        return;
    double left = call->started + call->wait_seconds - monotonic_now();
    if (op->u.inbox.count > 0 || left <= 0 || net_stopping(call->gw->net)) {
        reply_items(call, op->u.inbox.items, op->u.inbox.count);
    } else if (waiters_park(call->worker->waiters, call, left, inbox_woken) < 0) {
        call_fail(call, RG_UNAVAILABLE, NULL);
    }
    op_free(op);
}

static void inbox_query(struct call *call)
{
    struct op *op = call_op(call, OP_INBOX, inbox_done);
    if (op == NULL)
        return;
    snprintf(op->u.inbox.recipient, sizeof(op->u.inbox.recipient), "%s", call->org->id);
    op->u.inbox.limit = call->limit;
    call_submit(call, op);
}

void handle_inbox(struct call *call, const char *unused)
{
    struct query_param params[] = {{.name = "wait"}, {.name = "limit"}};
    struct rg_error err;
    call->wait_seconds = RG_WAIT_DEFAULT;
    call->limit = RG_LIMIT_DEFAULT;
    if (query_parse(call->req->query, params, 2, &err) < 0 ||
        (params[0].present && query_int(&params[0], RG_WAIT_MIN, RG_WAIT_MAX,
                                        &call->wait_seconds, &err) < 0) ||
        (params[1].present &&
         query_int(&params[1], RG_LIMIT_MIN, RG_LIMIT_MAX, &call->limit, &err) < 0)) {
        call_error(call, &err, NULL);
        return;
    }
    if (call->wait_seconds > 0) {
        call->longpoll = true;
        worker_longpolls_add(call->worker, 1);
    }
    inbox_query(call);
}

static void ack_done(struct op *op)
{
    struct call *call = call_of_result(op);
    if (call == NULL)
        return;
    if (!op->u.ack.found) {
        call_fail(call, RG_NOT_FOUND, NULL);
    } else {
        cJSON *doc = cJSON_CreateObject();
        cJSON_AddStringToObject(doc, "id", op->u.ack.id);
        cJSON_AddStringToObject(doc, "status", "acknowledged");
        COUNTER_ADD(call->gw->counters->acknowledged, 1);
        call_reply_json(call, 200, doc);
    }
    op_free(op);
}

void handle_ack(struct call *call, const char *id)
{
    struct op *op = call_op(call, OP_ACK, ack_done);
    if (op == NULL)
        return;
    snprintf(op->u.ack.recipient, sizeof(op->u.ack.recipient), "%s", call->org->id);
    snprintf(op->u.ack.id, sizeof(op->u.ack.id), "%s", id);
    call_submit(call, op);
}
