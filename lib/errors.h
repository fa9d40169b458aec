/*
 * errors.h - the API's error codes, as one table shared by server and client.
 *
 * Every error the gateway answers is one of these codes; each has exactly one
 * HTTP status. A struct rg_error carries a code, the offending field path (if
 * any) and a short message for the caller. Messages never quote input.
 */
#ifndef REFGW_ERRORS_H
#define REFGW_ERRORS_H

#include <stddef.h>

enum rg_code {
    RG_OK = 0,
    RG_INVALID_JSON,
    RG_MISSING_FIELD,
    RG_INVALID_FIELD,
    RG_UNKNOWN_FIELD,
    RG_INVALID_PARAMETER,
    RG_BAD_REQUEST,
    RG_UNKNOWN_ORGANISATION,
    RG_FORBIDDEN_ROLE,
    RG_ROUTE_FORBIDDEN,
    RG_NOT_FOUND,
    RG_UNKNOWN_RECIPIENT,
    RG_METHOD_NOT_ALLOWED,
    RG_REQUEST_TIMEOUT,
    RG_CONFLICT,
    RG_TOO_LARGE,
    RG_UNSUPPORTED_MEDIA_TYPE,
    RG_RATE_LIMITED,
    RG_NOT_IMPLEMENTED,
    RG_UNAVAILABLE,
    RG_CODE_COUNT
};

/* The size of every error-message buffer of gateway and client: one
 * configuration, TLS, listening or store failure, said once. */
#define RG_ERR_MAX 256

#define RG_FIELD_MAX 64
#define RG_MESSAGE_MAX 160

struct rg_error {
    enum rg_code code;
    char field[RG_FIELD_MAX]; /* "" when no single field is at fault */
    char message[RG_MESSAGE_MAX];
};

/* The wire name of a code ("invalid_field"), its HTTP status, its default text. */
const char *rg_code_name(enum rg_code code);
int rg_code_status(enum rg_code code);
const char *rg_code_text(enum rg_code code);

/* The code with this wire name, or RG_CODE_COUNT when there is none. */
enum rg_code rg_code_from_name(const char *name);

/*
 * Fills err and returns -1, so that a failing site can `return rg_fail(...)`.
 * field may be NULL; fmt may be NULL for the code's default text.
 */
int rg_fail(struct rg_error *err, enum rg_code code, const char *field, const char *fmt,
            ...) __attribute__((format(printf, 4, 5)));

void rg_error_clear(struct rg_error *err);

#endif
