/*
 * args.h - command-line options, declared as tables.
 *
 * Long options are `--name VALUE` or `--name=VALUE`; a short option is `-x`
 * exactly (so a referral id that begins with `-` is still an argument);
 * `--` ends the options. Errors (unknown option, missing value, a number out
 * of range) are usage errors: exit 1, with a pointer to `refgw CMD --help`.
 *
 * Global options may also stand after the command (SPEC §9). main() registers
 * them once, before any command parses its arguments (args_set_globals); a
 * command's parser then takes an option it does not know itself from that
 * table and hands it to the registered hook, so that no command needs to know
 * the global options. A command's own option wins over a global one of the
 * same name, and an option's value is never read as an option.
 */
#ifndef REFGW_CLI_ARGS_H
#define REFGW_CLI_ARGS_H

#include <stdbool.h>
#include <stddef.h>

#include "cli.h"

struct arg_opt {
    const char *name; /* long name without "--" */
    char short_name;  /* 0 when there is none */
    bool has_value;
    int key; /* what args_next returns for it; > 0 */
};

/* Every command accepts -h/--help under this key. */
#define ARG_HELP 1
#define ARG_HELP_OPT                                                                   \
    {                                                                                  \
        "help", 'h', false, ARG_HELP                                                   \
    }

enum { ARGS_END = 0, ARGS_POSITIONAL = -1, ARGS_ERROR = -2 };

struct args {
    int argc;
    char **argv;
    int next;                /* index of the next argument to look at */
    bool options_ended;      /* after "--" */
    bool stop_at_positional; /* global options: stop at the command's name */
    const struct arg_opt *opts;
    size_t nopts;
    const char *cmd; /* for messages: "send", or NULL for the global options */
    const struct args_globals *globals; /* taken after the command; NULL: none */
};

/* The global options a command's parser also accepts, and what applies them. */
struct args_globals {
    const struct arg_opt *opts;
    size_t nopts;
    /* Applies one global option; 0, or -1 with err filled. */
    int (*apply)(void *ctx, int key, const char *value, struct cli_error *err);
    void *ctx;
};

/*
 * Registers the global options for every args_init() with a command name
 * that follows. Called once by main() before the command runs; g must
 * outlive the run. The only process-wide state of the parser, and read-only
 * once set.
 */
void args_set_globals(const struct args_globals *g);

/* Starts at argv[1] (argv[0] is the program or the command's name). */
void args_init(struct args *a, int argc, char **argv, const struct arg_opt *opts,
               size_t nopts, const char *cmd);

/*
 * The next option's key (its value, if any, in *value), ARGS_POSITIONAL with
 * the argument in *value, ARGS_END, or ARGS_ERROR with err filled.
 * With stop_at_positional, a positional argument is left at a->next.
 */
int args_next(struct args *a, const char **value, struct cli_error *err);

/*
 * The arguments of a command that has no option but --help: up to npos
 * positionals into pos (*got of them; one more is a usage error). 0, with
 * *help_asked set when --help was given, or -1 with err.
 */
int args_plain(int argc, char **argv, const char *cmd, const char **pos, size_t npos,
               size_t *got, bool *help_asked, struct cli_error *err);

/* A whole decimal number in [min, max] as the value of option `name`; 0 or -1. */
int args_long(const char *text, long min, long max, const char *name, long *out,
              struct cli_error *err);

/* --wait and --limit of the inbox (lib/api_limits.h: the gateway's own
 * bounds, so the client refuses locally what the gateway would). */
int args_wait(const char *text, long *out, struct cli_error *err);
int args_limit(const char *text, long *out, struct cli_error *err);

/* Fills err with a usage error for cmd (may be NULL) and returns -1. */
int args_usage(struct cli_error *err, const char *cmd, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
