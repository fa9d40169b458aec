/*
 * report_page.h - what the parts of the report page share (report.c,
 * report_flow.c, report_subject.c): the page being written, escaped text and
 * messages, the published value of a cell of an answer, and codes as words.
 * Internal to `refgw report`.
 */
#ifndef REFGW_CLI_REPORT_PAGE_H
#define REFGW_CLI_REPORT_PAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include <cjson/cJSON.h>

#include "i18n.h"
#include "report.h"
#include "svg.h"

#define PAGE_LABEL_MAX 160

struct page {
    FILE *out;
    const struct report_input *in;
    enum rg_lang lang;
    char threshold[32];                 /* the threshold as shown: "5" */
    char not_published[PAGE_LABEL_MAX]; /* "niet gepubliceerd (minder dan 5)" */
    const char *thousands;
    int from, to; /* the range as month numbers */
};

/* Text, escaped. */
void page_text(const struct page *p, const char *s);

/* A message with its arguments, escaped. */
void page_msg(const struct page *p, enum rg_msg key, const char *const *args,
              size_t nargs);

/* A message with the threshold as its {0}, escaped. */
void page_msg_threshold(const struct page *p, enum rg_msg key);

/*
 * The published value of the row whose dimension d1 is v1 (and d2 is v2,
 * when d2 is not NULL), or SVG_NOT_PUBLISHED: no such row, or one without a
 * count of at least 1. The first matching row counts.
 */
long long page_cell(const cJSON *answer, const char *d1, const char *v1, const char *d2,
                    const char *v2);

/* The answer's published total, or SVG_NOT_PUBLISHED (null, absent, below 1). */
long long page_total(const cJSON *answer);

/* A chart of published values in the page's words (no series: series.n 0). */
struct svg_chart page_chart(const struct page *p, const char *id, const char *title,
                            struct svg_axis categories, struct svg_axis series,
                            const long long *values);

/* A table cell: <td class="num" data-count="N">N</td> or the words, marked
 * ("not published" alone when brief: the columns of a wide table). */
void page_count_cell(const struct page *p, long long v, bool brief);

/*
 * A message whose {0} is markup: with attr, the text before {0} then markup,
 * attr escaped and '">' (markup opens an element with an attribute); with
 * attr NULL, markup then the text after {0}. The caller writes {0} between.
 */
void page_msg_around(const struct page *p, enum rg_msg key, const char *markup,
                     const char *attr);

/* A value of a field as words: taxonomy words, a municipality, or the code. */
void page_value_label(const struct page *p, const char *field, const char *code,
                      char *out, size_t size);

/* "januari 2026", and the period's own words: "3e kwartaal 2026". */
void page_month_label(const struct page *p, int month, char *out, size_t size);
void page_period_label(const struct page *p, const struct rg_period *period, char *out,
                       size_t size);

/* A table of published values: rows x columns (one "Number" column when
 * cols.n is 0), keys in data-* attributes, labels shown; totals per column,
 * or NULL for no total row. */
struct page_grid {
    const char *id;     /* the table's id */
    const char *corner; /* the heading of the first column, in words */
    struct svg_axis rows, cols;
    const long long *values; /* [row * max(1, cols.n) + col] */
    const long long *totals;
};
void page_table(const struct page *p, const struct page_grid *g);

/* The rows of an answer (its "rows" array), or NULL. */
const cJSON *page_rows(const cJSON *answer);

/* The parts of the page. */
int report_flow_section(const struct page *p);
int report_subject_section(const struct page *p);

#endif
