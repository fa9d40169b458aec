/*
 * api_limits.h - the bounds of the API (SPEC §4, §5, §8), defined once for the
 * gateway, which enforces them, and the client, which checks them before
 * asking.
 */
#ifndef REFGW_API_LIMITS_H
#define REFGW_API_LIMITS_H

/* GET /v1/inbox: wait=0..60 seconds (default 0), limit=1..500 (default 50). */
#define RG_WAIT_MIN 0
#define RG_WAIT_MAX 60
#define RG_WAIT_DEFAULT 0
#define RG_LIMIT_MIN 1
#define RG_LIMIT_MAX 500
#define RG_LIMIT_DEFAULT 50

/* A referral's body: valid UTF-8, no NUL, at most this many bytes. */
#define RG_BODY_MAX 65536

/* One HTTP request: headers, and the whole request with its body. */
#define RG_HEADERS_MAX (8 * 1024)
#define RG_REQUEST_MAX (128 * 1024)

/* One inbox answer stops adding referrals once their bodies reach this. */
#define RG_INBOX_MAX_BYTES (8u * 1024 * 1024)

#endif
