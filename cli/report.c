#include "report.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "ids.h"
#include "json.h"
#include "svg.h"

#define REPORT_COUNT_MAX 1000000000000000LL /* far beyond any real count */

const char *const report_events[REPORT_EVENTS] = {"accepted", "acknowledged",
                                                  "expired"};

/* How the page names what the API calls by a word. */
static const struct {
    const char *word, *label;
} labels[] = {
    {"accepted", "Sent (accepted)"},
    {"acknowledged", "Taken in by the recipient (acknowledged)"},
    {"expired", "Never taken in (expired)"},
    {"age_band", "Age band"},
    {"gender", "Gender"},
    {"municipality", "Municipality"},
    {"origin", "Origin"},
    {"socioeconomic", "Socio-economic situation"},
    {"education", "Education"},
    {"housing", "Housing"},
    {"addiction", "Addiction"},
};

static const char *label_of(const char *word)
{
    for (size_t i = 0; i < sizeof(labels) / sizeof(labels[0]); i++)
        if (strcmp(labels[i].word, word) == 0)
            return labels[i].label;
    return word;
}

static const char style[] =
    "body{font-family:sans-serif;color:#222;margin:2em auto;max-width:72em;padding:0 "
    "1em}"
    "h1{font-size:1.6em}h2{font-size:1.3em;margin-top:2em;border-bottom:1px solid #ccc}"
    "h3{font-size:1.1em;margin-top:1.6em}"
    ".chart-box{overflow-x:auto;margin:0.5em 0}"
    "table{border-collapse:collapse;margin:0.5em 0 1em}"
    "th,td{border:1px solid #ccc;padding:0.2em 0.6em;text-align:left}"
    "td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}"
    "td.suppressed{text-align:right;font-style:italic;color:#555;"
    "background:repeating-linear-gradient(45deg,#fff,#fff 3px,#e4e4e4 3px,#e4e4e4 6px)}"
    ".note{background:#f4f4f4;border-left:4px solid #888;padding:0.6em 1em}"
    "@media print{.chart-box{overflow:visible}}";

static void text(FILE *out, const char *s)
{
    svg_escape(out, s);
}

/* A count cell of a table: the figure, "suppressed", or 0 for a row left out. */
static void count_cell(FILE *out, const cJSON *row)
{
    const cJSON *count = cJSON_GetObjectItemCaseSensitive(row, "count");
    if (row == NULL)
        fputs("<td class=\"num\">0</td>", out);
    else if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(row, "suppressed")) ||
             !cJSON_IsNumber(count))
        fputs("<td class=\"suppressed\">suppressed</td>", out);
    else
        fprintf(out, "<td class=\"num\">%.0f</td>", count->valuedouble);
}

static void total_cell(FILE *out, const cJSON *answer)
{
    const cJSON *total = cJSON_GetObjectItemCaseSensitive(answer, "total");
    if (cJSON_IsNumber(total))
        fprintf(out, "<td class=\"num\">%.0f</td>", total->valuedouble);
    else
        fputs("<td class=\"suppressed\">suppressed</td>", out);
}

static const char *row_value(const cJSON *row, const char *dim)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(row, dim);
    return cJSON_IsString(v) ? v->valuestring : "";
}

static const cJSON *rows_of(const cJSON *answer)
{
    const cJSON *rows = cJSON_GetObjectItemCaseSensitive(answer, "rows");
    return cJSON_IsArray(rows) ? rows : NULL;
}

/* The row whose dimension values are v1 (and v2), or NULL. */
static const cJSON *find_row(const cJSON *answer, const char *d1, const char *v1,
                             const char *d2, const char *v2)
{
    const cJSON *row;
    cJSON_ArrayForEach(row, rows_of(answer))
    {
        if (strcmp(row_value(row, d1), v1) == 0 &&
            (d2 == NULL || strcmp(row_value(row, d2), v2) == 0))
            return row;
    }
    return NULL;
}

/* The chart's bars from an answer's rows: d1 the category, d2 the series (or NULL). */
static struct svg_bar *bars_of(const cJSON *answer, const char *d1, const char *d2,
                               size_t *n)
{
    const cJSON *rows = rows_of(answer);
    size_t count = (size_t)cJSON_GetArraySize(rows);
    struct svg_bar *bars = calloc(count ? count : 1, sizeof(*bars));
    *n = 0;
    if (bars == NULL)
        return NULL;
    const cJSON *row;
    cJSON_ArrayForEach(row, rows)
    {
        const cJSON *c = cJSON_GetObjectItemCaseSensitive(row, "count");
        struct svg_bar *b = &bars[(*n)++];
        b->category = row_value(row, d1);
        b->series = d2 ? row_value(row, d2) : NULL;
        b->suppressed =
            cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(row, "suppressed")) ||
            !cJSON_IsNumber(c);
        b->count = b->suppressed ? 0 : rg_json_count(c);
        /* A chart of a hostile answer must stay drawable: no negative bars,
         * and no count so large that the axis arithmetic overflows. */
        if (b->count < 0)
            b->count = 0;
        if (b->count > REPORT_COUNT_MAX)
            b->count = REPORT_COUNT_MAX;
    }
    return bars;
}

/* The months from..to inclusive, as "YYYY-MM" strings in one block. */
static char (*months_of(const char *from, const char *to, size_t *n))[RG_MONTH_LEN]
{
    int y = atoi(from), m = atoi(from + 5), ty = atoi(to), tm = atoi(to + 5);
    long count = (long)(ty - y) * 12 + (tm - m) + 1;
    *n = 0;
    if (count < 1 || count > 12 * 200)
        return NULL;
    char(*months)[RG_MONTH_LEN] = calloc((size_t)count, RG_MONTH_LEN);
    if (months == NULL)
        return NULL;
    for (long i = 0; i < count; i++) {
        snprintf(months[i], RG_MONTH_LEN, "%04u-%02u", (unsigned)y % 10000u,
                 (unsigned)m % 100u);
        if (++m > 12) {
            m = 1;
            y++;
        }
    }
    *n = (size_t)count;
    return months;
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/*
 * The categories of one attribute's chart: every taxonomy value in taxonomy
 * order, with values the taxonomy only knows by pattern (municipality codes)
 * sorted before "unknown".
 */
static const char **attribute_categories(const struct rg_attr *a, const cJSON *answer,
                                         size_t *n)
{
    size_t cap = a->values.count + (size_t)cJSON_GetArraySize(rows_of(answer));
    const char **cats = calloc(cap ? cap : 1, sizeof(*cats));
    size_t count = 0, extra = 0;
    if (cats == NULL)
        return NULL;
    for (size_t i = 0; i < a->values.count; i++)
        if (strcmp(a->values.values[i], RG_UNKNOWN) != 0)
            cats[count++] = a->values.values[i];
    const cJSON *row;
    cJSON_ArrayForEach(row, rows_of(answer))
    {
        const char *v = row_value(row, a->name);
        if (rg_enum_find(&a->values, v, strlen(v)) < 0 && count + extra < cap)
            cats[count + extra++] = v;
    }
    qsort(cats + count, extra, sizeof(*cats), by_name);
    count += extra;
    if (rg_enum_find(&a->values, RG_UNKNOWN, strlen(RG_UNKNOWN)) >= 0)
        cats[count++] = RG_UNKNOWN;
    *n = count;
    return cats;
}

static void header(FILE *out, const struct report_input *in, long long min_count)
{
    char generated[RG_TIME_LEN];
    rg_time_format(in->generated, generated);
    fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
          "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none';"
          " style-src 'unsafe-inline'\">\n"
          "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
          "<title>Referral signals ",
          out);
    text(out, in->from);
    fputs(" to ", out);
    text(out, in->to);
    fprintf(out, "</title>\n<style>%s</style>\n</head>\n<body>\n", style);
    fputs("<h1>Referral signals: counts for <span id=\"period-from\">", out);
    text(out, in->from);
    fputs("</span> to <span id=\"period-to\">", out);
    text(out, in->to);
    fputs("</span></h1>\n<p>Generated <time id=\"generated\">", out);
    text(out, generated);
    fputs(
        "</time> (UTC) by <code>refgw report</code> from the counts of the referral"
        " gateway. Months are calendar months in UTC; every period is inclusive.</p>\n",
        out);
    fprintf(
        out,
        "<div class=\"note\" id=\"suppression\" data-min-count=\"%lld\"><p><strong>"
        "Small numbers are hidden.</strong> Any count below <strong>%lld</strong> is"
        " suppressed, and where that would hide a single count in a table, the next"
        " smallest count is suppressed as well, so that no hidden count can be worked"
        " out from the total. Suppressed counts are marked <em>suppressed</em> and"
        " drawn hatched: they are not zero, and may be of any size. A zero is a real"
        " zero.</p><p>The gateway never counts two attributes of a young person"
        " together, so each chart below shows one attribute on its own.</p></div>\n",
        min_count, min_count);
}

static void totals_section(FILE *out, const struct report_input *in)
{
    fputs("<h2>Totals for the period</h2>\n<table id=\"totals\">\n"
          "<tr><th>event</th><th class=\"num\">referrals</th></tr>\n",
          out);
    for (int e = 0; e < REPORT_EVENTS; e++) {
        fprintf(out, "<tr data-event=\"%s\"><td>", report_events[e]);
        text(out, label_of(report_events[e]));
        fputs("</td>", out);
        total_cell(out, in->totals[e]);
        fputs("</tr>\n", out);
    }
    fputs("</table>\n", out);
}

static int signals_section(FILE *out, const struct report_input *in)
{
    size_t nmonths, nbars;
    char(*months)[RG_MONTH_LEN] = months_of(in->from, in->to, &nmonths);
    const char **cats = calloc(nmonths ? nmonths : 1, sizeof(*cats));
    struct svg_bar *bars = bars_of(in->by_month_signal, "month", "signal", &nbars);
    if (months == NULL || cats == NULL || bars == NULL) {
        free(months);
        free(cats);
        free(bars);
        return -1;
    }
    for (size_t i = 0; i < nmonths; i++)
        cats[i] = months[i];
    struct svg_chart chart = {
        .id = "signals-by-month",
        .title = "Referrals sent per month, by signal",
        .categories = cats,
        .ncategories = nmonths,
        .series = rg_signals.values,
        .nseries = rg_signals.count,
        .bars = bars,
        .nbars = nbars,
    };
    fputs("<h2>Signals per month</h2>\n<p>Referrals sent (accepted) per month and"
          " signal.</p>\n<div class=\"chart-box\">\n",
          out);
    svg_grouped_columns(out, &chart);
    fputs("</div>\n<table id=\"table-signals-by-month\">\n<tr><th>month</th>", out);
    for (size_t s = 0; s < rg_signals.count; s++) {
        fputs("<th class=\"num\">", out);
        text(out, rg_signals.values[s]);
        fputs("</th>", out);
    }
    fputs("</tr>\n", out);
    for (size_t m = 0; m < nmonths; m++) {
        fprintf(out, "<tr><td>%s</td>", months[m]);
        for (size_t s = 0; s < rg_signals.count; s++)
            count_cell(out, find_row(in->by_month_signal, "month", months[m], "signal",
                                     rg_signals.values[s]));
        fputs("</tr>\n", out);
    }
    fputs("</table>\n", out);
    /* The grand total of the table, as the gateway gave it. */
    fputs("<p>Total of the table: <span id=\"total-signals-by-month\">", out);
    const cJSON *total = cJSON_GetObjectItemCaseSensitive(in->by_month_signal, "total");
    if (cJSON_IsNumber(total))
        fprintf(out, "%.0f", total->valuedouble);
    else
        fputs("suppressed", out);
    fputs("</span></p>\n", out);
    free(months);
    free(cats);
    free(bars);
    return 0;
}

static int attribute_section(FILE *out, const struct report_input *in, int a)
{
    const struct rg_attr *attr = &rg_subject[a];
    const cJSON *answer = in->by_attribute[a];
    size_t ncats, nbars;
    const char **cats = attribute_categories(attr, answer, &ncats);
    struct svg_bar *bars = bars_of(answer, attr->name, NULL, &nbars);
    if (cats == NULL || bars == NULL) {
        free(cats);
        free(bars);
        return -1;
    }
    char id[64], title[128];
    snprintf(id, sizeof(id), "attribute-%s", attr->name);
    snprintf(title, sizeof(title), "Referrals sent, by %s", attr->name);
    struct svg_chart chart = {
        .id = id,
        .title = title,
        .categories = cats,
        .ncategories = ncats,
        .bars = bars,
        .nbars = nbars,
    };
    fprintf(out, "<h3 id=\"h-%s\">", attr->name);
    text(out, label_of(attr->name));
    fprintf(out, " <small>(<code>%s</code>)</small></h3>\n<div class=\"chart-box\">\n",
            attr->name);
    svg_horizontal_bars(out, &chart);
    fprintf(out,
            "</div>\n<table id=\"table-%s\">\n<tr><th>%s</th>"
            "<th class=\"num\">referrals</th></tr>\n",
            attr->name, attr->name);
    for (size_t i = 0; i < ncats; i++) {
        fputs("<tr><td>", out);
        text(out, cats[i]);
        fputs("</td>", out);
        count_cell(out, find_row(answer, attr->name, cats[i], NULL, NULL));
        fputs("</tr>\n", out);
    }
    fputs("<tr><th>total</th>", out);
    total_cell(out, answer);
    fputs("</tr>\n</table>\n", out);
    free(cats);
    free(bars);
    return 0;
}

int report_write(FILE *out, const struct report_input *in)
{
    const cJSON *mc =
        cJSON_GetObjectItemCaseSensitive(in->by_month_signal, "min_count");
    long long min_count = cJSON_IsNumber(mc) ? rg_json_count(mc) : 0;
    header(out, in, min_count);
    svg_defs(out);
    totals_section(out, in);
    if (signals_section(out, in) < 0)
        return -1;
    fputs("<h2>Subject attributes</h2>\n<p>Referrals sent (accepted) in the period, by "
          "one"
          " attribute of the young person at a time. An attribute the sender left out"
          " counts as <code>unknown</code>.</p>\n",
          out);
    for (int a = 0; a < RG_SUBJECT_ATTRS; a++)
        if (attribute_section(out, in, a) < 0)
            return -1;
    fputs("</body>\n</html>\n", out);
    return ferror(out) ? -1 : 0;
}
