/*
 * ids.h - random identifiers and the time formats of the API.
 *
 * Referral ids are 24 characters of the base64url alphabet (URL-safe), the
 * first character a letter. rg_id_new draws them at random: 143 bits from
 * OpenSSL's generator (a pool at a time per thread); a store that numbers
 * its referrals may instead make them from the number under a key
 * (idperm.h), in the same shape. Either way they carry no order and no
 * time, so they reveal neither volumes nor moments (SPEC §5), and no one can
 * guess one.
 */
#ifndef REFGW_IDS_H
#define REFGW_IDS_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#define RG_ID_LEN 24
/* Ids of the first version: 22 random characters. A store may still hold
 * such referrals, so their ids stay valid. */
#define RG_ID_LEN_OLD 22

/* The id's alphabet: base64url's 64 characters, and the 32 letters an id
 * begins with (so that none starts with '-' and reads as an option on a
 * command line). Each character stands for 6 bits, the first for 5. */
extern const char rg_id_chars[65];
extern const char rg_id_first_chars[33];

/* Fills out (RG_ID_LEN + 1 bytes) with a fresh id made now. Returns 0, or -1
 * if the random generator fails. */
int rg_id_new(char out[RG_ID_LEN + 1]);

/* Whether s has the shape of an id this gateway issues or issued. */
bool rg_id_valid(const char *s, size_t len);

/* Fills buf with len random bytes from OpenSSL's generator (seeded by the
 * kernel); 0 or -1. */
int rg_random_bytes(void *buf, size_t len);

/* The same, from a pool of the calling thread's, refilled a kilobyte at a
 * time: for the small draws made per referral. Each byte is handed out once
 * and wiped from the pool. */
int rg_random_pooled(void *out, size_t len);

/* RFC 3339 UTC to the second: "2026-11-28T09:15:02Z" (21 bytes with NUL). */
#define RG_TIME_LEN 21
void rg_time_format(time_t t, char out[RG_TIME_LEN]);

/* "YYYY-MM" of t in UTC (8 bytes with NUL). */
#define RG_MONTH_LEN 8
void rg_month_format(time_t t, char out[RG_MONTH_LEN]);

/* Whether s is a well-formed month "YYYY-MM" (01-12). */
bool rg_month_valid(const char *s, size_t len);

#endif
