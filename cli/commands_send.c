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
#include "gateway.h"
#include "ids.h"
#include "json.h"
#include "referral.h"
#include "taxonomy.h"

/* A --file may hold the body escaped; the gateway takes at most 128 KiB anyway. */
#define FILE_MAX (1u << 20)
#define RETRIES_DEFAULT 3
#define RETRIES_MAX 10
#define RETRY_WAIT_MAX 60

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

struct send_args {
    const char *to, *signal, *urgency, *client_ref, *body, *body_file, *file;
    const char *subject[RG_SUBJECT_ATTRS];
    long retries;
};

/* "a, b, c" from a closed list, with the pattern's description after it. */
static void join_values(char *buf, size_t size, const struct rg_enum *e,
                        const char *pattern_text)
{
    size_t used = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < e->count && used < size; i++)
        used += (size_t)snprintf(buf + used, size - used, "%s%s", i ? ", " : "",
                                 e->values[i]);
    if (pattern_text != NULL && used < size)
        snprintf(buf + used, size - used, ", or %s", pattern_text);
}

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
        "is refused with exit status 1, naming the field, and nothing is sent.\n"
        "\n",
        out);
    help_option(out, "--to ORG",
                "the recipient's organisation id (see 'refgw directory')");
    join_values(values, sizeof(values), &rg_signals, NULL);
    help_option(out, "--signal SIGNAL", values);
    join_values(values, sizeof(values), &rg_urgencies, NULL);
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
        join_values(values, sizeof(values), &a->values, a->pattern_text);
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

/* Reads all of path ("-": standard input), at most max bytes plus one to tell. */
static int read_input(const char *path, size_t max, char **out, size_t *out_len,
                      struct cli_error *err)
{
    FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
    if (f == NULL)
        return cli_fail(err, CLI_USAGE, "cannot open %s: %s", path, strerror(errno));
    char *buf = malloc(max + 2);
    if (buf == NULL) {
        if (f != stdin)
            fclose(f);
        return cli_fail(err, CLI_USAGE, "out of memory");
    }
    size_t len = fread(buf, 1, max + 1, f);
    bool failed = ferror(f);
    if (f != stdin)
        fclose(f);
    if (failed) {
        free(buf);
        return cli_fail(err, CLI_USAGE, "cannot read %s", path);
    }
    buf[len] = '\0';
    *out = buf;
    *out_len = len;
    return 0;
}

/* The option that sets a field of the referral, for messages. */
static const char *flag_of(const char *field)
{
    static const struct {
        const char *field, *flag;
    } fixed[] = {{"to", "--to"},
                 {"signal", "--signal"},
                 {"urgency", "--urgency"},
                 {"client_ref", "--client-ref"},
                 {"body", "--body or --body-file"}};
    for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
        if (strcmp(fixed[i].field, field) == 0)
            return fixed[i].flag;
    return NULL;
}

/* Exit 1 naming the field, its option, and the values it allows. */
static int invalid(const struct rg_error *e, bool from_flags, struct cli_error *err)
{
    char allowed[400] = "", option[64] = "";
    const struct rg_enum *list = NULL;
    const char *pattern = NULL;
    if (strcmp(e->field, "signal") == 0) {
        list = &rg_signals;
    } else if (strcmp(e->field, "urgency") == 0) {
        list = &rg_urgencies;
    } else if (strncmp(e->field, "subject.", 8) == 0) {
        int i = rg_subject_find(e->field + 8, strlen(e->field + 8));
        if (i >= 0) {
            list = &rg_subject[i].values;
            pattern = rg_subject[i].pattern_text;
            snprintf(option, sizeof(option), ", option --%s", rg_subject[i].flag);
        }
    }
    if (option[0] == '\0' && flag_of(e->field) != NULL)
        snprintf(option, sizeof(option), ", option %s", flag_of(e->field));
    if (list != NULL && e->code == RG_INVALID_FIELD) {
        char values[360];
        join_values(values, sizeof(values), list, pattern);
        snprintf(allowed, sizeof(allowed), "; allowed: %s", values);
    }
    return cli_fail(err, CLI_USAGE, "invalid referral: %s (%s%s%s%s)%s", e->message,
                    rg_code_name(e->code), e->field[0] ? ", field " : "", e->field,
                    from_flags ? option : "", allowed);
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

/* The referral from --file, validated. */
static int from_file(const char *path, struct rg_referral *r, struct cli_error *err)
{
    char *buf;
    size_t len;
    if (read_input(path, FILE_MAX, &buf, &len, err) < 0)
        return -1;
    int rc = 0;
    struct rg_error e;
    if (len > FILE_MAX)
        rc = cli_fail(err, CLI_USAGE, "%s is larger than %u KiB", path, FILE_MAX >> 10);
    else if (rg_referral_parse(buf, len, r, &e) < 0)
        rc = invalid(&e, false, err);
    OPENSSL_cleanse(buf, len);
    free(buf);
    return rc;
}

static int put(cJSON *obj, const char *name, const char *value)
{
    if (value == NULL)
        return 0;
    return cJSON_AddStringToObject(obj, name, value) ? 0 : -1;
}

/* The referral from flags: built as the JSON document, then validated like a file. */
static int from_flags(const struct send_args *a, struct rg_referral *r,
                      struct cli_error *err)
{
    char *body = NULL;
    size_t body_len = 0;
    if (a->body_file != NULL) {
        /* One byte over the limit is enough for validation to say "too large". */
        if (read_input(a->body_file, RG_BODY_MAX, &body, &body_len, err) < 0)
            return -1;
        if (memchr(body, '\0', body_len) != NULL) {
            free(body);
            return cli_fail(
                err, CLI_USAGE,
                "invalid referral: the body contains a NUL byte (invalid_field, "
                "field body, option --body-file)");
        }
    }

    int rc = -1;
    cJSON *doc = cJSON_CreateObject();
    cJSON *subject = NULL;
    if (doc == NULL || put(doc, "to", a->to) < 0 || put(doc, "signal", a->signal) < 0 ||
        put(doc, "urgency", a->urgency) < 0 ||
        put(doc, "client_ref", a->client_ref) < 0 ||
        put(doc, "body", body ? body : a->body) < 0)
        goto oom;
    for (int i = 0; i < RG_SUBJECT_ATTRS; i++) {
        if (a->subject[i] == NULL)
            continue;
        if (subject == NULL &&
            (subject = cJSON_AddObjectToObject(doc, "subject")) == NULL)
            goto oom;
        if (put(subject, rg_subject[i].name, a->subject[i]) < 0)
            goto oom;
    }
    struct rg_error e;
    rc = rg_referral_from_json(doc, r, &e) < 0 ? invalid(&e, true, err) : 0;
    goto done;
oom:
    cli_fail(err, CLI_USAGE, "out of memory");
done:
    cJSON_Delete(doc);
    if (body != NULL) {
        OPENSSL_cleanse(body, body_len);
        free(body);
    }
    return rc;
}

static void pause_before_retry(const struct cli_error *e, int attempt, int attempts)
{
    long wait = 1L << (attempt - 1);
    if (e->retry_after > 0)
        wait = e->retry_after;
    if (wait > RETRY_WAIT_MAX)
        wait = RETRY_WAIT_MAX;
    fprintf(stderr, "refgw: %s; retrying in %ld s (%d of %d)\n", e->message, wait,
            attempt, attempts);
    sleep((unsigned)wait);
}

/* POSTs the same bytes until answered, a permanent failure, or out of retries. */
static int post(struct cli *c, const char *text, long retries, struct gw_answer *ans,
                struct cli_error *err)
{
    for (int attempt = 0;; attempt++) {
        if (gw_call(c, "POST", "/v1/referrals", text, 0, false, ans, err) == 0)
            return 0;
        if (!err->transient || attempt >= retries)
            return -1;
        pause_before_retry(err, attempt + 1, (int)retries);
    }
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
    if ((a.file ? from_file(a.file, &r, err) : from_flags(&a, &r, err)) < 0) {
        rg_referral_clear(&r);
        return -1;
    }
    /* A generated client_ref makes a retry after a lost answer safe. */
    bool generated = r.client_ref[0] == '\0';
    if (generated && rg_id_new(r.client_ref) < 0) {
        rg_referral_clear(&r);
        return cli_fail(err, CLI_USAGE, "cannot get random bytes for a client_ref");
    }

    int rc = -1;
    cJSON *wire = rg_referral_to_json(&r);
    char *text = wire ? rg_json_print(wire) : NULL;
    struct gw_answer ans = {0};
    if (text == NULL) {
        cli_fail(err, CLI_USAGE, "out of memory");
    } else if (post(c, text, a.retries, &ans, err) < 0) {
        if (err->exit == CLI_UNREACHABLE && generated) {
            size_t n = strlen(err->message);
            snprintf(err->message + n, sizeof(err->message) - n,
                     "\nrefgw: the referral may have arrived; to send it again without "
                     "a duplicate, use --client-ref %s",
                     r.client_ref);
        }
    } else if (c->json) {
        rc = gw_answer_print(&ans, stdout, err);
    } else {
        const char *id = gw_string(ans.doc, "id");
        if (!rg_id_valid(id, strlen(id))) {
            cli_fail(err, CLI_REFUSED, "the gateway's answer holds no referral id");
        } else {
            if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(ans.doc, "duplicate")))
                fprintf(stderr, "refgw: the gateway already had this referral (same "
                                "client_ref); its id is the first one's\n");
            printf("%s\n", id);
            rc = fflush(stdout) == EOF
                     ? cli_fail(err, CLI_USAGE, "cannot write to standard output")
                     : 0;
        }
    }
    gw_answer_clear(&ans);
    if (text != NULL) {
        OPENSSL_cleanse(text, strlen(text));
        cJSON_free(text);
    }
    cJSON_Delete(wire);
    rg_referral_clear(&r);
    return rc;
}

const struct cli_command cmd_send = {
    .name = "send",
    .summary = "send one referral; prints its id",
    .help = help,
    .run = run,
};
