/*
 * commands_inbox.c - `refgw inbox`: the referrals waiting for this
 * organisation, as a table (or the gateway's answer with --json). Looking
 * does not acknowledge: every one shown comes again until acknowledged.
 */
#include <stdio.h>
#include <string.h>

#include "args.h"
#include "cli.h"
#include "gateway.h"
#include "table.h"

enum { OPT_WAIT = ARG_HELP + 1, OPT_LIMIT };

static const struct arg_opt opts[] = {
    ARG_HELP_OPT,
    {"wait", 0, true, OPT_WAIT},
    {"limit", 0, true, OPT_LIMIT},
};

static void help(FILE *out)
{
    fputs(
        "usage: refgw inbox [--wait SECONDS] [--limit N]\n"
        "\n"
        "Lists the referrals waiting for your organisation, oldest first: id, sender,\n"
        "signal, urgency, when the gateway received it, and how often it has been\n"
        "handed out (this time included). On a terminal a table with a header; else\n"
        "one tab-separated line a referral. With --json, the gateway's answer with\n"
        "every field, bodies included. Listing does not acknowledge: use\n"
        "'refgw ack ID' or 'refgw receive'.\n"
        "\n"
        "  --wait SECONDS   when none is waiting, wait up to 0-60 s for one (default "
        "0)\n"
        "  --limit N        at most N referrals, 1-500 (default 50)\n"
        "\n"
        "Examples:\n"
        "  refgw inbox\n"
        "  refgw --json inbox --wait 30 | jq -r '.referrals[].id'\n",
        out);
}

static int print_table(const struct cli *c, const cJSON *doc, struct cli_error *err)
{
    static const char *const headers[] = {"ID",      "FROM",     "SIGNAL",
                                          "URGENCY", "RECEIVED", "DELIVERIES"};
    const cJSON *items = cJSON_GetObjectItemCaseSensitive(doc, "referrals");
    if (!cJSON_IsArray(items))
        return cli_fail(err, CLI_REFUSED,
                        "the gateway's answer holds no referrals list");
    struct table *t = table_new(6, headers);
    if (t == NULL)
        return cli_fail(err, CLI_USAGE, "out of memory");
    int rc = 0;
    const cJSON *item;
    cJSON_ArrayForEach(item, items)
    {
        char deliveries[24];
        const cJSON *d = cJSON_GetObjectItemCaseSensitive(item, "deliveries");
        snprintf(deliveries, sizeof(deliveries), "%.0f",
                 cJSON_IsNumber(d) ? d->valuedouble : 0);
        const char *row[] = {gw_string(item, "id"),         gw_string(item, "from"),
                             gw_string(item, "signal"),     gw_string(item, "urgency"),
                             gw_string(item, "created_at"), deliveries};
        if (table_add(t, row) < 0) {
            rc = cli_fail(err, CLI_USAGE, "out of memory");
            break;
        }
    }
    if (rc == 0 && table_print(t, stdout, c->tty) < 0)
        rc = cli_fail(err, CLI_USAGE, "cannot write to standard output");
    if (rc == 0 && c->tty && table_rows(t) == 0)
        fprintf(stderr, "refgw: no referrals waiting\n");
    table_free(t);
    return rc;
}

static int run(struct cli *c, int argc, char **argv, struct cli_error *err)
{
    long wait = 0, limit = 50;
    struct args p;
    args_init(&p, argc, argv, opts, sizeof(opts) / sizeof(opts[0]), "inbox");
    const char *v;
    int key;
    while ((key = args_next(&p, &v, err)) != ARGS_END) {
        switch (key) {
        case ARGS_ERROR:
            return -1;
        case ARGS_POSITIONAL:
            return args_usage(err, "inbox", "unexpected argument '%s'", v);
        case ARG_HELP:
            help(stdout);
            return 0;
        case OPT_WAIT:
            if (args_long(v, 0, 60, "wait", &wait, err) < 0)
                return -1;
            break;
        case OPT_LIMIT:
            if (args_long(v, 1, 500, "limit", &limit, err) < 0)
                return -1;
            break;
        }
    }

    char path[64];
    snprintf(path, sizeof(path), "/v1/inbox?wait=%ld&limit=%ld", wait, limit);
    struct gw_answer ans;
    if (gw_call(c, "GET", path, NULL, wait, false, &ans, err) < 0)
        return -1;
    int rc =
        c->json ? gw_answer_print(&ans, stdout, err) : print_table(c, ans.doc, err);
    gw_answer_clear(&ans);
    return rc;
}

const struct cli_command cmd_inbox = {
    .name = "inbox",
    .summary = "list the referrals waiting for you",
    .help = help,
    .run = run,
};
