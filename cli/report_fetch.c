#include "report_fetch.h"

#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "json.h"
#include "periods.h"
#include "stats_query.h"

/* Flow questions: a total, by month and (accepted) by signal, by both. */
enum {
    FLOW_TOTAL = 0,
    FLOW_MONTH = REPORT_EVENTS,
    FLOW_SIGNAL = 2 * REPORT_EVENTS,
    FLOW_MONTH_SIGNAL,
    FLOW_PARTS
};

/* One question to the gateway, and the check that the answer is for it. */
static int ask(struct cli *c, struct stats_query *q, int current, struct gw_answer *ans,
               struct cli_error *err)
{
    char path[STATS_PATH_MAX];
    if (stats_query_check(q, current, err) < 0 ||
        stats_query_path(q, path, sizeof(path), err) < 0 ||
        gw_call(c, "GET", path, NULL, 0, false, ans, err) < 0)
        return -1;
    return stats_answer_matches(q, ans->doc, err);
}

static int ask_flow(struct cli *c, const char *from, const char *to, int current,
                    struct gw_answer *ans, struct cli_error *err)
{
    for (int i = 0; i < FLOW_PARTS; i++) {
        struct stats_query q = {.from = from, .to = to};
        if (i < FLOW_MONTH) {
            q.event = report_events[i];
        } else if (i < FLOW_SIGNAL) {
            q.event = report_events[i - FLOW_MONTH];
            q.by = "month";
        } else {
            q.by = i == FLOW_SIGNAL ? "signal" : "month,signal";
        }
        if (ask(c, &q, current, &ans[i], err) < 0)
            return -1;
    }
    return 0;
}

/* A released table's answer as it came: its period and attribute, its text. */
struct cached {
    char period[RG_PERIOD_LEN];
    int attr;
    char *raw;
};

struct report_cache {
    struct cached v[REPORT_CACHE_MAX];
    size_t n;
};

struct report_cache *report_cache_new(void)
{
    return calloc(1, sizeof(struct report_cache));
}

void report_cache_free(struct report_cache *cache)
{
    for (size_t i = 0; cache != NULL && i < cache->n; i++)
        free(cache->v[i].raw);
    free(cache);
}

/* The answer from the cache into slot: 1, or 0 when it has none. */
static int cache_get(const struct report_cache *cache, const char *period, int attr,
                     struct gw_answer *slot)
{
    for (size_t i = 0; cache != NULL && i < cache->n; i++) {
        const struct cached *e = &cache->v[i];
        if (e->attr != attr || strcmp(e->period, period) != 0)
            continue;
        struct rg_error perr;
        slot->raw_len = strlen(e->raw);
        slot->raw = strdup(e->raw);
        slot->doc = slot->raw ? rg_json_parse(e->raw, slot->raw_len, 16, &perr) : NULL;
        if (slot->doc != NULL)
            return 1;
        gw_answer_clear(slot);
        return 0;
    }
    return 0;
}

static void cache_put(struct report_cache *cache, const char *period, int attr,
                      const struct gw_answer *a)
{
    if (cache == NULL || cache->n == REPORT_CACHE_MAX)
        return;
    struct cached *e = &cache->v[cache->n];
    if ((e->raw = strndup(a->raw, a->raw_len)) == NULL)
        return;
    snprintf(e->period, sizeof(e->period), "%s", period);
    e->attr = attr;
    cache->n++;
}

static int ask_subject(struct cli *c, struct report_period *periods, size_t n,
                       int current, struct report_cache *cache, struct gw_answer *ans,
                       struct cli_error *err)
{
    for (size_t i = 0; i < n; i++) {
        char period[RG_PERIOD_LEN];
        rg_period_format(&periods[i].period, period);
        for (int a = 0; a < RG_SUBJECT_ATTRS; a++) {
            struct stats_query q = {.period = period, .by = rg_subject[a].name};
            struct gw_answer *slot = &ans[i * RG_SUBJECT_ATTRS + (size_t)a];
            if (!cache_get(cache, period, a, slot)) {
                if (ask(c, &q, current, slot, err) < 0)
                    return -1;
                cache_put(cache, period, a, slot);
            }
            periods[i].by_attribute[a] = slot->doc;
        }
    }
    return 0;
}

int report_check_range(const char *from, const char *to, int current,
                       struct cli_error *err)
{
    const char *opt[] = {"--from", "--to"}, *val[] = {from, to};
    for (int i = 0; i < 2; i++)
        if (rg_month_number(val[i]) < 0) {
            char shown[32];
            gw_printable(val[i], shown, sizeof(shown));
            return args_usage(err, "report", "%s must be a month YYYY-MM, not '%s'",
                              opt[i], shown);
        }
    int f = rg_month_number(from), t = rg_month_number(to);
    if (f > t)
        return args_usage(err, "report", "--from %s is after --to %s", from, to);
    if (t - f >= REPORT_MONTHS_MAX)
        return args_usage(err, "report", "a report covers at most %d months",
                          REPORT_MONTHS_MAX);
    if (t > current)
        return args_usage(err, "report", "--to %s is after this month", to);
    return 0;
}

int report_fetch(struct cli *c, const char *from, const char *to, enum rg_lang lang,
                 time_t now, struct report_cache *cache, struct report_fetch *f,
                 struct cli_error *err)
{
    memset(f, 0, sizeof(*f));
    int current = rg_month_of(now);
    struct rg_period ended[REPORT_PERIODS_MAX];
    size_t nended, npending;
    rg_periods_within(rg_month_number(from), rg_month_number(to), current, ended,
                      &nended, f->pending, &npending, REPORT_PERIODS_MAX);
    f->nanswers = FLOW_PARTS + nended * RG_SUBJECT_ATTRS;
    f->answers = calloc(f->nanswers, sizeof(*f->answers));
    f->periods = calloc(nended ? nended : 1, sizeof(*f->periods));
    if (f->answers == NULL || f->periods == NULL)
        return cli_fail(err, CLI_USAGE, "out of memory");
    for (size_t i = 0; i < nended; i++)
        f->periods[i].period = ended[i];
    if (ask_flow(c, from, to, current, f->answers, err) < 0 ||
        ask_subject(c, f->periods, nended, current, cache, f->answers + FLOW_PARTS,
                    err) < 0)
        return -1;
    struct report_input *in = &f->in;
    *in = (struct report_input){.from = from, .to = to, .lang = lang};
    for (int e = 0; e < REPORT_EVENTS; e++) {
        in->totals[e] = f->answers[FLOW_TOTAL + e].doc;
        in->by_month[e] = f->answers[FLOW_MONTH + e].doc;
    }
    in->by_signal = f->answers[FLOW_SIGNAL].doc;
    in->by_month_signal = f->answers[FLOW_MONTH_SIGNAL].doc;
    in->periods = f->periods;
    in->nperiods = nended;
    in->pending = f->pending;
    in->npending = npending;
    in->generated = now;
    return 0;
}

void report_fetch_clear(struct report_fetch *f)
{
    for (size_t i = 0; f->answers != NULL && i < f->nanswers; i++)
        gw_answer_clear(&f->answers[i]);
    free(f->answers);
    free(f->periods);
    memset(f, 0, sizeof(*f));
}
