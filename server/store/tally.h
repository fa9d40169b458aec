/*
 * tally.h - counter increments gathered in memory, to be written at once.
 *
 * The store's writer runs many events per transaction; it adds each
 * event's SPEC §6 keys to a tally and writes one upsert per distinct key when
 * the batch commits, instead of nine row writes per referral.
 */
#ifndef REFGW_TALLY_H
#define REFGW_TALLY_H

#include "referral.h"
#include "taxonomy.h"

#include <stdbool.h>

struct count_key {
    char month[8];
    char event[16];
    struct rg_routing route;
    char attr[RG_VALUE_MAX], value[RG_VALUE_MAX]; /* "" for the key without attribute */
};

struct tally;

struct tally *tally_new(void);
void tally_free(struct tally *t);

/* Adds n to key; 0, or -1 when out of memory. */
int tally_add(struct tally *t, const struct count_key *key, long n);

/*
 * Adds n to an event's keys (SPEC §6): base with no attribute, and base with
 * each subject attribute and its value from subject. base is built zeroed,
 * as every key is; its attr and value are ignored. 0, or -1 when out of
 * memory (some keys may have been added).
 */
int tally_add_event(struct tally *t, const struct count_key *base,
                    const char subject[RG_SUBJECT_ATTRS][RG_VALUE_MAX], long n);

/* Adds everything of from into into, and empties from; 0 or -1. */
int tally_merge(struct tally *into, struct tally *from);

void tally_clear(struct tally *t);

/* Calls fn for every key with a count; stops at the first non-zero return. */
int tally_each(const struct tally *t,
               int (*fn)(void *arg, const struct count_key *key, long n), void *arg);

#endif
