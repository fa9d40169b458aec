#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/*
 * Whether stderr is journald's stream: systemd sets JOURNAL_STREAM to the
 * "device:inode" of the stream it connects, and journald stamps each line
 * itself. A JOURNAL_STREAM inherited by a process whose stderr goes
 * elsewhere does not match.
 */
static int to_journal(void)
{
    const char *v = getenv("JOURNAL_STREAM");
    unsigned long long dev, ino;
    struct stat st;
    if (v == NULL || sscanf(v, "%llu:%llu", &dev, &ino) != 2 || fstat(2, &st) < 0)
        return 0;
    return (unsigned long long)st.st_dev == dev && (unsigned long long)st.st_ino == ino;
}

void log_line(const char *fmt, ...)
{
    char line[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    char stamp[32] = "";
    struct tm tm;
    time_t now = time(NULL);
    /* Lines are few (a start, a count line a minute): looked up each time. */
    if (!to_journal() && gmtime_r(&now, &tm) != NULL)
        strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%SZ ", &tm);
    char out[sizeof(line) + sizeof(stamp) + 16];
    int n = snprintf(out, sizeof(out), "%srefgwd: %s\n", stamp, line);
    if (n > 0) /* one write, so that lines from threads do not interleave */
        (void)!write(2, out, (size_t)n < sizeof(out) ? (size_t)n : sizeof(out) - 1);
}
