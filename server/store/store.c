#include "store.h"

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "backend.h"
#include "log.h"
#include "priority.h"

#define MAX_BATCH 1024
/* While sends are refused for room, the disk is looked at this often. */
#define DEGRADED_RECHECK_SECONDS 1

/* Sends are counted as accepted in bulk once this many wait or a second has
 * passed since the last counting. More per counting writes fewer counter
 * rows per send (the bench's 4,096 sends share some 900 keys), but makes
 * that batch slower and the tally larger. */
#define COUNT_AFTER_SENDS 4096
#define COUNT_AFTER_NS 1000000000LL

/* Arrivals waiting for the writer to hand them up, at most (each organisation
 * once): beyond, a parked long-poll still ends at its deadline. */
#define ARRIVALS_MAX 4096

/* The backends, by the name store_options gives. */
static const struct store_backend *const backends[] = {&sqlite_backend, &pg_backend};

/* A referral committed by another gateway for org, to hand up (store.h). */
struct arrival {
    struct arrival *next;
    char org[RG_ORG_ID_MAX + 1];
};

/* The most serious failure seen (store_take_error); class NULL: none. */
struct failure {
    const char *class;
    enum store_stage stage;
};

struct store {
    const struct store_backend *backend;
    void *db;
    struct store_hooks hooks;
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t wake_thread;
    struct op *queue, **queue_tail; /* guarded by lock */
    struct failure error;           /* guarded by lock */
    bool stopping;                  /* guarded by lock */
    struct arrival *arrivals;       /* guarded by lock */
    int arrival_count;              /* guarded by lock */
    bool healthy;                   /* the last batch committed; atomic */
    bool degraded;                  /* sends refused for room; atomic */
    long long counted_at;           /* CLOCK_MONOTONIC ns; the thread's own */
    unsigned long long commits;     /* atomic */
    unsigned long long commit_ns;   /* atomic */
};

/* Keeps the failure of class (NULL: none) at stage if it is the most serious yet. */
static void note_failure(struct failure *f, enum store_stage stage, const char *class)
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
        note_failure(error, stage_of(op), b->error_class(s->db));
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
    note_failure(error, STORE_COMMIT, s->backend->error_class(s->db));
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
            note_failure(error, stage_of(ops[i]), b->error_class(s->db));
    return true;
}

/* Runs one batch in one transaction; marks ops failed as the backend dictates. */
static void run_batch(struct store *s, struct op *batch, struct failure *error)
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
        note_failure(error, STORE_UPKEEP, b->error_class(s->db));
}

/* Hands each op of a batch back to its owner, in order: one call per owner
 * and batch rather than per op. */
static void hand_back(struct store *s, struct op *batch)
{
    while (batch != NULL) {
        void *owner = batch->owner;
        struct op *mine = NULL, **mine_tail = &mine;
        struct op *rest = NULL, **rest_tail = &rest;
        for (struct op *op = batch, *next; op != NULL; op = next) {
            next = op->next;
            op->next = NULL;
            if (op->owner == owner) {
                *mine_tail = op;
                mine_tail = &op->next;
            } else {
                *rest_tail = op;
                rest_tail = &op->next;
            }
        }
        s->hooks.complete(s->hooks.ctx, owner, mine);
        batch = rest;
    }
}

/* Called by the backend from any thread (backend.h: watch). */
static void on_arrival(void *arg, const char *org)
{
    struct store *s = arg;
    pthread_mutex_lock(&s->lock);
    bool known = false;
    for (struct arrival *a = s->arrivals; a != NULL && !known; a = a->next)
        known = strcmp(a->org, org) == 0;
    struct arrival *a = NULL;
    if (!known && s->arrival_count < ARRIVALS_MAX && (a = malloc(sizeof(*a))) != NULL) {
        snprintf(a->org, sizeof(a->org), "%s", org);
        a->next = s->arrivals;
        s->arrivals = a;
        s->arrival_count++;
        pthread_cond_signal(&s->wake_thread);
    }
    pthread_mutex_unlock(&s->lock);
}

/* Hands up (when deliver) and frees a list of arrivals taken from the store. */
static void hand_up(struct store *s, struct arrival *a, bool deliver)
{
    while (a != NULL) {
        struct arrival *next = a->next;
        if (deliver && s->hooks.arrived != NULL)
            s->hooks.arrived(s->hooks.ctx, a->org);
        free(a);
        a = next;
    }
}

/* Whether sends are refused for room now; says so in the log when that
 * changes (once each way). */
static void note_degraded(struct store *s)
{
    if (s->backend->degraded == NULL)
        return;
    bool now = s->backend->degraded(s->db);
    if (now == __atomic_load_n(&s->degraded, __ATOMIC_RELAXED))
        return;
    __atomic_store_n(&s->degraded, now, __ATOMIC_RELAXED);
    if (now)
        log_line("store: disk nearly full: sends are refused, deliveries and "
                 "acknowledgements go on");
    else
        log_line("store: room again: sends are accepted");
}

/* What the next batch, starting with next, may write (backend.h). */
static long long prepare(struct store *s, const struct op *next)
{
    if (s->backend->prepare == NULL)
        return LLONG_MAX;
    long long budget = s->backend->prepare(s->db, next);
    note_degraded(s);
    return budget;
}

/* Takes the next batch off the queue (lock held): up to MAX_BATCH ops,
 * everything that arrived while we committed, as long as what they may
 * write fits in budget. The first is always taken: an op that cannot fit
 * alone runs alone, and the disk decides. */
static struct op *take_batch(struct store *s, long long budget)
{
    long long (*cost)(void *, const struct op *) = s->backend->op_cost;
    struct op *batch = s->queue, *last = batch;
    if (batch == NULL)
        return NULL;
    long long used = cost != NULL ? cost(s->db, batch) : 0;
    for (int n = 1; n < MAX_BATCH && last->next != NULL; n++) {
        long long c = cost != NULL ? cost(s->db, last->next) : 0;
        if (c > budget - used)
            break;
        used += c;
        last = last->next;
    }
    s->queue = last->next;
    if (s->queue == NULL)
        s->queue_tail = &s->queue;
    last->next = NULL;
    return batch;
}

/* Waits for ops or arrivals (lock held). While sends are refused for room, looks at the
 * disk again every second, so that they are accepted again by themselves. */
static void wait_for_ops(struct store *s)
{
    while (s->queue == NULL && s->arrivals == NULL && !s->stopping) {
        if (!__atomic_load_n(&s->degraded, __ATOMIC_RELAXED)) {
            pthread_cond_wait(&s->wake_thread, &s->lock);
            continue;
        }
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_sec += DEGRADED_RECHECK_SECONDS;
        if (pthread_cond_timedwait(&s->wake_thread, &s->lock, &until) == ETIMEDOUT &&
            s->queue == NULL && s->arrivals == NULL && !s->stopping) {
            pthread_mutex_unlock(&s->lock);
            prepare(s, NULL);
            pthread_mutex_lock(&s->lock);
        }
    }
}

static void *thread_main(void *arg)
{
    struct store *s = arg;
    thread_role("commit", PRIORITY_COMMITTER); /* without the right, as it was */
    pthread_mutex_lock(&s->lock);
    for (;;) {
        wait_for_ops(s);
        if (s->queue == NULL && s->stopping)
            break;
        struct op *batch = NULL;
        struct failure error = {0};
        if (s->queue != NULL) {
            /* Only this thread takes ops off the queue: the first stays first. */
            struct op *next = s->queue;
            pthread_mutex_unlock(&s->lock);
            long long budget = prepare(s, next);
            pthread_mutex_lock(&s->lock);
            batch = take_batch(s, budget);
        }
        pthread_mutex_unlock(&s->lock);

        if (batch != NULL) {
            run_batch(s, batch, &error);
            if (error.class != NULL) { /* known before anyone hears of the batch */
                pthread_mutex_lock(&s->lock);
                note_failure(&s->error, error.stage, error.class);
                pthread_mutex_unlock(&s->lock);
            }
            hand_back(s, batch); /* committed, or failed */
            note_degraded(s);    /* a send refused in this batch says so now */
        }

        /* Arrivals seen while the batch ran go up only now: an inbox read
         * of the batch that missed one has been handed back before it. */
        pthread_mutex_lock(&s->lock);
        struct arrival *arrived = s->arrivals;
        s->arrivals = NULL;
        s->arrival_count = 0;
        pthread_mutex_unlock(&s->lock);
        hand_up(s, arrived, true);
        pthread_mutex_lock(&s->lock);
    }
    pthread_mutex_unlock(&s->lock);
    return NULL;
}

/* The backend store_options names; NULL (and err) when there is none. */
static const struct store_backend *find_backend(const char *name, char err[RG_ERR_MAX])
{
    if (name == NULL)
        name = sqlite_backend.name;
    for (size_t i = 0; i < sizeof(backends) / sizeof(backends[0]); i++)
        if (strcmp(backends[i]->name, name) == 0)
            return backends[i];
    snprintf(err, RG_ERR_MAX, "no store backend called %.64s", name);
    return NULL;
}

struct store *store_open(const struct store_options *opt,
                         const struct store_hooks *hooks, char err[RG_ERR_MAX])
{
    struct store *s = calloc(1, sizeof(*s));
    if (s == NULL) {
        snprintf(err, RG_ERR_MAX, "out of memory");
        return NULL;
    }
    s->backend = find_backend(opt->backend, err);
    if (s->backend == NULL) {
        free(s);
        return NULL;
    }
    s->hooks = *hooks;
    s->db = s->backend->open(opt, err);
    if (s->db == NULL) {
        free(s);
        return NULL;
    }
    s->healthy = true; /* open just checked it */
    s->queue_tail = &s->queue;
    prepare(s, NULL); /* a disk already full refuses sends from the start */
    pthread_mutex_init(&s->lock, NULL);
    pthread_cond_init(&s->wake_thread, NULL);
    if (pthread_create(&s->thread, NULL, thread_main, s) != 0) {
        s->backend->close(s->db);
        pthread_mutex_destroy(&s->lock);
        pthread_cond_destroy(&s->wake_thread);
        free(s);
        snprintf(err, RG_ERR_MAX, "cannot start the store's writer thread");
        return NULL;
    }
    return s;
}

int store_watch(struct store *s, char err[RG_ERR_MAX])
{
    if (s->backend->watch == NULL)
        return 0;
    return s->backend->watch(s->db, on_arrival, s, err);
}

void store_submit(struct store *s, struct op *op)
{
    op->next = NULL;
    op->failed = false;
    pthread_mutex_lock(&s->lock);
    *s->queue_tail = op;
    s->queue_tail = &op->next;
    pthread_cond_signal(&s->wake_thread);
    pthread_mutex_unlock(&s->lock);
}

bool store_healthy(struct store *s)
{
    return __atomic_load_n(&s->healthy, __ATOMIC_RELAXED);
}

bool store_degraded(struct store *s)
{
    return __atomic_load_n(&s->degraded, __ATOMIC_RELAXED);
}

void store_latency(struct store *s, unsigned long long *commits, double *seconds)
{
    *commits = __atomic_load_n(&s->commits, __ATOMIC_RELAXED);
    *seconds = (double)__atomic_load_n(&s->commit_ns, __ATOMIC_RELAXED) / 1e9;
}

const char *store_take_error(struct store *s, enum store_stage *stage)
{
    pthread_mutex_lock(&s->lock);
    struct failure f = s->error;
    s->error.class = NULL;
    pthread_mutex_unlock(&s->lock);
    *stage = f.stage;
    return f.class;
}

int store_check(const struct store_options *opt, struct store_check *out,
                char err[RG_ERR_MAX])
{
    const struct store_backend *b = find_backend(opt->backend, err);
    if (b == NULL)
        return -1;
    if (b->check == NULL) {
        snprintf(err, RG_ERR_MAX, "the %s store has no check", b->name);
        return -1;
    }
    return b->check(opt, out, err);
}

void store_check_background(struct store *s)
{
    if (s->backend->check_start != NULL)
        s->backend->check_start(s->db);
}

bool store_corrupt(struct store *s)
{
    return s->backend->corrupt != NULL && s->backend->corrupt(s->db);
}

struct digester *store_digester_new(struct store *s)
{
    return s->backend->digester_new(s->db);
}

void store_close(struct store *s)
{
    if (s == NULL)
        return;
    pthread_mutex_lock(&s->lock);
    s->stopping = true;
    pthread_cond_signal(&s->wake_thread);
    pthread_mutex_unlock(&s->lock);
    pthread_join(s->thread, NULL);
    s->backend->close(s->db); /* the watch has stopped: no arrival comes now */
    hand_up(s, s->arrivals, false);
    pthread_mutex_destroy(&s->lock);
    pthread_cond_destroy(&s->wake_thread);
    free(s);
}
