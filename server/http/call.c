#include "call.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "json.h"
#include "wipe.h"

struct call *call_new(struct gateway *gw, struct request *req)
{
    struct call *call = calloc(1, sizeof(*call));
    if (call == NULL)
        return NULL;
    call->gw = gw;
    call->worker = loop_data(req->loop);
    call->req = req;
    call->config = config_ref(req->config);
    memcpy(call->org_id, req->org_id, sizeof(call->org_id));
    req->upper = call;
    return call;
}

void call_free(struct call *call)
{
    if (call == NULL)
        return;
    if (call->longpoll)
        worker_longpolls_add(call->worker, -1);
    config_unref(call->config);
    free(call);
}

void call_reply(struct call *call, int status, const char *content_type,
                const char *body, size_t len, const char *extra_headers)
{
    if (call->req != NULL)
        net_reply(call->req, status, content_type, body, len, extra_headers);
    call_free(call);
}

void call_gone(struct call *call)
{
    call->req = NULL;
    if (call->cancel != NULL) { /* parked: nobody else holds it */
        call->cancel(call);
        call_free(call);
    } /* else a store op holds it and frees it on completion */
}

void call_reply_json(struct call *call, int status, cJSON *doc)
{
    char *text = doc ? rg_json_print(doc) : NULL;
    cJSON_Delete(doc);
    if (text == NULL) {
        call_fail(call, RG_UNAVAILABLE, NULL);
        return;
    }
    size_t len = strlen(text);
    call_reply(call, status, "application/json", text, len, NULL);
    /* The text may hold referral content (inbox): wipe before freeing. */
    rg_wipe(text, len);
    cJSON_free(text);
}

/* Whether cJSON would print s as it is: no escape, nothing outside ASCII. */
static bool prints_as_is(const char *s)
{
    for (const unsigned char *c = (const unsigned char *)s; *c != '\0'; c++)
        if (*c < 0x20 || *c > 0x7e || *c == '"' || *c == '\\')
            return false;
    return true;
}

int call_format_send_answer(char *out, size_t size, const char *id, const char *state,
                            bool duplicate)
{
    if (!prints_as_is(id) || !prints_as_is(state))
        return -1;
    int n = snprintf(out, size, "{\"id\":\"%s\",\"status\":\"%s\"%s}", id, state,
                     duplicate ? ",\"duplicate\":true" : "");
    return n < 0 || (size_t)n >= size ? -1 : n;
}

void call_reply_send_answer(struct call *call, int status, const char *id,
                            const char *state, bool duplicate)
{
    char text[128];
    int n = call_format_send_answer(text, sizeof(text), id, state, duplicate);
    if (n < 0)
        call_fail(call, RG_UNAVAILABLE, NULL);
    else
        call_reply(call, status, "application/json", text, (size_t)n, NULL);
}

void call_error(struct call *call, const struct rg_error *err,
                const char *extra_headers)
{
    struct counters *n = call->gw->counters;
    COUNTER_ADD(n->rejected, 1);
    COUNTER_ADD(n->rejections[err->code], 1);
    COUNTER_ADD(n->pending_rejections[err->code], 1);

    cJSON *doc = cJSON_CreateObject();
    cJSON *e = cJSON_AddObjectToObject(doc, "error");
    cJSON_AddStringToObject(e, "code", rg_code_name(err->code));
    cJSON_AddStringToObject(e, "message", err->message);
    if (err->field[0] != '\0')
        cJSON_AddStringToObject(e, "field", err->field);
    char *text = rg_json_print(doc);
    cJSON_Delete(doc);
    if (text == NULL) {
        if (call->req != NULL)
            call_refuse_unavailable(call->req);
        call_free(call);
        return;
    }
    call_reply(call, rg_code_status(err->code), "application/json", text, strlen(text),
               extra_headers);
    cJSON_free(text);
}

void call_refuse_unavailable(struct request *req)
{
    static const char body[] =
        "{\"error\":{\"code\":\"unavailable\",\"message\":\"out of memory\"}}";
    net_reply(req, 503, "application/json", body, sizeof(body) - 1, NULL);
}

void call_fail(struct call *call, enum rg_code code, const char *field)
{
    struct rg_error err;
    rg_fail(&err, code, field, NULL);
    call_error(call, &err, NULL);
}

struct op *call_op(struct call *call, enum op_kind kind, void (*done)(struct op *))
{
    struct op *op = op_new(kind, done, call, call->worker);
    if (op == NULL)
        call_fail(call, RG_UNAVAILABLE, NULL);
    return op;
}

void call_submit(struct call *call, struct op *op)
{
    store_submit(call->gw->store, op);
}

struct call *call_of(struct op *op)
{
    struct call *call = op->ctx;
    if (call->req == NULL) {
        call_free(call);
        return NULL;
    }
    return call;
}

struct call *call_of_result(struct op *op)
{
    struct call *call = call_of(op);
    if (call != NULL && op->failed) {
        call_fail(call, RG_UNAVAILABLE, NULL);
        call = NULL;
    }
    if (call == NULL)
        op_free(op);
    return call;
}
