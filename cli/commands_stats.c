/*
 * commands_stats.c - `refgw stats`: the published counts of SPEC §6 (v2) as a
 * table, CSV or the gateway's JSON. Flow tables over months (--from/--to),
 * or the released table of one subject attribute for one ended period
 * (--period). What the gateway would refuse as invalid_parameter is refused
 * here first, in words, before any request. `refgw report` is in
 * commands_report.c.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "args.h"
#include "cli.h"
#include "gateway.h"
#include "json.h"
#include "referral.h"
#include "stats_query.h"
#include "table.h"

enum { OPT_FROM = 2, OPT_TO, OPT_PERIOD, OPT_EVENT, OPT_BY, OPT_CSV };

/* The `by` names of an answer, in order (at most max). */
static size_t answer_dims(const cJSON *doc, const char **dims, size_t max)
{
    const cJSON *by = cJSON_GetObjectItemCaseSensitive(doc, "by"), *d;
    size_t n = 0;
    cJSON_ArrayForEach(d, by)
    {
        if (cJSON_IsString(d) && n < max)
            dims[n++] = d->valuestring;
    }
    return n;
}

/* A row's published count as text; false for a row without one (never shown). */
static bool count_text(const cJSON *row, char *out, size_t size)
{
    const cJSON *count = cJSON_GetObjectItemCaseSensitive(row, "count");
    if (!cJSON_IsNumber(count))
        return false;
    snprintf(out, size, "%lld", rg_json_count(count));
    return true;
}

/* The CSV of SPEC §6 from the JSON answer: a header of the `by` names and count. */
static int print_csv(const cJSON *doc, FILE *out)
{
    const char *dims[TABLE_COLUMNS_MAX];
    size_t nd = answer_dims(doc, dims, TABLE_COLUMNS_MAX - 1);
    for (size_t i = 0; i < nd; i++)
        fprintf(out, "%s,", dims[i]);
    fputs("count\n", out);
    const cJSON *row;
    cJSON_ArrayForEach(row, cJSON_GetObjectItemCaseSensitive(doc, "rows"))
    {
        char count[32];
        if (!count_text(row, count, sizeof(count)))
            continue;
        for (size_t i = 0; i < nd; i++) {
            char v[RG_ORG_ID_MAX + 8];
            gw_printable(gw_string(row, dims[i]), v, sizeof(v));
            if (strpbrk(v, ",\"") != NULL) /* never in ids or words; quote anyway */
                fprintf(out, "\"%s\",", v);
            else
                fprintf(out, "%s,", v);
        }
        fprintf(out, "%s\n", count);
    }
    return fflush(out) == EOF || ferror(out) ? -1 : 0;
}

/* On a terminal: what the figures are, under the table. */
static void print_footer(const cJSON *doc, FILE *out)
{
    const cJSON *mc = cJSON_GetObjectItemCaseSensitive(doc, "min_count");
    const cJSON *total = cJSON_GetObjectItemCaseSensitive(doc, "total");
    long long m = cJSON_IsNumber(mc) ? rg_json_count(mc) : 0;
    if (cJSON_IsNumber(total))
        fprintf(out, "total %lld\n", rg_json_count(total));
    else
        fprintf(out, "total not published (below %lld)\n", m);
    fprintf(out,
            "Published values: each is the true count changed by at most 2; counts "
            "below %lld\nare not published (their rows are left out), so rows need "
            "not add up to the total.\n",
            m);
}

static int print_table(const cJSON *doc, bool tty, FILE *out)
{
    const char *dims[TABLE_COLUMNS_MAX], *headers[TABLE_COLUMNS_MAX];
    char upper[TABLE_COLUMNS_MAX][32];
    size_t nd = answer_dims(doc, dims, TABLE_COLUMNS_MAX - 1);
    for (size_t i = 0; i <= nd; i++) {
        const char *name = i < nd ? dims[i] : "count";
        size_t k = 0;
        for (; name[k] != '\0' && k + 1 < sizeof(upper[i]); k++)
            upper[i][k] = (name[k] >= 'a' && name[k] <= 'z') ? name[k] - 32 : name[k];
        upper[i][k] = '\0';
        headers[i] = upper[i];
    }
    struct table *t = table_new(nd + 1, headers);
    if (t == NULL)
        return -1;
    const cJSON *row;
    int rc = 0;
    cJSON_ArrayForEach(row, cJSON_GetObjectItemCaseSensitive(doc, "rows"))
    {
        const char *cells[TABLE_COLUMNS_MAX];
        char count[32];
        if (!count_text(row, count, sizeof(count)))
            continue;
        for (size_t i = 0; i < nd; i++)
            cells[i] = gw_string(row, dims[i]);
        cells[nd] = count;
        if (table_add(t, cells) < 0) {
            rc = -1;
            break;
        }
    }
    if (rc == 0)
        rc = table_print(t, out, tty);
    table_free(t);
    if (rc == 0 && tty)
        print_footer(doc, out);
    return rc < 0 || fflush(out) == EOF ? -1 : 0;
}

static void stats_help(FILE *out)
{
    fputs("usage: refgw stats [--from YYYY-MM] [--to YYYY-MM] [--event EVENT]\n"
          "                   [--by DIMENSION,...] [--csv]\n"
          "       refgw stats --period PERIOD --by ATTRIBUTE [--event EVENT] [--csv]\n"
          "\n"
          "Administrators only: the published counts of referrals (SPEC section 6).\n"
          "\n"
          "Flow tables: --by any of month, signal, urgency, sender, sender_type,\n"
          "recipient, recipient_type (none: the total alone), over the months\n"
          "--from..--to; --to defaults to this month (UTC), --from to --to.\n"
          "\n"
          "Subject tables: --by exactly one subject attribute (age_band, gender,\n"
          "municipality, origin, socioeconomic, education, housing, addiction) and\n"
          "--period an ended month (2026-11), quarter (2026-Q3) or year (2026).\n"
          "A subject attribute is never combined with anything else.\n"
          "\n"
          "--event is accepted (default), acknowledged or expired.\n"
          "\n"
          "Every count is a published value: the true count changed by at most 2;\n"
          "counts below the gateway's threshold (default 5) are not published and\n"
          "their rows are left out, so rows need not add up to the total (see\n"
          "docs/counts.md). On a terminal a table and the total; otherwise one\n"
          "tab-separated line a row; --csv: CSV with a header; --json: the\n"
          "gateway's answer.\n"
          "\n"
          "Examples:\n"
          "  refgw stats --from 2026-01 --to 2026-12 --by month,signal\n"
          "  refgw stats --period 2026-Q3 --by age_band\n"
          "  refgw stats --event expired --by recipient_type --csv > expired.csv\n",
          out);
}

static int stats_run(struct cli *c, int argc, char **argv, struct cli_error *err)
{
    static const struct arg_opt opts[] = {
        ARG_HELP_OPT,
        {"from", 0, true, OPT_FROM},
        {"to", 0, true, OPT_TO},
        {"period", 0, true, OPT_PERIOD},
        {"event", 0, true, OPT_EVENT},
        {"by", 0, true, OPT_BY},
        {"csv", 0, false, OPT_CSV},
    };
    struct stats_query q = {0};
    const char *v;
    bool csv = false;
    struct args p;
    args_init(&p, argc, argv, opts, sizeof(opts) / sizeof(opts[0]), "stats");
    int key;
    while ((key = args_next(&p, &v, err)) != ARGS_END) {
        switch (key) {
        case ARGS_ERROR:
            return -1;
        case ARG_HELP:
            stats_help(stdout);
            return 0;
        case OPT_FROM:
            q.from = v;
            break;
        case OPT_TO:
            q.to = v;
            break;
        case OPT_PERIOD:
            q.period = v;
            break;
        case OPT_EVENT:
            q.event = v;
            break;
        case OPT_BY:
            q.by = v;
            break;
        case OPT_CSV:
            csv = true;
            break;
        default:
            return args_usage(err, "stats", "unexpected argument '%s'", v);
        }
    }
    if (csv && c->json)
        return args_usage(err, "stats", "give --csv or --json, not both");
    char path[STATS_PATH_MAX];
    if (stats_query_check(&q, rg_month_of(time(NULL)), err) < 0 ||
        stats_query_path(&q, path, sizeof(path), err) < 0)
        return -1;

    struct gw_answer ans;
    if (gw_call(c, "GET", path, NULL, 0, false, &ans, err) < 0)
        return -1;
    int rc = 0;
    if (c->json)
        rc = gw_answer_print(&ans, stdout, err);
    else if (!cJSON_IsArray(cJSON_GetObjectItemCaseSensitive(ans.doc, "rows")))
        rc = cli_fail(err, CLI_REFUSED, "the gateway's answer holds no rows");
    else if ((csv ? print_csv(ans.doc, stdout) : print_table(ans.doc, c->tty, stdout)) <
             0)
        rc = cli_fail(err, CLI_USAGE, "cannot write to standard output: %s",
                      strerror(errno));
    gw_answer_clear(&ans);
    return rc;
}

const struct cli_command cmd_stats = {
    .name = "stats",
    .summary = "administrators: published counts of referrals, as a table or CSV",
    .help = stats_help,
    .run = stats_run,
};
