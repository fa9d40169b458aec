/*
 * args.h - command-line options, declared as tables.
 *
 * Long options are `--name VALUE` or `--name=VALUE`; a short option is `-x`
 * exactly (so a referral id that begins with `-` is still an argument);
 * `--` ends the options. Errors (unknown option, missing value, a number out
 * of range) are usage errors: exit 1, with a pointer to `refgw CMD --help`.
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
};

/* Starts at argv[1] (argv[0] is the program or the command's name). */
void args_init(struct args *a, int argc, char **argv, const struct arg_opt *opts,
               size_t nopts, const char *cmd);

/*
 * The next option's key (its value, if any, in *value), ARGS_POSITIONAL with
 * the argument in *value, ARGS_END, or ARGS_ERROR with err filled.
 * With stop_at_positional, a positional argument is left at a->next.
 */
int args_next(struct args *a, const char **value, struct cli_error *err);

/* A whole decimal number in [min, max] as the value of option `name`; 0 or -1. */
int args_long(const char *text, long min, long max, const char *name, long *out,
              struct cli_error *err);

/* Fills err with a usage error for cmd (may be NULL) and returns -1. */
int args_usage(struct cli_error *err, const char *cmd, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
