#include "report.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "ids.h"
#include "json.h"
#include "places.h"
#include "report_page.h"

const char *const report_events[REPORT_EVENTS] = {"accepted", "acknowledged",
                                                  "expired"};

/* Plain, readable on screen and on paper; nothing loaded from anywhere. */
const char report_css[] =
    "svg.defs{position:absolute}"
    "body{font-family:system-ui,'Segoe UI',Roboto,Arial,sans-serif;color:#1f1f1f;"
    "line-height:1.5;margin:0 auto;max-width:66rem;padding:1.5rem}"
    "h1{font-size:1.7rem;line-height:1.25;margin:.5rem 0}"
    "h2{font-size:1.35rem;margin-top:2.5rem;border-bottom:2px solid #0072B2;"
    "padding-bottom:.2rem}"
    "h3{font-size:1.12rem;margin-top:2rem}h4{font-size:1rem;margin:.2rem 0}"
    ".meta{color:#555}"
    ".reading{background:#f2f6fa;border-left:4px solid #0072B2;padding:.3rem 1.2rem;"
    "margin:1.5rem 0}"
    ".chart-box{overflow-x:auto}svg.chart{max-width:100%;height:auto}"
    "table{border-collapse:collapse;margin:.4rem 0 1.2rem;font-size:.92rem}"
    "th,td{border-bottom:1px solid #d6d6d6;padding:.2rem .7rem;text-align:left;"
    "vertical-align:top}"
    "thead th{background:#f2f2f2}"
    "td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}"
    "td.not-published{color:#555;font-style:italic;text-align:right;white-space:nowrap}"
    "tbody th{white-space:nowrap}"
    "tr.total th,tr.total td{border-top:2px solid #999}"
    ".cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(30rem,1fr));"
    "gap:.5rem 2.5rem}"
    ".card{break-inside:avoid}.card table{width:100%}"
    ".note{color:#555;font-size:.92rem}"
    "@media print{body{max-width:none;padding:0}.chart-box{overflow:visible}"
    "section.period{break-before:page}}";

void page_text(const struct page *p, const char *s)
{
    svg_escape(p->out, s);
}

void page_msg(const struct page *p, enum rg_msg key, const char *const *args,
              size_t nargs)
{
    char text[2048];
    rg_msg_format(text, sizeof(text), p->lang, key, args, nargs);
    page_text(p, text);
}

void page_msg_threshold(const struct page *p, enum rg_msg key)
{
    const char *args[] = {p->threshold};
    page_msg(p, key, args, 1);
}

void page_msg_around(const struct page *p, enum rg_msg key, const char *markup,
                     const char *attr)
{
    const char *t = rg_msg(p->lang, key), *at = strstr(t, "{0}");
    char part[1024];
    if (attr != NULL) { /* before {0}: the text, then the markup that opens it */
        snprintf(part, sizeof(part), "%.*s", at ? (int)(at - t) : 0, t);
        page_text(p, part);
        fputs(markup, p->out);
        page_text(p, attr);
        fputs("\">", p->out);
    } else { /* after {0}: the markup that closes it, then the text */
        fputs(markup, p->out);
        page_text(p, at ? at + 3 : "");
    }
}

const cJSON *page_rows(const cJSON *answer)
{
    const cJSON *rows = cJSON_GetObjectItemCaseSensitive(answer, "rows");
    return cJSON_IsArray(rows) ? rows : NULL;
}

static bool row_has(const cJSON *row, const char *dim, const char *value)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(row, dim);
    return cJSON_IsString(v) && strcmp(v->valuestring, value) == 0;
}

/* A published value is a number of at least 1; anything else is not shown. */
static long long published(const cJSON *number)
{
    if (!cJSON_IsNumber(number))
        return SVG_NOT_PUBLISHED;
    long long v = rg_json_count(number);
    return v >= 1 ? v : SVG_NOT_PUBLISHED;
}

long long page_cell(const cJSON *answer, const char *d1, const char *v1, const char *d2,
                    const char *v2)
{
    const cJSON *row;
    cJSON_ArrayForEach(row, page_rows(answer))
    {
        if (row_has(row, d1, v1) && (d2 == NULL || row_has(row, d2, v2)))
            return published(cJSON_GetObjectItemCaseSensitive(row, "count"));
    }
    return SVG_NOT_PUBLISHED;
}

long long page_total(const cJSON *answer)
{
    return published(cJSON_GetObjectItemCaseSensitive(answer, "total"));
}

struct svg_chart page_chart(const struct page *p, const char *id, const char *title,
                            struct svg_axis categories, struct svg_axis series,
                            const long long *values)
{
    struct svg_chart c = {
        .id = id,
        .title = title,
        .categories = categories,
        .series = series,
        .values = values,
        .not_published = p->not_published,
        .not_published_short = rg_msg(p->lang, MSG_NOT_PUBLISHED_SHORT),
        .thousands = p->thousands,
    };
    return c;
}

void page_count_cell(const struct page *p, long long v, bool brief)
{
    if (v == SVG_NOT_PUBLISHED) {
        fputs("<td class=\"not-published\">", p->out);
        if (brief)
            page_msg(p, MSG_NOT_PUBLISHED_SHORT, NULL, 0);
        else
            page_text(p, p->not_published);
        fputs("</td>", p->out);
        return;
    }
    char n[32];
    svg_count(n, sizeof(n), v, p->thousands);
    fprintf(p->out, "<td class=\"num\" data-count=\"%lld\">", v);
    page_text(p, n);
    fputs("</td>", p->out);
}

void page_value_label(const struct page *p, const char *field, const char *code,
                      char *out, size_t size)
{
    const char *words = rg_value_words(p->lang, field, code);
    const char *args[] = {words ? words : code};
    if (words == NULL && strcmp(field, "municipality") == 0)
        rg_place_label(p->lang, code, out, size);
    else
        rg_msg_format(out, size, p->lang, MSG_AS_IS, args, 1);
}

void page_month_label(const struct page *p, int month, char *out, size_t size)
{
    char year[16];
    snprintf(year, sizeof(year), "%04d", month / 12 % 10000);
    const char *args[] = {rg_month_name(p->lang, month % 12 + 1), year};
    rg_msg_format(out, size, p->lang, MSG_PERIOD_MONTH, args, 2);
}

void page_period_label(const struct page *p, const struct rg_period *period, char *out,
                       size_t size)
{
    char year[16], part[16];
    snprintf(year, sizeof(year), "%04d", period->year % 10000);
    snprintf(part, sizeof(part), "%d", period->part % 100);
    if (period->kind == RG_PERIOD_MONTH) {
        page_month_label(p, period->year * 12 + period->part - 1, out, size);
    } else if (period->kind == RG_PERIOD_QUARTER) {
        const char *args[] = {part, year};
        rg_msg_format(out, size, p->lang, MSG_PERIOD_QUARTER, args, 2);
    } else {
        const char *args[] = {year};
        rg_msg_format(out, size, p->lang, MSG_PERIOD_YEAR, args, 1);
    }
}

void page_table(const struct page *p, const struct page_grid *g)
{
    size_t ncols = g->cols.n ? g->cols.n : 1;
    fputs("<table id=\"", p->out);
    page_text(p, g->id);
    fputs("\">\n<thead><tr><th>", p->out);
    page_text(p, g->corner);
    fputs("</th>", p->out);
    for (size_t c = 0; c < ncols; c++) {
        fputs("<th class=\"num\"", p->out);
        if (g->cols.n > 0) {
            fputs(" data-series=\"", p->out);
            page_text(p, g->cols.keys[c]);
            fputs("\">", p->out);
            page_text(p, g->cols.labels[c]);
        } else {
            fputs(">", p->out);
            page_msg(p, MSG_COL_COUNT, NULL, 0);
        }
        fputs("</th>", p->out);
    }
    fputs("</tr></thead>\n<tbody>\n", p->out);
    for (size_t r = 0; r < g->rows.n; r++) {
        fputs("<tr data-category=\"", p->out);
        page_text(p, g->rows.keys[r]);
        fputs("\"><th>", p->out);
        page_text(p, g->rows.labels[r]);
        fputs("</th>", p->out);
        for (size_t c = 0; c < ncols; c++)
            page_count_cell(p, g->values[r * ncols + c], ncols > 1);
        fputs("</tr>\n", p->out);
    }
    if (g->totals != NULL) {
        fputs("<tr class=\"total\"><th>", p->out);
        page_msg(p, MSG_TOTAL, NULL, 0);
        fputs("</th>", p->out);
        for (size_t c = 0; c < ncols; c++)
            page_count_cell(p, g->totals[c], ncols > 1);
        fputs("</tr>\n", p->out);
    }
    fputs("</tbody>\n</table>\n", p->out);
}

/* The threshold every answer states; the first sensible one wins. */
static void threshold_of(const struct report_input *in, struct page *p)
{
    const cJSON *answers[] = {in->totals[0], in->totals[1], in->totals[2],
                              in->by_signal, in->by_month_signal};
    for (size_t i = 0; i < sizeof(answers) / sizeof(answers[0]); i++) {
        const cJSON *mc = cJSON_GetObjectItemCaseSensitive(answers[i], "min_count");
        long long m = cJSON_IsNumber(mc) ? rg_json_count(mc) : 0;
        if (m >= 1 && m <= 1000000) {
            snprintf(p->threshold, sizeof(p->threshold), "%lld", m);
            return;
        }
    }
    snprintf(p->threshold, sizeof(p->threshold), "%s",
             rg_msg(p->lang, MSG_UNKNOWN_THRESHOLD));
}

static void generated_text(const struct page *p, time_t t, char *out, size_t size)
{
    struct tm tm;
    if (gmtime_r(&t, &tm) == NULL)
        memset(&tm, 0, sizeof(tm));
    char day[8], year[16], hm[8];
    snprintf(day, sizeof(day), "%d", tm.tm_mday);
    snprintf(year, sizeof(year), "%04d", (tm.tm_year + 1900) % 10000);
    snprintf(hm, sizeof(hm), "%02d:%02d", tm.tm_hour % 100, tm.tm_min % 100);
    const char *args[] = {day, rg_month_name(p->lang, tm.tm_mon + 1), year, hm};
    rg_msg_format(out, size, p->lang, MSG_DATE_TIME, args, 4);
}

static void header(const struct page *p)
{
    char from[PAGE_LABEL_MAX], to[PAGE_LABEL_MAX], range[2 * PAGE_LABEL_MAX];
    char when[PAGE_LABEL_MAX], stamp[RG_TIME_LEN];
    page_month_label(p, p->from, from, sizeof(from));
    page_month_label(p, p->to, to, sizeof(to));
    const char *r[] = {from, to};
    rg_msg_format(range, sizeof(range), p->lang, MSG_RANGE, r, 2);
    const char *title[] = {range};

    fprintf(p->out,
            "<!DOCTYPE html>\n<html lang=\"%s\">\n<head>\n<meta charset=\"utf-8\">\n",
            rg_lang_code(p->lang));
    if (p->in->head == NULL)
        fputs("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src "
              "'none'; style-src 'unsafe-inline'\">\n",
              p->out);
    fputs("<meta name=\"viewport\" content=\"width=device-width, "
          "initial-scale=1\">\n<title>",
          p->out);
    page_msg(p, MSG_PAGE_TITLE, title, 1);
    fputs("</title>\n", p->out);
    if (p->in->head != NULL)
        fputs(p->in->head, p->out);
    else
        fprintf(p->out, "<style>%s</style>\n", report_css);
    fputs("</head>\n<body>\n", p->out);
    if (p->in->preamble != NULL)
        fputs(p->in->preamble, p->out);
    svg_defs(p->out);
    fputs("<h1 data-from=\"", p->out);
    page_text(p, p->in->from);
    fputs("\" data-to=\"", p->out);
    page_text(p, p->in->to);
    fputs("\">", p->out);
    page_msg(p, MSG_PAGE_TITLE, title, 1);
    fputs("</h1>\n", p->out);

    generated_text(p, p->in->generated, when, sizeof(when));
    rg_time_format(p->in->generated, stamp);
    fputs("<p class=\"meta\">", p->out);
    page_msg_around(p, MSG_GENERATED, "<time id=\"generated\" datetime=\"", stamp);
    page_text(p, when);
    page_msg_around(p, MSG_GENERATED, "</time>", NULL);
    fputs("</p>\n", p->out);
}

static void reading(const struct page *p)
{
    fprintf(p->out, "<section class=\"reading\" id=\"reading\" data-min-count=\"");
    page_text(p, p->threshold);
    fputs("\">\n<h2>", p->out);
    page_msg(p, MSG_READING_TITLE, NULL, 0);
    static const enum rg_msg paragraphs[] = {MSG_READING_VALUES, MSG_READING_THRESHOLD,
                                             MSG_READING_SUMS, MSG_READING_RELEASED,
                                             MSG_READING_EVENTS};
    fputs("</h2>\n", p->out);
    for (size_t i = 0; i < sizeof(paragraphs) / sizeof(paragraphs[0]); i++) {
        fputs("<p>", p->out);
        page_msg_threshold(p, paragraphs[i]);
        fputs("</p>\n", p->out);
    }
    fputs("</section>\n", p->out);
}

int report_write(FILE *out, const struct report_input *in)
{
    struct page p = {
        .out = out,
        .in = in,
        .lang = in->lang,
        .from = rg_month_number(in->from),
        .to = rg_month_number(in->to),
    };
    if (p.from < 0 || p.to < p.from || p.to - p.from >= REPORT_MONTHS_MAX)
        p.to = p.from = p.from < 0 ? 0 : p.from; /* the caller checks; stay drawable */
    p.thousands = rg_msg(p.lang, MSG_THOUSANDS_SEPARATOR);
    threshold_of(in, &p);
    const char *args[] = {p.threshold};
    rg_msg_format(p.not_published, sizeof(p.not_published), p.lang, MSG_NOT_PUBLISHED,
                  args, 1);

    header(&p);
    reading(&p);
    if (report_flow_section(&p) < 0 || report_subject_section(&p) < 0)
        return -1;
    if (in->postamble != NULL)
        fputs(in->postamble, out);
    fputs("</body>\n</html>\n", out);
    return ferror(out) ? -1 : 0;
}
