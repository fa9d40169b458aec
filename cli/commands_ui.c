/*
 * commands_ui.c - `refgw ui`: the staff page (SPEC §12, docs/ui.md). Checks
 * the options and the organisation's certificate, then serves the page on
 * loopback (ui_server.h) until SIGTERM or SIGINT, and exits 0.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/pem.h>

#include "args.h"
#include "cli.h"
#include "gateway.h"
#include "report_fetch.h"
#include "sealed.h"
#include "ui_app.h"
#include "ui_sentlog.h"
#include "ui_server.h"

enum { OPT_LISTEN = ARG_HELP + 1, OPT_LANG, OPT_SENT_FILE };

static const struct arg_opt opts[] = {
    ARG_HELP_OPT,
    {"listen", 0, true, OPT_LISTEN},
    {"lang", 0, true, OPT_LANG},
    {"sent-file", 0, true, OPT_SENT_FILE},
};

static void help(FILE *out)
{
    fputs(
        "usage: refgw ui [--listen 127.0.0.1:PORT] [--lang nl|en] [--sent-file FILE]\n"
        "\n"
        "The work of refgw as web pages, for staff who do not use a terminal: send a\n"
        "referral with a form, read the inbox (end-to-end encrypted referrals\n"
        "decrypted with --decrypt-key and checked), save a referral and confirm its\n"
        "receipt, follow what was sent, and for administrators the report. The page\n"
        "is served on this computer only; the certificate and keys stay in refgw.\n"
        "\n"
        "It prints one line, 'refgw ui: http://127.0.0.1:PORT/?token=TOKEN': open\n"
        "that link in a browser on this computer. The token is new at each start;\n"
        "without it (or the session cookie it gives) every page answers 403.\n"
        "SIGTERM or Ctrl-C ends it (exit 0).\n"
        "\n"
        "  --listen ADDR:PORT  a loopback address 127.x.y.z (or localhost) and a\n"
        "                      port; default 127.0.0.1:0, a free port\n"
        "  --lang nl|en        the pages' language; by default Dutch when LC_ALL,\n"
        "                      LC_MESSAGES or LANG (the first set) begins with nl\n"
        "  --sent-file FILE    keep the ids of the referrals sent from the page in\n"
        "                      FILE (created 0600), for the page 'Sent'; without\n"
        "                      it the list lasts as long as the page\n"
        "\n"
        "Example:\n"
        "  refgw ui --lang nl --sent-file ~/verstuurde-signalen.tsv\n"
        "\n"
        "See docs/ui.md.\n",
        out);
}

/* "127.0.0.1:8080", "localhost:0": a loopback IPv4 address and a port. */
static int parse_listen(const char *v, char addr[INET_ADDRSTRLEN], unsigned *port,
                        struct cli_error *err)
{
    const char *colon = strrchr(v, ':');
    char host[INET_ADDRSTRLEN];
    long p;
    struct in_addr a;
    if (colon == NULL || (size_t)(colon - v) >= sizeof(host))
        return args_usage(err, "ui", "--listen must be ADDRESS:PORT");
    snprintf(host, sizeof(host), "%.*s", (int)(colon - v), v);
    if (args_long(colon + 1, 0, 65535, "listen's port", &p, err) < 0)
        return -1;
    if (strcmp(host, "localhost") == 0)
        snprintf(host, sizeof(host), "127.0.0.1");
    if (inet_pton(AF_INET, host, &a) != 1 || (ntohl(a.s_addr) >> 24) != 127)
        return args_usage(err, "ui",
                          "--listen takes a loopback address only (127.x.y.z or "
                          "localhost): the page must not be reachable from the "
                          "network");
    snprintf(addr, INET_ADDRSTRLEN, "%s", host);
    *port = (unsigned)p;
    return 0;
}

/* This organisation's id: the single CN of --cert. */
static int read_org(const struct cli *c, char out[E2E_CN_MAX + 1],
                    struct cli_error *err)
{
    FILE *f = fopen(c->cert, "r");
    if (f == NULL)
        return cli_fail(err, CLI_USAGE, "cannot read --cert %s: %s", c->cert,
                        strerror(errno));
    X509 *x = PEM_read_X509(f, NULL, NULL, NULL);
    fclose(f);
    int rc = x != NULL && e2e_cert_cn(x, out) == 0
                 ? 0
                 : cli_fail(err, CLI_USAGE,
                            "--cert %s: no certificate with a single CN", c->cert);
    X509_free(x);
    ERR_clear_error();
    return rc;
}

static int run(struct cli *c, int argc, char **argv, struct cli_error *err)
{
    char addr[INET_ADDRSTRLEN] = "127.0.0.1";
    unsigned port = 0;
    const char *lang = NULL, *sent_file = NULL, *v;
    struct args p;
    args_init(&p, argc, argv, opts, sizeof(opts) / sizeof(opts[0]), "ui");
    int key;
    while ((key = args_next(&p, &v, err)) != ARGS_END) {
        switch (key) {
        case ARGS_ERROR:
            return -1;
        case ARGS_POSITIONAL:
            return args_usage(err, "ui", "unexpected argument '%s'", v);
        case ARG_HELP:
            help(stdout);
            return 0;
        case OPT_LISTEN:
            if (parse_listen(v, addr, &port, err) < 0)
                return -1;
            break;
        case OPT_LANG:
            lang = v;
            break;
        case OPT_SENT_FILE:
            sent_file = v;
            break;
        }
    }
    struct ui_app *app = calloc(1, sizeof(*app));
    if (app == NULL)
        return cli_fail(err, CLI_USAGE, "out of memory");
    app->ui.c = c;
    app->ui.lang = rg_lang_from_env();
    int rc = -1;
    if (lang != NULL && rg_lang_parse(lang, &app->ui.lang) < 0)
        args_usage(err, "ui", "--lang must be nl or en");
    else if (gw_connect(c, err) == 0 && read_org(c, app->ui.org, err) == 0 &&
             (app->ui.sent = ui_sentlog_open(sent_file, err)) != NULL &&
             (app->ui.reader = sealed_reader_new(c, err)) != NULL &&
             (app->ui.reports = report_cache_new()) != NULL)
        rc = ui_server_run(app, addr, port, err);
    else if (app->ui.reader != NULL) /* the only step that leaves err empty */
        cli_fail(err, CLI_USAGE, "out of memory");
    report_cache_free(app->ui.reports);
    sealed_reader_free(app->ui.reader);
    ui_sentlog_free(app->ui.sent);
    free(app);
    return rc;
}

const struct cli_command cmd_ui = {
    .name = "ui",
    .summary = "the staff page: this work as web pages, on this computer",
    .help = help,
    .run = run,
};
