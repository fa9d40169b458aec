/*
 * test_store_stages.c - the writer (store.c) says what a failure stopped:
 * a whole batch (its commit), one client's request, or the daemon's own
 * upkeep (a checkpoint or index merge after a commit, expiry, the
 * counting), so that the log never calls a committed batch's upkeep a
 * failed commit; that under load it lets a batch gather; and that the
 * backend's idle upkeep runs once the writer has rested after a batch. The writer
 * runs on a backend of this file's own, which fails where a test tells it
 * to and notes each batch's size: this program links store.c, not the real
 * backends.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "backend.h"
#include "store.h"

/* Where the fake backend fails; set before the ops are submitted. */
static struct {
    bool begin, commit, after_commit;
    bool run;       /* every op fails to run */
    bool run_class; /* with a class (else: refused for room, no failure) */
    time_t put_now; /* the send submitted with this `now` fails (0: none) */
} fail;

static time_t submitted; /* sends submitted by submit(), each its `now` */

static const char *last_class;

/* The sizes of the batches committed, in order; a commit waits while hold
 * is set (holding says it is waiting). */
#define SIZES_MAX 16
static struct {
    pthread_mutex_t lock;
    pthread_cond_t cond;
    bool hold, holding;
    int ops, sizes[SIZES_MAX], n;
    int savepoints, savepoints_of[SIZES_MAX]; /* taken in the batch */
} batches = {.lock = PTHREAD_MUTEX_INITIALIZER, .cond = PTHREAD_COND_INITIALIZER};

static void *fake_open(const struct store_options *opt, char err[RG_ERR_MAX])
{
    (void)opt;
    (void)err;
    static int db;
    return &db;
}

static void fake_close(void *db)
{
    (void)db;
}
static const char *fake_error_class(void *db)
{
    (void)db;
    return last_class;
}

/* A step that fails when told, leaving the class the store will ask for. */
static int step(bool fails, const char *class)
{
    last_class = fails ? class : NULL;
    return fails ? -1 : 0;
}

static int fake_begin(void *db)
{
    (void)db;
    batches.ops = batches.savepoints = 0; /* the writer's thread alone counts */
    return step(fail.begin, "database busy");
}

static int fake_commit(void *db)
{
    (void)db;
    pthread_mutex_lock(&batches.lock);
    if (batches.n < SIZES_MAX) {
        batches.savepoints_of[batches.n] = batches.savepoints;
        batches.sizes[batches.n++] = batches.ops;
    }
    batches.holding = batches.hold;
    pthread_cond_broadcast(&batches.cond);
    while (batches.hold)
        pthread_cond_wait(&batches.cond, &batches.lock);
    batches.holding = false;
    pthread_mutex_unlock(&batches.lock);
    return step(fail.commit, "disk full");
}

static int fake_ok(void *db)
{
    (void)db;
    return 0;
}

static int fake_savepoint(void *db)
{
    (void)db;
    batches.savepoints++;
    return 0;
}

static void fake_none(void *db)
{
    (void)db;
}

static int fake_run(void *db, struct op *op)
{
    (void)db;
    batches.ops++;
    if (op->kind == OP_PUT && fail.put_now != 0 && op->now == fail.put_now)
        return step(true, "constraint");
    int rc = step(fail.run, "constraint");
    if (rc < 0 && !fail.run_class)
        last_class = NULL;
    return rc;
}

static long fake_uncounted(void *db)
{
    (void)db;
    return 0;
}

static int fake_after_commit(void *db, bool checkpoint)
{
    (void)db;
    (void)checkpoint;
    return step(fail.after_commit, "input/output error");
}

/* Calls of the idle upkeep. */
static int idle_calls;

static void fake_idle(void *db)
{
    (void)db;
    pthread_mutex_lock(&batches.lock);
    idle_calls++;
    pthread_mutex_unlock(&batches.lock);
}

static int idle_count(void)
{
    pthread_mutex_lock(&batches.lock);
    int n = idle_calls;
    pthread_mutex_unlock(&batches.lock);
    return n;
}

static struct digester *fake_digester_new(void *db)
{
    (void)db;
    return NULL;
}

#define FAKE_RUNS                                                                      \
    {                                                                                  \
        fake_run, fake_run, fake_run, fake_run, fake_run, fake_run, fake_run,          \
            fake_run, fake_run, fake_run, fake_run, fake_run                           \
    }

_Static_assert(OP_KINDS == 12, "FAKE_RUNS has one function per op kind");

/* store.c's table of backends names these two; both are the fake here. */
const struct store_backend sqlite_backend = {
    .name = "sqlite",
    .open = fake_open,
    .close = fake_close,
    .error_class = fake_error_class,
    .begin = fake_begin,
    .commit = fake_commit,
    .rollback = fake_none,
    .savepoint = fake_savepoint,
    .release = fake_ok,
    .rollback_to = fake_none,
    .run = FAKE_RUNS,
    .uncounted = fake_uncounted,
    .after_commit = fake_after_commit,
    .idle = fake_idle,
    .digester_new = fake_digester_new,
};
const struct store_backend pg_backend = {.name = "postgresql"};

/* The ops handed back, and whether each failed. */
static pthread_mutex_t done_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t done_cond = PTHREAD_COND_INITIALIZER;
static int done_count, failed_count;

static void on_complete(void *ctx, void *owner, struct op *ops)
{
    (void)ctx;
    (void)owner;
    pthread_mutex_lock(&done_lock);
    for (struct op *op = ops, *next; op != NULL; op = next) {
        next = op->next;
        done_count++;
        failed_count += op->failed;
        free(op);
    }
    pthread_cond_broadcast(&done_cond);
    pthread_mutex_unlock(&done_lock);
}

/* Each test: nothing fails yet, and a writer on the fake backend in *state,
 * whose batches gather under load for up to gather_ns (0: the default). */
static int open_gathering(void **state, long gather_ns)
{
    memset(&fail, 0, sizeof(fail));
    batches.n = 0;
    batches.hold = false;
    idle_calls = 0;
    submitted = 0;
    struct store_options opt = {.gather_ns = gather_ns};
    struct store_hooks hooks = {.complete = on_complete};
    char err[RG_ERR_MAX];
    *state = store_open(&opt, &hooks, err);
    return *state != NULL ? 0 : -1;
}

static int open_fake(void **state)
{
    return open_gathering(state, 0);
}

static int close_fake(void **state)
{
    store_close(*state);
    return 0;
}

/* Runs one op of kind through s and waits for it; returns whether it failed. */
static bool run_kind(struct store *s, enum op_kind kind)
{
    pthread_mutex_lock(&done_lock);
    int before = done_count, failed_before = failed_count;
    pthread_mutex_unlock(&done_lock);
    struct op *op = calloc(1, sizeof(*op)); /* the fake reads none of it */
    assert_non_null(op);
    op->kind = kind;
    store_submit(s, op);
    pthread_mutex_lock(&done_lock);
    while (done_count == before)
        pthread_cond_wait(&done_cond, &done_lock);
    bool failed = failed_count > failed_before;
    pthread_mutex_unlock(&done_lock);
    return failed;
}

static bool run_one(struct store *s)
{
    return run_kind(s, OP_PUT);
}

/* The failure s keeps must be of class and stage. */
static void assert_taken(struct store *s, const char *class, enum store_stage stage)
{
    enum store_stage taken;
    const char *got = store_take_error(s, &taken);
    assert_non_null(got);
    assert_string_equal(got, class);
    assert_int_equal(taken, stage);
}

static void assert_none_taken(struct store *s)
{
    enum store_stage taken;
    assert_null(store_take_error(s, &taken));
}

static void test_commit_failure_is_a_commit(void **state)
{
    struct store *s = *state;
    fail.commit = true;
    assert_true(run_one(s));
    assert_taken(s, "disk full", STORE_COMMIT);
    assert_false(store_healthy(s));
    assert_none_taken(s); /* said once */

    fail.commit = false;
    fail.begin = true;
    assert_true(run_one(s));
    assert_taken(s, "database busy", STORE_COMMIT);
}

static void test_upkeep_failure_leaves_the_batch_committed(void **state)
{
    struct store *s = *state;
    fail.after_commit = true;
    assert_false(run_one(s)); /* the send stands */
    assert_taken(s, "input/output error", STORE_UPKEEP);
    assert_true(store_healthy(s));
}

static void test_request_failure_and_the_most_serious_kept(void **state)
{
    struct store *s = *state;
    fail.run = fail.run_class = true;
    fail.after_commit = true;
    assert_true(run_one(s));
    /* The op's failure, not the upkeep's after it. */
    assert_taken(s, "constraint", STORE_REQUEST);

    /* Across batches too: upkeep, then a commit, then upkeep again. */
    fail.run = false;
    assert_false(run_one(s));
    fail.commit = true;
    assert_true(run_one(s));
    fail.commit = false;
    assert_false(run_one(s));
    assert_taken(s, "disk full", STORE_COMMIT);
}

static void test_own_ops_failing_are_upkeep(void **state)
{
    struct store *s = *state;
    fail.run = fail.run_class = true;
    enum op_kind own[] = {OP_EXPIRE, OP_REJECTIONS, OP_CHECKPOINT, OP_RELEASE};
    for (size_t i = 0; i < sizeof(own) / sizeof(own[0]); i++) {
        assert_true(run_kind(s, own[i]));
        assert_taken(s, "constraint", STORE_UPKEEP);
    }
    assert_true(run_kind(s, OP_ACK)); /* a client's */
    assert_taken(s, "constraint", STORE_REQUEST);
}

static void test_refused_for_room_is_no_failure(void **state)
{
    struct store *s = *state;
    fail.run = true; /* no class: the backend refused the send for room */
    assert_true(run_one(s));
    assert_none_taken(s);
}

static int open_gathering_long(void **state)
{
    return open_gathering(state, 10 * 1000000000L); /* 10 s: it never runs out */
}

static int open_gathering_briefly(void **state)
{
    return open_gathering(state, 20 * 1000000L); /* 20 ms */
}

/* Submits n ops without waiting for them. */
static void submit(struct store *s, int n)
{
    for (int i = 0; i < n; i++) {
        struct op *op = calloc(1, sizeof(*op));
        assert_non_null(op);
        op->kind = OP_PUT;
        op->now = ++submitted;
        store_submit(s, op);
    }
}

static void wait_done(int count)
{
    pthread_mutex_lock(&done_lock);
    while (done_count < count)
        pthread_cond_wait(&done_cond, &done_lock);
    pthread_mutex_unlock(&done_lock);
}

#define LOADED 10 /* ops in the batch that says the writer is under load */

/* A batch of LOADED: the commit of a first op held while they queue. */
static void load(struct store *s)
{
    pthread_mutex_lock(&done_lock);
    done_count = 0;
    pthread_mutex_unlock(&done_lock);
    pthread_mutex_lock(&batches.lock);
    batches.hold = true;
    pthread_mutex_unlock(&batches.lock);
    submit(s, 1);
    pthread_mutex_lock(&batches.lock);
    while (!batches.holding)
        pthread_cond_wait(&batches.cond, &batches.lock);
    pthread_mutex_unlock(&batches.lock);
    submit(s, LOADED);
    pthread_mutex_lock(&batches.lock);
    batches.hold = false;
    pthread_cond_broadcast(&batches.cond);
    pthread_mutex_unlock(&batches.lock);
    wait_done(1 + LOADED);
}

/* After a batch of 10, one op does not go alone: the writer waits for as
 * many as the last batch had (here, for as long as that takes). */
static void test_batch_gathers_under_load(void **state)
{
    struct store *s = *state;
    load(s);
    submit(s, 1);
    struct timespec pause = {0, 50 * 1000000L}; /* the writer would take it */
    nanosleep(&pause, NULL);
    submit(s, LOADED - 1);
    wait_done(1 + 2 * LOADED);
    assert_int_equal(batches.n, 3);
    assert_int_equal(batches.sizes[0], 1);
    assert_int_equal(batches.sizes[1], LOADED);
    assert_int_equal(batches.sizes[2], LOADED);
}

/* The wait is bounded: an op alone after the load is taken when it ends,
 * and a quiet writer (its batches of one) takes each op at once. */
static void test_gathering_ends(void **state)
{
    struct store *s = *state;
    load(s);
    assert_false(run_one(s));
    assert_false(run_one(s));
    assert_int_equal(batches.n, 4);
    assert_int_equal(batches.sizes[2], 1);
    assert_int_equal(batches.sizes[3], 1);
}

/* A batch's sends share one savepoint; when one of them fails, all are
 * undone and each runs again in a savepoint of its own, so that only that
 * one fails. */
static void test_sends_share_a_savepoint(void **state)
{
    struct store *s = *state;
    int failed_before = failed_count;
    load(s); /* a batch of 1, then of LOADED */
    assert_int_equal(batches.n, 2);
    assert_int_equal(batches.savepoints_of[0], 1);
    assert_int_equal(batches.sizes[1], LOADED);
    assert_int_equal(batches.savepoints_of[1], 1);
    assert_int_equal(failed_count, failed_before);

    fail.put_now = submitted + 5; /* the fifth of the next LOADED fails */
    submit(s, LOADED);            /* one batch: the writer gathers as many */
    wait_done(1 + 2 * LOADED);
    assert_int_equal(batches.n, 3);
    assert_int_equal(batches.sizes[2], 5 + LOADED); /* the first five ran twice */
    assert_int_equal(batches.savepoints_of[2], 1 + LOADED);
    assert_int_equal(failed_count, failed_before + 1);
    assert_taken(s, "constraint", STORE_REQUEST);
}

static void sleep_ms(long ms)
{
    struct timespec pause = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&pause, NULL);
}

/* The idle upkeep (STORE_IDLE_NS, 0.2 s) runs once after the last batch of
 * a busy spell, never before any batch, and not while ops keep coming. */
static void test_idle_after_rest(void **state)
{
    struct store *s = *state;
    sleep_ms(400);
    assert_int_equal(idle_count(), 0); /* no batch yet: nothing to tidy */

    assert_false(run_one(s));
    sleep_ms(400);
    assert_int_equal(idle_count(), 1);
    sleep_ms(400);
    assert_int_equal(idle_count(), 1); /* once per rest */

    struct timespec start, now;
    clock_gettime(CLOCK_MONOTONIC, &start);
    do {
        assert_false(run_one(s));
        clock_gettime(CLOCK_MONOTONIC, &now);
    } while ((now.tv_sec - start.tv_sec) * 1000 +
                 (now.tv_nsec - start.tv_nsec) / 1000000 <
             400);
    assert_int_equal(idle_count(), 1); /* busy: no rest */
    sleep_ms(400);
    assert_int_equal(idle_count(), 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_commit_failure_is_a_commit, open_fake,
                                        close_fake),
        cmocka_unit_test_setup_teardown(test_idle_after_rest, open_fake, close_fake),
        cmocka_unit_test_setup_teardown(test_upkeep_failure_leaves_the_batch_committed,
                                        open_fake, close_fake),
        cmocka_unit_test_setup_teardown(test_request_failure_and_the_most_serious_kept,
                                        open_fake, close_fake),
        cmocka_unit_test_setup_teardown(test_own_ops_failing_are_upkeep, open_fake,
                                        close_fake),
        cmocka_unit_test_setup_teardown(test_refused_for_room_is_no_failure, open_fake,
                                        close_fake),
        cmocka_unit_test_setup_teardown(test_batch_gathers_under_load,
                                        open_gathering_long, close_fake),
        cmocka_unit_test_setup_teardown(test_gathering_ends, open_gathering_briefly,
                                        close_fake),
        cmocka_unit_test_setup_teardown(test_sends_share_a_savepoint,
                                        open_gathering_long, close_fake),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
