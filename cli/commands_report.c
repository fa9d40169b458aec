/*
 * commands_report.c - `refgw report`: asks the gateway for the published
 * counts of a range of months (the flow tables, and the released subject
 * tables of every ended period the range holds whole), checks that each
 * answer is for its question, and writes the page of report.h, replacing
 * the file only once the page is complete.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "args.h"
#include "cli.h"
#include "gateway.h"
#include "i18n.h"
#include "ids.h"
#include "periods.h"
#include "report.h"
#include "stats_query.h"

enum { OPT_FROM = 2, OPT_TO, OPT_OUTPUT, OPT_LANG };

/* Flow questions: a total, by month and (accepted) by signal, by both. */
enum {
    FLOW_TOTAL = 0,
    FLOW_MONTH = REPORT_EVENTS,
    FLOW_SIGNAL = 2 * REPORT_EVENTS,
    FLOW_MONTH_SIGNAL,
    FLOW_PARTS
};
#define PERIODS_MAX (REPORT_MONTHS_MAX + REPORT_MONTHS_MAX / 3 + REPORT_MONTHS_MAX / 12)

static void report_help(FILE *out)
{
    fputs(
        "usage: refgw report --from YYYY-MM --to YYYY-MM -o FILE.html [--lang nl|en]\n"
        "\n"
        "Administrators only: writes one self-contained HTML page (no scripts, no\n"
        "external resources) for a report to the council, from the published\n"
        "counts (SPEC section 6): signals sent, taken in and expired per month and\n"
        "per kind of signal over the range, and the released tables about the\n"
        "young people of every ended month, quarter and year that lies whole in\n"
        "the range, one chart and table per characteristic per period. What is\n"
        "not published reads so, and is never drawn as zero; a short text says\n"
        "what the numbers mean. At most 60 months, none after this month.\n"
        "\n"
        "--lang nl or en; by default Dutch when LC_ALL, LC_MESSAGES or LANG (the\n"
        "first one set) begins with nl, else English. FILE is replaced only once\n"
        "the page is complete.\n"
        "\n"
        "Example:\n"
        "  refgw report --from 2026-01 --to 2026-12 -o signalen-2026.html --lang nl\n",
        out);
}

static int write_page(const char *file, const struct report_input *in,
                      struct cli_error *err)
{
    /* A temporary file beside the target, renamed once complete. */
    size_t len = strlen(file);
    char *tmp = malloc(len + 16);
    if (tmp == NULL)
        return cli_fail(err, CLI_USAGE, "out of memory");
    snprintf(tmp, len + 16, "%s.tmp.XXXXXX", file);
    int fd = mkstemp(tmp);
    if (fd < 0) {
        int rc = cli_fail(err, CLI_USAGE, "cannot write %s: %s", file, strerror(errno));
        free(tmp);
        return rc;
    }
    mode_t mask = umask(0);
    umask(mask);
    fchmod(fd, 0666 & ~mask); /* as a plain `> FILE` would make it, not 0600 */
    FILE *out = fdopen(fd, "w");
    int rc = 0;
    if (out == NULL) {
        close(fd);
        rc = -1;
    } else {
        rc = report_write(out, in);
        if (fflush(out) == EOF || fsync(fileno(out)) < 0)
            rc = -1;
        if (fclose(out) == EOF)
            rc = -1;
    }
    if (rc == 0 && rename(tmp, file) < 0)
        rc = -1;
    if (rc < 0) {
        rc = cli_fail(err, CLI_USAGE, "cannot write %s: %s", file, strerror(errno));
        unlink(tmp);
    }
    free(tmp);
    return rc;
}

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

static int ask_subject(struct cli *c, struct report_period *periods, size_t n,
                       int current, struct gw_answer *ans, struct cli_error *err)
{
    for (size_t i = 0; i < n; i++) {
        char period[RG_PERIOD_LEN];
        rg_period_format(&periods[i].period, period);
        for (int a = 0; a < RG_SUBJECT_ATTRS; a++) {
            struct stats_query q = {.period = period, .by = rg_subject[a].name};
            struct gw_answer *slot = &ans[i * RG_SUBJECT_ATTRS + (size_t)a];
            if (ask(c, &q, current, slot, err) < 0)
                return -1;
            periods[i].by_attribute[a] = slot->doc;
        }
    }
    return 0;
}

/* The range: months, from <= to, not too long, none in the future. */
static int check_range(const char *from, const char *to, int current,
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

static int report_run(struct cli *c, int argc, char **argv, struct cli_error *err)
{
    static const struct arg_opt opts[] = {
        ARG_HELP_OPT,
        {"from", 0, true, OPT_FROM},
        {"to", 0, true, OPT_TO},
        {"output", 'o', true, OPT_OUTPUT},
        {"lang", 0, true, OPT_LANG},
    };
    const char *from = NULL, *to = NULL, *file = NULL, *lang = NULL, *v;
    struct args p;
    args_init(&p, argc, argv, opts, sizeof(opts) / sizeof(opts[0]), "report");
    int key;
    while ((key = args_next(&p, &v, err)) != ARGS_END) {
        switch (key) {
        case ARGS_ERROR:
            return -1;
        case ARG_HELP:
            report_help(stdout);
            return 0;
        case OPT_FROM:
            from = v;
            break;
        case OPT_TO:
            to = v;
            break;
        case OPT_OUTPUT:
            file = v;
            break;
        case OPT_LANG:
            lang = v;
            break;
        default:
            return args_usage(err, "report", "unexpected argument '%s'", v);
        }
    }
    struct report_input in = {.from = from, .to = to, .lang = rg_lang_from_env()};
    int current = rg_month_of(time(NULL));
    if (from == NULL || to == NULL || file == NULL)
        return args_usage(err, "report", "give --from, --to and -o FILE");
    if (lang != NULL && rg_lang_parse(lang, &in.lang) < 0)
        return args_usage(err, "report", "--lang must be nl or en");
    if (check_range(from, to, current, err) < 0)
        return -1;

    struct rg_period ended[PERIODS_MAX], pending[PERIODS_MAX];
    size_t nended, npending;
    rg_periods_within(rg_month_number(from), rg_month_number(to), current, ended,
                      &nended, pending, &npending, PERIODS_MAX);
    size_t nanswers = FLOW_PARTS + nended * RG_SUBJECT_ATTRS;
    struct gw_answer *ans = calloc(nanswers, sizeof(*ans));
    struct report_period *periods = calloc(nended ? nended : 1, sizeof(*periods));
    if (ans == NULL || periods == NULL) {
        free(ans);
        free(periods);
        return cli_fail(err, CLI_USAGE, "out of memory");
    }
    for (size_t i = 0; i < nended; i++)
        periods[i].period = ended[i];
    int rc = ask_flow(c, from, to, current, ans, err);
    if (rc == 0)
        rc = ask_subject(c, periods, nended, current, ans + FLOW_PARTS, err);
    if (rc == 0) {
        for (int e = 0; e < REPORT_EVENTS; e++) {
            in.totals[e] = ans[FLOW_TOTAL + e].doc;
            in.by_month[e] = ans[FLOW_MONTH + e].doc;
        }
        in.by_signal = ans[FLOW_SIGNAL].doc;
        in.by_month_signal = ans[FLOW_MONTH_SIGNAL].doc;
        in.periods = periods;
        in.nperiods = nended;
        in.pending = pending;
        in.npending = npending;
        in.generated = time(NULL);
        rc = write_page(file, &in, err);
    }
    for (size_t i = 0; i < nanswers; i++)
        gw_answer_clear(&ans[i]);
    free(ans);
    free(periods);
    return rc;
}

const struct cli_command cmd_report = {
    .name = "report",
    .summary = "administrators: an HTML page of the published counts, in Dutch or "
               "English",
    .help = report_help,
    .run = report_run,
};
