#include "call.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "config.h"
#include "json.h"
#include "loop.h"

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
    OPENSSL_cleanse(text, len);
    cJSON_free(text);
}

void call_reply_error(struct call *call, const struct rg_error *err,
                      const char *extra_headers)
{
    struct counters *n = &call->app->counters;
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
        static const char fallback[] =
            "{\"error\":{\"code\":\"unavailable\",\"message\":\"out of memory\"}}";
        call_reply(call, 503, "application/json", fallback, sizeof(fallback) - 1, NULL);
        return;
    }
    call_reply(call, rg_code_status(err->code), "application/json", text, strlen(text),
               extra_headers);
    cJSON_free(text);
}

void call_fail(struct call *call, enum rg_code code, const char *field)
{
    struct rg_error err;
    rg_fail(&err, code, field, NULL);
    call_reply_error(call, &err, NULL);
}

void call_free(struct call *call)
{
    if (call == NULL)
        return;
    if (call->longpoll)
        loop_longpolls_add(call->loop, -1);
    config_unref(call->config);
    free(call->path);
    free(call->query);
    free(call->content_type);
    if (call->body != NULL) {
        OPENSSL_cleanse(call->body, call->body_len);
        free(call->body);
    }
    free(call);
}
