/*
 * commands_inbox.c - `refgw inbox`: the referrals waiting for this
 * organisation, as a table (or the gateway's answer with --json). Looking
 * does not acknowledge: every one shown comes again until acknowledged.
 */
#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>

#include "api_limits.h"
#include "args.h"
#include "cli.h"
#include "gateway.h"
#include "json.h"
#include "sealed.h"
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
        "every field, bodies included; end-to-end encrypted bodies decrypted with\n"
        "--decrypt-key (each then has \"e2e\": {\"encrypted\": true, \"signer\": CN},\n"
        "or \"error\" and its body_cms when it cannot be read: exit 2). Listing does\n"
        "not acknowledge: use 'refgw ack ID' or 'refgw receive'.\n"
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

/*
 * --json when some bodies are encrypted: the answer with each such item
 * decrypted (SPEC §10), or marked with why it cannot be read (exit 2 once
 * every item is printed).
 */
static int print_decrypted(struct cli *c, const cJSON *doc, struct cli_error *err)
{
    cJSON *copy = cJSON_Duplicate(doc, 1);
    struct sealed_reader *rd = copy ? sealed_reader_new(c, err) : NULL;
    if (rd == NULL) {
        cJSON_Delete(copy);
        return copy ? -1 : cli_fail(err, CLI_USAGE, "out of memory");
    }
    cJSON *items = cJSON_GetObjectItemCaseSensitive(copy, "referrals");
    size_t unreadable = 0;
    int rc = 0;
    for (int i = 0; rc == 0 && i < cJSON_GetArraySize(items); i++) {
        cJSON *item = cJSON_GetArrayItem(items, i), *plain = NULL, *e2e;
        char why[SEALED_REASON_MAX];
        int r = sealed_item_encrypted(item)
                    ? sealed_item_open(rd, item, &plain, why, err)
                    : 0;
        if (r < 0) {
            rc = -1;
        } else if (plain != NULL) {
            cJSON_ReplaceItemInArray(items, i, plain); /* deletes item (ciphertext) */
        } else if (r > 0) {
            unreadable++;
            fprintf(stderr, "refgw: %s: cannot be read: %s\n", gw_string(item, "id"),
                    why);
            if ((e2e = cJSON_AddObjectToObject(item, "e2e")) == NULL ||
                !cJSON_AddTrueToObject(e2e, "encrypted") ||
                !cJSON_AddStringToObject(e2e, "error", why))
                rc = cli_fail(err, CLI_USAGE, "out of memory");
        }
    }
    char *text = rc == 0 ? rg_json_print(copy) : NULL;
    if (rc == 0 && text == NULL)
        rc = cli_fail(err, CLI_USAGE, "out of memory");
    if (rc == 0 && (puts(text) == EOF || fflush(stdout) == EOF))
        rc = cli_fail(err, CLI_USAGE, "cannot write to standard output");
    if (rc == 0 && unreadable > 0)
        rc = cli_fail(err, CLI_REFUSED, "%zu encrypted referral%s could not be read",
                      unreadable, unreadable == 1 ? "" : "s");
    gw_wipe_free(text);
    for (int i = 0; i < cJSON_GetArraySize(items); i++) {
        cJSON *body =
            cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(items, i), "body");
        if (cJSON_IsString(body))
            OPENSSL_cleanse(body->valuestring, strlen(body->valuestring));
    }
    cJSON_Delete(copy);
    sealed_reader_free(rd);
    return rc;
}

/* Whether any item of the answer carries an encrypted body. */
static bool any_encrypted(const cJSON *doc)
{
    const cJSON *item;
    cJSON_ArrayForEach(item, cJSON_GetObjectItemCaseSensitive(doc, "referrals"))
    {
        if (sealed_item_encrypted(item))
            return true;
    }
    return false;
}

static int run(struct cli *c, int argc, char **argv, struct cli_error *err)
{
    long wait = RG_WAIT_DEFAULT, limit = RG_LIMIT_DEFAULT;
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
            if (args_wait(v, &wait, err) < 0)
                return -1;
            break;
        case OPT_LIMIT:
            if (args_limit(v, &limit, err) < 0)
                return -1;
            break;
        }
    }

    char path[64];
    snprintf(path, sizeof(path), "/v1/inbox?wait=%ld&limit=%ld", wait, limit);
    struct gw_answer ans;
    if (gw_call(c, "GET", path, NULL, wait, false, &ans, err) < 0)
        return -1;
    int rc = !c->json                 ? print_table(c, ans.doc, err)
             : any_encrypted(ans.doc) ? print_decrypted(c, ans.doc, err)
                                      : gw_answer_print(&ans, stdout, err);
    gw_answer_clear(&ans);
    return rc;
}

const struct cli_command cmd_inbox = {
    .name = "inbox",
    .summary = "list the referrals waiting for you",
    .help = help,
    .run = run,
};
