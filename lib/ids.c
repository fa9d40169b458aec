#include "ids.h"

#include <limits.h>
#include <stdint.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/rand.h>

#include "wipe.h"

const char rg_id_chars[] =
    "-0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz";
const char rg_id_first_chars[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdef";

/* OpenSSL's generator, not a system call per id: it is seeded from the
 * kernel, reseeds itself (and after a fork), and keeps a state per thread, so
 * the store's writer does not pay a getrandom call for every referral. */
int rg_random_bytes(void *buf, size_t len)
{
    unsigned char *p = buf;
    while (len > 0) {
        int n = len > INT_MAX ? INT_MAX : (int)len;
        if (RAND_bytes(p, n) != 1) {
            ERR_clear_error();
            return -1;
        }
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

/* Drawn a pool at a time, per thread (no lock; the gateway does not fork):
 * each RAND_bytes call sets up OpenSSL's generator anew (its parameters are
 * looked up by name), which cost the store's writer about 6% of its time
 * when it was made for every referral's id, and as much again for its
 * record key. */
#define RANDOM_POOL_LEN 1020 /* 60 ids */
static _Thread_local unsigned char random_pool[RANDOM_POOL_LEN];
static _Thread_local size_t random_pool_left;

int rg_random_pooled(void *out, size_t len)
{
    if (len > sizeof(random_pool))
        return rg_random_bytes(out, len);
    if (random_pool_left < len) {
        if (rg_random_bytes(random_pool, sizeof(random_pool)) < 0)
            return -1;
        random_pool_left = sizeof(random_pool);
    }
    unsigned char *next = random_pool + sizeof(random_pool) - random_pool_left;
    memcpy(out, next, len);
    rg_wipe(next, len); /* no copy of what was handed out stays behind */
    random_pool_left -= len;
    return 0;
}

int rg_id_new(char out[RG_ID_LEN + 1])
{
    /* One random byte a character: 32 and 64 divide 256, so each is
     * uniform; 5 + 23 * 6 = 143 random bits, and nothing else (SPEC §5: no
     * order, no time, no volume). */
    unsigned char raw[RG_ID_LEN];
    if (rg_random_pooled(raw, sizeof(raw)) < 0)
        return -1;
    out[0] = rg_id_first_chars[raw[0] & 31];
    for (size_t i = 1; i < sizeof(raw); i++)
        out[i] = rg_id_chars[raw[i] & 63];
    rg_wipe(raw, sizeof(raw));
    out[RG_ID_LEN] = '\0';
    return 0;
}

bool rg_id_valid(const char *s, size_t len)
{
    if (len != RG_ID_LEN && len != RG_ID_LEN_OLD)
        return false;
    for (size_t i = 0; i < len; i++)
        if (s[i] == '\0' || strchr(rg_id_chars, s[i]) == NULL)
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
