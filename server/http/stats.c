#include "stats.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "periods.h"
#include "query.h"
#include "taxonomy.h"
#include "textbuf.h"

static const struct rg_enum stats_formats = {"format",
                                             (const char *const[]){"json", "csv"}, 2};

enum { P_FROM, P_TO, P_PERIOD, P_EVENT, P_BY, P_FORMAT, P_COUNT };
static const char *const param_names[P_COUNT] = {"from",  "to", "period",
                                                 "event", "by", "format"};

/*
 * query_parse() refuses an unknown name without saying which; name it in
 * err->field when it is printable and short, so the caller sees its typo.
 */
static int check_names(const char *raw, struct rg_error *err)
{
    for (const char *p = raw; p != NULL && *p != '\0';) {
        size_t len = strcspn(p, "&");
        size_t name_len = strcspn(p, "=&");
        bool known = false;
        for (int i = 0; i < P_COUNT; i++)
            known |= strlen(param_names[i]) == name_len &&
                     memcmp(param_names[i], p, name_len) == 0;
        if (!known && name_len > 0) {
            char field[RG_FIELD_MAX] = "";
            bool plain = name_len < sizeof(field);
            for (size_t i = 0; plain && i < name_len; i++)
                plain = p[i] > 0x20 && p[i] < 0x7f;
            if (plain)
                memcpy(field, p, name_len);
            return rg_fail(err, RG_INVALID_PARAMETER, plain ? field : NULL,
                           "stats takes only from, to, period, event, by and format");
        }
        p += len;
        if (*p == '&')
            p++;
    }
    return 0;
}

static int parse_month(const struct query_param *p, char out[RG_MONTH_LEN],
                       struct rg_error *err)
{
    if (!rg_month_valid(p->value, strlen(p->value)))
        return rg_fail(err, RG_INVALID_PARAMETER, p->name, "%s must be a month YYYY-MM",
                       p->name);
    memcpy(out, p->value, RG_MONTH_LEN);
    return 0;
}

static int parse_by(const char *list, struct stats_request *req, struct rg_error *err)
{
    const char *p = list;
    for (;;) {
        size_t len = strcspn(p, ",");
        struct stats_dim d;
        if (len == 0)
            return rg_fail(err, RG_INVALID_PARAMETER, "by",
                           "by has an empty dimension");
        if (!stats_dim_find(p, len, &d))
            return rg_fail(err, RG_INVALID_PARAMETER, "by",
                           "by names an unknown dimension");
        for (size_t i = 0; i < req->by_count; i++)
            if (strcmp(req->by[i].name, d.name) == 0)
                return rg_fail(err, RG_INVALID_PARAMETER, "by",
                               "by names the dimension %s twice", d.name);
        /* A subject attribute stands alone: never with another attribute or
         * any other dimension (SPEC §6). */
        if ((d.subject >= 0 && req->by_count > 0) || req->subject_table)
            return rg_fail(err, RG_INVALID_PARAMETER, "by",
                           "a subject attribute is counted alone: by names it and "
                           "nothing else");
        if (req->by_count == STATS_DIMS_MAX) /* unreachable: no repeats */
            return rg_fail(err, RG_INVALID_PARAMETER, "by",
                           "by names too many dimensions");
        req->subject_table = d.subject >= 0;
        req->by[req->by_count++] = d;
        if (p[len] == '\0')
            return 0;
        p += len + 1;
    }
}

/* from and to (flow tables): inclusive months, defaults the month of now. */
static int parse_range(const struct query_param *params, time_t now,
                       struct stats_request *req, struct rg_error *err)
{
    if (params[P_TO].present) {
        if (parse_month(&params[P_TO], req->to, err) < 0)
            return -1;
    } else {
        rg_month_format(now, req->to);
    }
    if (params[P_FROM].present) {
        if (parse_month(&params[P_FROM], req->from, err) < 0)
            return -1;
    } else {
        memcpy(req->from, req->to, RG_MONTH_LEN);
    }
    if (strcmp(req->from, req->to) > 0)
        return rg_fail(err, RG_INVALID_PARAMETER, "from", "from is after to");
    return 0;
}

/* period (subject tables): a month, quarter or year that has ended. */
static int parse_period(const struct query_param *params, time_t now,
                        struct stats_request *req, struct rg_error *err)
{
    if (params[P_FROM].present || params[P_TO].present)
        return rg_fail(err, RG_INVALID_PARAMETER,
                       params[P_FROM].present ? "from" : "to",
                       "a subject attribute is counted per period: give period, not "
                       "from or to");
    if (!params[P_PERIOD].present)
        return rg_fail(err, RG_INVALID_PARAMETER, "period",
                       "a subject attribute is counted per period: give period "
                       "(YYYY-MM, YYYY-Qn or YYYY)");
    const char *v = params[P_PERIOD].value;
    struct rg_period p;
    if (rg_period_parse(v, strlen(v), &p, err) < 0)
        return rg_fail(
            err, RG_INVALID_PARAMETER, "period",
            "period must be a month YYYY-MM, a quarter YYYY-Qn or a year YYYY");
    if (!rg_period_ended(&p, rg_month_of(now)))
        return rg_fail(err, RG_INVALID_PARAMETER, "period",
                       "period has not ended: a subject table is released only once "
                       "its period is over");
    rg_period_format(&p, req->period);
    return 0;
}

int stats_request_parse(const char *raw, time_t now, int min_count,
                        struct stats_request *req, struct rg_error *err)
{
    struct query_param params[P_COUNT];
    memset(req, 0, sizeof(*req));
    req->event = stats_events.values[0];
    req->format = STATS_JSON;
    req->min_count = min_count;
    for (int i = 0; i < P_COUNT; i++)
        params[i].name = param_names[i];
    if (check_names(raw, err) < 0 || query_parse(raw, params, P_COUNT, err) < 0)
        return -1;
    if (params[P_BY].present && parse_by(params[P_BY].value, req, err) < 0)
        return -1;
    if (req->subject_table) {
        if (parse_period(params, now, req, err) < 0)
            return -1;
    } else if (params[P_PERIOD].present) {
        return rg_fail(err, RG_INVALID_PARAMETER, "period",
                       "period is for subject tables (by one subject attribute); flow "
                       "tables take from and to");
    } else if (parse_range(params, now, req, err) < 0) {
        return -1;
    }
    if (params[P_EVENT].present) {
        const char *v = params[P_EVENT].value;
        int e = rg_enum_find(&stats_events, v, strlen(v));
        if (e < 0)
            return rg_fail(err, RG_INVALID_PARAMETER, "event",
                           "event must be accepted, acknowledged or expired");
        req->event = stats_events.values[e];
    }
    if (params[P_FORMAT].present) {
        const char *v = params[P_FORMAT].value;
        int f = rg_enum_find(&stats_formats, v, strlen(v));
        if (f < 0)
            return rg_fail(err, RG_INVALID_PARAMETER, "format",
                           "format must be json or csv");
        req->format = f == 0 ? STATS_JSON : STATS_CSV;
    }
    return 0;
}

cJSON *stats_to_json(const struct stats_request *req, const struct stats_table *t)
{
    cJSON *doc = cJSON_CreateObject();
    if (doc == NULL)
        return NULL;
    if (req->subject_table) {
        cJSON_AddStringToObject(doc, "period", req->period);
    } else {
        cJSON_AddStringToObject(doc, "from", req->from);
        cJSON_AddStringToObject(doc, "to", req->to);
    }
    cJSON_AddStringToObject(doc, "event", req->event);
    cJSON *by = cJSON_AddArrayToObject(doc, "by");
    for (size_t i = 0; by != NULL && i < req->by_count; i++)
        cJSON_AddItemToArray(by, cJSON_CreateString(req->by[i].name));
    cJSON_AddNumberToObject(doc, "min_count", req->min_count);
    cJSON *rows = cJSON_AddArrayToObject(doc, "rows");
    for (size_t i = 0; rows != NULL && i < t->count; i++) {
        const struct stats_row *r = &t->rows[i];
        cJSON *row = cJSON_CreateObject();
        if (row == NULL || !cJSON_AddItemToArray(rows, row)) {
            cJSON_Delete(row);
            cJSON_Delete(doc);
            return NULL;
        }
        for (size_t d = 0; d < t->dims && d < req->by_count; d++)
            cJSON_AddStringToObject(row, req->by[d].name, r->values[d]);
        cJSON_AddNumberToObject(row, "count", (double)r->count);
    }
    if (t->total_published)
        cJSON_AddNumberToObject(doc, "total", (double)t->total);
    else
        cJSON_AddNullToObject(doc, "total");
    if (by == NULL || rows == NULL) {
        cJSON_Delete(doc);
        return NULL;
    }
    return doc;
}
static void csv_field(FILE *f, const char *v)
{
    if (strpbrk(v, ",\"\r\n") == NULL) {
        fputs(v, f);
        return;
    }
    fputc('"', f);
    for (; *v != '\0'; v++) {
        if (*v == '"')
            fputc('"', f);
        fputc(*v, f);
    }
    fputc('"', f);
}

char *stats_to_csv(const struct stats_request *req, const struct stats_table *t,
                   size_t *len)
{
    char *buf = NULL;
    FILE *f = open_memstream(&buf, len);
    if (f == NULL)
        return NULL;
    for (size_t d = 0; d < req->by_count; d++) {
        fputs(req->by[d].name, f);
        fputc(',', f);
    }
    fputs("count\n", f);
    for (size_t i = 0; i < t->count; i++) {
        const struct stats_row *r = &t->rows[i];
        for (size_t d = 0; d < t->dims && d < req->by_count; d++) {
            csv_field(f, r->values[d]);
            fputc(',', f);
        }
        fprintf(f, "%lld\n", r->count);
    }
    return rg_text_finish(f, &buf);
}
