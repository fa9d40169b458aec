#include "cli.h"

#include <stdarg.h>
#include <stdio.h>

int cli_fail(struct cli_error *err, enum cli_exit exit, const char *fmt, ...)
{
    err->exit = exit;
    err->transient = false;
    err->retry_after = 0;
    err->code[0] = '\0';
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->message, sizeof(err->message), fmt, ap);
    va_end(ap);
    return -1;
}
