#include "ratelimit.h"

#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "referral.h"

struct bucket {
    char org[RG_ORG_ID_MAX + 1];
    double tokens;
    double updated;
    struct bucket *next;
};

#define BUCKETS 256

struct ratelimit {
    pthread_mutex_t lock; /* the event loops share the buckets */
    struct bucket *table[BUCKETS];
};

static unsigned hash(const char *s)
{
    unsigned h = 2166136261u;
    for (; *s != '\0'; s++)
        h = (h ^ (unsigned char)*s) * 16777619u;
    return h % BUCKETS;
}

struct ratelimit *ratelimit_new(void)
{
    struct ratelimit *r = calloc(1, sizeof(struct ratelimit));
    if (r != NULL)
        pthread_mutex_init(&r->lock, NULL);
    return r;
}

void ratelimit_free(struct ratelimit *r)
{
    if (r == NULL)
        return;
    for (int i = 0; i < BUCKETS; i++)
        while (r->table[i] != NULL) {
            struct bucket *b = r->table[i];
            r->table[i] = b->next;
            free(b);
        }
    pthread_mutex_destroy(&r->lock);
    free(r);
}

static bool take(struct ratelimit *r, const char *org, int per_minute, double now,
                 int *retry_after)
{
    unsigned h = hash(org);
    struct bucket *b = r->table[h];
    while (b != NULL && strcmp(b->org, org) != 0)
        b = b->next;
    if (b == NULL) {
        b = calloc(1, sizeof(*b));
        if (b == NULL)
            return true; /* out of memory: fail open rather than refuse everyone */
        strcpy(b->org, org);
        b->tokens = per_minute;
        b->updated = now;
        b->next = r->table[h];
        r->table[h] = b;
    }
    double rate = per_minute / 60.0; /* tokens per second; the burst is one minute's */
    b->tokens = fmin((double)per_minute, b->tokens + (now - b->updated) * rate);
    b->updated = now;
    if (b->tokens >= 1.0) {
        b->tokens -= 1.0;
        return true;
    }
    *retry_after = (int)ceil((1.0 - b->tokens) / rate);
    if (*retry_after < 1)
        *retry_after = 1;
    return false;
}

bool ratelimit_take(struct ratelimit *r, const char *org, int per_minute, double now,
                    int *retry_after)
{
    pthread_mutex_lock(&r->lock);
    bool allowed = take(r, org, per_minute, now, retry_after);
    pthread_mutex_unlock(&r->lock);
    return allowed;
}
