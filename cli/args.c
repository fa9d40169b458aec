#include "args.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api_limits.h"

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

static const struct args_globals *registered_globals;

void args_set_globals(const struct args_globals *g)
{
    registered_globals = g;
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
    a->globals = cmd != NULL ? registered_globals : NULL;
}

static const struct arg_opt *find_long(const struct arg_opt *opts, size_t nopts,
                                       const char *name, size_t len)
{
    for (size_t i = 0; i < nopts; i++)
        if (strlen(opts[i].name) == len && memcmp(opts[i].name, name, len) == 0)
            return &opts[i];
    return NULL;
}

static const struct arg_opt *find_short(const struct arg_opt *opts, size_t nopts,
                                        char c)
{
    for (size_t i = 0; i < nopts; i++)
        if (opts[i].short_name != 0 && opts[i].short_name == c)
            return &opts[i];
    return NULL;
}

/* The command's own option first; a global one only when the command has none. */
static const struct arg_opt *lookup(const struct args *a, const char *name, size_t len,
                                    char short_name, bool *global)
{
    const struct arg_opt *o = short_name ? find_short(a->opts, a->nopts, short_name)
                                         : find_long(a->opts, a->nopts, name, len);
    *global = false;
    if (o != NULL || a->globals == NULL)
        return o;
    o = short_name ? find_short(a->globals->opts, a->globals->nopts, short_name)
                   : find_long(a->globals->opts, a->globals->nopts, name, len);
    *global = o != NULL;
    return o;
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
    bool global;
    if (is_long) {
        const char *name = arg + 2;
        const char *eq = strchr(name, '=');
        size_t len = eq ? (size_t)(eq - name) : strlen(name);
        o = lookup(a, name, len, 0, &global);
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
        o = lookup(a, NULL, 0, arg[1], &global);
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
    if (global) {
        if (a->globals->apply(a->globals->ctx, o->key, inline_value, err) < 0)
            return ARGS_ERROR;
        return args_next(a, value, err);
    }
    *value = inline_value;
    return o->key;
}

int args_plain(int argc, char **argv, const char *cmd, const char **pos, size_t npos,
               size_t *got, bool *help_asked, struct cli_error *err)
{
    static const struct arg_opt help_only[] = {ARG_HELP_OPT};
    struct args p;
    args_init(&p, argc, argv, help_only, 1, cmd);
    const char *v;
    int key;
    *got = 0;
    while ((key = args_next(&p, &v, err)) != ARGS_END) {
        if (key == ARGS_ERROR)
            return -1;
        if (key == ARG_HELP) {
            *help_asked = true;
            return 0;
        }
        if (*got == npos)
            return args_usage(err, cmd, "unexpected argument '%s'", v);
        pos[(*got)++] = v;
    }
    return 0;
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

int args_wait(const char *text, long *out, struct cli_error *err)
{
    return args_long(text, RG_WAIT_MIN, RG_WAIT_MAX, "wait", out, err);
}

int args_limit(const char *text, long *out, struct cli_error *err)
{
    return args_long(text, RG_LIMIT_MIN, RG_LIMIT_MAX, "limit", out, err);
}
