#include "notify.h"

#include <time.h>

#include <systemd/sd-daemon.h>

/* sd_notify returns 0 without NOTIFY_SOCKET and < 0 when the message could not
 * go; either way there is nothing for refgwd to do differently. */

void notify_ready(void)
{
    (void)sd_notify(0, "READY=1");
}

void notify_reloading(void)
{
    /* systemd 253 (Type=notify-reload) wants the CLOCK_MONOTONIC time of the
     * reload's start; 252 (Debian 12) ignores it. */
    struct timespec ts;
    if (clock_gettime(CLOCK_MONOTONIC, &ts) < 0) {
        (void)sd_notify(0, "RELOADING=1");
        return;
    }
    unsigned long long usec = (unsigned long long)ts.tv_sec * 1000000ULL +
                              (unsigned long long)ts.tv_nsec / 1000;
    (void)sd_notifyf(0, "RELOADING=1\nMONOTONIC_USEC=%llu", usec);
}

void notify_stopping(void)
{
    (void)sd_notify(0, "STOPPING=1");
}
