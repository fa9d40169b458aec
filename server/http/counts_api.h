/*
 * counts_api.h - the administrators' handlers: GET /v1/stats (SPEC §6) and
 * GET /metrics. api.c routes to them with ROLE_ADMIN, so a partner never
 * reaches them; both read the store through an op on the committer's thread.
 */
#ifndef REFGW_COUNTS_API_H
#define REFGW_COUNTS_API_H

#include "call.h"

void api_stats(struct call *call, const char *unused);
void api_metrics(struct call *call, const char *unused);

#endif
