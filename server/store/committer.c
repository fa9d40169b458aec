#include "committer.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <time.h>

#include "checkpointer.h"
#include "loop.h"
#include "priority.h"

#define MAX_BATCH 1024

/* Sends are counted as accepted in bulk (store.h) once this many wait or a
 * second has passed since the last counting. More per counting writes fewer
 * counter rows per send (the bench's 4,096 sends share some 900 keys), but
 * makes that batch slower and the tally larger. */
#define COUNT_AFTER_SENDS 4096
#define COUNT_AFTER_NS 1000000000LL

struct committer {
    struct store *store;
    struct checkpointer
        *checkpointer; /* NULL if it could not start: TRUNCATE ones still run */
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t wake_thread;
    struct op *queue, **queue_tail; /* guarded by lock */
    const char *error;              /* guarded by lock */
    bool stopping;                  /* guarded by lock */
    bool healthy;                   /* the last batch committed; atomic */
    long long counted_at;           /* CLOCK_MONOTONIC ns; the thread's own */
};

static long long monotonic_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (long long)t.tv_sec * 1000000000LL + t.tv_nsec;
}

/* Runs op in its own savepoint: a failure undoes it alone. */
static void run_op(struct store *s, struct op *op, const char **error)
{
    if (store_savepoint(s) < 0 || op_execute(s, op) < 0 || store_release(s) < 0) {
        *error = store_error_class(s);
        op->failed = true;
        store_rollback_to(s);
    }
}

/* Counts the waiting sends when enough wait or enough time has passed. */
static void count_sends_if_due(struct committer *c, const char **error)
{
    long waiting = store_uncounted(c->store);
    if (waiting == 0)
        return;
    long long now = monotonic_ns();
    if (waiting < COUNT_AFTER_SENDS && now - c->counted_at < COUNT_AFTER_NS)
        return;
    c->counted_at = now;
    struct op count = {.kind = OP_COUNT};
    run_op(c->store, &count, error);
}

/* Runs one batch in one transaction; marks ops failed as the store dictates. */
static void run_batch(struct committer *c, struct op *batch, const char **error)
{
    struct store *s = c->store;
    bool checkpoint = false;
    if (store_begin(s) < 0) {
        *error = store_error_class(s);
        for (struct op *op = batch; op != NULL; op = op->next)
            op->failed = true;
        __atomic_store_n(&c->healthy, false, __ATOMIC_RELAXED);
        return;
    }
    for (struct op *op = batch; op != NULL; op = op->next) {
        checkpoint |= op->kind == OP_CHECKPOINT;
        run_op(s, op, error);
    }
    count_sends_if_due(c, error);
    if (store_commit(s) < 0) {
        *error = store_error_class(s);
        store_rollback(s);
        for (struct op *op = batch; op != NULL; op = op->next)
            op->failed = true;
        __atomic_store_n(&c->healthy, false, __ATOMIC_RELAXED);
        return;
    }
    __atomic_store_n(&c->healthy, true, __ATOMIC_RELAXED);
    if (checkpoint && store_checkpoint(s) < 0)
        *error = store_error_class(s);
    /* Under a steady stream the checkpointer's passes never quite catch up
     * with the writer, and the WAL restarts only once fully copied: the
     * writer completes the checkpoint between batches (checkpointer.h). */
    int frames = store_wal_frames(s);
    checkpointer_nudge(c->checkpointer, frames);
    if (checkpointer_restart_due(c->checkpointer, frames) &&
        store_checkpoint_restart(s) < 0)
        *error = store_error_class(s);
}

/* Hands each op of a batch back to the loop that sent it, in order: one
 * lock and one wake-up per loop rather than per op. */
static void deliver(struct op *batch)
{
    while (batch != NULL) {
        struct loop *loop = batch->loop;
        struct op *mine = NULL, **mine_tail = &mine;
        struct op *rest = NULL, **rest_tail = &rest;
        for (struct op *op = batch, *next; op != NULL; op = next) {
            next = op->next;
            op->next = NULL;
            if (op->loop == loop) {
                *mine_tail = op;
                mine_tail = &op->next;
            } else {
                *rest_tail = op;
                rest_tail = &op->next;
            }
        }
        loop_deliver(loop, mine);
        batch = rest;
    }
}

static void *thread_main(void *arg)
{
    struct committer *c = arg;
    thread_role("commit", PRIORITY_COMMITTER); /* without the right, as it was */
    pthread_mutex_lock(&c->lock);
    for (;;) {
        while (c->queue == NULL && !c->stopping)
            pthread_cond_wait(&c->wake_thread, &c->lock);
        if (c->queue == NULL)
            break;
        /* Take up to MAX_BATCH ops: everything that arrived while we committed. */
        struct op *batch = c->queue, *last = batch;
        for (int n = 1; n < MAX_BATCH && last->next != NULL; n++)
            last = last->next;
        c->queue = last->next;
        if (c->queue == NULL)
            c->queue_tail = &c->queue;
        last->next = NULL;
        pthread_mutex_unlock(&c->lock);

        const char *error = NULL;
        run_batch(c, batch, &error);

        /* Committed (or failed): each op goes back to the loop that sent it. */
        deliver(batch);
        pthread_mutex_lock(&c->lock);
        if (error != NULL)
            c->error = error;
    }
    pthread_mutex_unlock(&c->lock);
    return NULL;
}

struct committer *committer_new(struct store *store)
{
    struct committer *c = calloc(1, sizeof(*c));
    if (c == NULL)
        return NULL;
    c->store = store;
    c->healthy = true; /* store_open just checked it */
    c->checkpointer = checkpointer_start(store_data_dir(store));
    c->queue_tail = &c->queue;
    pthread_mutex_init(&c->lock, NULL);
    pthread_cond_init(&c->wake_thread, NULL);
    if (pthread_create(&c->thread, NULL, thread_main, c) != 0) {
        checkpointer_stop(c->checkpointer);
        pthread_mutex_destroy(&c->lock);
        pthread_cond_destroy(&c->wake_thread);
        free(c);
        return NULL;
    }
    return c;
}

void committer_submit(struct committer *c, struct op *op)
{
    op->next = NULL;
    op->failed = false;
    pthread_mutex_lock(&c->lock);
    *c->queue_tail = op;
    c->queue_tail = &op->next;
    pthread_cond_signal(&c->wake_thread);
    pthread_mutex_unlock(&c->lock);
}

bool committer_healthy(struct committer *c)
{
    return __atomic_load_n(&c->healthy, __ATOMIC_RELAXED);
}

const char *committer_take_error(struct committer *c)
{
    pthread_mutex_lock(&c->lock);
    const char *e = c->error;
    c->error = NULL;
    pthread_mutex_unlock(&c->lock);
    return e;
}

void committer_free(struct committer *c)
{
    if (c == NULL)
        return;
    pthread_mutex_lock(&c->lock);
    c->stopping = true;
    pthread_cond_signal(&c->wake_thread);
    pthread_mutex_unlock(&c->lock);
    pthread_join(c->thread, NULL);
    checkpointer_stop(c->checkpointer);
    store_close(c->store);
    pthread_mutex_destroy(&c->lock);
    pthread_cond_destroy(&c->wake_thread);
    free(c);
}
