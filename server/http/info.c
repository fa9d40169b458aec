/*
 * info.c - what a caller learns of the gateway itself: GET /v1/directory
 * (whom it may send to, from the configuration) and GET /v1/health.
 */
#include "config.h"
#include "handlers.h"

void handle_directory(struct call *call, const char *unused)
{
    const struct config *c = call->config;
    cJSON *doc = cJSON_CreateObject();
    cJSON *list = cJSON_AddArrayToObject(doc, "organisations");
    for (size_t i = 0; i < c->org_count; i++) {
        const struct org *o = &c->orgs[i];
        if (o->disabled || o == call->org ||
            !config_route_allows(c, call->org->type, o->type))
            continue;
        cJSON *item = cJSON_CreateObject();
        cJSON_AddStringToObject(item, "id", o->id);
        cJSON_AddStringToObject(item, "name", o->name);
        cJSON_AddStringToObject(item, "type", rg_org_types.values[o->type]);
        /* SPEC §10: what a sender encrypts to; empty when none. */
        cJSON *certs = cJSON_AddArrayToObject(item, "encryption_certs");
        for (size_t k = 0; certs != NULL && k < o->encryption_cert_count; k++)
            cJSON_AddItemToArray(certs, cJSON_CreateString(o->encryption_certs[k]));
        cJSON_AddItemToArray(list, item);
    }
    call_reply_json(call, 200, doc);
}

/* 200 "ok", or "degraded" while sends are refused for room (SPEC §7);
 * 503 when the store cannot serve, or its background check found it
 * corrupt. */
static void reply_health(struct call *call, bool ok)
{
    const char *status = !ok                               ? "unavailable"
                         : store_degraded(call->gw->store) ? "degraded"
                                                           : "ok";
    cJSON *doc = cJSON_CreateObject();
    cJSON_AddStringToObject(doc, "status", status);
    call_reply_json(call, ok ? 200 : 503, doc);
}

static void health_done(struct op *op)
{
    struct call *call = call_of(op);
    if (call != NULL)
        reply_health(call, !op->failed);
    op_free(op);
}

void handle_health(struct call *call, const char *unused)
{
    /* A store found corrupt is unusable for what matters: new sends. */
    if (store_corrupt(call->gw->store)) {
        reply_health(call, false);
        return;
    }
    /* Cheap while the store works; after a failure, ask the store again. */
    if (store_healthy(call->gw->store)) {
        reply_health(call, true);
        return;
    }
    struct op *op = call_op(call, OP_HEALTH, health_done);
    if (op != NULL)
        call_submit(call, op);
}
