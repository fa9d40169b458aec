/*
 * main.c - refgw: the global options, the command table, and the one place
 * where an error is printed and turned into the exit status.
 */
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <curl/curl.h>

#include "args.h"
#include "cli.h"
#include "http.h"
#include "wipe.h"

#define CONNECT_TIMEOUT_DEFAULT 10
#define TIMEOUT_DEFAULT 30

/* The commands, in the order of `refgw --help`; a new command is one more entry. */
static const struct cli_command *const commands[] = {
    &cmd_send,   &cmd_inbox,     &cmd_receive, &cmd_ack,
    &cmd_status, &cmd_directory, &cmd_stats,   &cmd_report,
};
#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

enum {
    OPT_GATEWAY = ARG_HELP + 1,
    OPT_CERT,
    OPT_KEY,
    OPT_CA,
    OPT_JSON,
    OPT_VERBOSE,
    OPT_CONNECT_TIMEOUT,
    OPT_TIMEOUT,
    OPT_VERSION,
};

static const struct arg_opt global_opts[] = {
    ARG_HELP_OPT,
    {"gateway", 0, true, OPT_GATEWAY},
    {"cert", 0, true, OPT_CERT},
    {"key", 0, true, OPT_KEY},
    {"ca", 0, true, OPT_CA},
    {"json", 0, false, OPT_JSON},
    {"verbose", 'v', false, OPT_VERBOSE},
    {"connect-timeout", 0, true, OPT_CONNECT_TIMEOUT},
    {"timeout", 0, true, OPT_TIMEOUT},
    {"version", 0, false, OPT_VERSION},
};

/* The options that may also come from the environment; the option wins. */
static const struct {
    int key;
    const char *variable;
    size_t offset;
} from_env[] = {
    {OPT_GATEWAY, "REFGW_GATEWAY", offsetof(struct cli, gateway)},
    {OPT_CERT, "REFGW_CERT", offsetof(struct cli, cert)},
    {OPT_KEY, "REFGW_KEY", offsetof(struct cli, key)},
    {OPT_CA, "REFGW_CA", offsetof(struct cli, ca)},
};

static void help(FILE *out)
{
    fprintf(
        out,
        "usage: refgw [--gateway URL] [--cert FILE] [--key FILE] [--ca FILE] [--json]\n"
        "             [--verbose] [--connect-timeout S] [--timeout S] COMMAND [ARGS]\n"
        "\n"
        "The command-line client of the refgw referral gateway: send referrals about\n"
        "young people at risk to partner organisations, and receive yours.\n"
        "\n"
        "Commands:\n");
    for (size_t i = 0; i < NCOMMANDS; i++)
        fprintf(out, "  %-10s %s\n", commands[i]->name, commands[i]->summary);
    fprintf(
        out,
        "  %-10s %s\n"
        "\n"
        "Global options (each of the first four also from its environment variable;\n"
        "the option wins):\n"
        "  --gateway URL        the gateway, https://HOST:PORT      REFGW_GATEWAY\n"
        "  --cert FILE          your organisation's certificate    REFGW_CERT\n"
        "  --key FILE           its private key (default: in FILE)  REFGW_KEY\n"
        "  --ca FILE            the CA that signed the gateway's    REFGW_CA\n"
        "                       certificate (default: the system's)\n"
        "  --json               print the gateway's answers as JSON\n"
        "  -v, --verbose        one line per request on stderr\n"
        "  --connect-timeout S  give up connecting after S seconds (default %d)\n"
        "  --timeout S          give up on an answer after S seconds, plus the wait\n"
        "                       of a long-poll (default %d)\n"
        "\n"
        "Exit status: 0 done; 1 usage error, invalid referral or local file problem;\n"
        "2 the gateway refused (its error code and message on stderr); 3 the gateway\n"
        "could not be reached or the TLS handshake failed.\n"
        "\n"
        "Example:\n"
        "  export REFGW_GATEWAY=https://gateway.example:8443 REFGW_CA=ca.crt\n"
        "  export REFGW_CERT=school.crt REFGW_KEY=school.key\n"
        "  refgw send --to ecmj --signal loverboy --body 'What was observed.'\n"
        "\n"
        "'refgw COMMAND --help' explains a command. See docs/refgw.md.\n",
        "help", "explain refgw or one command", CONNECT_TIMEOUT_DEFAULT,
        TIMEOUT_DEFAULT);
}

static const struct cli_command *find_command(const char *name)
{
    for (size_t i = 0; i < NCOMMANDS; i++)
        if (strcmp(commands[i]->name, name) == 0)
            return commands[i];
    return NULL;
}

/* `refgw help [COMMAND]` */
static int help_command(int argc, char **argv, struct cli_error *err)
{
    if (argc < 2) {
        help(stdout);
        return 0;
    }
    const struct cli_command *cmd = find_command(argv[1]);
    if (cmd == NULL)
        return args_usage(err, NULL, "unknown command '%s'", argv[1]);
    cmd->help(stdout);
    return 0;
}

static void set_option(struct cli *c, int key, const char *value)
{
    for (size_t i = 0; i < sizeof(from_env) / sizeof(from_env[0]); i++)
        if (from_env[i].key == key)
            *(const char **)((char *)c + from_env[i].offset) = value;
}

/*
 * Global options up to the command's name; *cmd_index is where it is, or
 * argc when there is none. 1 when --help or --version was answered.
 */
static int parse_globals(struct cli *c, int argc, char **argv, int *cmd_index,
                         struct cli_error *err)
{
    for (size_t i = 0; i < sizeof(from_env) / sizeof(from_env[0]); i++) {
        const char *v = getenv(from_env[i].variable);
        if (v != NULL && v[0] != '\0')
            set_option(c, from_env[i].key, v);
    }
    struct args p;
    args_init(&p, argc, argv, global_opts, sizeof(global_opts) / sizeof(global_opts[0]),
              NULL);
    p.stop_at_positional = true;
    const char *v;
    int key;
    while ((key = args_next(&p, &v, err)) != ARGS_END && key != ARGS_POSITIONAL) {
        switch (key) {
        case ARGS_ERROR:
            return -1;
        case ARG_HELP:
            help(stdout);
            return 1;
        case OPT_VERSION:
            printf("refgw 1\n");
            return 1;
        case OPT_JSON:
            c->json = true;
            break;
        case OPT_VERBOSE:
            c->verbose = true;
            break;
        case OPT_CONNECT_TIMEOUT:
            if (args_long(v, 1, 600, "connect-timeout", &c->connect_timeout, err) < 0)
                return -1;
            break;
        case OPT_TIMEOUT:
            if (args_long(v, 1, 3600, "timeout", &c->timeout, err) < 0)
                return -1;
            break;
        default:
            set_option(c, key, v);
            break;
        }
    }
    *cmd_index = p.next;
    return 0;
}

static int dispatch(struct cli *c, int argc, char **argv, struct cli_error *err)
{
    int cmd_index;
    int rc = parse_globals(c, argc, argv, &cmd_index, err);
    if (rc != 0)
        return rc < 0 ? -1 : 0;
    if (cmd_index >= argc)
        return args_usage(err, NULL, "no command given");
    const char *name = argv[cmd_index];
    if (strcmp(name, "help") == 0)
        return help_command(argc - cmd_index, argv + cmd_index, err);
    const struct cli_command *cmd = find_command(name);
    if (cmd == NULL)
        return args_usage(err, NULL, "unknown command '%s'", name);
    return cmd->run(c, argc - cmd_index, argv + cmd_index, err);
}

int main(int argc, char **argv)
{
    /* A reader that goes away must not kill us in the middle of an ack. */
    signal(SIGPIPE, SIG_IGN);
    rg_json_use_wiping_allocator(); /* before any JSON: bodies pass through cJSON */
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        fprintf(stderr, "refgw: cannot initialise libcurl\n");
        return CLI_USAGE;
    }
    struct cli c = {
        .connect_timeout = CONNECT_TIMEOUT_DEFAULT,
        .timeout = TIMEOUT_DEFAULT,
        .tty = isatty(STDOUT_FILENO),
    };
    struct cli_error err = {0};
    int status = CLI_OK;
    if (dispatch(&c, argc, argv, &err) < 0) {
        if (err.message[0] != '\0')
            fprintf(stderr, "refgw: %s\n", err.message);
        status = err.exit == CLI_OK ? CLI_USAGE : (int)err.exit;
    }
    http_close(c.http);
    curl_global_cleanup();
    return status;
}
