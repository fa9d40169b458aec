/*
 * svg.h - bar charts as inline SVG, written by us, for `refgw report`.
 *
 * Two shapes: grouped columns (categories along the x axis, one column per
 * series within each, e.g. months x signals) and horizontal bars (one bar per
 * category, e.g. the values of one subject attribute, long labels readable).
 *
 * Every figure is machine-readable in the page: a shown count is one
 * <rect class="bar" data-category data-series data-count>; a suppressed count
 * is one <g class="suppressed" data-category data-series data-suppressed="true">
 * holding a hatched marker of fixed size and a <title> saying "suppressed"
 * (horizontal bars print the word too) — never a bar, so it can read neither
 * as zero nor as any size. A category without a row is a
 * real zero and gets <text class="zero">0</text> (horizontal bars only).
 * Text is XML-escaped; no script, no external reference.
 */
#ifndef REFGW_CLI_SVG_H
#define REFGW_CLI_SVG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

struct svg_bar {
    const char *category;
    const char *series; /* NULL in a chart of one series */
    long long count;    /* ignored when suppressed */
    bool suppressed;
};

struct svg_chart {
    const char *id;    /* unique in the page: data-chart and the ids inside */
    const char *title; /* the chart's accessible title */
    const char *const *categories; /* in drawing order */
    size_t ncategories;
    const char *const *series; /* legend order; NULL/0 for one series */
    size_t nseries;
    const struct svg_bar *bars;
    size_t nbars;
};

/* A colour per series index, distinguishable by people with colour-blindness. */
const char *svg_colour(size_t series);

/* Writes `s` XML-escaped (text and attribute values). */
void svg_escape(FILE *out, const char *s);

/* Grouped columns: x = categories, a column per series within each. */
void svg_grouped_columns(FILE *out, const struct svg_chart *c);

/* Horizontal bars: a row per category (series ignored). */
void svg_horizontal_bars(FILE *out, const struct svg_chart *c);

/* The pattern of suppressed markers; written once per page, before the charts. */
void svg_defs(FILE *out);

#endif
