/*
 * commands_lookup.c - the read-only questions: `refgw status ID` (the
 * sender's view of one referral) and `refgw directory` (whom you may send to).
 */
#include <stdio.h>
#include <string.h>

#include "args.h"
#include "cli.h"
#include "gateway.h"
#include "ids.h"
#include "table.h"

static void status_help(FILE *out)
{
    fputs("usage: refgw status ID\n"
          "\n"
          "The sender's view of a referral it sent: recipient, status (queued,\n"
          "delivered, acknowledged or expired) and when each step happened, one\n"
          "'field value' pair a line (tab-separated when not on a terminal). With\n"
          "--json, the gateway's answer. Only the sender can see it: for anyone else\n"
          "the gateway answers not_found (exit 2).\n"
          "\n"
          "Example:\n"
          "  id=$(refgw send --to ecmj --signal other --body 'test')\n"
          "  refgw status \"$id\"\n",
          out);
}

static int status_run(struct cli *c, int argc, char **argv, struct cli_error *err)
{
    const char *id = NULL;
    size_t got;
    bool help_asked = false;
    if (args_plain(argc, argv, "status", &id, 1, &got, &help_asked, err) < 0)
        return -1;
    if (help_asked) {
        status_help(stdout);
        return 0;
    }
    if (got == 0)
        return args_usage(err, "status", "give the referral's id");
    if (gw_check_id(id, err) < 0)
        return -1;

    char path[RG_ID_LEN + 32];
    snprintf(path, sizeof(path), "/v1/referrals/%s", id);
    struct gw_answer ans;
    if (gw_call(c, "GET", path, NULL, 0, false, &ans, err) < 0)
        return -1;
    int rc = 0;
    if (c->json) {
        rc = gw_answer_print(&ans, stdout, err);
    } else {
        static const char *const fields[] = {
            "id", "to", "status", "created_at", "delivered_at", "acknowledged_at"};
        struct table *t = table_new(2, NULL);
        bool oom = t == NULL;
        for (size_t i = 0; !oom && i < sizeof(fields) / sizeof(fields[0]); i++) {
            const char *value = gw_string(ans.doc, fields[i]);
            const char *row[] = {fields[i], value};
            oom = value[0] != '\0' && table_add(t, row) < 0;
        }
        if (oom)
            rc = cli_fail(err, CLI_USAGE, "out of memory");
        else if (table_print(t, stdout, c->tty) < 0)
            rc = cli_fail(err, CLI_USAGE, "cannot write to standard output");
        table_free(t);
    }
    gw_answer_clear(&ans);
    return rc;
}

static void directory_help(FILE *out)
{
    fputs(
        "usage: refgw directory\n"
        "\n"
        "The organisations you may send referrals to (your routes allow their type):\n"
        "id, type and name. On a terminal a table with a header; else one\n"
        "tab-separated line each. With --json, the gateway's answer.\n"
        "\n"
        "Example:\n"
        "  refgw directory\n"
        "  refgw directory | cut -f1      # just the ids\n",
        out);
}

static int directory_run(struct cli *c, int argc, char **argv, struct cli_error *err)
{
    size_t got;
    bool help_asked = false;
    if (args_plain(argc, argv, "directory", NULL, 0, &got, &help_asked, err) < 0)
        return -1;
    if (help_asked) {
        directory_help(stdout);
        return 0;
    }
    struct gw_answer ans;
    if (gw_call(c, "GET", "/v1/directory", NULL, 0, false, &ans, err) < 0)
        return -1;
    int rc = 0;
    const cJSON *orgs = cJSON_GetObjectItemCaseSensitive(ans.doc, "organisations");
    if (c->json) {
        rc = gw_answer_print(&ans, stdout, err);
    } else if (!cJSON_IsArray(orgs)) {
        rc = cli_fail(err, CLI_REFUSED,
                      "the gateway's answer holds no organisations list");
    } else {
        static const char *const headers[] = {"ID", "TYPE", "NAME"};
        struct table *t = table_new(3, headers);
        bool oom = t == NULL;
        const cJSON *o;
        cJSON_ArrayForEach(o, orgs)
        {
            const char *row[] = {gw_string(o, "id"), gw_string(o, "type"),
                                 gw_string(o, "name")};
            if (!oom && table_add(t, row) < 0)
                oom = true;
        }
        if (oom)
            rc = cli_fail(err, CLI_USAGE, "out of memory");
        else if (table_print(t, stdout, c->tty) < 0)
            rc = cli_fail(err, CLI_USAGE, "cannot write to standard output");
        table_free(t);
    }
    gw_answer_clear(&ans);
    return rc;
}

const struct cli_command cmd_status = {
    .name = "status",
    .summary = "the sender's view of one referral",
    .help = status_help,
    .run = status_run,
};

const struct cli_command cmd_directory = {
    .name = "directory",
    .summary = "whom you may send referrals to",
    .help = directory_help,
    .run = directory_run,
};
