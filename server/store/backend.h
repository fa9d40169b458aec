/*
 * backend.h - what a store backend implements: transactions with
 * savepoints, and one function per op kind. The writer (store.c) runs each
 * batch through this table; nothing above the store sees it.
 *
 * Every function but open, close and watch runs on the writer's thread
 * inside the transaction begin() opened, and returns 0, or -1 when the
 * backend failed (error_class then says how).
 */
#ifndef REFGW_BACKEND_H
#define REFGW_BACKEND_H

#include <stdbool.h>
#include <stddef.h>

#include "errors.h"
#include "ops.h"
#include "store.h"

struct store_backend {
    const char *name;
    /* Process-wide settings of the backend's library (optional), once
     * before any thread starts (store_configure_process). 0 or -1. */
    int (*configure_process)(void);
    void *(*open)(const struct store_options *opt, char err[RG_ERR_MAX]);
    /* Runs what must run last (a final checkpoint) and frees. */
    void (*close)(void *db);
    const char *(*error_class)(void *db);

    int (*begin)(void *db);
    int (*commit)(void *db);
    void (*rollback)(void *db);
    int (*savepoint)(void *db);
    int (*release)(void *db);
    void (*rollback_to)(void *db);

    /* One per op kind (OP_COUNT included): runs op inside the transaction.
     * A send (OP_PUT) undone by rollback_to may run again and must then do
     * as it would have done the first time: the writer runs a batch's sends
     * in one savepoint, and each again in its own if one of them fails. */
    int (*run[OP_KINDS])(void *db, struct op *op);

    /* Sends waiting to be counted as accepted (OP_COUNT counts them);
     * LONG_MAX when they should be counted in this batch whatever their
     * number. */
    long (*uncounted)(void *db);

    /* After a batch committed; checkpoint: the batch asked for one. */
    int (*after_commit)(void *db, bool checkpoint);

    /* The writer has had nothing to do for 0.2 s (store.c) since its last
     * batch (optional): upkeep that should delay no batch. */
    void (*idle)(void *db);

    /* Disk space (optional: NULL for a backend whose disk is not ours).
     * prepare runs before each batch, outside a transaction, and returns
     * the bytes the batch may write, next being the op the batch will start
     * with (NULL: none waits, the disk is only looked at); op_cost is an upper bound of
     * what op writes, so that the writer takes into a batch only ops that fit (the
     * first always). degraded: whether sends are being refused for room. */
    long long (*prepare)(void *db, const struct op *next);
    long long (*op_cost)(void *db, const struct op *op);
    bool (*degraded)(void *db);

    struct digester *(*digester_new)(void *db);

    /* Integrity (optional). check: the full check of the store opt names,
     * without opening it for writing (no writer runs). check_start: the
     * same in the background on the open store, after start; corrupt:
     * whether it found the store corrupt (any thread). */
    int (*check)(const struct store_options *opt, struct store_check *out,
                 char err[RG_ERR_MAX]);
    void (*check_start)(void *db);
    bool (*corrupt)(void *db);

    /* ---- optional: NULL when the backend has no use for them ---- */

    /* Runs all the ops of one kind in a batch at once, before the batch's
     * other ops (kinds in their enum order), inside one savepoint the writer
     * opened: for a backend that a round trip per statement costs more than
     * the work, one statement for many sends, or many acknowledgements.
     * Fills each op's outcome, or marks one it could not do failed; -1 when
     * the statement failed (the writer then fails them all). */
    int (*many[OP_KINDS])(void *db, struct op **ops, size_t n);

    /* Starts watching for referrals other processes sharing the store
     * commit: fn(arg, org_id) from any thread, for each recipient of one
     * (a hint: a spurious call is harmless). 0, or -1 with err. */
    int (*watch)(void *db, void (*fn)(void *arg, const char *org_id), void *arg,
                 char err[RG_ERR_MAX]);
};

extern const struct store_backend sqlite_backend;
extern const struct store_backend pg_backend;

#endif
