/*
 * api.h - the API of SPEC §5: routing, admission and the handlers.
 *
 * api_dispatch() takes a call whose request has fully arrived and answers it,
 * now or after a store op or a long-poll. It includes neither libevent nor
 * OpenSSL: the network layer hands it plain strings.
 */
#ifndef REFGW_API_H
#define REFGW_API_H

#include "call.h"

void api_dispatch(struct call *call);

/* A referral was committed for org_id: wake its long-polls. */
void api_referral_arrived(struct app *app, const char *org_id);

#endif
