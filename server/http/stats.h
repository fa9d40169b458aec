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
 * Decodes the query string (NULL: none) of GET /v1/stats at time now, for
 * the threshold min_count. A flow table (no subject attribute in `by`)
 * takes from and to (default: the month of now); a subject table (`by`
 * exactly one subject attribute) takes period, which must have ended.
 * event defaults to accepted, format to JSON. Anything else SPEC §6 does not
 * allow is RG_INVALID_PARAMETER with err->field naming the parameter. 0 or -1.
 */
int stats_request_parse(const char *raw, time_t now, int min_count,
                        struct stats_request *req, struct rg_error *err);

/* SPEC §6's JSON answer, published values only (the caller frees it), or
 * NULL (memory). */
cJSON *stats_to_json(const struct stats_request *req, const struct stats_table *t);

/*
 * The CSV answer: a header of the `by` names plus "count", one line a
 * published row ending in LF. Fields are quoted as RFC 4180 says when they
 * need it (taxonomy words and ids never do). The caller frees it; NULL
 * (memory).
 */
char *stats_to_csv(const struct stats_request *req, const struct stats_table *t,
                   size_t *len);

#endif
