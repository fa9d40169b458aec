/*
 * opts.c - refgw-bench's command line: every option, its default and its
 * check, and the usage text (opts.h).
 */
#include "opts.h"

#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <netdb.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- options --------------------------------------------------------------- */

enum num_type { T_DOUBLE, T_UNSIGNED, T_SIZE };

/* The numeric options, as data: name, where it goes, range and help. */
static const struct num_opt {
    const char *name;
    size_t offset;
    enum num_type type;
    double min, max, def;
    const char *help;
} num_opts[] = {
    {"connections", offsetof(struct bench_opts, connections), T_UNSIGNED, 1, 1000000,
     16, "keep-alive connections (handshake: concurrent handshakes; idle: to open)"},
    {"rate", offsetof(struct bench_opts, rate), T_DOUBLE, 0, 1e7, 0,
     "requests/s over all connections, open-loop; 0: as fast as possible"},
    {"duration", offsetof(struct bench_opts, duration), T_DOUBLE, 0.1, 86400 * 7, 10,
     "seconds measured"},
    {"warmup", offsetof(struct bench_opts, warmup), T_DOUBLE, 0, 3600, 2,
     "seconds of load before the measured window"},
    {"hold", offsetof(struct bench_opts, hold), T_DOUBLE, 0, 86400, 0,
     "idle: seconds to keep the connections open after reporting"},
    {"timeout", offsetof(struct bench_opts, timeout), T_DOUBLE, 1, 3600, 10,
     "seconds for a handshake or an answer"},
    {"drain", offsetof(struct bench_opts, drain), T_DOUBLE, 0, 3600, 10,
     "e2e: seconds to wait after the window for its sends to arrive"},
    {"threads", offsetof(struct bench_opts, threads), T_UNSIGNED, 1, 64, 1,
     "worker threads, each with its own event loop (e2e: 1)"},
    {"ack-connections", offsetof(struct bench_opts, ack_connections), T_UNSIGNED, 1, 64,
     4, "e2e: connections per recipient that acknowledge"},
    {"wait", offsetof(struct bench_opts, inbox_wait), T_UNSIGNED, 0, 60, 30,
     "e2e: long-poll wait of each inbox request"},
    {"limit", offsetof(struct bench_opts, inbox_limit), T_UNSIGNED, 1, 500, 500,
     "e2e: items per inbox answer"},
    {"max-connecting", offsetof(struct bench_opts, max_connecting), T_UNSIGNED, 1,
     100000, 64, "idle: handshakes in progress at once"},
    {"body-size", offsetof(struct bench_opts, body_size), T_SIZE, 1, 65536, 2048,
     "bytes of free text in each referral"},
};
#define NUM_OPTS (sizeof num_opts / sizeof num_opts[0])

enum {
    O_URL = 1,
    O_RECV_URL,
    O_GET_PATH,
    O_CA,
    O_IDENTITY,
    O_RECIPIENT,
    O_TO,
    O_PID,
    O_BODY_CMS,
    O_MODE,
    O_JSON,
    O_IDS_OUT,
    O_HELP,
    O_NUM = 100
};

static const struct option string_opts[] = {
    {"url", required_argument, NULL, O_URL},
    {"recipient-url", required_argument, NULL, O_RECV_URL},
    {"path", required_argument, NULL, O_GET_PATH},
    {"ca", required_argument, NULL, O_CA},
    {"identity", required_argument, NULL, O_IDENTITY},
    {"recipient", required_argument, NULL, O_RECIPIENT},
    {"to", required_argument, NULL, O_TO},
    {"server-pid", required_argument, NULL, O_PID},
    {"body-cms", required_argument, NULL, O_BODY_CMS},
    {"mode", required_argument, NULL, O_MODE},
    {"json", no_argument, NULL, O_JSON},
    {"ids-out", required_argument, NULL, O_IDS_OUT},
    {"help", no_argument, NULL, O_HELP},
};
#define STRING_OPTS (sizeof string_opts / sizeof string_opts[0])

static int set_num(struct bench_opts *o, const struct num_opt *n, const char *arg,
                   char *err, size_t errlen)
{
    char *end;
    errno = 0;
    double v = strtod(arg, &end);
    if (errno || end == arg || *end || v < n->min || v > n->max ||
        (n->type != T_DOUBLE && v != (double)(long long)v)) {
        snprintf(err, errlen, "--%s: expected a number from %g to %g", n->name, n->min,
                 n->max);
        return -1;
    }
    char *field = (char *)o + n->offset;
    if (n->type == T_DOUBLE)
        *(double *)field = v;
    else if (n->type == T_UNSIGNED)
        *(unsigned *)field = (unsigned)v;
    else
        *(size_t *)field = (size_t)v;
    return 0;
}

/* "CERT:KEY", split at the last colon. */
static int split_identity(char *arg, struct ident *id)
{
    char *colon = strrchr(arg, ':');
    if (!colon || colon == arg || !colon[1])
        return -1;
    *colon = '\0';
    id->cert = arg;
    id->key = colon + 1;
    return 0;
}

static int set_mode(struct bench_opts *o, const char *name, char *err, size_t errlen)
{
    for (size_t i = 0; i < MODE_COUNT; i++)
        if (strcmp(name, mode_names[i]) == 0) {
            o->mode = (enum bench_mode)i;
            return 0;
        }
    snprintf(err, errlen, "unknown mode '%s' (send, e2e, handshake, idle, get)", name);
    return -1;
}

/* "https://HOST[:PORT][/]", HOST possibly a bracketed IPv6 address. */
static int parse_url(struct target *o, char *err, size_t errlen)
{
    const char *p = o->url;
    if (strncmp(p, "https://", 8) != 0)
        goto bad;
    p += 8;
    const char *host_end;
    if (*p == '[') {
        host_end = strchr(p, ']');
        if (!host_end)
            goto bad;
        p++;
    } else {
        host_end = p + strcspn(p, ":/");
    }
    size_t hlen = (size_t)(host_end - p);
    if (hlen == 0 || hlen >= sizeof o->host)
        goto bad;
    memcpy(o->host, p, hlen);
    o->host[hlen] = '\0';
    p = host_end + (*host_end == ']');
    snprintf(o->port, sizeof o->port, "443");
    if (*p == ':') {
        size_t plen = strspn(p + 1, "0123456789");
        if (plen == 0 || plen >= sizeof o->port)
            goto bad;
        memcpy(o->port, p + 1, plen);
        o->port[plen] = '\0';
        p += 1 + plen;
    }
    if (*p && strcmp(p, "/") != 0)
        goto bad;
    return 0;
bad:
    snprintf(err, errlen, "--url: expected https://HOST:PORT");
    return -1;
}

static int add_option(struct bench_opts *o, int opt, char *arg, char *err,
                      size_t errlen)
{
    switch (opt) {
    case O_URL:
        if (o->ntargets == MAX_TARGETS)
            break;
        o->targets[o->ntargets++].url = arg;
        return 0;
    case O_RECV_URL:
        o->recv.url = arg;
        o->recv_set = true;
        return 0;
    case O_GET_PATH:
        if (arg[0] != '/' || strlen(arg) > 200 || strpbrk(arg, " \r\n"))
            break;
        o->path = arg;
        return 0;
    case O_CA:
        o->ca = arg;
        return 0;
    case O_MODE:
        return set_mode(o, arg, err, errlen);
    case O_IDS_OUT:
        o->ids_out = arg;
        return 0;
    case O_JSON:
        o->json = true;
        return 0;
    case O_IDENTITY:
        if (o->nsenders == MAX_IDENTS ||
            split_identity(arg, &o->senders[o->nsenders]) < 0)
            break;
        o->nsenders++;
        return 0;
    case O_RECIPIENT: {
        char *eq = strchr(arg, '=');
        struct ident *id = &o->recipients[o->nrecipients];
        if (o->nrecipients == MAX_IDENTS || !eq || eq == arg)
            break;
        *eq = '\0';
        id->org = arg;
        if (split_identity(eq + 1, id) < 0)
            break;
        o->nrecipients++;
        return 0;
    }
    case O_TO:
        if (o->nto == MAX_TO || !*arg)
            break;
        o->to[o->nto++] = arg;
        return 0;
    case O_BODY_CMS:
        o->body_cms_file = arg;
        return 0;
    case O_PID: {
        char *end;
        long pid = strtol(arg, &end, 10);
        if (o->npids == MAX_PIDS || *end || pid <= 0)
            break;
        o->pids[o->npids++] = (pid_t)pid;
        return 0;
    }
    }
    snprintf(err, errlen, "bad or too many values for an option: '%s'", arg);
    return -1;
}

/* What each mode needs, checked once all options are in. */
static int check_options(struct bench_opts *o, char *err, size_t errlen)
{
    if (o->ntargets == 0 || !o->ca) {
        snprintf(err, errlen, "--url and --ca are required");
        return -1;
    }
    if (o->nsenders == 0) {
        snprintf(err, errlen, "at least one --identity CERT:KEY is required");
        return -1;
    }
    if (o->mode == MODE_E2E) {
        if (o->nrecipients == 0) {
            snprintf(err, errlen, "e2e needs at least one --recipient ORG=CERT:KEY");
            return -1;
        }
        if (o->threads != 1) {
            snprintf(err, errlen,
                     "e2e runs in one thread (it matches sends and receipts)");
            return -1;
        }
        for (size_t i = 0; o->nto == 0 && i < o->nrecipients; i++)
            o->to[i] = o->recipients[i].org;
        if (o->nto == 0)
            o->nto = o->nrecipients;
    }
    if (o->mode == MODE_SEND && o->nto == 0) {
        snprintf(err, errlen, "send needs at least one --to ORG");
        return -1;
    }
    if (o->threads > o->connections)
        o->threads = o->connections;
    for (size_t i = 0; i < o->ntargets; i++)
        if (parse_url(&o->targets[i], err, errlen) < 0)
            return -1;
    if (!o->recv_set)
        o->recv = o->targets[0];
    return parse_url(&o->recv, err, errlen);
}

int opts_parse(int argc, char **argv, struct bench_opts *o, char *err, size_t errlen)
{
    struct option all[STRING_OPTS + NUM_OPTS + 1];
    o->path = "/v1/health";
    memcpy(all, string_opts, sizeof string_opts);
    for (size_t i = 0; i < NUM_OPTS; i++) {
        all[STRING_OPTS + i] =
            (struct option){num_opts[i].name, required_argument, NULL, O_NUM + (int)i};
        /* Defaults first, so an option overrides them. */
        char def[32];
        snprintf(def, sizeof def, "%.17g", num_opts[i].def);
        set_num(o, &num_opts[i], def, err, errlen);
    }
    memset(&all[STRING_OPTS + NUM_OPTS], 0, sizeof all[0]);
    int opt;
    while ((opt = getopt_long(argc, argv, "", all, NULL)) != -1) {
        if (opt == O_HELP) {
            opts_usage(stdout);
            exit(0);
        }
        if (opt == '?') {
            snprintf(err, errlen, "see --help");
            return -1;
        }
        int rc = opt >= O_NUM ? set_num(o, &num_opts[opt - O_NUM], optarg, err, errlen)
                              : add_option(o, opt, optarg, err, errlen);
        if (rc < 0)
            return -1;
    }
    /* The mode may also come as the one word left. */
    if (optind < argc && set_mode(o, argv[optind++], err, errlen) < 0)
        return -1;
    if (optind < argc) {
        snprintf(err, errlen, "unexpected argument '%s'", argv[optind]);
        return -1;
    }
    return check_options(o, err, errlen);
}

void opts_usage(FILE *f)
{
    fprintf(
        f,
        "usage: refgw-bench [send|e2e|handshake|idle] --url https://HOST:PORT --ca "
        "FILE\n"
        "                   --identity CERT:KEY... [--recipient ORG=CERT:KEY...]\n"
        "                   [--to ORG...] [--server-pid PID...] [--json] [options]\n\n"
        "  send       POST /v1/referrals on keep-alive connections, count the 202s\n"
        "  e2e        send, while each recipient long-polls its inbox and acks;\n"
        "             measures the time from a send's 202 to its receipt\n"
        "  handshake  a new connection per request: handshake, GET /v1/health, close\n"
        "  idle       open --connections connections, report, hold them --hold s\n\n"
        "  --url URL                 the server; repeated (gateway nodes sharing a\n"
        "                            store), sending connections go to each in turn\n"
        "  --recipient-url URL       e2e: where recipients poll and acknowledge\n"
        "                            (default the first --url)\n"
        "  --identity CERT:KEY       a sender's certificate (repeat for several)\n"
        "  --recipient ORG=CERT:KEY  an e2e recipient (repeat); default --to\n"
        "  --to ORG                  recipients of sends, in turn (repeat)\n"
        "  --body-cms FILE           send: a fixed sealed body (base64, SPEC §10)\n"
        "                            in place of --body-size bytes of text\n"
        "  --server-pid PID          report the server's CPU and memory (with its\n"
        "                            child processes) from /proc\n"
        "  --json                    one JSON object instead of text\n"
        "  --ids-out FILE            send: write the id of every 202 to FILE, one a\n"
        "                            line (to check later that none was lost)\n");
    for (size_t i = 0; i < NUM_OPTS; i++)
        fprintf(f, "  --%-15s %s (default %g)\n", num_opts[i].name, num_opts[i].help,
                num_opts[i].def);
}
