/*
 * commands_report.c - `refgw report`: asks the gateway for the published
 * counts of a range of months (report_fetch.h: the flow tables, and the
 * released subject tables of every ended period the range holds whole, each
 * answer checked to be for its question), and writes the page of report.h,
 * replacing the file only once the page is complete.
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
#include "report_fetch.h"

enum { OPT_FROM = 2, OPT_TO, OPT_OUTPUT, OPT_LANG };

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
    enum rg_lang in_lang = rg_lang_from_env();
    time_t now = time(NULL);
    if (from == NULL || to == NULL || file == NULL)
        return args_usage(err, "report", "give --from, --to and -o FILE");
    if (lang != NULL && rg_lang_parse(lang, &in_lang) < 0)
        return args_usage(err, "report", "--lang must be nl or en");
    if (report_check_range(from, to, rg_month_of(now), err) < 0)
        return -1;
    struct report_fetch f;
    int rc = report_fetch(c, from, to, in_lang, now, NULL, &f, err);
    if (rc == 0) {
        f.in.generated = time(NULL);
        rc = write_page(file, &f.in, err);
    }
    report_fetch_clear(&f);
    return rc;
}

const struct cli_command cmd_report = {
    .name = "report",
    .summary = "administrators: an HTML page of the published counts, in Dutch or "
               "English",
    .help = report_help,
    .run = report_run,
};
