/*
 * stats_query.h - one question to GET /v1/stats (SPEC §6, counts v2), checked
 * as the gateway would check it, before any request, with the reason in
 * words: a flow table over months (--from/--to, `by` among month, signal,
 * urgency, sender, sender_type, recipient, recipient_type), or the released
 * table of exactly one subject attribute for one ended period (--period).
 * Shared by `refgw stats` and `refgw report`, which also checks that each
 * answer is for the question it asked.
 */
#ifndef REFGW_CLI_STATS_QUERY_H
#define REFGW_CLI_STATS_QUERY_H

#include <stdbool.h>
#include <stddef.h>

#include <cjson/cJSON.h>

#include "cli.h"
#include "periods.h"

#define STATS_PATH_MAX 1024

struct stats_query {
    const char *from, *to; /* "YYYY-MM" (flow), or NULL */
    const char *period;    /* "2026-11", "2026-Q3", "2026" (subject), or NULL */
    const char *event;     /* NULL: accepted */
    const char *by;        /* "month,signal", or NULL */
    char to_default[RG_PERIOD_LEN]; /* stats_query_check() fills to and from */
};

/*
 * Checks q as the gateway would; current is this month as a number
 * (rg_month_of). Fills the defaults of a flow question: to is the current
 * month, from is to. 0, or -1 with err (exit 1) saying what is wrong.
 */
int stats_query_check(struct stats_query *q, int current, struct cli_error *err);

/* "/v1/stats?event=...&by=...&from=...&to=..." or "...&period=..."; 0 or -1. */
int stats_query_path(const struct stats_query *q, char *path, size_t size,
                     struct cli_error *err);

/*
 * Whether the answer is for q: its event, by, from/to or period, where it
 * states them, are those asked. 0, or -1 with err (exit 2).
 */
int stats_answer_matches(const struct stats_query *q, const cJSON *answer,
                         struct cli_error *err);

#endif
