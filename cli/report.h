/*
 * report.h - the page of `refgw report`: one self-contained HTML document
 * (inline CSS and SVG, no script, no external resource) built from answers of
 * GET /v1/stats (SPEC §6, counts v2), for an administrator to attach to a
 * report to the council, in Dutch or English.
 *
 * It shows published values only. The flow of signals over the range (the
 * totals of each event, each event per month, signals sent per kind and per
 * month and kind), then the released subject tables of every ended period
 * the range holds whole: a chart and a table per attribute per period. A
 * value that is not published reads "not published (fewer than N)" and is
 * never drawn as a bar; a short text says what the numbers mean. Codes are
 * shown as words (i18n.h, places.h). This module only renders: the command
 * (commands_report.c) fetches the answers, and any answer, however hostile,
 * gives a well-formed page.
 */
#ifndef REFGW_CLI_REPORT_H
#define REFGW_CLI_REPORT_H

#include <stdio.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "i18n.h"
#include "periods.h"
#include "taxonomy.h"

/* The events of SPEC §6, in the order the page shows them. */
#define REPORT_EVENTS 3
extern const char *const report_events[REPORT_EVENTS];

/* The released tables of one ended period: GET /v1/stats?period=P&by=A. */
struct report_period {
    struct rg_period period;
    const cJSON *by_attribute[RG_SUBJECT_ATTRS]; /* rg_subject order */
};

struct report_input {
    const char *from, *to; /* "YYYY-MM", inclusive, from <= to */
    time_t generated;
    enum rg_lang lang;
    /* Flow answers over from..to (event=report_events[i] unless said): */
    const cJSON *totals[REPORT_EVENTS];   /* no by */
    const cJSON *by_month[REPORT_EVENTS]; /* by=month */
    const cJSON *by_signal;               /* accepted, by=signal */
    const cJSON *by_month_signal;         /* accepted, by=month,signal */
    /* Subject answers (event=accepted) of each ended period, in page order: */
    const struct report_period *periods;
    size_t nperiods;
    /* The periods the range holds whole that have not ended yet: */
    const struct rg_period *pending;
    size_t npending;
    /*
     * For the staff page (refgw ui), whose Content-Security-Policy allows no
     * inline style: when head is set, it is written in <head> (markup, as
     * is) in place of the page's own <style> and CSP, which is then served
     * as report_css; preamble and postamble, when set, are written right
     * after <body> and right before </body>.
     */
    const char *head, *preamble, *postamble;
};

/* The page's style sheet: inline in a page of its own, served by refgw ui. */
extern const char report_css[];

/* The most months a report covers (and so the most columns of a chart). */
#define REPORT_MONTHS_MAX 60

/* Writes the page; 0, or -1 when out cannot be written (errno says why). */
int report_write(FILE *out, const struct report_input *in);

#endif
