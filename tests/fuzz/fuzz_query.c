/*
 * fuzz_query - query strings as the API decodes them: server/query.c (the
 * inbox's wait and limit) and server/stats.c (GET /v1/stats, SPEC §6).
 *
 * The raw query is a C string (conn.c cuts the URL at '?'; the HTTP parser
 * lets no NUL into a URL), so the input is cut at its first NUL. Checks:
 * decoded values are bounded, hold no control character and fit the buffer;
 * only allowed names are ever marked present; query_int answers only values
 * inside its range; refusals are invalid_parameter with a UTF-8 message. An
 * accepted stats request has valid months in order, a known event, at most
 * one subject attribute among distinct dimensions.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "json.h"
#include "query.h"
#include "periods.h"
#include "stats.h"
#include "taxonomy.h"

static void check_error(const struct rg_error *err)
{
    FUZZ_CHECK(err->code == RG_INVALID_PARAMETER);
    FUZZ_CHECK(memchr(err->message, '\0', sizeof(err->message)) != NULL);
    FUZZ_CHECK(rg_utf8_valid(err->message, strlen(err->message)));
    FUZZ_CHECK(rg_utf8_valid(err->field, strlen(err->field)));
}

static void check_stats(const char *raw)
{
    struct stats_request req;
    struct rg_error err;
    const time_t now = 1800000000;
    if (stats_request_parse(raw, now, 5, &req, &err) < 0) {
        check_error(&err);
        return;
    }
    if (req.subject_table) {
        /* A subject table: one attribute, an ended period, no range. */
        struct rg_period p;
        FUZZ_CHECK(req.by_count == 1 && req.by[0].subject >= 0);
        FUZZ_CHECK(rg_period_parse(req.period, strlen(req.period), &p, &err) == 0);
        FUZZ_CHECK(rg_period_ended(&p, rg_month_of(now)));
        FUZZ_CHECK(req.from[0] == '\0' && req.to[0] == '\0');
    } else {
        FUZZ_CHECK(rg_month_valid(req.from, strlen(req.from)));
        FUZZ_CHECK(rg_month_valid(req.to, strlen(req.to)));
        FUZZ_CHECK(strcmp(req.from, req.to) <= 0);
        FUZZ_CHECK(req.period[0] == '\0');
    }
    FUZZ_CHECK(req.min_count == 5);
    FUZZ_CHECK(rg_enum_find(&stats_events, req.event, strlen(req.event)) >= 0);
    FUZZ_CHECK(req.by_count <= STATS_DIMS_MAX);
    int subjects = 0;
    for (size_t i = 0; i < req.by_count; i++) {
        struct stats_dim d;
        FUZZ_CHECK(stats_dim_find(req.by[i].name, strlen(req.by[i].name), &d));
        FUZZ_CHECK(d.column == req.by[i].column);
        subjects += req.by[i].subject >= 0;
        for (size_t k = 0; k < i; k++)
            FUZZ_CHECK(strcmp(req.by[k].name, req.by[i].name) != 0);
    }
    FUZZ_CHECK(subjects <= 1);
    FUZZ_CHECK(req.subject_table == (subjects == 1));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *raw = malloc(size + 1);
    if (raw == NULL)
        return 0;
    memcpy(raw, data, size);
    raw[size] = '\0';

    struct query_param params[] = {
        {.name = "wait"},  {.name = "limit"}, {.name = "from"},  {.name = "to"},
        {.name = "event"}, {.name = "by"},    {.name = "format"}};
    const size_t count = sizeof(params) / sizeof(params[0]);
    struct rg_error err;
    int rc = query_parse(raw, params, count, &err);
    if (rc < 0) {
        check_error(&err);
    } else {
        size_t present = 0;
        for (size_t i = 0; i < count; i++) {
            if (!params[i].present) {
                FUZZ_CHECK(params[i].value[0] == '\0');
                continue;
            }
            present++;
            /* The name occurs in the raw query, and the value is clean. */
            FUZZ_CHECK(strstr(raw, params[i].name) != NULL);
            size_t len = strnlen(params[i].value, QUERY_VALUE_MAX);
            FUZZ_CHECK(len < QUERY_VALUE_MAX);
            for (size_t k = 0; k < len; k++) {
                unsigned char c = (unsigned char)params[i].value[k];
                FUZZ_CHECK(c >= 0x20 && c != 0x7f);
            }
            int n = -1;
            if (query_int(&params[i], 0, 60, &n, &err) == 0)
                FUZZ_CHECK(n >= 0 && n <= 60);
            else
                check_error(&err);
            if (query_int(&params[i], 1, 500, &n, &err) == 0)
                FUZZ_CHECK(n >= 1 && n <= 500);
            else
                check_error(&err);
        }
        /* A query with no parameter at all is only the empty one. */
        FUZZ_CHECK(present > 0 || raw[0] == '\0');
    }
    check_stats(raw);
    free(raw);
    return 0;
}
