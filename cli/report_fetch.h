/*
 * report_fetch.h - every answer of GET /v1/stats that the report page of a
 * range of months needs (report.h): the flow tables over the range and the
 * released subject tables of each ended period it holds whole, each answer
 * checked to be for its question. Shared by `refgw report` and the staff
 * page's report (`refgw ui`).
 */
#ifndef REFGW_CLI_REPORT_FETCH_H
#define REFGW_CLI_REPORT_FETCH_H

#include "cli.h"
#include "gateway.h"
#include "i18n.h"
#include "report.h"

/* The most periods (months, quarters, years) a range of REPORT_MONTHS_MAX holds. */
#define REPORT_PERIODS_MAX                                                             \
    (REPORT_MONTHS_MAX + REPORT_MONTHS_MAX / 3 + REPORT_MONTHS_MAX / 12)

/* The answers, and the page's input pointing into them. */
struct report_fetch {
    struct report_input in; /* ready for report_write() once fetched */
    struct gw_answer *answers;
    size_t nanswers;
    struct report_period *periods;
    struct rg_period pending[REPORT_PERIODS_MAX];
};

/*
 * Whether from..to can be reported: months YYYY-MM, from <= to, at most
 * REPORT_MONTHS_MAX of them, none after `current` (rg_month_of). 0, or -1
 * with err (a usage error of `refgw report`, naming --from and --to).
 */
int report_check_range(const char *from, const char *to, int current,
                       struct cli_error *err);

/*
 * Released subject tables never change (SPEC §6): a caller that makes many
 * reports (refgw ui) keeps their answers here and asks the gateway for each
 * once. At most REPORT_CACHE_MAX answers; beyond, they are asked again.
 */
#define REPORT_CACHE_MAX 1024
struct report_cache;
struct report_cache *report_cache_new(void);
void report_cache_free(struct report_cache *cache);

/*
 * Asks the gateway for every answer of a checked range and fills f (clear
 * it with report_fetch_clear, also after a failure); the subject tables
 * from cache when it has them (cache may be NULL). The page is made at
 * `now`, in `lang`. 0, or -1 with err.
 */
int report_fetch(struct cli *c, const char *from, const char *to, enum rg_lang lang,
                 time_t now, struct report_cache *cache, struct report_fetch *f,
                 struct cli_error *err);

void report_fetch_clear(struct report_fetch *f);

#endif
