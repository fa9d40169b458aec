#include "ids.h"

#include <errno.h>
#include <string.h>
#include <sys/random.h>

static const char b64url[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

int rg_random_bytes(void *buf, size_t len)
{
    unsigned char *p = buf;
    while (len > 0) {
        ssize_t n = getrandom(p, len, 0);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

int rg_id_new(char out[RG_ID_LEN + 1])
{
    unsigned char raw[17]; /* 16 random bytes, one zero byte to make 6-bit groups even */
    if (rg_random_bytes(raw, 16) < 0)
        return -1;
    raw[16] = 0;
    size_t o = 0;
    for (size_t i = 0; i < 15; i += 3) {
        unsigned v = (unsigned)raw[i] << 16 | (unsigned)raw[i + 1] << 8 | raw[i + 2];
        out[o++] = b64url[(v >> 18) & 63];
        out[o++] = b64url[(v >> 12) & 63];
        out[o++] = b64url[(v >> 6) & 63];
        out[o++] = b64url[v & 63];
    }
    /* The 16th byte: 8 bits in two characters. */
    out[o++] = b64url[raw[15] >> 2];
    out[o++] = b64url[(raw[15] & 3) << 4];
    out[o] = '\0';
    return 0;
}

bool rg_id_valid(const char *s, size_t len)
{
    if (len != RG_ID_LEN)
        return false;
    for (size_t i = 0; i < len; i++)
        if (s[i] == '\0' || strchr(b64url, s[i]) == NULL)
            return false;
    return true;
}

void rg_time_format(time_t t, char out[RG_TIME_LEN])
{
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, RG_TIME_LEN, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

void rg_month_format(time_t t, char out[RG_MONTH_LEN])
{
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, RG_MONTH_LEN, "%Y-%m", &tm);
}

bool rg_month_valid(const char *s, size_t len)
{
    if (len != 7 || s[4] != '-')
        return false;
    for (size_t i = 0; i < 7; i++)
        if (i != 4 && (s[i] < '0' || s[i] > '9'))
            return false;
    int month = (s[5] - '0') * 10 + (s[6] - '0');
    return month >= 1 && month <= 12;
}
