/*
 * report_flow.c - the flow part of the report page: the totals of each
 * event over the range, each event per month, signals sent per kind, and
 * per month and kind. Each as a chart and a table of published values.
 */
#include <stdlib.h>
#include <string.h>

#include "report_page.h"

/* The months of the range: keys "2026-01", chart labels "jan" with the year
 * under January and the first month, table labels "januari 2026". */
struct months {
    size_t n;
    char key[REPORT_MONTHS_MAX][RG_PERIOD_LEN];
    char label[REPORT_MONTHS_MAX][PAGE_LABEL_MAX];
    char name[REPORT_MONTHS_MAX][PAGE_LABEL_MAX];
    char year[REPORT_MONTHS_MAX][8];
    const char *keys[REPORT_MONTHS_MAX], *labels[REPORT_MONTHS_MAX];
    const char *names[REPORT_MONTHS_MAX], *notes[REPORT_MONTHS_MAX];
};

static void months_of(const struct page *p, struct months *m)
{
    m->n = 0;
    for (int month = p->from; month <= p->to && m->n < REPORT_MONTHS_MAX; month++) {
        size_t i = m->n++;
        rg_month_text(month, m->key[i]);
        page_month_label(p, month, m->label[i], sizeof(m->label[i]));
        snprintf(m->name[i], sizeof(m->name[i]), "%s",
                 rg_month_name(p->lang, month % 12 + 1));
        snprintf(m->year[i], sizeof(m->year[i]), "%04d", month / 12 % 10000);
        m->keys[i] = m->key[i];
        m->labels[i] = m->label[i];
        m->names[i] = m->name[i];
        m->notes[i] = (i == 0 || month % 12 == 0) ? m->year[i] : NULL;
    }
}

/* The words of each code of a list ("signal" values, events). */
static void words_of(const struct page *p, const char *field, const char *const *codes,
                     size_t n, char (*words)[PAGE_LABEL_MAX], const char **labels)
{
    for (size_t i = 0; i < n; i++) {
        page_value_label(p, field, codes[i], words[i], PAGE_LABEL_MAX);
        labels[i] = words[i];
    }
}

static void heading(const struct page *p, enum rg_msg key)
{
    fputs("<h3>", p->out);
    page_msg(p, key, NULL, 0);
    fputs("</h3>\n", p->out);
}

/* A heading, the chart and the same values as a table. */
static void figure(const struct page *p, enum rg_msg title, const struct svg_chart *c,
                   bool horizontal, const struct page_grid *g)
{
    heading(p, title);
    fputs("<div class=\"chart-box\">\n", p->out);
    if (horizontal)
        svg_horizontal_bars(p->out, c);
    else
        svg_grouped_columns(p->out, c);
    fputs("</div>\n", p->out);
    page_table(p, g);
}

static void totals(const struct page *p, const char *const *event_labels)
{
    long long values[REPORT_EVENTS];
    for (int e = 0; e < REPORT_EVENTS; e++)
        values[e] = page_total(p->in->totals[e]);
    struct page_grid g = {
        .id = "totals",
        .corner = rg_msg(p->lang, MSG_COL_EVENT),
        .rows = {report_events, event_labels, NULL, REPORT_EVENTS},
        .values = values,
    };
    heading(p, MSG_TOTALS_TITLE);
    page_table(p, &g);
}

static void per_month(const struct page *p, const struct months *m,
                      const char *const *event_labels, long long *values)
{
    long long col_totals[REPORT_EVENTS];
    for (size_t i = 0; i < m->n; i++)
        for (int e = 0; e < REPORT_EVENTS; e++)
            values[i * REPORT_EVENTS + e] =
                page_cell(p->in->by_month[e], "month", m->keys[i], NULL, NULL);
    for (int e = 0; e < REPORT_EVENTS; e++)
        col_totals[e] = page_total(p->in->by_month[e]);
    struct svg_axis events = {report_events, event_labels, NULL, REPORT_EVENTS};
    struct svg_axis months = {m->keys, m->names, m->notes, m->n};
    struct svg_chart c = page_chart(p, "months", rg_msg(p->lang, MSG_MONTHS_TITLE),
                                    months, events, values);
    struct page_grid g = {
        .id = "table-months",
        .corner = rg_msg(p->lang, MSG_COL_MONTH),
        .rows = {m->keys, m->labels, NULL, m->n},
        .cols = events,
        .values = values,
        .totals = col_totals,
    };
    figure(p, MSG_MONTHS_TITLE, &c, false, &g);
}

static void per_signal(const struct page *p, const char *const *signal_labels)
{
    long long values[16], total = page_total(p->in->by_signal);
    size_t n = rg_signals.count < 16 ? rg_signals.count : 16;
    for (size_t s = 0; s < n; s++)
        values[s] =
            page_cell(p->in->by_signal, "signal", rg_signals.values[s], NULL, NULL);
    struct svg_axis signals = {rg_signals.values, signal_labels, NULL, n};
    struct svg_axis none = {0};
    struct svg_chart c = page_chart(p, "signals", rg_msg(p->lang, MSG_SIGNALS_TITLE),
                                    signals, none, values);
    struct page_grid g = {
        .id = "table-signals",
        .corner = rg_dimension_words(p->lang, "signal"),
        .rows = signals,
        .values = values,
        .totals = &total,
    };
    figure(p, MSG_SIGNALS_TITLE, &c, true, &g);
}

static void per_month_signal(const struct page *p, const struct months *m,
                             const char *const *signal_labels, long long *values)
{
    size_t ns = rg_signals.count < 16 ? rg_signals.count : 16;
    for (size_t i = 0; i < m->n; i++)
        for (size_t s = 0; s < ns; s++)
            values[i * ns + s] = page_cell(p->in->by_month_signal, "month", m->keys[i],
                                           "signal", rg_signals.values[s]);
    struct svg_axis signals = {rg_signals.values, signal_labels, NULL, ns};
    struct svg_axis months = {m->keys, m->names, m->notes, m->n};
    struct svg_chart c =
        page_chart(p, "months-signals", rg_msg(p->lang, MSG_MONTH_SIGNAL_TITLE), months,
                   signals, values);
    struct page_grid g = {
        .id = "table-months-signals",
        .corner = rg_msg(p->lang, MSG_COL_MONTH),
        .rows = {m->keys, m->labels, NULL, m->n},
        .cols = signals,
        .values = values,
    };
    figure(p, MSG_MONTH_SIGNAL_TITLE, &c, false, &g);
    /* The table's own total: one published value, not the sum of the cells. */
    fputs("<p class=\"note\">", p->out);
    page_msg(p, MSG_TOTAL, NULL, 0);
    fputs(": <span id=\"total-months-signals\">", p->out);
    long long total = page_total(p->in->by_month_signal);
    if (total == SVG_NOT_PUBLISHED) {
        page_text(p, p->not_published);
    } else {
        char n[32];
        svg_count(n, sizeof(n), total, p->thousands);
        fprintf(p->out, "<data value=\"%lld\">%s</data>", total, n);
    }
    fputs("</span></p>\n", p->out);
}

int report_flow_section(const struct page *p)
{
    struct months *m = malloc(sizeof(*m));
    size_t ns = rg_signals.count < 16 ? rg_signals.count : 16;
    long long *values =
        calloc(REPORT_MONTHS_MAX * (ns > REPORT_EVENTS ? ns : 3), sizeof(*values));
    char events[REPORT_EVENTS][PAGE_LABEL_MAX], signals[16][PAGE_LABEL_MAX];
    const char *event_labels[REPORT_EVENTS], *signal_labels[16];
    if (m == NULL || values == NULL) {
        free(m);
        free(values);
        return -1;
    }
    months_of(p, m);
    words_of(p, "event", report_events, REPORT_EVENTS, events, event_labels);
    words_of(p, "signal", rg_signals.values, ns, signals, signal_labels);

    fputs("<section id=\"flow\">\n<h2>", p->out);
    page_msg(p, MSG_FLOW_TITLE, NULL, 0);
    fputs("</h2>\n<p>", p->out);
    page_msg(p, MSG_FLOW_INTRO, NULL, 0);
    fputs("</p>\n", p->out);
    totals(p, event_labels);
    per_month(p, m, event_labels, values);
    per_signal(p, signal_labels);
    per_month_signal(p, m, signal_labels, values);
    fputs("</section>\n", p->out);
    free(m);
    free(values);
    return 0;
}
