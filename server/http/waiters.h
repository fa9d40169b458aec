/*
 * waiters.h - long-poll: inbox calls parked until a referral arrives for
 * their organisation or their wait runs out.
 *
 * Waking looks only at the one organisation's list, never at all parked calls.
 */
#ifndef REFGW_WAITERS_H
#define REFGW_WAITERS_H

#include <stdbool.h>

#include "call.h"

struct loop;
struct waiters;

/* wake(call, timed_out) is called once, on the loop, after which the call is unparked.
 */
typedef void (*waiter_fn)(struct call *call, bool timed_out);

struct waiters *waiters_new(struct loop *loop);
void waiters_free(struct waiters *w);

/* Parks call for up to seconds; sets call->cancel. 0, or -1 when out of memory. */
int waiters_park(struct waiters *w, struct call *call, double seconds, waiter_fn wake);

/* Wakes every call parked for org_id (a referral was committed for it). */
void waiters_wake(struct waiters *w, const char *org_id);

/* Times out every parked call (shutdown). */
void waiters_wake_all(struct waiters *w);

#endif
