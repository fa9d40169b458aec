/*
 * periods.h - the periods of the subject counts (SPEC §6): a calendar month
 * "2026-11", a quarter "2026-Q3" or a year "2026", all in UTC; and months as
 * numbers, so that ranges and "has it ended" are plain comparisons.
 *
 * A subject period is answered only once it has ended, and each ended
 * period has its own released tables. periods_within() lists which periods a
 * range of months holds whole: every month, every quarter whose three months
 * and every year whose twelve months lie in the range.
 */
#ifndef REFGW_PERIODS_H
#define REFGW_PERIODS_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "errors.h"

enum rg_period_kind { RG_PERIOD_YEAR, RG_PERIOD_QUARTER, RG_PERIOD_MONTH };

struct rg_period {
    enum rg_period_kind kind;
    int year; /* 0000-9999 */
    int part; /* month 1-12, quarter 1-4, or 0 for a year */
};

#define RG_PERIOD_LEN 8 /* "2026-11", "2026-Q3" or "2026", with the NUL */

/* A month as a number: year * 12 + month - 1; "YYYY-MM" gives -1 when malformed. */
int rg_month_number(const char *yyyy_mm);
/* The month (UTC) that t falls in, as a number. */
int rg_month_of(time_t t);
/* The number as "YYYY-MM" (8 bytes with the NUL). */
void rg_month_text(int month, char out[RG_PERIOD_LEN]);

/* Parses s[0..len); 0, or -1 with err (invalid_parameter, field "period"). */
int rg_period_parse(const char *s, size_t len, struct rg_period *p,
                    struct rg_error *err);
void rg_period_format(const struct rg_period *p, char out[RG_PERIOD_LEN]);

/* Its first and last month, as numbers. */
int rg_period_first(const struct rg_period *p);
int rg_period_last(const struct rg_period *p);

/* Whether it had ended before the month `current` began. */
bool rg_period_ended(const struct rg_period *p, int current);

/*
 * The periods that lie whole in the months from..to (numbers, inclusive):
 * years, then quarters, then months, each kind in order of time. Those that
 * ended before `current` go to ended, the others to pending; either may be
 * NULL to count only. Returns how many there are in all; at most max of
 * each list are written (*nended and *npending say how many there are).
 */
size_t rg_periods_within(int from, int to, int current, struct rg_period *ended,
                         size_t *nended, struct rg_period *pending, size_t *npending,
                         size_t max);

#endif
