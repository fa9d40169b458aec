/*
 * referrals.c - POST /v1/referrals (a send) and GET /v1/referrals/ID (the
 * sender's view of one).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "config.h"
#include "enc_certs.h"
#include "handlers.h"
#include "json.h"
#include "ids.h"

static bool is_json_type(const char *ct)
{
    if (ct == NULL)
        return false;
    size_t n = strlen("application/json");
    if (strncasecmp(ct, "application/json", n) != 0)
        return false;
    return ct[n] == '\0' || ct[n] == ';' || ct[n] == ' ';
}

static void send_done(struct op *op)
{
    struct gateway *gw = ((struct call *)op->ctx)->gw;
    bool created = !op->failed && op->u.put.outcome == PUT_CREATED;
    if (created) {
        /* Committed, even if the sender has left: wake the recipient. */
        COUNTER_ADD(gw->counters->accepted, 1);
        gateway_referral_arrived(gw, op->u.put.route.recipient);
    }
    struct call *call = call_of(op);
    if (call == NULL) {
        op_free(op);
        return;
    }
    if (op->failed) {
        call_fail(call, RG_UNAVAILABLE, NULL);
    } else if (op->u.put.outcome == PUT_CONFLICT) {
        call_fail(call, RG_CONFLICT, "client_ref");
    } else {
        /* No cJSON tree: an id and a state name print as they are. */
        call_reply_send_answer(
            call, created ? 202 : 200, op->u.put.id,
            created ? "queued" : referral_state_name(op->u.put.state), !created);
    }
    op_free(op);
}

/* The routing of a send from call's organisation; 0, or -1 with the refusal. */
static int admit_route(struct call *call, const struct rg_referral *r,
                       struct rg_routing *route, const struct org **recipient,
                       enum rg_code *refusal)
{
    const struct org *to = config_find_org(call->config, r->to);
    if (to == NULL || to->disabled) {
        *refusal = RG_UNKNOWN_RECIPIENT;
        return -1;
    }
    /* A route never lets an organisation send to itself (SPEC §2). */
    if (strcmp(to->id, call->org->id) == 0 ||
        !config_route_allows(call->config, call->org->type, to->type)) {
        *refusal = RG_ROUTE_FORBIDDEN;
        return -1;
    }
    *recipient = to;
    rg_routing_set(route, call->org->id, rg_org_types.values[call->org->type], to->id,
                   rg_org_types.values[to->type], r->signal, r->urgency);
    return 0;
}

/* SPEC §10: a sealed body must name exactly the recipient's current
 * encryption certificates; a plaintext one is refused under require_e2e. */
static int admit_body(const struct call *call, const struct org *to,
                      const struct rg_referral *r, struct rg_error *err)
{
    char why[RG_MESSAGE_MAX];
    if (!r->sealed)
        return call->config->require_e2e
                   ? rg_fail(err, RG_INVALID_FIELD, "body",
                             "this gateway requires end-to-end encryption: send the "
                             "body sealed, as body_cms")
                   : 0;
    if (to->encryption == NULL)
        return rg_fail(err, RG_INVALID_FIELD, "body_cms",
                       "the recipient publishes no encryption certificate");
    if (enc_certs_check_body(to->encryption, r->body, r->body_len, why) < 0)
        return rg_fail(err, RG_INVALID_FIELD, "body_cms", "%s", why);
    return 0;
}

void handle_send(struct call *call, const char *unused)
{
    if (!is_json_type(call->req->content_type)) {
        call_fail(call, RG_UNSUPPORTED_MEDIA_TYPE, NULL);
        return;
    }
    struct op *op = call_op(call, OP_PUT, send_done);
    if (op == NULL)
        return;
    struct rg_error err;
    struct rg_referral *r = &op->u.put.referral;
    const struct request *req = call->req;
    /* net/http1.c ends a body with a NUL: it is parsed in place. */
    if (rg_referral_parse_terminated(req->body ? req->body : "", req->body_len, r,
                                     &err) < 0) {
        op_free(op);
        call_error(call, &err, NULL);
        return;
    }
    enum rg_code refusal;
    const struct org *to;
    if (admit_route(call, r, &op->u.put.route, &to, &refusal) < 0) {
        op_free(op);
        call_fail(call, refusal, "to");
        return;
    }
    if (admit_body(call, to, r, &err) < 0) {
        op_free(op);
        call_error(call, &err, NULL);
        return;
    }
    if (digester_put(call->worker->digester, call->org->id, r, &op->u.put.digests) <
        0) {
        op_free(op);
        call_fail(call, RG_UNAVAILABLE, NULL);
        return;
    }
    call_submit(call, op);
}

static void status_done(struct op *op)
{
    struct call *call = call_of_result(op);
    if (call == NULL)
        return;
    const struct referral_status *st = &op->u.status.st;
    if (!op->u.status.found) {
        call_fail(call, RG_NOT_FOUND, NULL);
    } else {
        cJSON *doc = cJSON_CreateObject();
        cJSON_AddStringToObject(doc, "id", op->u.status.id);
        cJSON_AddStringToObject(doc, "to", st->to);
        cJSON_AddStringToObject(doc, "status", referral_state_name(st->state));
        rg_json_add_time(doc, "created_at", st->created_at);
        if (st->delivered_at != 0)
            rg_json_add_time(doc, "delivered_at", st->delivered_at);
        if (st->acknowledged_at != 0)
            rg_json_add_time(doc, "acknowledged_at", st->acknowledged_at);
        call_reply_json(call, 200, doc);
    }
    op_free(op);
}

void handle_status(struct call *call, const char *id)
{
    struct op *op = call_op(call, OP_STATUS, status_done);
    if (op == NULL)
        return;
    snprintf(op->u.status.sender, sizeof(op->u.status.sender), "%s", call->org->id);
    snprintf(op->u.status.id, sizeof(op->u.status.id), "%s", id);
    call_submit(call, op);
}
