/*
 * tally.h - counter increments gathered in memory, to be written at once.
 *
 * The store's writer runs many events per transaction; it adds each
 * event's SPEC §6 keys to a tally and writes one upsert per distinct key when
 * the batch commits, instead of nine row writes per referral. Each key holds
 * n, the events, and k, the sum mod 2^32 of their record keys.
 */
#ifndef REFGW_TALLY_H
#define REFGW_TALLY_H

#include "referral.h"
#include "taxonomy.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A flow key (attr "", the routing set) or a subject key (attr and value
 * set, the routing all zero): the two families are never joined. */
struct count_key {
    char month[8];
    char event[16];
    struct rg_routing route;
    char attr[RG_VALUE_MAX], value[RG_VALUE_MAX];
};

struct tally;

struct tally *tally_new(void);
void tally_free(struct tally *t);

/* Adds n events with keys summing to k to key; 0, or -1 when out of memory. */
int tally_add(struct tally *t, const struct count_key *key, long n, uint32_t k);

/*
 * Adds one event with record key r to its keys (SPEC §6): the flow key
 * (base: month, event and routing, built zeroed as every key is), and one
 * subject key per attribute (month, event, attribute, value; no routing).
 * 0, or -1 when out of memory (some keys may have been added).
 */
int tally_add_event(struct tally *t, const struct count_key *base,
                    const char subject[RG_SUBJECT_ATTRS][RG_VALUE_MAX], uint32_t r);

/* Adds everything of from into into, and empties from; 0 or -1. */
int tally_merge(struct tally *into, struct tally *from);

void tally_clear(struct tally *t);

/* How many distinct keys hold a count. */
size_t tally_size(const struct tally *t);

/* Calls fn for every key with a count; stops at the first non-zero return. */
int tally_each(const struct tally *t,
               int (*fn)(void *arg, const struct count_key *key, long n, uint32_t k),
               void *arg);

#endif
