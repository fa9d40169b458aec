/*
 * store.c - the store's writer (store.h): the queue ops wait in, the thread
 * that takes them in batches (batch.c runs each), and the arrivals it hands
 * up.
 */
#include "store.h"

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "priority.h"
#include "store_internal.h"

/* Under load (the last batch had GATHER_FROM ops or more), the writer waits
 * up to GATHER_NS for as many ops as the last batch had before it takes the
 * next. Without, under refgw-bench's 64 connections a batch took the 16
 * that had arrived while the last one committed, and every page a batch
 * touches, its sync and its wake-ups were paid per 16 sends. */
#define GATHER_FROM 8
#define GATHER_NS 300000L
/* While sends are refused for room, the disk is looked at this often. */
#define DEGRADED_RECHECK_NS 1000000000L
/* How long the writer waits for ops after a batch before the backend's idle
 * upkeep runs: under a steady stream of requests, never. */
#define STORE_IDLE_NS 200000000L

/* Arrivals waiting for the writer to hand them up, at most (each organisation
 * once): beyond, a parked long-poll still ends at its deadline. */
#define ARRIVALS_MAX 4096

/* The backends, by the name store_options gives. */
static const struct store_backend *const backends[] = {&sqlite_backend, &pg_backend};

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
    size_t n = 1;
    while (n < MAX_BATCH && last->next != NULL) {
        long long c = cost != NULL ? cost(s->db, last->next) : 0;
        if (c > budget - used)
            break;
        used += c;
        last = last->next;
        n++;
    }
    s->queue = last->next;
    if (s->queue == NULL)
        s->queue_tail = &s->queue;
    last->next = NULL;
    s->queued -= n;
    s->last_batch = n;
    return batch;
}

/* CLOCK_MONOTONIC ns from now, for the thread's timed waits. */
static struct timespec deadline_after(long ns)
{
    struct timespec until;
    clock_gettime(CLOCK_MONOTONIC, &until);
    until.tv_sec += ns / 1000000000L;
    until.tv_nsec += ns % 1000000000L;
    if (until.tv_nsec >= 1000000000L) {
        until.tv_sec++;
        until.tv_nsec -= 1000000000L;
    }
    return until;
}

static bool nothing_to_do(const struct store *s)
{
    return s->queue == NULL && s->arrivals == NULL && !s->stopping;
}

/* Waits for ops or arrivals (lock held). Once no batch has come for
 * STORE_IDLE_NS, runs the backend's idle upkeep. While sends are refused for
 * room, looks at the disk again every second, so that they are accepted
 * again by themselves. */
static void wait_for_ops(struct store *s)
{
    while (nothing_to_do(s)) {
        bool idle_due = s->idle_due && s->backend->idle != NULL;
        bool degraded = __atomic_load_n(&s->degraded, __ATOMIC_RELAXED);
        if (!idle_due && !degraded) {
            pthread_cond_wait(&s->wake_thread, &s->lock);
            continue;
        }
        struct timespec until =
            deadline_after(idle_due ? STORE_IDLE_NS : DEGRADED_RECHECK_NS);
        if (pthread_cond_timedwait(&s->wake_thread, &s->lock, &until) != ETIMEDOUT ||
            !nothing_to_do(s))
            continue;
        pthread_mutex_unlock(&s->lock);
        if (idle_due) {
            s->idle_due = false;
            s->backend->idle(s->db);
        } else {
            prepare(s, NULL);
        }
        pthread_mutex_lock(&s->lock);
    }
}

/* Under load, waits (lock held) until as many ops are queued as the last
 * batch took, or gather_ns has passed, whichever comes first. */
static void gather(struct store *s)
{
    size_t want = s->last_batch;
    if (want < GATHER_FROM || s->queued >= want || s->stopping)
        return;
    struct timespec until = deadline_after(s->gather_ns);
    s->wake_at = want;
    while (s->queued < want && !s->stopping && s->arrivals == NULL)
        if (pthread_cond_timedwait(&s->wake_thread, &s->lock, &until) == ETIMEDOUT)
            break;
    s->wake_at = 1;
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
        gather(s);
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
            s->idle_due = true;
            batch_run(s, batch, &error);
            if (error.class != NULL) { /* known before anyone hears of the batch */
                pthread_mutex_lock(&s->lock);
                failure_note(&s->error, error.stage, error.class);
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

int store_configure_process(void)
{
    for (size_t i = 0; i < sizeof(backends) / sizeof(backends[0]); i++)
        if (backends[i]->configure_process != NULL &&
            backends[i]->configure_process() < 0)
            return -1;
    return 0;
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
    s->wake_at = 1;
    s->gather_ns = opt->gather_ns > 0 ? opt->gather_ns : GATHER_NS;
    prepare(s, NULL); /* a disk already full refuses sends from the start */
    pthread_mutex_init(&s->lock, NULL);
    pthread_condattr_t monotonic;
    pthread_condattr_init(&monotonic);
    pthread_condattr_setclock(&monotonic, CLOCK_MONOTONIC);
    pthread_cond_init(&s->wake_thread, &monotonic);
    pthread_condattr_destroy(&monotonic);
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
    if (++s->queued >= s->wake_at)
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
