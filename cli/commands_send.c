/*
 * commands_send.c - `refgw send`: one referral, from flags or a JSON file,
 * checked with the gateway's own rules (lib/referral.c) before anything is
 * sent, then posted with a client_ref so that retries never duplicate it.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "args.h"
#include "cli.h"
#include "directory.h"
#include "gateway.h"
#include "ids.h"
#include "json.h"
#include "referral.h"
#include "sealed.h"
#include "send_input.h"
#include "taxonomy.h"

#define RETRIES_DEFAULT 3
#define RETRIES_MAX 10

enum {
    OPT_TO = ARG_HELP + 1,
    OPT_SIGNAL,
    OPT_URGENCY,
    OPT_CLIENT_REF,
    OPT_BODY,
    OPT_BODY_FILE,
    OPT_FILE,
    OPT_RETRIES,
    OPT_SUBJECT, /* + the attribute's index in rg_subject */
};

static const struct arg_opt fixed_opts[] = {
    ARG_HELP_OPT,
    {"to", 0, true, OPT_TO},
    {"signal", 0, true, OPT_SIGNAL},
    {"urgency", 0, true, OPT_URGENCY},
    {"client-ref", 0, true, OPT_CLIENT_REF},
    {"body", 0, true, OPT_BODY},
    {"body-file", 0, true, OPT_BODY_FILE},
    {"file", 0, true, OPT_FILE},
    {"retries", 0, true, OPT_RETRIES},
};
#define FIXED_OPTS (sizeof(fixed_opts) / sizeof(fixed_opts[0]))

/* "  --option ARG         text", the text wrapped at spaces to fit 80 columns. */
static void help_option(FILE *out, const char *option, const char *text)
{
    enum { INDENT = 22, WIDTH = 79 };
    int col = fprintf(out, "  %-*s", INDENT - 3, option);
    if (col > INDENT - 1) {
        fprintf(out, "\n%*s", INDENT - 1, "");
        col = INDENT - 1;
    }
    while (*text != '\0') {
        size_t word = strcspn(text, " ");
        if (col + 1 + (int)word > WIDTH && col > INDENT - 1) {
            fprintf(out, "\n%*s", INDENT - 1, "");
            col = INDENT - 1;
        }
        col += fprintf(out, " %.*s", (int)word, text);
        text += word;
        while (*text == ' ')
            text++;
    }
    fputc('\n', out);
}

static void help(FILE *out)
{
    char values[400];
    fputs(
        "usage: refgw send --to ORG --signal SIGNAL [--urgency URGENCY]\n"
        "                  [SUBJECT OPTIONS] [--client-ref REF]\n"
        "                  (--body TEXT | --body-file FILE) [--retries N]\n"
        "       refgw send --file REFERRAL.json [--retries N]\n"
        "\n"
        "Sends one referral and prints its id alone on standard output. The referral\n"
        "is first checked here with the gateway's own rules: a missing or bad field\n"
        "is refused with exit status 1, naming the field (and the value meant, for a\n"
        "near miss), and nothing is sent. Then the gateway's directory is asked: a\n"
        "recipient it does not list gets nothing (exit 2); one that publishes\n"
        "encryption certificates gets the body encrypted end to end, signed with\n"
        "your certificate (docs/e2e.md).\n"
        "\n",
        out);
    help_option(out, "--to ORG",
                "the recipient's organisation id (see 'refgw directory')");
    send_join_values(values, sizeof(values), &rg_signals, NULL);
    help_option(out, "--signal SIGNAL", values);
    send_join_values(values, sizeof(values), &rg_urgencies, NULL);
    help_option(out, "--urgency URGENCY", values);
    help_option(
        out, "--client-ref REF",
        "your key for this referral, 1-64 of A-Z a-z 0-9 . _ -; sending the same "
        "referral with the same REF again returns the first id. One is generated "
        "when none is given, and every retry uses it.");
    snprintf(values, sizeof(values),
             "free text for the recipient (names, contact, what was observed); at most "
             "%d bytes of UTF-8",
             RG_BODY_MAX);
    help_option(out, "--body TEXT", values);
    help_option(out, "--body-file FILE",
                "the body from FILE; '-' reads standard input");
    help_option(
        out, "--file FILE",
        "the whole referral as JSON (SPEC section 4), '-' for standard input; no "
        "other referral option with it");
    snprintf(values, sizeof(values),
             "after a network error or a busy gateway (429, 503), retry up to N times, "
             "1, 2, 4... s apart, with the same client_ref (default %d, at most %d)",
             RETRIES_DEFAULT, RETRIES_MAX);
    help_option(out, "--retries N", values);
    fputs("\nSubject options, from the taxonomy (each optional, default unknown):\n",
          out);
    for (int i = 0; i < RG_SUBJECT_ATTRS; i++) {
        const struct rg_attr *a = &rg_subject[i];
        char option[48];
        snprintf(option, sizeof(option), "--%s VALUE", a->flag);
        send_join_values(values, sizeof(values), &a->values, a->pattern_text);
        help_option(out, option, values);
    }
    fputs("\n"
          "Examples:\n"
          "  refgw send --to ecmj --signal loverboy --urgency urgent \\\n"
          "      --age-band 16_17 --gender female --municipality GM0935 \\\n"
          "      --body-file observation.txt\n"
          "  echo 'Seen with an older man after school.' |\n"
          "      refgw send --to ecmj --signal loverboy --body-file -\n"
          "  refgw send --file referral.json\n",
          out);
}

/* Where the value of a string option goes. */
static const char **string_option(struct send_args *a, int key)
{
    static const struct {
        int key;
        size_t offset;
    } fields[] = {
        {OPT_TO, offsetof(struct send_args, to)},
        {OPT_SIGNAL, offsetof(struct send_args, signal)},
        {OPT_URGENCY, offsetof(struct send_args, urgency)},
        {OPT_CLIENT_REF, offsetof(struct send_args, client_ref)},
        {OPT_BODY, offsetof(struct send_args, body)},
        {OPT_BODY_FILE, offsetof(struct send_args, body_file)},
        {OPT_FILE, offsetof(struct send_args, file)},
    };
    for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
        if (fields[i].key == key)
            return (const char **)((char *)a + fields[i].offset);
    return &a->subject[key - OPT_SUBJECT];
}

static int parse_args(int argc, char **argv, struct send_args *a, bool *help_asked,
                      struct cli_error *err)
{
    struct arg_opt opts[FIXED_OPTS + RG_SUBJECT_ATTRS];
    memcpy(opts, fixed_opts, sizeof(fixed_opts));
    for (int i = 0; i < RG_SUBJECT_ATTRS; i++)
        opts[FIXED_OPTS + i] =
            (struct arg_opt){rg_subject[i].flag, 0, true, OPT_SUBJECT + i};

    memset(a, 0, sizeof(*a));
    a->retries = RETRIES_DEFAULT;
    struct args p;
    args_init(&p, argc, argv, opts, FIXED_OPTS + RG_SUBJECT_ATTRS, "send");
    const char *v;
    int key;
    bool any_field = false;
    while ((key = args_next(&p, &v, err)) != ARGS_END) {
        any_field =
            any_field || (key != ARG_HELP && key != OPT_FILE && key != OPT_RETRIES);
        switch (key) {
        case ARGS_ERROR:
            return -1;
        case ARGS_POSITIONAL:
            return args_usage(err, "send", "unexpected argument '%s'", v);
        case ARG_HELP:
            *help_asked = true;
            return 0;
        case OPT_RETRIES:
            if (args_long(v, 0, RETRIES_MAX, "retries", &a->retries, err) < 0)
                return -1;
            break;
        default:
            *string_option(a, key) = v;
            break;
        }
    }
    if (a->file != NULL && any_field)
        return args_usage(err, "send",
                          "--file takes the whole referral; give no other "
                          "referral option with it");
    if (a->body != NULL && a->body_file != NULL)
        return args_usage(err, "send", "give --body or --body-file, not both");
    return 0;
}

/* Prints the gateway's answer to a send: the id alone, or the answer with --json. */
static int print_answer(const struct cli *c, const struct gw_answer *ans,
                        struct cli_error *err)
{
    if (c->json)
        return gw_answer_print(ans, stdout, err);
    const char *id = gw_string(ans->doc, "id");
    if (!rg_id_valid(id, strlen(id)))
        return cli_fail(err, CLI_REFUSED, "the gateway's answer holds no referral id");
    if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(ans->doc, "duplicate")))
        fprintf(stderr, "refgw: the gateway already had this referral (same "
                        "client_ref); its id is the first one's\n");
    printf("%s\n", id);
    return fflush(stdout) == EOF
               ? cli_fail(err, CLI_USAGE, "cannot write to standard output")
               : 0;
}

/*
 * Posts the referral to a recipient the directory lists (its entry:
 * recipient), its body sealed when the recipient publishes encryption
 * certificates. The same bytes on every retry.
 */
static int submit(struct cli *c, const struct rg_referral *r, const cJSON *recipient,
                  long retries, bool generated, struct cli_error *err)
{
    int rc = -1;
    bool sealed = false;
    cJSON *wire = rg_referral_to_json(r);
    if (wire == NULL) {
        cli_fail(err, CLI_USAGE, "out of memory");
        return -1;
    }
    if (sealed_wire(c, recipient, wire, &sealed, err) < 0) {
        sealed_doc_free(wire);
        return -1;
    }
    if (sealed && c->verbose)
        fprintf(stderr,
                "refgw: the body is encrypted end to end to %d certificate(s) of "
                "%s\n",
                cJSON_GetArraySize(
                    cJSON_GetObjectItemCaseSensitive(recipient, "encryption_certs")),
                r->to);
    char *text = rg_json_print(wire);
    struct gw_answer ans = {0};
    if (text == NULL) {
        cli_fail(err, CLI_USAGE, "out of memory");
    } else if (gw_call_retrying(c, "POST", "/v1/referrals", text, retries, &ans, err) <
               0) {
        if (err->exit == CLI_UNREACHABLE && generated) {
            size_t n = strlen(err->message);
            snprintf(err->message + n, sizeof(err->message) - n,
                     "\nrefgw: the referral may have arrived; to send it again without "
                     "a duplicate, use --client-ref %s",
                     r->client_ref);
        }
    } else {
        rc = print_answer(c, &ans, err);
    }
    gw_answer_clear(&ans);
    gw_wipe_free(text);
    sealed_doc_free(wire);
    return rc;
}

static int run(struct cli *c, int argc, char **argv, struct cli_error *err)
{
    struct send_args a;
    bool help_asked = false;
    if (parse_args(argc, argv, &a, &help_asked, err) < 0)
        return -1;
    if (help_asked) {
        help(stdout);
        return 0;
    }

    struct rg_referral r;
    memset(&r, 0, sizeof(r));
    if ((a.file ? send_from_file(a.file, &r, err) : send_from_flags(&a, &r, err)) < 0) {
        rg_referral_clear(&r);
        return -1;
    }
    /* A generated client_ref makes a retry after a lost answer safe. */
    bool generated = r.client_ref[0] == '\0';
    if (generated && rg_id_new(r.client_ref) < 0) {
        rg_referral_clear(&r);
        return cli_fail(err, CLI_USAGE, "cannot get random bytes for a client_ref");
    }
    /*
     * The directory first: a recipient it does not list gets nothing, not even
     * a body the gateway would refuse; one it lists may publish encryption
     * certificates (SPEC §10).
     */
    struct directory dir;
    int rc = directory_fetch(c, a.retries, &dir, err);
    if (rc < 0 && err->exit == CLI_UNREACHABLE) {
        size_t n = strlen(err->message);
        snprintf(err->message + n, sizeof(err->message) - n,
                 "\nrefgw: nothing was sent (the directory could not be read)");
    } else if (rc == 0) {
        const cJSON *recipient = directory_find(&dir, r.to);
        rc = recipient == NULL ? directory_refuse(&dir, r.to, err)
                               : submit(c, &r, recipient, a.retries, generated, err);
        directory_clear(&dir);
    }
    rg_referral_clear(&r);
    return rc;
}

const struct cli_command cmd_send = {
    .name = "send",
    .summary = "send one referral; prints its id",
    .help = help,
    .run = run,
};
