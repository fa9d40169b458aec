/*
 * handlers.h - the handlers of SPEC §5, as the router (router.c) calls them:
 * each takes an admitted call and the referral id its path holds (or ""),
 * and answers it, now or after a store op or a long-poll.
 */
#ifndef REFGW_HANDLERS_H
#define REFGW_HANDLERS_H

#include "call.h"

typedef void (*handler_fn)(struct call *call, const char *id);

/* referrals.c */
void handle_send(struct call *call, const char *id);
void handle_status(struct call *call, const char *id);
/* inbox.c */
void handle_inbox(struct call *call, const char *id);
void handle_ack(struct call *call, const char *id);
/* info.c */
void handle_directory(struct call *call, const char *id);
void handle_health(struct call *call, const char *id);
/* counts.c */
void handle_stats(struct call *call, const char *id);
void handle_metrics(struct call *call, const char *id);

/* Dispatches a request that has fully arrived (router.c). */
void route_call(struct call *call);

/* Monotonic seconds, for deadlines. */
double monotonic_now(void);

#endif
