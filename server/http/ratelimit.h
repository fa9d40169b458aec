/*
 * ratelimit.h - a token bucket per organisation (rate_limit_per_minute).
 *
 * Buckets are keyed by organisation id and survive configuration reloads.
 * Only admitted organisations reach the limiter, so the table stays as small
 * as the directory.
 */
#ifndef REFGW_RATELIMIT_H
#define REFGW_RATELIMIT_H

#include <stdbool.h>

struct ratelimit;

struct ratelimit *ratelimit_new(void);
void ratelimit_free(struct ratelimit *r);

/*
 * Takes one token for org at time now (seconds, monotonic). Returns true if
 * allowed; otherwise false and *retry_after is the whole seconds to wait.
 */
bool ratelimit_take(struct ratelimit *r, const char *org, int per_minute, double now,
                    int *retry_after);

#endif
