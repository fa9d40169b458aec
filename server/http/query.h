/*
 * query.h - the query string of a request, decoded strictly.
 *
 * Only the names the handler allows are accepted, each at most once; values
 * are percent-decoded and may not contain NUL or control characters.
 */
#ifndef REFGW_QUERY_H
#define REFGW_QUERY_H

#include <stdbool.h>
#include <stddef.h>

#include "errors.h"

#define QUERY_VALUE_MAX 256

struct query_param {
    const char *name;
    char value[QUERY_VALUE_MAX];
    bool present;
};

/* Fills params[i].value for each name in raw (NULL: no query). 0 or -1 with err. */
int query_parse(const char *raw, struct query_param *params, size_t count,
                struct rg_error *err);

/* An integer in [min, max] from a present parameter; 0 or -1 with err. */
int query_int(const struct query_param *p, int min, int max, int *out,
              struct rg_error *err);

#endif
