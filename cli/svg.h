/*
 * svg.h - bar charts as inline SVG, written by us, for `refgw report`.
 *
 * Two shapes: grouped columns (categories along the x axis, one column per
 * series within each, e.g. months x events) and horizontal bars (one row per
 * category with its figure written beside the bar: the values of one
 * attribute, whose long labels stay readable).
 *
 * A chart draws published values only (SPEC §6). Each is one
 * <rect class="bar" data-category data-series data-count> whose length is
 * proportional to it. A value that is not published is one
 * <g class="not-published" data-category data-series> holding a hatched
 * outline of fixed size and a <title> in words — never a bar, so it reads
 * neither as zero nor as any size. Categories and series are keys (codes,
 * in data-* attributes, for scripts) with labels (words, shown). All text is
 * XML-escaped; no script, no external reference.
 */
#ifndef REFGW_CLI_SVG_H
#define REFGW_CLI_SVG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#define SVG_NOT_PUBLISHED (-1LL)
/* Beyond any real count; larger values are drawn as this, so that the axis
 * arithmetic of a hostile answer stays in range. */
#define SVG_COUNT_MAX 1000000000000LL

struct svg_axis {
    const char *const *keys;   /* codes, for data-* attributes */
    const char *const *labels; /* words, shown */
    const char *const *notes;  /* a second line under a label, or NULL entries */
    size_t n;
};

struct svg_chart {
    const char *id;    /* unique in the page: data-chart */
    const char *title; /* the chart's accessible title, in words */
    struct svg_axis categories;
    struct svg_axis series; /* n == 0: one series */
    /* values[c * max(1, series.n) + s]: a published value, or SVG_NOT_PUBLISHED */
    const long long *values;
    const char *not_published;       /* its words: "not published (fewer than 5)" */
    const char *not_published_short; /* in the legend: "not published" */
    const char *thousands;           /* the separator of thousands: "," or "." */
};

/* A colour per series index, distinguishable by people with colour-blindness. */
const char *svg_colour(size_t series);

/* Writes `s` XML-escaped (text and attribute values); drops control characters. */
void svg_escape(FILE *out, const char *s);

/* A count with a separator every three digits ("1.234"), into out (size >= 32). */
void svg_count(char *out, size_t size, long long v, const char *thousands);

/* Grouped columns: x = categories, a column per series within each. */
void svg_grouped_columns(FILE *out, const struct svg_chart *c);

/* Horizontal bars: a row per category, the figure or the words beside it. */
void svg_horizontal_bars(FILE *out, const struct svg_chart *c);

/* The hatching of the not-published mark; written once per page, first. */
void svg_defs(FILE *out);

#endif
