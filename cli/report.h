/*
 * report.h - the page of `refgw report`: one self-contained HTML document
 * (inline CSS and SVG, no script, no external resource) built from answers of
 * GET /v1/stats, for an administrator to attach to a report to the council.
 *
 * It shows the period, the generation time and the suppression threshold;
 * the totals of each event; monthly volumes per signal as grouped columns;
 * one chart per subject attribute; and every figure again in tables.
 * Suppressed figures are marked "suppressed", never drawn or written as 0.
 * This module only renders: the command (cmd_stats.c) fetches the answers.
 */
#ifndef REFGW_CLI_REPORT_H
#define REFGW_CLI_REPORT_H

#include <stdio.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "taxonomy.h"

/* The events of SPEC §6, in the order the page shows them. */
#define REPORT_EVENTS 3
extern const char *const report_events[REPORT_EVENTS];

struct report_input {
    const char *from, *to; /* "YYYY-MM", inclusive */
    time_t generated;
    /* Answers of GET /v1/stats for the period (all event=accepted unless said): */
    const cJSON *by_month_signal;                /* by=month,signal */
    const cJSON *by_attribute[RG_SUBJECT_ATTRS]; /* by=<attribute>, rg_subject order */
    const cJSON *totals[REPORT_EVENTS];          /* event=report_events[i], no by */
};

/* Writes the page; 0, or -1 when out cannot be written (errno says why). */
int report_write(FILE *out, const struct report_input *in);

#endif
