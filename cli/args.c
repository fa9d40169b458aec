#include "args.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int args_usage(struct cli_error *err, const char *cmd, const char *fmt, ...)
{
    char what[CLI_MESSAGE_MAX / 2];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof(what), fmt, ap);
    va_end(ap);
    return cli_fail(err, CLI_USAGE, "%s (see 'refgw %s%s--help')", what, cmd ? cmd : "",
                    cmd ? " " : "");
}

void args_init(struct args *a, int argc, char **argv, const struct arg_opt *opts,
               size_t nopts, const char *cmd)
{
    memset(a, 0, sizeof(*a));
    a->argc = argc;
    a->argv = argv;
    a->next = 1;
    a->opts = opts;
    a->nopts = nopts;
    a->cmd = cmd;
}

static const struct arg_opt *find_long(const struct args *a, const char *name,
                                       size_t len)
{
    for (size_t i = 0; i < a->nopts; i++)
        if (strlen(a->opts[i].name) == len && memcmp(a->opts[i].name, name, len) == 0)
            return &a->opts[i];
    return NULL;
}

static const struct arg_opt *find_short(const struct args *a, char c)
{
    for (size_t i = 0; i < a->nopts; i++)
        if (a->opts[i].short_name != 0 && a->opts[i].short_name == c)
            return &a->opts[i];
    return NULL;
}

int args_next(struct args *a, const char **value, struct cli_error *err)
{
    *value = NULL;
    if (a->next >= a->argc)
        return ARGS_END;
    const char *arg = a->argv[a->next];

    bool is_long = !a->options_ended && strncmp(arg, "--", 2) == 0;
    bool is_short = !a->options_ended && arg[0] == '-' && arg[1] != '-' &&
                    arg[1] != '\0' && arg[2] == '\0';
    if (is_long && arg[2] == '\0') { /* "--" */
        a->options_ended = true;
        a->next++;
        return args_next(a, value, err);
    }
    if (!is_long && !is_short) {
        *value = arg;
        if (!a->stop_at_positional)
            a->next++;
        return ARGS_POSITIONAL;
    }
    a->next++;

    const struct arg_opt *o;
    const char *inline_value = NULL;
    if (is_long) {
        const char *name = arg + 2;
        const char *eq = strchr(name, '=');
        size_t len = eq ? (size_t)(eq - name) : strlen(name);
        o = find_long(a, name, len);
        if (o == NULL) {
            args_usage(err, a->cmd, "unknown option '--%.*s'", (int)len, name);
            return ARGS_ERROR;
        }
        if (eq != NULL) {
            if (!o->has_value) {
                args_usage(err, a->cmd, "option '--%s' takes no value", o->name);
                return ARGS_ERROR;
            }
            inline_value = eq + 1;
        }
    } else {
        o = find_short(a, arg[1]);
        if (o == NULL) {
            args_usage(err, a->cmd, "unknown option '%s'", arg);
            return ARGS_ERROR;
        }
    }
    if (o->has_value && inline_value == NULL) {
        if (a->next >= a->argc) {
            args_usage(err, a->cmd, "option '--%s' needs a value", o->name);
            return ARGS_ERROR;
        }
        inline_value = a->argv[a->next++];
    }
    *value = inline_value;
    return o->key;
}

int args_long(const char *text, long min, long max, const char *name, long *out,
              struct cli_error *err)
{
    char *end;
    errno = 0;
    long v = strtol(text, &end, 10);
    if (text[0] == '\0' || *end != '\0' || errno != 0 || v < min || v > max)
        return cli_fail(err, CLI_USAGE, "--%s must be a whole number from %ld to %ld",
                        name, min, max);
    *out = v;
    return 0;
}
