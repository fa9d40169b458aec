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
#include "refgw_version.h"
#include "json_arena.h"

#define CONNECT_TIMEOUT_DEFAULT 10
#define TIMEOUT_DEFAULT 30

/* The commands, in the order of `refgw --help`; a new command is one more entry. */
static const struct cli_command *const commands[] = {
    &cmd_send,   &cmd_inbox,     &cmd_show,  &cmd_receive, &cmd_ack,
    &cmd_status, &cmd_directory, &cmd_stats, &cmd_report,  &cmd_ui,
};
#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

enum {
    OPT_GATEWAY = ARG_HELP + 1,
    OPT_CERT,
    OPT_KEY,
    OPT_CA,
    OPT_SIGNER_CA,
    OPT_DECRYPT_KEY,
    OPT_JSON,
    OPT_VERBOSE,
    OPT_CONNECT_TIMEOUT,
    OPT_TIMEOUT,
    OPT_VERSION,
};

/*
 * The global options. The first two are answered only before the command
 * (after it, --help is the command's own and --version is not taken); the
 * rest are settings, accepted before or after the command.
 */
static const struct arg_opt global_opts[] = {
    ARG_HELP_OPT,
    {"version", 0, false, OPT_VERSION},
    {"gateway", 0, true, OPT_GATEWAY},
    {"cert", 0, true, OPT_CERT},
    {"key", 0, true, OPT_KEY},
    {"ca", 0, true, OPT_CA},
    {"signer-ca", 0, true, OPT_SIGNER_CA},
    {"decrypt-key", 0, true, OPT_DECRYPT_KEY},
    {"json", 0, false, OPT_JSON},
    {"verbose", 'v', false, OPT_VERBOSE},
    {"connect-timeout", 0, true, OPT_CONNECT_TIMEOUT},
    {"timeout", 0, true, OPT_TIMEOUT},
};
#define NGLOBAL_OPTS (sizeof(global_opts) / sizeof(global_opts[0]))
#define SETTINGS_FROM 2 /* global_opts[SETTINGS_FROM...]: the settings */

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
    {OPT_SIGNER_CA, "REFGW_SIGNER_CA", offsetof(struct cli, signer_ca)},
};
#define DECRYPT_KEY_ENV "REFGW_DECRYPT_KEY"

static void help(FILE *out)
{
    fprintf(
        out,
        "usage: refgw [--gateway URL] [--cert FILE] [--key FILE] [--ca FILE] [--json]\n"
        "             [--decrypt-key FILE]... [--signer-ca FILE] [--verbose]\n"
        "             [--connect-timeout S] [--timeout S] COMMAND [ARGS]\n"
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
        "Global options, before or after the command (a command's own option of the\n"
        "same name wins after it); those with a variable also from the environment,\n"
        "the option winning:\n"
        "  --gateway URL        the gateway, https://HOST:PORT      REFGW_GATEWAY\n"
        "  --cert FILE          your organisation's certificate    REFGW_CERT\n"
        "  --key FILE           its private key (default: in FILE)  REFGW_KEY\n"
        "  --ca FILE            the CA that signed the gateway's    REFGW_CA\n"
        "                       certificate (default: the system's)\n"
        "  --decrypt-key FILE   your encryption key (and its        REFGW_DECRYPT_KEY\n"
        "                       certificate) for encrypted bodies;  (FILE:FILE...)\n"
        "                       may be repeated\n"
        "  --signer-ca FILE     the CA of the senders' signing      REFGW_SIGNER_CA\n"
        "                       certificates (default: --ca)\n"
        "  --json               print the gateway's answers as JSON\n"
        "  -v, --verbose        one line per request on stderr\n"
        "  --connect-timeout S  give up connecting after S seconds (default %d)\n"
        "  --timeout S          give up on an answer after S seconds, plus the wait\n"
        "                       of a long-poll (default %d)\n"
        "\n"
        "Exit status: 0 done; 1 usage error, invalid referral or local file problem;\n"
        "2 the gateway refused (its error code and message on stderr), or an\n"
        "encrypted referral could not be read; 3 the gateway could not be reached or\n"
        "the TLS handshake failed.\n"
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

static int add_decrypt_key(struct cli *c, const char *path, struct cli_error *err)
{
    if (path[0] == '\0')
        return 0;
    if (c->ndecrypt_keys == CLI_DECRYPT_KEYS_MAX)
        return cli_fail(err, CLI_USAGE, "at most %d decryption keys",
                        CLI_DECRYPT_KEYS_MAX);
    c->decrypt_keys[c->ndecrypt_keys++] = path;
    return 0;
}

/* Defaults from the environment; `env_keys` receives the split copy of the key list.
 */
static int read_environment(struct cli *c, char **env_keys, struct cli_error *err)
{
    for (size_t i = 0; i < sizeof(from_env) / sizeof(from_env[0]); i++) {
        const char *v = getenv(from_env[i].variable);
        if (v != NULL && v[0] != '\0')
            set_option(c, from_env[i].key, v);
    }
    const char *keys = getenv(DECRYPT_KEY_ENV);
    if (keys == NULL || keys[0] == '\0')
        return 0;
    if ((*env_keys = strdup(keys)) == NULL)
        return cli_fail(err, CLI_USAGE, "out of memory");
    char *save = NULL;
    for (char *p = strtok_r(*env_keys, ":", &save); p != NULL;
         p = strtok_r(NULL, ":", &save))
        if (add_decrypt_key(c, p, err) < 0)
            return -1;
    c->decrypt_keys_from_env = c->ndecrypt_keys > 0;
    return 0;
}

/* One global setting, before or after the command: the hook of args_globals. */
static int apply_global(void *ctx, int key, const char *v, struct cli_error *err)
{
    struct cli *c = ctx;
    switch (key) {
    case OPT_JSON:
        c->json = true;
        return 0;
    case OPT_VERBOSE:
        c->verbose = true;
        return 0;
    case OPT_CONNECT_TIMEOUT:
        return args_long(v, 1, 600, "connect-timeout", &c->connect_timeout, err);
    case OPT_TIMEOUT:
        return args_long(v, 1, 3600, "timeout", &c->timeout, err);
    case OPT_DECRYPT_KEY:
        /* Keys on the command line replace those of the environment. */
        if (c->decrypt_keys_from_env) {
            c->ndecrypt_keys = 0;
            c->decrypt_keys_from_env = false;
        }
        return add_decrypt_key(c, v, err);
    default:
        set_option(c, key, v);
        return 0;
    }
}

/*
 * Global options up to the command's name; *cmd_index is where it is, or
 * argc when there is none. 1 when --help or --version was answered.
 */
static int parse_globals(struct cli *c, int argc, char **argv, int *cmd_index,
                         struct cli_error *err)
{
    struct args p;
    args_init(&p, argc, argv, global_opts, NGLOBAL_OPTS, NULL);
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
            printf("refgw %s\n", REFGW_VERSION);
            return 1;
        default:
            if (apply_global(c, key, v, err) < 0)
                return -1;
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
    /* From here on, the command's parser takes the settings too. */
    const struct args_globals settings = {
        .opts = global_opts + SETTINGS_FROM,
        .nopts = NGLOBAL_OPTS - SETTINGS_FROM,
        .apply = apply_global,
        .ctx = c,
    };
    args_set_globals(&settings);
    rc = cmd->run(c, argc - cmd_index, argv + cmd_index, err);
    args_set_globals(NULL);
    return rc;
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
    char *env_keys = NULL;
    if (read_environment(&c, &env_keys, &err) < 0 ||
        dispatch(&c, argc, argv, &err) < 0) {
        if (err.message[0] != '\0')
            fprintf(stderr, "refgw: %s\n", err.message);
        status = err.exit == CLI_OK ? CLI_USAGE : (int)err.exit;
    }
    http_close(c.http);
    free(env_keys);
    curl_global_cleanup();
    return status;
}
