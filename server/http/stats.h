/*
 * stats.h - GET /v1/stats of SPEC §6 on the HTTP side: the request's
 * parameters decoded into a query of the store (counts.h), and the answer's
 * JSON and CSV renderings.
 */
#ifndef REFGW_STATS_H
#define REFGW_STATS_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "errors.h"
#include "ids.h"
#include "counts.h"
#include "referral.h"

/*
 * Decodes the query string (NULL: none) of GET /v1/stats. Defaults: to = the
 * month of now (UTC), from = to, event = accepted, no dimensions, JSON.
 * Anything else than SPEC §6 allows is RG_INVALID_PARAMETER with err->field
 * naming the parameter. 0 or -1.
 */
int stats_request_parse(const char *raw, time_t now, struct stats_request *req,
                        struct rg_error *err);

/* SPEC §6's JSON answer (the caller frees it), or NULL (memory). */
cJSON *stats_to_json(const struct stats_request *req, const struct stats_table *t,
                     long long min_count);

/*
 * The CSV answer: a header of the `by` names plus "count", one line a row
 * ending in LF, a suppressed count written "<min_count". Fields are quoted
 * as RFC 4180 says when they need it (taxonomy words and ids never do).
 * The caller frees it; NULL (memory).
 */
char *stats_to_csv(const struct stats_request *req, const struct stats_table *t,
                   long long min_count, size_t *len);

#endif
