/*
 * commands_stats.c - the administrator's commands: `refgw stats` (the counts
 * of SPEC §6 as a table, CSV or the gateway's JSON) and `refgw report` (one
 * self-contained HTML page of charts and tables, see report.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>
#include <unistd.h>

#include "args.h"
#include "cli.h"
#include "gateway.h"
#include "json.h"
#include "ids.h"
#include "referral.h"
#include "report.h"
#include "table.h"
#include "taxonomy.h"

#define PATH_MAX_LEN 1024

enum { OPT_FROM = 2, OPT_TO, OPT_EVENT, OPT_BY, OPT_CSV, OPT_OUTPUT };

/* Appends "&name=value" (value percent-encoded) to path; -1 when it does not fit. */
static int add_param(char *path, size_t size, const char *name, const char *value)
{
    size_t n = strlen(path);
    int w = snprintf(path + n, size - n, "%s%s=", strchr(path, '?') ? "&" : "?", name);
    if (w < 0 || (size_t)w >= size - n)
        return -1;
    n += (size_t)w;
    for (const unsigned char *p = (const unsigned char *)value; *p != '\0'; p++) {
        bool plain = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
                     (*p >= '0' && *p <= '9') || *p == '-' || *p == '_' || *p == '.';
        if (n + 4 > size)
            return -1;
        if (plain)
            path[n++] = (char)*p;
        else
            n += (size_t)snprintf(path + n, size - n, "%%%02X", *p);
    }
    path[n] = '\0';
    return 0;
}

static int check_month(const char *option, const char *v, struct cli_error *err,
                       const char *cmd)
{
    if (rg_month_valid(v, strlen(v)))
        return 0;
    char shown[32];
    gw_printable(v, shown, sizeof(shown));
    return args_usage(err, cmd, "%s must be a month YYYY-MM, not '%s'", option, shown);
}

static bool is_event(const char *v)
{
    for (int i = 0; i < REPORT_EVENTS; i++)
        if (strcmp(v, report_events[i]) == 0)
            return true;
    return false;
}

/* The `by` names of an answer, in order (at most TABLE_COLUMNS_MAX - 1). */
static size_t answer_dims(const cJSON *doc, const char **dims, size_t max)
{
    const cJSON *by = cJSON_GetObjectItemCaseSensitive(doc, "by"), *d;
    size_t n = 0;
    cJSON_ArrayForEach(d, by)
    {
        if (cJSON_IsString(d) && n < max)
            dims[n++] = d->valuestring;
    }
    return n;
}

/* A row's count as text: the figure, or "<N" when suppressed. */
static void count_text(const cJSON *row, long long min_count, char *out, size_t size)
{
    const cJSON *count = cJSON_GetObjectItemCaseSensitive(row, "count");
    if (cJSON_IsNumber(count) &&
        !cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(row, "suppressed")))
        snprintf(out, size, "%.0f", count->valuedouble);
    else
        snprintf(out, size, "<%lld", min_count);
}

/* The CSV of SPEC §6 from the JSON answer: header of `by` names and count, `<N`. */
static int print_csv(const cJSON *doc, long long min_count, FILE *out)
{
    const char *dims[TABLE_COLUMNS_MAX];
    size_t nd = answer_dims(doc, dims, TABLE_COLUMNS_MAX - 1);
    for (size_t i = 0; i < nd; i++)
        fprintf(out, "%s,", dims[i]);
    fputs("count\n", out);
    const cJSON *row;
    cJSON_ArrayForEach(row, cJSON_GetObjectItemCaseSensitive(doc, "rows"))
    {
        for (size_t i = 0; i < nd; i++) {
            char v[RG_ORG_ID_MAX + 8];
            gw_printable(gw_string(row, dims[i]), v, sizeof(v));
            if (strpbrk(v, ",\"") != NULL) /* never in ids or words; quote anyway */
                fprintf(out, "\"%s\",", v);
            else
                fprintf(out, "%s,", v);
        }
        char count[32];
        count_text(row, min_count, count, sizeof(count));
        fprintf(out, "%s\n", count);
    }
    return fflush(out) == EOF || ferror(out) ? -1 : 0;
}

static int print_table(const cJSON *doc, long long min_count, bool tty, FILE *out)
{
    const char *dims[TABLE_COLUMNS_MAX], *headers[TABLE_COLUMNS_MAX];
    char upper[TABLE_COLUMNS_MAX][32];
    size_t nd = answer_dims(doc, dims, TABLE_COLUMNS_MAX - 1);
    for (size_t i = 0; i <= nd; i++) {
        const char *name = i < nd ? dims[i] : "count";
        size_t k = 0;
        for (; name[k] != '\0' && k + 1 < sizeof(upper[i]); k++)
            upper[i][k] = (name[k] >= 'a' && name[k] <= 'z') ? name[k] - 32 : name[k];
        upper[i][k] = '\0';
        headers[i] = upper[i];
    }
    struct table *t = table_new(nd + 1, headers);
    if (t == NULL)
        return -1;
    const cJSON *row;
    int rc = 0;
    cJSON_ArrayForEach(row, cJSON_GetObjectItemCaseSensitive(doc, "rows"))
    {
        const char *cells[TABLE_COLUMNS_MAX];
        char count[32];
        for (size_t i = 0; i < nd; i++)
            cells[i] = gw_string(row, dims[i]);
        count_text(row, min_count, count, sizeof(count));
        cells[nd] = count;
        if (table_add(t, cells) < 0) {
            rc = -1;
            break;
        }
    }
    if (rc == 0)
        rc = table_print(t, out, tty);
    table_free(t);
    if (rc == 0 && tty) {
        const cJSON *total = cJSON_GetObjectItemCaseSensitive(doc, "total");
        if (cJSON_IsNumber(total))
            fprintf(out, "total %.0f", total->valuedouble);
        else
            fprintf(out, "total <%lld (suppressed)", min_count);
        fprintf(out, "; counts below %lld are suppressed (<%lld)\n", min_count,
                min_count);
    }
    return rc < 0 || fflush(out) == EOF ? -1 : 0;
}

/* ---- refgw stats ---- */

static void stats_help(FILE *out)
{
    fputs("usage: refgw stats [--from YYYY-MM] [--to YYYY-MM] [--event EVENT]\n"
          "                   [--by DIMENSION,...] [--csv]\n"
          "\n"
          "Administrators only: the counts of referrals (SPEC section 6). --event is\n"
          "accepted (default), acknowledged or expired; --to defaults to this month\n"
          "(UTC) and --from to --to. --by groups the counts by any of month, signal,\n"
          "urgency, sender, sender_type, recipient, recipient_type and at most one\n"
          "subject attribute (age_band, gender, municipality, origin, socioeconomic,\n"
          "education, housing, addiction); without it, the total alone.\n"
          "\n"
          "Counts below the gateway's threshold are suppressed and shown as <N\n"
          "(see docs/counts.md). On a terminal a table and the total; otherwise one\n"
          "tab-separated line a row; --csv: CSV with a header; --json: the gateway's\n"
          "answer.\n"
          "\n"
          "Examples:\n"
          "  refgw stats --from 2026-01 --to 2026-12 --by month,signal\n"
          "  refgw stats --event expired --by recipient_type --csv > expired.csv\n",
          out);
}

static int stats_run(struct cli *c, int argc, char **argv, struct cli_error *err)
{
    static const struct arg_opt opts[] = {
        ARG_HELP_OPT,
        {"from", 0, true, OPT_FROM},
        {"to", 0, true, OPT_TO},
        {"event", 0, true, OPT_EVENT},
        {"by", 0, true, OPT_BY},
        {"csv", 0, false, OPT_CSV},
    };
    const char *from = NULL, *to = NULL, *event = NULL, *by = NULL, *v;
    bool csv = false;
    struct args p;
    args_init(&p, argc, argv, opts, sizeof(opts) / sizeof(opts[0]), "stats");
    int key;
    while ((key = args_next(&p, &v, err)) != ARGS_END) {
        switch (key) {
        case ARGS_ERROR:
            return -1;
        case ARG_HELP:
            stats_help(stdout);
            return 0;
        case OPT_FROM:
            from = v;
            break;
        case OPT_TO:
            to = v;
            break;
        case OPT_EVENT:
            event = v;
            break;
        case OPT_BY:
            by = v;
            break;
        case OPT_CSV:
            csv = true;
            break;
        default:
            return args_usage(err, "stats", "unexpected argument '%s'", v);
        }
    }
    if ((from && check_month("--from", from, err, "stats") < 0) ||
        (to && check_month("--to", to, err, "stats") < 0))
        return -1;
    if (event != NULL && !is_event(event))
        return args_usage(err, "stats",
                          "--event must be accepted, acknowledged or expired");
    if (csv && c->json)
        return args_usage(err, "stats", "give --csv or --json, not both");

    char path[PATH_MAX_LEN] = "/v1/stats";
    if ((from && add_param(path, sizeof(path), "from", from) < 0) ||
        (to && add_param(path, sizeof(path), "to", to) < 0) ||
        (event && add_param(path, sizeof(path), "event", event) < 0) ||
        (by && add_param(path, sizeof(path), "by", by) < 0))
        return args_usage(err, "stats", "the options are too long");

    struct gw_answer ans;
    if (gw_call(c, "GET", path, NULL, 0, false, &ans, err) < 0)
        return -1;
    const cJSON *mc = cJSON_GetObjectItemCaseSensitive(ans.doc, "min_count");
    long long min_count = cJSON_IsNumber(mc) ? rg_json_count(mc) : 0;
    int rc = 0;
    if (c->json)
        rc = gw_answer_print(&ans, stdout, err);
    else if (!cJSON_IsArray(cJSON_GetObjectItemCaseSensitive(ans.doc, "rows")))
        rc = cli_fail(err, CLI_REFUSED, "the gateway's answer holds no rows");
    else if ((csv ? print_csv(ans.doc, min_count, stdout)
                  : print_table(ans.doc, min_count, c->tty, stdout)) < 0)
        rc = cli_fail(err, CLI_USAGE, "cannot write to standard output: %s",
                      strerror(errno));
    gw_answer_clear(&ans);
    return rc;
}

/* ---- refgw report ---- */

static void report_help(FILE *out)
{
    fputs("usage: refgw report --from YYYY-MM --to YYYY-MM -o FILE.html\n"
          "\n"
          "Administrators only: writes one self-contained HTML page (no scripts, no\n"
          "external resources) for a report to the council: totals per event,\n"
          "referrals per month and signal as a chart, one chart per subject\n"
          "attribute, the same figures in tables, the suppression threshold, the\n"
          "period and when the page was made. Suppressed counts are marked as such,\n"
          "never drawn as zero. FILE is replaced only once the page is complete.\n"
          "\n"
          "Example:\n"
          "  refgw report --from 2026-01 --to 2026-12 -o signals-2026.html\n",
          out);
}

/* The stats query of the page's part: month x signal, an attribute, or an event's
 * total. */
static int part_path(char *path, size_t size, const char *from, const char *to,
                     const char *event, const char *by)
{
    snprintf(path, size, "/v1/stats");
    if (add_param(path, size, "from", from) < 0 ||
        add_param(path, size, "to", to) < 0 ||
        add_param(path, size, "event", event) < 0 ||
        (by != NULL && add_param(path, size, "by", by) < 0))
        return -1;
    return 0;
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
    fchmod(fd,
           0666 & ~mask); /* as a plain `> FILE` would make it, not mkstemp's 0600 */
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

static int report_run(struct cli *c, int argc, char **argv, struct cli_error *err)
{
    static const struct arg_opt opts[] = {
        ARG_HELP_OPT,
        {"from", 0, true, OPT_FROM},
        {"to", 0, true, OPT_TO},
        {"output", 'o', true, OPT_OUTPUT},
    };
    const char *from = NULL, *to = NULL, *file = NULL, *v;
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
        default:
            return args_usage(err, "report", "unexpected argument '%s'", v);
        }
    }
    if (from == NULL || to == NULL || file == NULL)
        return args_usage(err, "report", "give --from, --to and -o FILE");
    if (check_month("--from", from, err, "report") < 0 ||
        check_month("--to", to, err, "report") < 0)
        return -1;
    if (strcmp(from, to) > 0)
        return args_usage(err, "report", "--from is after --to");

    /* One answer for month x signal, one per attribute, one total per event. */
    enum { PARTS = 1 + RG_SUBJECT_ATTRS + REPORT_EVENTS };
    struct gw_answer ans[PARTS];
    memset(ans, 0, sizeof(ans));
    struct report_input in = {.from = from, .to = to};
    int rc = 0;
    for (int i = 0; i < PARTS && rc == 0; i++) {
        char path[PATH_MAX_LEN];
        const char *event = "accepted", *by = NULL;
        if (i == 0)
            by = "month,signal";
        else if (i <= RG_SUBJECT_ATTRS)
            by = rg_subject[i - 1].name;
        else
            event = report_events[i - 1 - RG_SUBJECT_ATTRS];
        if (part_path(path, sizeof(path), from, to, event, by) < 0)
            rc = args_usage(err, "report", "the options are too long");
        else
            rc = gw_call(c, "GET", path, NULL, 0, false, &ans[i], err);
    }
    if (rc == 0) {
        in.by_month_signal = ans[0].doc;
        for (int a = 0; a < RG_SUBJECT_ATTRS; a++)
            in.by_attribute[a] = ans[1 + a].doc;
        for (int e = 0; e < REPORT_EVENTS; e++)
            in.totals[e] = ans[1 + RG_SUBJECT_ATTRS + e].doc;
        in.generated = time(NULL);
        rc = write_page(file, &in, err);
    }
    for (int i = 0; i < PARTS; i++)
        gw_answer_clear(&ans[i]);
    return rc;
}

const struct cli_command cmd_stats = {
    .name = "stats",
    .summary = "administrators: counts of referrals, as a table or CSV",
    .help = stats_help,
    .run = stats_run,
};

const struct cli_command cmd_report = {
    .name = "report",
    .summary = "administrators: an HTML page of charts and tables of the counts",
    .help = report_help,
    .run = report_run,
};
