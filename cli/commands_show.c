/*
 * commands_show.c - `refgw show ID`: the recipient's view of one pending
 * referral in full, body included, laid out for a person to read (--json:
 * the inbox item). The API has no call for one inbox item, so this reads
 * the inbox (wait=0, limit=500) and picks the referral out: that counts as a
 * delivery of every referral it returns. It never acknowledges.
 */
#include <stdio.h>
#include <string.h>

#include "api_limits.h"
#include "args.h"
#include "cli.h"
#include "gateway.h"
#include "ids.h"
#include "json.h"
#include "sealed.h"
#include "taxonomy.h"

#define SHOW_LIMIT RG_LIMIT_MAX

static void help(FILE *out)
{
    fprintf(
        out,
        "usage: refgw show ID\n"
        "\n"
        "One referral waiting for your organisation, in full: sender, when it was\n"
        "received, signal, urgency, how often it was handed out, every subject\n"
        "attribute, and the body. With --json, the inbox item as JSON.\n"
        "\n"
        "It does not acknowledge: the referral stays in your inbox until 'refgw ack\n"
        "ID'. The gateway has no call for one referral, so show reads your inbox\n"
        "(the %d oldest) and picks ID out; for the gateway that is one more\n"
        "delivery of each referral listed. An ID that is not waiting for you\n"
        "(unknown, not yours, acknowledged or expired) is not_found: exit 2.\n"
        "\n"
        "Example:\n"
        "  refgw show P7XBY1N3vq9ZrXW2eTkhmJ0a | less\n",
        SHOW_LIMIT);
}

/*
 * Text from the gateway for a terminal: newlines and tabs kept, every other
 * control character (C0, DEL, and C1 as UTF-8) printed as '?', so that no
 * body can move the cursor, retitle the window or hide a line.
 */
static void put_text(FILE *out, const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p != '\0'; p++) {
        if (*p == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f) {
            fputc('?', out);
            p++;
        } else if ((*p < 0x20 && *p != '\n' && *p != '\t') || *p == 0x7f) {
            fputc('?', out);
        } else {
            fputc(*p, out);
        }
    }
}

static void line(FILE *out, const char *label, const char *value)
{
    fprintf(out, "%-12s", label);
    put_text(out, value);
    fputc('\n', out);
}

static void print_item(FILE *out, const cJSON *item)
{
    char buf[160];
    line(out, "Referral", gw_string(item, "id"));
    snprintf(buf, sizeof(buf), "%s (%s)", gw_string(item, "from"),
             gw_string(item, "from_type"));
    line(out, "From", buf);
    line(out, "Received", gw_string(item, "created_at"));
    line(out, "Signal", gw_string(item, "signal"));
    line(out, "Urgency", gw_string(item, "urgency"));
    const cJSON *d = cJSON_GetObjectItemCaseSensitive(item, "deliveries");
    long long n = cJSON_IsNumber(d) ? rg_json_count(d) : 0;
    snprintf(buf, sizeof(buf), "%lld time%s, this one included", n, n == 1 ? "" : "s");
    line(out, "Handed out", buf);
    const cJSON *e2e = cJSON_GetObjectItemCaseSensitive(item, "e2e");
    if (e2e != NULL)
        snprintf(buf, sizeof(buf), "end to end, signed by %s",
                 gw_string(e2e, "signer"));
    else
        snprintf(buf, sizeof(buf), "none (the gateway could read this body)");
    line(out, "Encryption", buf);

    fputs("\nSubject\n", out);
    const cJSON *subject = cJSON_GetObjectItemCaseSensitive(item, "subject");
    for (int i = 0; i < RG_SUBJECT_ATTRS; i++) {
        const char *v = gw_string(subject, rg_subject[i].name);
        fprintf(out, "  %-14s", rg_subject[i].name);
        put_text(out, v[0] ? v : RG_UNKNOWN);
        fputc('\n', out);
    }

    const char *body = gw_string(item, "body");
    size_t len = strlen(body);
    fputs("\nBody\n", out);
    put_text(out, body);
    if (len == 0 || body[len - 1] != '\n')
        fputc('\n', out);
}

/* The item of the inbox answer with this id, or NULL. */
static const cJSON *find_item(const cJSON *doc, const char *id)
{
    const cJSON *items = cJSON_GetObjectItemCaseSensitive(doc, "referrals");
    const cJSON *item;
    cJSON_ArrayForEach(item, items)
    {
        if (strcmp(gw_string(item, "id"), id) == 0)
            return item;
    }
    return NULL;
}

static int print_json(const cJSON *item, struct cli_error *err)
{
    char *text = rg_json_print(item);
    if (text == NULL)
        return cli_fail(err, CLI_USAGE, "out of memory");
    int rc = puts(text) == EOF
                 ? cli_fail(err, CLI_USAGE, "cannot write to standard output")
                 : 0;
    gw_wipe_free(text);
    return rc;
}

/* Prints the item, decrypted first when its body is encrypted (SPEC §10). */
static int show(struct cli *c, const char *id, const cJSON *item, struct cli_error *err)
{
    cJSON *plain = NULL;
    if (sealed_item_encrypted(item)) {
        struct sealed_reader *rd = sealed_reader_new(c, err);
        char why[SEALED_REASON_MAX];
        int r = rd ? sealed_item_open(rd, item, &plain, why, err) : -1;
        sealed_reader_free(rd);
        if (r > 0)
            return cli_fail(err, CLI_REFUSED,
                            "%s: the encrypted referral cannot be read: %s", id, why);
        if (r < 0)
            return -1;
        item = plain;
    }
    int rc = 0;
    if (c->json)
        rc = print_json(item, err);
    else
        print_item(stdout, item);
    sealed_doc_free(plain);
    return rc;
}

static int run(struct cli *c, int argc, char **argv, struct cli_error *err)
{
    const char *id = NULL;
    size_t got;
    bool help_asked = false;
    if (args_plain(argc, argv, "show", &id, 1, &got, &help_asked, err) < 0)
        return -1;
    if (help_asked) {
        help(stdout);
        return 0;
    }
    if (got == 0)
        return args_usage(err, "show", "give the referral's id");
    if (gw_check_id(id, err) < 0)
        return -1;

    char path[64];
    snprintf(path, sizeof(path), "/v1/inbox?wait=0&limit=%d", SHOW_LIMIT);
    struct gw_answer ans;
    if (gw_call(c, "GET", path, NULL, 0, false, &ans, err) < 0)
        return -1;
    int rc = 0;
    const cJSON *item = find_item(ans.doc, id);
    if (!cJSON_IsArray(cJSON_GetObjectItemCaseSensitive(ans.doc, "referrals")))
        rc = cli_fail(err, CLI_REFUSED, "the gateway's answer holds no referrals list");
    else if (item == NULL)
        rc = cli_fail(
            err, CLI_REFUSED,
            "not_found: no referral %s is waiting for you (unknown, not yours, "
            "already acknowledged, expired, or not among the %d oldest)",
            id, SHOW_LIMIT);
    else
        rc = show(c, id, item, err);
    if (rc == 0 && fflush(stdout) == EOF)
        rc = cli_fail(err, CLI_USAGE, "cannot write to standard output");
    gw_answer_clear(&ans);
    return rc;
}

const struct cli_command cmd_show = {
    .name = "show",
    .summary = "one waiting referral in full, for a person to read",
    .help = help,
    .run = run,
};
