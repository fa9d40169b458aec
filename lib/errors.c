#include "errors.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

struct code_info {
    const char *name;
    int status;
    const char *text;
};

static const struct code_info codes[RG_CODE_COUNT] = {
    [RG_OK] = {"ok", 200, "ok"},
    [RG_INVALID_JSON] = {"invalid_json", 400, "the body is not a valid JSON document"},
    [RG_MISSING_FIELD] = {"missing_field", 400, "a required field is missing"},
    [RG_INVALID_FIELD] = {"invalid_field", 400, "a field has an invalid value"},
    [RG_UNKNOWN_FIELD] = {"unknown_field", 400,
                          "the document has a field this API does not know"},
    [RG_INVALID_PARAMETER] = {"invalid_parameter", 400, "a query parameter is invalid"},
    [RG_BAD_REQUEST] = {"bad_request", 400, "the HTTP request is malformed"},
    [RG_UNKNOWN_ORGANISATION] = {"unknown_organisation", 403,
                                 "the certificate's organisation is not admitted"},
    [RG_FORBIDDEN_ROLE] = {"forbidden_role", 403,
                           "this organisation's type may not use this request"},
    [RG_ROUTE_FORBIDDEN] = {"route_forbidden", 403,
                            "this organisation may not send to that recipient"},
    [RG_NOT_FOUND] = {"not_found", 404, "no such resource"},
    [RG_UNKNOWN_RECIPIENT] = {"unknown_recipient", 404,
                              "no such recipient organisation"},
    [RG_METHOD_NOT_ALLOWED] = {"method_not_allowed", 405,
                               "this method is not allowed on this resource"},
    [RG_REQUEST_TIMEOUT] = {"request_timeout", 408,
                            "the request took too long to arrive"},
    [RG_CONFLICT] = {"conflict", 409,
                     "this client_ref was already used for a different referral"},
    [RG_TOO_LARGE] = {"too_large", 413, "the request is too large"},
    [RG_UNSUPPORTED_MEDIA_TYPE] = {"unsupported_media_type", 415,
                                   "the body must be application/json"},
    [RG_RATE_LIMITED] = {"rate_limited", 429, "too many requests; retry later"},
    [RG_NOT_IMPLEMENTED] = {"not_implemented", 501,
                            "the gateway does not implement this method"},
    [RG_UNAVAILABLE] = {"unavailable", 503,
                        "the store is unavailable; nothing was accepted"},
};

const char *rg_code_name(enum rg_code code)
{
    if ((unsigned)code >= RG_CODE_COUNT)
        return "unavailable";
    return codes[code].name;
}

int rg_code_status(enum rg_code code)
{
    if ((unsigned)code >= RG_CODE_COUNT)
        return 500;
    return codes[code].status;
}

const char *rg_code_text(enum rg_code code)
{
    if ((unsigned)code >= RG_CODE_COUNT)
        return "internal error";
    return codes[code].text;
}

enum rg_code rg_code_from_name(const char *name)
{
    for (int i = 0; i < RG_CODE_COUNT; i++)
        if (strcmp(codes[i].name, name) == 0)
            return (enum rg_code)i;
    return RG_CODE_COUNT;
}

int rg_fail(struct rg_error *err, enum rg_code code, const char *field, const char *fmt,
            ...)
{
    if (err == NULL)
        return -1;
    err->code = code;
    snprintf(err->field, sizeof(err->field), "%s", field ? field : "");
    if (fmt == NULL) {
        snprintf(err->message, sizeof(err->message), "%s", rg_code_text(code));
    } else {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err->message, sizeof(err->message), fmt, ap);
        va_end(ap);
    }
    return -1;
}

void rg_error_clear(struct rg_error *err)
{
    memset(err, 0, sizeof(*err));
}
