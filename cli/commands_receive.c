/*
 * commands_receive.c - `refgw receive`: the integration point for a
 * partner's own systems. Each referral is written to DIR/ID.json and made
 * durable (spool.c) before it is acknowledged, so a crash in between means
 * the same file is written again on the next run, never a lost referral.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>

#include "api_limits.h"
#include "args.h"
#include "cli.h"
#include "gateway.h"
#include "http.h"
#include "ids.h"
#include "sealed.h"
#include "spool.h"

#define LOOP_WAIT_DEFAULT 30
#define BACKOFF_MAX 60
/* A poll that brought only referrals already found unreadable: wait this long. */
#define UNREADABLE_NAP 5
#define UNREADABLE_MAX 512

/* Test hook (docs/refgw.md): die by SIGKILL right after a file is durable, before its
 * ack. */
#define CRASH_HOOK "REFGW_TEST_CRASH_AFTER_WRITE"

enum { OPT_DIR = ARG_HELP + 1, OPT_WAIT, OPT_LIMIT, OPT_ONCE };

static const struct arg_opt opts[] = {
    ARG_HELP_OPT,
    {"dir", 0, true, OPT_DIR},
    {"wait", 0, true, OPT_WAIT},
    {"limit", 0, true, OPT_LIMIT},
    {"once", 0, false, OPT_ONCE},
};

struct receive_args {
    const char *dir;
    long wait;
    long limit;
    bool once;
};

/* One run: where files go, how encrypted ones are read, and which could not be. */
struct receiver {
    struct cli *c;
    const struct receive_args *a;
    struct spool spool;
    struct sealed_reader *reader;
    char unreadable[UNREADABLE_MAX][RG_ID_LEN + 1]; /* each said once on stderr */
    size_t nunreadable;
};

/* Raised by SIGINT/SIGTERM: finish the referral in hand, then stop. */
static volatile sig_atomic_t stop_requested;

static void on_stop(int sig)
{
    stop_requested = sig;
}

static void help(FILE *out)
{
    fprintf(
        out,
        "usage: refgw receive --dir DIR [--wait SECONDS] [--limit N] [--once]\n"
        "\n"
        "Takes the referrals waiting for your organisation and writes each one as\n"
        "DIR/ID.json (the inbox item of the API: sender, signal, urgency, subject,\n"
        "body, ...). A file is written under a temporary name (DIR/.ID.json.tmp),\n"
        "synced, renamed and the folder synced; only then is the referral\n"
        "acknowledged, which erases it from the gateway. If refgw is stopped in\n"
        "between, the next run writes the same file again: a referral may arrive\n"
        "twice, never not at all. Prints the path of each file once acknowledged.\n"
        "\n"
        "An end-to-end encrypted referral is decrypted with --decrypt-key, its\n"
        "signature and fields checked (docs/e2e.md), and written with its body and\n"
        "\"e2e\": {\"encrypted\": true, \"signer\": CN}. One that cannot be read is\n"
        "neither written nor acknowledged: it is said on stderr (once a run), stays\n"
        "in the inbox, and the exit status is 2 once the rest is done.\n"
        "\n"
        "Without --once it keeps long-polling until SIGINT or SIGTERM, finishes\n"
        "the referral in hand and exits 0; while the gateway cannot be reached it\n"
        "retries 1, 2, 4 ... up to %d s apart.\n"
        "\n"
        "  --dir DIR        the folder (created, mode 0700, when missing)\n"
        "  --wait SECONDS   how long each poll waits for a referral, 0-60 (default\n"
        "                   %d; with --once, 0)\n"
        "  --limit N        at most N referrals a poll, 1-500 (default 50)\n"
        "  --once           one poll: write and acknowledge what it brings, then "
        "exit;\n"
        "                   exit 3 when the gateway cannot be reached\n"
        "\n"
        "Examples:\n"
        "  refgw receive --dir /var/spool/referrals\n"
        "  refgw receive --dir incoming --once --wait 10\n",
        BACKOFF_MAX, LOOP_WAIT_DEFAULT);
}

static int parse_args(int argc, char **argv, struct receive_args *a, bool *help_asked,
                      struct cli_error *err)
{
    memset(a, 0, sizeof(*a));
    a->wait = -1;
    a->limit = RG_LIMIT_DEFAULT;
    struct args p;
    args_init(&p, argc, argv, opts, sizeof(opts) / sizeof(opts[0]), "receive");
    const char *v;
    int key;
    while ((key = args_next(&p, &v, err)) != ARGS_END) {
        switch (key) {
        case ARGS_ERROR:
            return -1;
        case ARGS_POSITIONAL:
            return args_usage(err, "receive", "unexpected argument '%s'", v);
        case ARG_HELP:
            *help_asked = true;
            return 0;
        case OPT_DIR:
            a->dir = v;
            break;
        case OPT_WAIT:
            if (args_wait(v, &a->wait, err) < 0)
                return -1;
            break;
        case OPT_LIMIT:
            if (args_limit(v, &a->limit, err) < 0)
                return -1;
            break;
        case OPT_ONCE:
            a->once = true;
            break;
        }
    }
    if (a->dir == NULL || a->dir[0] == '\0')
        return args_usage(err, "receive", "--dir DIR is required");
    if (a->wait < 0)
        a->wait = a->once ? 0 : LOOP_WAIT_DEFAULT;
    return 0;
}

/* Sleeps up to seconds; wakes early when asked to stop. */
static void nap(long seconds)
{
    struct timespec tenth = {0, 100 * 1000 * 1000};
    for (long i = 0; i < seconds * 10 && !stop_requested; i++)
        nanosleep(&tenth, NULL);
}

/* Whether the referral id was found unreadable before; notes it if not. */
static bool known_unreadable(struct receiver *rc, const char *id)
{
    for (size_t i = 0; i < rc->nunreadable; i++)
        if (strcmp(rc->unreadable[i], id) == 0)
            return true;
    if (rc->nunreadable < UNREADABLE_MAX)
        snprintf(rc->unreadable[rc->nunreadable++], RG_ID_LEN + 1, "%s", id);
    return false;
}

/*
 * The item as it is to be written: itself, or decrypted into *plain (SPEC
 * §10). 1 when it is encrypted and cannot be read: said on stderr (once a
 * run), and neither written nor acknowledged; -1 with err.
 */
static int readable(struct receiver *rc, const cJSON *item, const char *id,
                    cJSON **plain, struct cli_error *err)
{
    *plain = NULL;
    if (!sealed_item_encrypted(item))
        return 0;
    char why[SEALED_REASON_MAX];
    int r = sealed_item_open(rc->reader, item, plain, why, err);
    if (r > 0 && !known_unreadable(rc, id))
        fprintf(stderr, "refgw: %s: not written and not acknowledged: %s\n", id, why);
    return r;
}

/*
 * Writes one inbox item durably, then acknowledges it. A refused ack
 * (expired, or taken by another receiver) is reported here and is not a
 * failure: the file stays. 1 when the item is encrypted and unreadable
 * (left in the inbox); -1 with err when the file cannot be written or the
 * gateway cannot be reached.
 */
static int take(struct receiver *rc, const cJSON *item, struct cli_error *err)
{
    const char *id = gw_string(item, "id");
    if (!rg_id_valid(id, strlen(id)))
        return cli_fail(err, CLI_REFUSED,
                        "the gateway sent a referral without a valid id");
    cJSON *plain;
    int r = readable(rc, item, id, &plain, err);
    if (r != 0)
        return r;
    char *text = cJSON_Print(plain ? plain : item);
    sealed_doc_free(plain);
    if (text == NULL)
        return cli_fail(err, CLI_USAGE, "out of memory");
    size_t len = strlen(text);
    text[len] = '\n'; /* replaces the NUL: the file ends with a newline */
    char name[RG_ID_LEN + 8];
    snprintf(name, sizeof(name), "%s.json", id);
    r = spool_write(&rc->spool, name, text, len + 1, err);
    OPENSSL_cleanse(text, len + 1);
    cJSON_free(text);
    if (r < 0)
        return -1;
    const char *hook = getenv(CRASH_HOOK);
    if (hook != NULL && strcmp(hook, "1") == 0)
        raise(SIGKILL);

    char path[RG_ID_LEN + 32];
    snprintf(path, sizeof(path), "/v1/inbox/%s/ack", id);
    struct gw_answer ans;
    if (gw_call(rc->c, "POST", path, NULL, 0, false, &ans, err) < 0) {
        if (err->exit != CLI_REFUSED || err->transient)
            return -1;
        fprintf(stderr, "refgw: %s/%s was written but not acknowledged: %s\n",
                rc->spool.path, name, err->message);
        return 0;
    }
    gw_answer_clear(&ans);
    printf("%s/%s\n", rc->spool.path, name);
    fflush(stdout);
    return 0;
}

/* One poll: 0 (stop_requested may be set), or -1 with err. */
static int poll_once(struct receiver *rc, size_t *taken, size_t *skipped,
                     struct cli_error *err)
{
    char path[64];
    snprintf(path, sizeof(path), "/v1/inbox?wait=%ld&limit=%ld", rc->a->wait,
             rc->a->limit);
    struct gw_answer ans;
    *taken = *skipped = 0;
    if (gw_call(rc->c, "GET", path, NULL, rc->a->wait, true, &ans, err) < 0)
        return stop_requested ? 0 : -1;
    int r = 0;
    const cJSON *items = cJSON_GetObjectItemCaseSensitive(ans.doc, "referrals");
    const cJSON *item;
    if (!cJSON_IsArray(items))
        r = cli_fail(err, CLI_REFUSED, "the gateway's answer holds no referrals list");
    cJSON_ArrayForEach(item, items)
    {
        /* What is not taken yet stays in the inbox for the next run. */
        if (r < 0 || stop_requested)
            break;
        r = take(rc, item, err);
        *taken += r == 0;
        *skipped += r == 1;
        r = r < 0 ? -1 : 0;
    }
    gw_answer_clear(&ans);
    return r;
}

static int loop(struct receiver *rc, struct cli_error *err)
{
    const struct receive_args *a = rc->a;
    long backoff = 0;
    char last[CLI_MESSAGE_MAX] = "";
    while (!stop_requested) {
        size_t taken, skipped;
        if (poll_once(rc, &taken, &skipped, err) == 0) {
            if (last[0] != '\0')
                fprintf(stderr, "refgw: the gateway answers again\n");
            last[0] = '\0';
            backoff = 0;
            if (a->once)
                return 0;
            /* Unreadable referrals stay waiting: a long-poll would return at once. */
            if (taken == 0 && skipped > 0)
                nap(UNREADABLE_NAP);
            else if (taken == 0 && a->wait == 0)
                nap(1);
            continue;
        }
        /* Our own folder, our files, or a lasting refusal: stop and say so. */
        if (a->once || err->exit == CLI_USAGE ||
            (err->exit == CLI_REFUSED && !err->transient))
            return -1;
        backoff = backoff ? backoff * 2 : 1;
        if (err->retry_after > backoff)
            backoff = err->retry_after;
        if (backoff > BACKOFF_MAX)
            backoff = BACKOFF_MAX;
        if (strcmp(last, err->message) != 0)
            fprintf(stderr, "refgw: %s; retrying, at most %d s apart\n", err->message,
                    BACKOFF_MAX);
        snprintf(last, sizeof(last), "%s", err->message);
        nap(backoff);
    }
    return 0;
}

static int run(struct cli *c, int argc, char **argv, struct cli_error *err)
{
    struct receive_args a;
    bool help_asked = false;
    if (parse_args(argc, argv, &a, &help_asked, err) < 0)
        return -1;
    if (help_asked) {
        help(stdout);
        return 0;
    }
    struct receiver *rc = calloc(1, sizeof(*rc));
    if (rc == NULL)
        return cli_fail(err, CLI_USAGE, "out of memory");
    rc->c = c;
    rc->a = &a;
    int r = -1;
    if (spool_open(&rc->spool, a.dir, err) < 0) {
        free(rc);
        return -1;
    }
    if (gw_connect(c, err) == 0 && (rc->reader = sealed_reader_new(c, err)) != NULL) {
        struct sigaction sa;
        memset(&sa, 0, sizeof(sa));
        sa.sa_handler = on_stop;
        sigemptyset(&sa.sa_mask);
        sigaction(SIGINT, &sa, NULL);
        sigaction(SIGTERM, &sa, NULL);
        http_set_cancel(c->http, &stop_requested);
        r = loop(rc, err);
    }
    /* The rest is done: now say that some could not be read (SPEC §10). */
    if (r == 0 && rc->nunreadable > 0)
        r = cli_fail(err, CLI_REFUSED,
                     "%zu encrypted referral%s could not be read: left in the inbox, "
                     "not acknowledged",
                     rc->nunreadable, rc->nunreadable == 1 ? "" : "s");
    sealed_reader_free(rc->reader);
    spool_close(&rc->spool);
    free(rc);
    return r;
}

const struct cli_command cmd_receive = {
    .name = "receive",
    .summary = "write waiting referrals into a folder, then acknowledge them",
    .help = help,
    .run = run,
};
