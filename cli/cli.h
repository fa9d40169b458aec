/*
 * cli.h - what every refgw command shares: the exit statuses of SPEC §9, the
 * one error type, the run's context (global options and the connection), and
 * the shape of a command-table entry.
 *
 * The error pattern: a function returns 0, or -1 after filling a struct
 * cli_error once, at the site that knows why (the exit status and the
 * message); main() prints the message, once, and exits with that status.
 * Nothing below main() prints an error that it also returns.
 */
#ifndef REFGW_CLI_H
#define REFGW_CLI_H

#include <signal.h>
#include <stdbool.h>
#include <stdio.h>

enum cli_exit {
    CLI_OK = 0,          /* done */
    CLI_USAGE = 1,       /* usage error, invalid referral, or a local file problem */
    CLI_REFUSED = 2,     /* the gateway answered with an error */
    CLI_UNREACHABLE = 3, /* no answer: connection or TLS handshake failed, timeout */
};

#define CLI_MESSAGE_MAX 1024

struct cli_error {
    enum cli_exit exit;
    bool transient;   /* the same request later may succeed (unreachable, 429, 503) */
    long retry_after; /* seconds the gateway asked us to wait (429), or 0 */
    char message[CLI_MESSAGE_MAX]; /* "" when the failure was already reported */
    char code[64]; /* the gateway's error code ("forbidden_role") when it refused */
};

/* Fills err and returns -1, so that a failing site can `return cli_fail(...)`. */
int cli_fail(struct cli_error *err, enum cli_exit exit, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

struct http;

#define CLI_DECRYPT_KEYS_MAX 16

/* One run of refgw: the global options, read-only once parsed, and the connection. */
struct cli {
    const char *gateway; /* "https://host:port", no trailing slash */
    const char *cert;
    const char *key; /* NULL: the key is in the cert file */
    const char *ca;  /* NULL: the system's CA store */
    bool json;       /* print the gateway's answer as it came */
    bool verbose;    /* one line per request on stderr (never a body) */
    bool tty;        /* standard output is a terminal */
    long connect_timeout;
    long timeout;
    struct http *http; /* opened on the first request, reused (keep-alive) */
    /* SPEC §10: --decrypt-key (repeatable) and the CA of the senders' signatures. */
    const char *decrypt_keys[CLI_DECRYPT_KEYS_MAX];
    size_t ndecrypt_keys;
    bool decrypt_keys_from_env; /* a --decrypt-key option replaces them */
    const char *signer_ca;      /* NULL: --ca */
};

/* An entry of the command table (main.c). */
struct cli_command {
    const char *name;
    const char *summary; /* one line for `refgw --help` */
    void (*help)(FILE *out);
    /* argv[0] is the command's name. Returns 0, or -1 with err filled. */
    int (*run)(struct cli *c, int argc, char **argv, struct cli_error *err);
};

/* The commands; each module defines its own. */
extern const struct cli_command cmd_send;
extern const struct cli_command cmd_inbox;
extern const struct cli_command cmd_receive;
extern const struct cli_command cmd_ack;
extern const struct cli_command cmd_status;
extern const struct cli_command cmd_directory;
extern const struct cli_command cmd_stats;
extern const struct cli_command cmd_report;
extern const struct cli_command cmd_show;
extern const struct cli_command cmd_ui;

#endif
