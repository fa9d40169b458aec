#include "stats_query.h"

#include <stdio.h>
#include <string.h>

#include "args.h"
#include "gateway.h"
#include "ids.h"
#include "report.h"
#include "taxonomy.h"

#define BY_MAX 16

/* The flow dimensions of SPEC §6; the subject ones are taxonomy.c's attributes. */
static const char *const flow_dims[] = {"month",         "signal",      "urgency",
                                        "sender",        "sender_type", "recipient",
                                        "recipient_type"};
#define FLOW_DIMS (sizeof(flow_dims) / sizeof(flow_dims[0]))

static bool is_flow_dim(const char *d, size_t len)
{
    for (size_t i = 0; i < FLOW_DIMS; i++)
        if (strlen(flow_dims[i]) == len && memcmp(flow_dims[i], d, len) == 0)
            return true;
    return false;
}

static int check_month(const char *option, const char *v, struct cli_error *err)
{
    if (rg_month_valid(v, strlen(v)))
        return 0;
    char shown[32];
    gw_printable(v, shown, sizeof(shown));
    return args_usage(err, "stats", "%s must be a month YYYY-MM, not '%s'", option,
                      shown);
}

/* The by list's items; their number, or -1 with err when one is not a dimension,
 * is empty or comes twice. subject: the index of the one subject attribute. */
static int check_by(const char *by, int *subject, struct cli_error *err)
{
    int n = 0, first_subject = -1;
    const char *items[BY_MAX];
    size_t lens[BY_MAX];
    *subject = -1;
    for (const char *s = by; by != NULL;) {
        const char *comma = strchr(s, ',');
        size_t len = comma ? (size_t)(comma - s) : strlen(s);
        char shown[40];
        snprintf(shown, sizeof(shown), "%.*s", (int)(len < 32 ? len : 32), s);
        gw_printable(shown, shown, sizeof(shown));
        int attr = rg_subject_find(s, len);
        if (len == 0)
            return args_usage(err, "stats", "--by has an empty name");
        if (attr < 0 && !is_flow_dim(s, len))
            return args_usage(err, "stats",
                              "--by: '%s' is not a dimension of the counts: month, "
                              "signal, urgency, sender, sender_type, recipient, "
                              "recipient_type, or one subject attribute (age_band, "
                              "gender, municipality, origin, socioeconomic, "
                              "education, housing, addiction)",
                              shown);
        for (int i = 0; i < n; i++)
            if (lens[i] == len && memcmp(items[i], s, len) == 0)
                return args_usage(err, "stats", "--by names '%s' twice", shown);
        if (n == BY_MAX)
            return args_usage(err, "stats", "--by names too many dimensions");
        if (attr >= 0 && first_subject >= 0)
            return args_usage(
                err, "stats",
                "--by: %s and %s are both subject attributes: the gateway never "
                "counts two attributes of a young person together, so ask for one "
                "at a time",
                rg_subject[first_subject].name, rg_subject[attr].name);
        if (attr >= 0)
            first_subject = attr;
        items[n] = s;
        lens[n++] = len;
        if (comma == NULL)
            break;
        s = comma + 1;
    }
    if (first_subject >= 0 && n > 1)
        return args_usage(err, "stats",
                          "--by: %s is a subject attribute and stands alone: its "
                          "tables are never combined with months, signals or "
                          "organisations",
                          rg_subject[first_subject].name);
    *subject = first_subject;
    return n;
}

static int check_subject(const struct stats_query *q, int subject, int current,
                         struct cli_error *err)
{
    if (q->from != NULL || q->to != NULL)
        return args_usage(err, "stats",
                          "%s is a subject attribute: its tables are released per "
                          "ended period; give --period (a month 2026-11, a quarter "
                          "2026-Q3 or a year 2026), not --from/--to",
                          rg_subject[subject].name);
    if (q->period == NULL)
        return args_usage(err, "stats",
                          "%s is a subject attribute: give --period (a month "
                          "2026-11, a quarter 2026-Q3 or a year 2026)",
                          rg_subject[subject].name);
    struct rg_period p;
    struct rg_error perr;
    char shown[32], last[RG_PERIOD_LEN];
    gw_printable(q->period, shown, sizeof(shown));
    if (rg_period_parse(q->period, strlen(q->period), &p, &perr) < 0)
        return args_usage(err, "stats", "--period '%s': %s", shown, perr.message);
    if (!rg_period_ended(&p, current)) {
        rg_month_text(rg_period_last(&p), last);
        return args_usage(err, "stats",
                          "--period %s has not ended yet: the tables of a period are "
                          "released once it is over (after %s, UTC)",
                          shown, last);
    }
    return 0;
}

int stats_query_check(struct stats_query *q, int current, struct cli_error *err)
{
    int subject;
    if (q->event != NULL && strcmp(q->event, "accepted") != 0 &&
        strcmp(q->event, "acknowledged") != 0 && strcmp(q->event, "expired") != 0)
        return args_usage(err, "stats",
                          "--event must be accepted, acknowledged or expired");
    if (check_by(q->by, &subject, err) < 0)
        return -1;
    if (subject >= 0)
        return check_subject(q, subject, current, err);
    if (q->period != NULL)
        return args_usage(err, "stats",
                          "--period is for the table of one subject attribute (--by "
                          "age_band, housing, ...); signals, months and "
                          "organisations are counted over --from/--to");
    if ((q->from && check_month("--from", q->from, err) < 0) ||
        (q->to && check_month("--to", q->to, err) < 0))
        return -1;
    if (q->to == NULL) {
        rg_month_text(current, q->to_default);
        q->to = q->to_default;
    }
    if (q->from == NULL)
        q->from = q->to;
    if (strcmp(q->from, q->to) > 0)
        return args_usage(err, "stats", "--from %s is after --to %s", q->from, q->to);
    return 0;
}

/* Appends "&name=value" (value percent-encoded) to path; -1 when it does not fit. */
static int add_param(char *path, size_t size, const char *name, const char *value)
{
    size_t n = strlen(path);
    int w = snprintf(path + n, size - n, "%s%s=", strchr(path, '?') ? "&" : "?", name);
    if (w < 0 || (size_t)w >= size - n)
        return -1;
    n += (size_t)w;
    for (const unsigned char *p = (const unsigned char *)value; *p != '\0'; p++) {
        bool plain = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
                     (*p >= '0' && *p <= '9') || *p == '-' || *p == '_' || *p == '.';
        if (n + 4 > size)
            return -1;
        if (plain)
            path[n++] = (char)*p;
        else
            n += (size_t)snprintf(path + n, size - n, "%%%02X", *p);
    }
    path[n] = '\0';
    return 0;
}

int stats_query_path(const struct stats_query *q, char *path, size_t size,
                     struct cli_error *err)
{
    snprintf(path, size, "/v1/stats");
    if (add_param(path, size, "event", q->event ? q->event : "accepted") < 0 ||
        (q->by && add_param(path, size, "by", q->by) < 0) ||
        (q->period && add_param(path, size, "period", q->period) < 0) ||
        (q->from && add_param(path, size, "from", q->from) < 0) ||
        (q->to && add_param(path, size, "to", q->to) < 0))
        return args_usage(err, "stats", "the options are too long");
    return 0;
}

/* Whether the answer's by (an array of names, or one comma-separated string)
 * is the list asked. */
static bool same_by(const cJSON *by, const char *asked)
{
    if (asked == NULL)
        asked = "";
    if (by == NULL || cJSON_IsNull(by))
        return asked[0] == '\0';
    if (cJSON_IsString(by))
        return strcmp(by->valuestring, asked) == 0;
    if (!cJSON_IsArray(by))
        return false;
    const char *s = asked;
    const cJSON *d;
    cJSON_ArrayForEach(d, by)
    {
        size_t len = strcspn(s, ",");
        if (!cJSON_IsString(d) || len != strlen(d->valuestring) ||
            memcmp(s, d->valuestring, len) != 0)
            return false;
        s += len + (s[len] == ',');
    }
    return *s == '\0';
}

static bool same_text(const cJSON *answer, const char *name, const char *asked)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(answer, name);
    return v == NULL ||
           (asked != NULL && cJSON_IsString(v) && strcmp(v->valuestring, asked) == 0);
}

int stats_answer_matches(const struct stats_query *q, const cJSON *answer,
                         struct cli_error *err)
{
    const char *event = q->event ? q->event : "accepted";
    const char *what = NULL;
    if (!same_text(answer, "event", event))
        what = "event";
    else if (!same_by(cJSON_GetObjectItemCaseSensitive(answer, "by"), q->by))
        what = "by";
    else if (q->period ? !same_text(answer, "period", q->period)
                       : !same_text(answer, "from", q->from) ||
                             !same_text(answer, "to", q->to))
        what = q->period ? "period" : "from/to";
    if (what == NULL)
        return 0;
    return cli_fail(err, CLI_REFUSED,
                    "the gateway's answer is not for the question asked (its %s "
                    "differs)",
                    what);
}
