/*
 * commands_ack.c - `refgw ack ID...`: acknowledge referrals taken from the
 * inbox by hand; the gateway then erases their content.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "cli.h"
#include "gateway.h"
#include "ids.h"

static const struct arg_opt opts[] = {ARG_HELP_OPT};

static void help(FILE *out)
{
    fputs(
        "usage: refgw ack ID...\n"
        "\n"
        "Acknowledges each referral: you have it, and the gateway erases its content\n"
        "(the sender's 'refgw status' then says acknowledged). Acknowledging again is\n"
        "harmless. Prints each id acknowledged (with --json, each answer on a line).\n"
        "Every ID is checked first; one that cannot be an id is a usage error and\n"
        "nothing is sent. When the gateway refuses some (not_found: not yours,\n"
        "unknown or expired), the others are still acknowledged and the exit\n"
        "status is 2. Ids come from 'refgw inbox'; one that begins with '-' is\n"
        "still taken as an id.\n"
        "\n"
        "Example:\n"
        "  refgw ack 3q2Vx0m1TtOe9zKcW4bLhA Zk8_yQ1dN-2mPq7rS3tU4v\n",
        out);
}

static int run(struct cli *c, int argc, char **argv, struct cli_error *err)
{
    const char **ids = calloc((size_t)argc, sizeof(*ids));
    if (ids == NULL)
        return cli_fail(err, CLI_USAGE, "out of memory");
    size_t n = 0;
    struct args p;
    args_init(&p, argc, argv, opts, 1, "ack");
    const char *v;
    int key, rc = 0;
    while (rc == 0 && (key = args_next(&p, &v, err)) != ARGS_END) {
        if (key == ARGS_ERROR) {
            rc = -1;
        } else if (key == ARG_HELP) {
            help(stdout);
            free(ids);
            return 0;
        } else {
            ids[n++] = v;
        }
    }
    if (rc == 0 && n == 0)
        rc = args_usage(err, "ack", "give at least one referral id");
    for (size_t i = 0; rc == 0 && i < n; i++)
        rc = gw_check_id(ids[i], err);

    size_t refused = 0;
    for (size_t i = 0; rc == 0 && i < n; i++) {
        char path[RG_ID_LEN + 32];
        snprintf(path, sizeof(path), "/v1/inbox/%s/ack", ids[i]);
        struct gw_answer ans;
        if (gw_call(c, "POST", path, NULL, 0, false, &ans, err) < 0) {
            /* Unreachable: the rest would fail the same way. One id: its own error. */
            if (err->exit != CLI_REFUSED || n == 1)
                rc = -1;
            else
                fprintf(stderr, "refgw: %s: %s\n", ids[i], err->message);
            refused++;
            continue;
        }
        if (c->json)
            rc = gw_answer_print(&ans, stdout, err);
        else
            printf("%s\n", ids[i]);
        gw_answer_clear(&ans);
    }
    if (rc == 0 && refused > 0)
        rc = cli_fail(err, CLI_REFUSED, "%zu of %zu referrals not acknowledged",
                      refused, n);
    if (rc == 0 && fflush(stdout) == EOF)
        rc = cli_fail(err, CLI_USAGE, "cannot write to standard output");
    free(ids);
    return rc;
}

const struct cli_command cmd_ack = {
    .name = "ack",
    .summary = "acknowledge referrals by id",
    .help = help,
    .run = run,
};
