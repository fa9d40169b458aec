/*
 * store.h - the durable store as the layers above see it.
 *
 * Ops (ops.h) are queued from any thread and run by one writer thread in
 * batches: one transaction, and one commit (one fsync) per batch, in which
 * one op's failure undoes that op alone (batch.c: savepoints); if the
 * commit fails, every op of the batch is marked failed. Only after the
 * commit returns is each op handed back through the complete hook, so a 202
 * is never sent before its referral is durable. Under load the writer lets
 * a batch gather a moment first (store_options.gather_ns).
 *
 * Which backend keeps the data is the store's own affair (backend.h): the
 * layers above see only ops.
 */
#ifndef REFGW_STORE_H
#define REFGW_STORE_H

#include <stdbool.h>

#include "errors.h"
#include "ops.h"

struct digester;
struct store;

struct store_hooks {
    void *ctx;
    /* Ops of one owner, linked through op->next in the order they were
     * queued, done (or failed). Called on the writer's thread: hand them to
     * where done() belongs. */
    void (*complete)(void *ctx, void *owner, struct op *ops);
    /* A referral for org_id was committed by another gateway sharing the
     * store (SPEC §11): long-polls of org_id may look again. Called on the
     * writer's thread once store_watch() was called, and only after every
     * op that ran before the commit could be seen has been handed back
     * (complete), so an inbox read that missed the referral is parked
     * before the wake-up reaches its loop. NULL: not wanted. */
    void (*arrived)(void *ctx, const char *org_id);
};

struct store_options {
    const char *backend;  /* "sqlite" (also when NULL) or "postgresql" */
    const char *data_dir; /* SQLite: the folder of the store's files */
    const char *conninfo; /* PostgreSQL: a libpq connection string; never logged */
    /* Under load, the longest the writer waits for a batch to gather
     * before it takes it (store.c); 0: 300 µs. */
    long gather_ns;
};

/* Process-wide settings of the store's libraries: once at start-up, before
 * any thread starts and any store opens. What SQLite frees is wiped first
 * (store/sqlite/wiping.h). 0, or -1 if a library refused. */
int store_configure_process(void);

/* Opens (creating if needed) the store and starts its writer. NULL with err. */
struct store *store_open(const struct store_options *opt,
                         const struct store_hooks *hooks, char err[RG_ERR_MAX]);

/* From now on referrals committed by other gateways sharing the store reach
 * the arrived hook (the layer above is wired). A backend that no other
 * process shares has nothing to watch. 0, or -1 with err. */
int store_watch(struct store *s, char err[RG_ERR_MAX]);

/* Queues op (from any thread); it comes back through the complete hook. */
void store_submit(struct store *s, struct op *op);

/* Whether the last batch (or the opening, before any) committed. */
bool store_healthy(struct store *s);

/* Whether sends are refused because the disk is nearly full (SPEC §7):
 * deliveries and acknowledgements go on, and sends come back by themselves
 * once there is room. */
bool store_degraded(struct store *s);

/* Batches committed since the store opened, and the time their commits took
 * (fsync included), for /metrics. */
void store_latency(struct store *s, unsigned long long *commits, double *seconds);

/* What a failure stopped, least serious first. */
enum store_stage {
    STORE_UPKEEP = 1, /* the daemon's own work (a checkpoint, an index merge,
                       * expiry, counting): tried again; every request of the
                       * batch stays committed */
    STORE_REQUEST,    /* one client's request: it failed alone, its batch
                       * committed */
    STORE_COMMIT,     /* a whole batch: none of its requests committed */
};

/* The class of the most serious failure since the last call, for the log
 * ("disk full"), and in *stage what it stopped; NULL if none. */
const char *store_take_error(struct store *s, enum store_stage *stage);

/* The outcome of a full check of a store (store_check). */
struct store_check {
    bool sound;      /* nothing wrong found */
    long problems;   /* lines of the check's report, when not sound */
    char first[256]; /* its first line: pages and b-trees, never content */
    double seconds;
};

/* refgwd --check-store: the full check (every page, and every index against
 * its table) of the store opt names, read-only, while a gateway may be
 * serving from it. 0 with *out filled, or -1 with err if it could not check
 * (no store there, or it cannot be read at all). */
int store_check(const struct store_options *opt, struct store_check *out,
                char err[RG_ERR_MAX]);

/* Starts the full check of the open store in the background, at the lowest
 * priority: the start only checked its structure. Once the gateway listens. */
void store_check_background(struct store *s);

/* Whether that check found the store corrupt: sends are then refused (503)
 * and nothing else changes; the log said what to do. */
bool store_corrupt(struct store *s);

/* A digester keyed with the store's secret (digests.h), for a thread that
 * makes the digests of the sends it parses; the caller frees it. NULL if
 * OpenSSL cannot make one. */
struct digester *store_digester_new(struct store *s);

/* Runs what is queued, stops the writer, closes the store. The ops it
 * completes meanwhile go through the complete hook as ever. */
void store_close(struct store *s);

#endif
