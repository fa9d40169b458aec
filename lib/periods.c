#include "periods.h"

#include <stdio.h>
#include <string.h>

#include "ids.h"

int rg_month_number(const char *s)
{
    if (s == NULL || !rg_month_valid(s, strlen(s)))
        return -1;
    int year =
        (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
    return year * 12 + (s[5] - '0') * 10 + (s[6] - '0') - 1;
}

int rg_month_of(time_t t)
{
    struct tm tm;
    if (gmtime_r(&t, &tm) == NULL)
        return 0;
    return (tm.tm_year + 1900) * 12 + tm.tm_mon;
}

void rg_month_text(int month, char out[RG_PERIOD_LEN])
{
    snprintf(out, RG_PERIOD_LEN, "%04u-%02u", (unsigned)(month / 12) % 10000u,
             (unsigned)(month % 12 + 1) % 100u);
}

static bool digits(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return false;
    return true;
}

int rg_period_parse(const char *s, size_t len, struct rg_period *p,
                    struct rg_error *err)
{
    if (len < 4 || !digits(s, 4))
        return rg_fail(err, RG_INVALID_PARAMETER, "period",
                       "a period is a month YYYY-MM, a quarter YYYY-Qn or a year YYYY");
    p->year =
        (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
    if (len == 4) {
        p->kind = RG_PERIOD_YEAR;
        p->part = 0;
        return 0;
    }
    if (len == 7 && s[4] == '-' && s[5] == 'Q' && s[6] >= '1' && s[6] <= '4') {
        p->kind = RG_PERIOD_QUARTER;
        p->part = s[6] - '0';
        return 0;
    }
    if (len == 7 && rg_month_valid(s, len)) {
        p->kind = RG_PERIOD_MONTH;
        p->part = (s[5] - '0') * 10 + (s[6] - '0');
        return 0;
    }
    return rg_fail(err, RG_INVALID_PARAMETER, "period",
                   "a period is a month YYYY-MM (01-12), a quarter YYYY-Q1 to "
                   "YYYY-Q4 or a year YYYY");
}

void rg_period_format(const struct rg_period *p, char out[RG_PERIOD_LEN])
{
    unsigned y = (unsigned)p->year % 10000u, part = (unsigned)p->part % 100u;
    if (p->kind == RG_PERIOD_YEAR)
        snprintf(out, RG_PERIOD_LEN, "%04u", y);
    else if (p->kind == RG_PERIOD_QUARTER)
        snprintf(out, RG_PERIOD_LEN, "%04u-Q%u", y, part % 10u);
    else
        snprintf(out, RG_PERIOD_LEN, "%04u-%02u", y, part);
}

int rg_period_first(const struct rg_period *p)
{
    int base = p->year * 12;
    if (p->kind == RG_PERIOD_QUARTER)
        return base + (p->part - 1) * 3;
    if (p->kind == RG_PERIOD_MONTH)
        return base + p->part - 1;
    return base;
}

int rg_period_last(const struct rg_period *p)
{
    static const int length[] = {
        [RG_PERIOD_YEAR] = 12, [RG_PERIOD_QUARTER] = 3, [RG_PERIOD_MONTH] = 1};
    return rg_period_first(p) + length[p->kind] - 1;
}

bool rg_period_ended(const struct rg_period *p, int current)
{
    return rg_period_last(p) < current;
}

static void put(struct rg_period *list, size_t *n, size_t max, struct rg_period p)
{
    if (list != NULL && *n < max)
        list[*n] = p;
    (*n)++;
}

size_t rg_periods_within(int from, int to, int current, struct rg_period *ended,
                         size_t *nended, struct rg_period *pending, size_t *npending,
                         size_t max)
{
    static const struct {
        enum rg_period_kind kind;
        int months;
    } kinds[] = {{RG_PERIOD_YEAR, 12}, {RG_PERIOD_QUARTER, 3}, {RG_PERIOD_MONTH, 1}};
    size_t ne = 0, np = 0;
    for (size_t k = 0; k < sizeof(kinds) / sizeof(kinds[0]) && from >= 0; k++) {
        int size = kinds[k].months;
        /* The first period of this kind that begins in the range. */
        for (int first = (from + size - 1) / size * size; first + size - 1 <= to;
             first += size) {
            struct rg_period p = {kinds[k].kind, first / 12,
                                  size == 12 ? 0 : first % 12 / size + 1};
            if (rg_period_ended(&p, current))
                put(ended, &ne, max, p);
            else
                put(pending, &np, max, p);
        }
    }
    if (nended != NULL)
        *nended = ne;
    if (npending != NULL)
        *npending = np;
    return ne + np;
}
