#include "expiry.h"

#include <stdio.h>
#include <time.h>

#define DAY 86400LL

/* Each date: its names, and what the warning says of it. */
static const struct {
    const char *label, *key;
    const char *ends, *ended; /* before and after the date */
    const char *then;         /* what it means for the partners once past */
} certs[CERT_WHICH_COUNT] = {
    [CERT_SERVER] = {"server", "tls.cert", "the server certificate expires",
                     "the server certificate expired",
                     "clients refuse the gateway until it is renewed"},
    [CERT_CA] = {"ca", "tls.client_ca", "the client CA certificate expires",
                 "the client CA certificate expired",
                 "every client is refused until it is renewed"},
    [CERT_CRL] = {"crl", "tls.crl", "the CRL's nextUpdate is",
                  "the CRL passed its nextUpdate",
                  "every client is refused until a new CRL is loaded (SIGHUP)"},
};

const char *cert_label(enum cert_which which)
{
    return certs[which].label;
}

const char *cert_key(enum cert_which which)
{
    return certs[which].key;
}

int expiry_stage(long long at, long long now)
{
    if (at == EXPIRY_NONE)
        return 0;
    long long left = at - now;
    if (left > EXPIRY_WARN_DAYS * DAY)
        return 0;
    if (left > EXPIRY_URGENT_DAYS * DAY)
        return 1;
    if (left > 0)
        return 2;
    long long days_after = -left / DAY;
    return days_after > 1000000 ? 1000003 : 3 + (int)days_after;
}

void expiry_date(long long at, char out[32])
{
    time_t t = (time_t)at;
    struct tm tm;
    if (gmtime_r(&t, &tm) == NULL || strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
        snprintf(out, 32, "?");
}

void expiry_describe(enum cert_which which, long long at, long long now, char *out,
                     size_t size)
{
    char date[32];
    expiry_date(at, date);
    long long left = at - now;
    if (left > 0) {
        long long days = left / DAY;
        if (days >= 1)
            snprintf(out, size, "%s: %s in %lld day%s (%s)", certs[which].key,
                     certs[which].ends, days, days == 1 ? "" : "s", date);
        else if (left >= 3600)
            snprintf(out, size, "%s: %s in %lld hour%s (%s)", certs[which].key,
                     certs[which].ends, left / 3600, left / 3600 == 1 ? "" : "s", date);
        else
            snprintf(out, size, "%s: %s in less than an hour (%s)", certs[which].key,
                     certs[which].ends, date);
    } else {
        long long days = -left / DAY;
        snprintf(out, size, "%s: %s %lld day%s ago (%s): %s", certs[which].key,
                 certs[which].ended, days, days == 1 ? "" : "s", date,
                 certs[which].then);
    }
}
