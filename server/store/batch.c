/*
 * batch.c - one batch of ops in one transaction, on the store's writer
 * thread (store_internal.h): the sends together in one savepoint, each
 * other op in a savepoint of its own, the sends counted when due, one
 * commit.
 */
#include <time.h>

#include "store_internal.h"

/* Sends are counted as accepted in bulk once this many wait or a second has
 * passed since the last counting. More per counting writes fewer counter
 * rows per send (the bench's 4,096 sends share some 900 keys), but makes
 * that batch slower and the tally larger. */
#define COUNT_AFTER_SENDS 4096
#define COUNT_AFTER_NS 1000000000LL

void failure_note(struct failure *f, enum store_stage stage, const char *class)
{
    if (class != NULL && (f->class == NULL || stage >= f->stage)) {
        f->class = class;
        f->stage = stage;
    }
}

static long long monotonic_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (long long)t.tv_sec * 1000000000LL + t.tv_nsec;
}

/* What a failed op stopped: a client's request, or the daemon's own upkeep
 * (its timers' ops and the writer's counting), which is tried again. */
static enum store_stage stage_of(const struct op *op)
{
    switch (op->kind) {
    case OP_EXPIRE:
    case OP_REJECTIONS:
    case OP_CHECKPOINT:
    case OP_COUNT:
    case OP_RELEASE:
        return STORE_UPKEEP;
    default:
        return STORE_REQUEST;
    }
}

/* Runs op in its own savepoint: a failure undoes it alone. */
static void run_op(struct store *s, struct op *op, struct failure *error)
{
    const struct store_backend *b = s->backend;
    if (b->savepoint(s->db) < 0 || b->run[op->kind](s->db, op) < 0 ||
        b->release(s->db) < 0) {
        /* A class of NULL: a send refused for room, not a failure. */
        failure_note(error, stage_of(op), b->error_class(s->db));
        op->failed = true;
        b->rollback_to(s->db);
    }
}

/* Counts the waiting sends when enough wait or enough time has passed. */
static void count_sends_if_due(struct store *s, struct failure *error)
{
    long waiting = s->backend->uncounted(s->db);
    if (waiting == 0)
        return;
    long long now = monotonic_ns();
    if (waiting < COUNT_AFTER_SENDS && now - s->counted_at < COUNT_AFTER_NS)
        return;
    s->counted_at = now;
    struct op count = {.kind = OP_COUNT};
    run_op(s, &count, error);
}

static void fail_batch(struct store *s, struct op *batch, struct failure *error)
{
    failure_note(error, STORE_COMMIT, s->backend->error_class(s->db));
    for (struct op *op = batch; op != NULL; op = op->next)
        op->failed = true;
    __atomic_store_n(&s->healthy, false, __ATOMIC_RELAXED);
}

/* The batch's ops of one kind in one savepoint through the backend's
 * many[kind]: all done, or all failed. Returns whether it ran them (else
 * each runs as any op). */
static bool run_many(struct store *s, struct op *batch, enum op_kind kind,
                     struct failure *error)
{
    const struct store_backend *b = s->backend;
    struct op *ops[MAX_BATCH];
    size_t n = 0;
    if (b->many[kind] == NULL)
        return false;
    for (struct op *op = batch; op != NULL && n < MAX_BATCH; op = op->next)
        if (op->kind == kind)
            ops[n++] = op;
    if (n == 0)
        return true;
    if (b->savepoint(s->db) < 0 || b->many[kind](s->db, ops, n) < 0 ||
        b->release(s->db) < 0) {
        for (size_t i = 0; i < n; i++)
            ops[i]->failed = true;
        b->rollback_to(s->db);
    }
    for (size_t i = 0; i < n; i++)
        if (ops[i]->failed)
            failure_note(error, stage_of(ops[i]), b->error_class(s->db));
    return true;
}

/*
 * The batch's sends in one savepoint, when no many[] ran them: the store
 * then copies each page they touch aside once for the batch, not once for
 * each send (the writer's CPU 4.5 % lower: bench/notes.md). If one fails,
 * the savepoint is undone and it returns false: each send then runs again
 * in a savepoint of its own, so that a failure still undoes one send alone
 * (backend.h: a send undone runs again as if new).
 */
static bool run_sends_together(struct store *s, struct op *batch)
{
    const struct store_backend *b = s->backend;
    size_t n = 0;
    for (struct op *op = batch; op != NULL && n < 2; op = op->next)
        n += op->kind == OP_PUT;
    if (n < 2 || b->savepoint(s->db) < 0)
        return false; /* one alone: as any op */
    for (struct op *op = batch; op != NULL; op = op->next) {
        if (op->kind == OP_PUT && b->run[OP_PUT](s->db, op) < 0) {
            b->rollback_to(s->db);
            return false;
        }
    }
    if (b->release(s->db) < 0) {
        b->rollback_to(s->db);
        return false;
    }
    return true;
}

void batch_run(struct store *s, struct op *batch, struct failure *error)
{
    const struct store_backend *b = s->backend;
    bool checkpoint = false;
    if (b->begin(s->db) < 0) {
        fail_batch(s, batch, error);
        return;
    }
    bool done[OP_KINDS];
    for (int kind = 0; kind < OP_KINDS; kind++)
        done[kind] = run_many(s, batch, (enum op_kind)kind, error);
    if (!done[OP_PUT])
        done[OP_PUT] = run_sends_together(s, batch);
    for (struct op *op = batch; op != NULL; op = op->next) {
        checkpoint |= op->kind == OP_CHECKPOINT;
        if (!done[op->kind])
            run_op(s, op, error);
    }
    count_sends_if_due(s, error);
    long long started = monotonic_ns();
    if (b->commit(s->db) < 0) {
        fail_batch(s, batch, error);
        b->rollback(s->db);
        return;
    }
    __atomic_add_fetch(&s->commits, 1, __ATOMIC_RELAXED);
    __atomic_add_fetch(&s->commit_ns, (unsigned long long)(monotonic_ns() - started),
                       __ATOMIC_RELAXED);
    __atomic_store_n(&s->healthy, true, __ATOMIC_RELAXED);
    if (b->after_commit(s->db, checkpoint) < 0)
        failure_note(error, STORE_UPKEEP, b->error_class(s->db));
}
