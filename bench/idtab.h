/*
 * idtab.h - referral ids seen by an e2e run, with when each was accepted (the
 * send's 202) and received (in a recipient's inbox answer).
 *
 * The two halves of an entry arrive on different connections in either order,
 * so an entry is made by whichever comes first. Entries stay until the end of
 * the run, so redeliveries and ids from other runs can be told apart.
 */
#ifndef BENCH_IDTAB_H
#define BENCH_IDTAB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bench.h"

struct id_entry {
    struct id_entry *next;
    uint64_t t_accept;  /* 0 until the 202 is seen */
    uint64_t t_receive; /* 0 until the id is first received */
    bool measured;      /* the 202 came in the measured window */
    char id[ID_MAX + 1];
};

struct idtab *idtab_new(void);
void idtab_free(struct idtab *t);

/* The entry for id (len <= ID_MAX), made empty if new; NULL if out of memory. */
struct id_entry *idtab_get(struct idtab *t, const char *id, size_t len);

void idtab_walk(const struct idtab *t, void (*fn)(const struct id_entry *, void *),
                void *arg);

#endif
