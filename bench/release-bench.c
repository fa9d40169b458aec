/*
 * release-bench - how long the release of a year of subject counts takes
 * (SPEC §6), and how long a send waits behind it.
 *
 *     release-bench DIR [REFERRALS [ROUNDS]]
 *
 * Makes a store in DIR/year with REFERRALS (default 100,000) sends spread
 * over 2025 through the store's own code (db_put, db_ack; 95 % acknowledged
 * a day later, the rest left pending), with random subject values (290
 * municipalities) and routings among 20 organisations; nothing released.
 * Then, each on a fresh copy of that store, ROUNDS times (default 5):
 *
 * - "new year": the months to November and the quarters to the third
 *   released as the gateway would have, each at its month's end (not
 *   timed); then db_release_due on 1 January 2026, which releases December,
 *   the fourth quarter and the year, timed with its commit;
 * - "whole year": everything of 2025 released at once on 1 January 2026
 *   (a store that was never released: after a migration, or a gateway that
 *   was down): 17 periods;
 * - "send wait": the store opened as refgwd opens it (store.h: its writer
 *   thread); a send is queued every millisecond for 1.5 s; after 300 ms the
 *   year's release (new year) is queued as refgwd's tick queues it. Each
 *   send's wait is from its queueing to its hand-back (committed): the
 *   worst of those queued while the release was queued or running, and
 *   the worst of the others.
 *
 * Prints one line per figure (milliseconds); bench/release writes them to
 * bench/release-results.md. It measures, it does not judge.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "db.h"
#include "db_stats.h"
#include "digests.h"
#include "store.h"
#include "taxonomy.h"

#define JAN_2025 ((time_t)1735689600) /* 2025-01-01T00:00:00Z */
#define JAN_2026 ((time_t)1767225600) /* 2026-01-01T00:00:00Z */
#define BATCH 1000
#define MIN_COUNT 5

static void die(const char *what, const char *detail)
{
    fprintf(stderr, "release-bench: %s%s%s\n", what, detail ? ": " : "",
            detail ? detail : "");
    exit(1);
}

static double ms_since(const struct timespec *t0)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)(t.tv_sec - t0->tv_sec) * 1e3 +
           (double)(t.tv_nsec - t0->tv_nsec) / 1e6;
}

static void ok(int rc, struct db *s, const char *what)
{
    if (rc != 0)
        die(what, db_error_class(s));
}

/* ---- the year's store ---- */

static const char *const orgs[][2] = {
    {"school-1", "school"},    {"school-2", "school"},   {"school-3", "school"},
    {"school-4", "school"},    {"school-5", "school"},   {"school-6", "school"},
    {"police-1", "police"},    {"police-2", "police"},   {"youth-1", "youth_care"},
    {"youth-2", "youth_care"}, {"prev-1", "prevention"}, {"prev-2", "prevention"},
};
static const char *const recipients[][2] = {
    {"ecmj", "expertise_centre"},
    {"care-1", "care_coordinator"},
    {"care-2", "care_coordinator"},
    {"care-3", "care_coordinator"},
};
#define ORGS (sizeof(orgs) / sizeof(orgs[0]))
#define RECIPIENTS (sizeof(recipients) / sizeof(recipients[0]))

static void random_referral(struct rg_referral *r, struct rg_routing *p, char *body,
                            unsigned *seed)
{
    memset(r, 0, sizeof(*r));
    const char *const *from = orgs[(size_t)rand_r(seed) % ORGS];
    const char *const *to = recipients[(size_t)rand_r(seed) % RECIPIENTS];
    const char *signal = rg_signals.values[(size_t)rand_r(seed) % rg_signals.count];
    const char *urgency = rg_urgencies.values[rand_r(seed) % 5 == 0];
    rg_routing_set(p, from[0], from[1], to[0], to[1], signal, urgency);
    snprintf(r->to, sizeof(r->to), "%s", to[0]);
    snprintf(r->signal, sizeof(r->signal), "%s", signal);
    snprintf(r->urgency, sizeof(r->urgency), "%s", urgency);
    for (int a = 0; a < RG_SUBJECT_ATTRS; a++) {
        const struct rg_enum *e = &rg_subject[a].values;
        if (rg_subject[a].pattern != NULL && rand_r(seed) % 10 != 0)
            snprintf(r->subject[a], sizeof(r->subject[a]), "GM%04d",
                     (rand_r(seed) % 290) * 7 + 3);
        else
            snprintf(r->subject[a], sizeof(r->subject[a]), "%s",
                     e->values[(size_t)rand_r(seed) % e->count]);
    }
    r->body = body;
    r->body_len = strlen(body);
}

/* One send stored at `when` through db_put, as the writer stores it. */
static void put(struct db *s, struct digester *d, time_t when, unsigned *seed,
                char id[RG_ID_LEN + 1])
{
    struct rg_referral r;
    struct rg_routing p;
    char body[] = "What the school saw, in a few lines of text.";
    random_referral(&r, &p, body, seed);
    struct put_digests digests;
    enum put_outcome outcome;
    enum referral_state state;
    if (digester_put(d, p.sender, &r, &digests) < 0)
        die("digester_put", NULL);
    ok(db_put(s, &r, &p, &digests, when, id, &outcome, &state), s, "db_put");
}

/* Releases what has ended by `now`; timed from the call to the commit. */
static double release(struct db *s, time_t now, int *released)
{
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    ok(db_begin(s), s, "begin");
    ok(db_release_due(s, now, MIN_COUNT, released), s, "db_release_due");
    ok(db_commit(s), s, "commit");
    return ms_since(&t0);
}

static void make_year(const char *dir, long n)
{
    char err[RG_ERR_MAX];
    struct db *s = db_open(dir, err);
    if (s == NULL)
        die("db_open", err);
    struct digester *d = db_digester_new(s);
    char(*ids)[RG_ID_LEN + 1] = calloc(BATCH, sizeof(*ids));
    time_t *when = calloc(BATCH, sizeof(*when));
    if (d == NULL || ids == NULL || when == NULL)
        die("out of memory", NULL);
    unsigned seed = 2025;
    double span = (double)(JAN_2026 - JAN_2025);
    for (long done = 0; done < n; done += BATCH) {
        int k = n - done < BATCH ? (int)(n - done) : BATCH;
        ok(db_begin(s), s, "begin");
        for (int i = 0; i < k; i++) {
            when[i] = JAN_2025 + (time_t)(span * (double)(done + i) / (double)n);
            put(s, d, when[i], &seed, ids[i]);
        }
        ok(db_count_accepted(s), s, "db_count_accepted");
        /* Acknowledged a day later (95 %): counted in that day's month. */
        for (int i = 0; i < k; i++) {
            bool found;
            if (rand_r(&seed) % 20 != 0)
                ok(db_ack(s, recipients[0][0], ids[i], when[i] + 86400, &found), s,
                   "db_ack");
        }
        ok(db_commit(s), s, "commit");
    }
    digester_free(d);
    free(ids);
    free(when);
    db_close(s);
}

/* ---- the figures ---- */

static void copy_store(const char *from, const char *to)
{
    char cmd[4096];
    int n = snprintf(cmd, sizeof(cmd),
                     "rm -rf '%s' && mkdir -p '%s' && cp '%s/refgw.db' '%s/'", to, to,
                     from, to);
    if (n < 0 || (size_t)n >= sizeof(cmd))
        die("a path too long for the copy's command", to);
    if (system(cmd) != 0)
        die("cannot copy the store", cmd);
}

static struct db *open_copy(const char *year, const char *run)
{
    char err[RG_ERR_MAX];
    copy_store(year, run);
    struct db *s = db_open(run, err);
    if (s == NULL)
        die("db_open", err);
    return s;
}

/* The months to November and quarters to the third, each released at the
 * end of its month, as the gateway's tick would have (not timed). */
static void release_during_the_year(struct db *s)
{
    for (int month = 2; month <= 12; month++) {
        struct tm tm = {.tm_year = 125, .tm_mon = month - 1, .tm_mday = 1, .tm_sec = 5};
        int released;
        release(s, timegm(&tm), &released);
    }
}

struct waits {
    pthread_mutex_t lock;
    double other_max, during_max, release_ms;
    long others, during;
    struct timespec t0;
    atomic_bool release_queued, release_done;
};

struct timed_op {
    struct op *op;
    double queued; /* ms since t0 */
    bool during;
};

static void complete(void *ctx, void *owner, struct op *ops)
{
    struct waits *w = ctx;
    double now = ms_since(&w->t0);
    for (struct op *op = ops, *next; op != NULL; op = next) {
        next = op->next;
        struct timed_op *t = op->ctx;
        pthread_mutex_lock(&w->lock);
        if (op->kind == OP_RELEASE) {
            w->release_ms = now - t->queued;
            atomic_store(&w->release_done, true);
        } else if (t->during) {
            w->during++;
            if (now - t->queued > w->during_max)
                w->during_max = now - t->queued;
        } else {
            w->others++;
            if (now - t->queued > w->other_max)
                w->other_max = now - t->queued;
        }
        pthread_mutex_unlock(&w->lock);
        if (op->failed)
            die("an op failed", NULL);
        op_free(op);
        free(t);
    }
}

static void queue(struct store *st, struct waits *w, struct op *op)
{
    struct timed_op *t = calloc(1, sizeof(*t));
    if (t == NULL || op == NULL)
        die("out of memory", NULL);
    t->op = op;
    t->queued = ms_since(&w->t0);
    t->during = atomic_load(&w->release_queued) && !atomic_load(&w->release_done);
    op->ctx = t;
    op->owner = w;
    store_submit(st, op);
}

/* Sends every millisecond; the year's release queued after 300 ms. */
static void send_wait(const char *year, const char *run, struct waits *w)
{
    struct db *s = open_copy(year, run);
    release_during_the_year(s);
    db_close(s);
    struct store_hooks hooks = {.ctx = w, .complete = complete};
    struct store_options opt = {.data_dir = run};
    char err[RG_ERR_MAX];
    struct store *st = store_open(&opt, &hooks, err);
    if (st == NULL)
        die("store_open", err);
    struct digester *d = store_digester_new(st);
    unsigned seed = 7;
    memset(w, 0, sizeof(*w));
    pthread_mutex_init(&w->lock, NULL);
    clock_gettime(CLOCK_MONOTONIC, &w->t0);
    for (int i = 0; i < 1500; i++) {
        if (i == 300) {
            struct op *op = op_new(OP_RELEASE, NULL, NULL, NULL);
            op->now = JAN_2026 + 5;
            op->u.release.min_count = MIN_COUNT;
            queue(st, w, op);
            atomic_store(&w->release_queued, true);
        }
        struct op *op = op_new(OP_PUT, NULL, NULL, NULL);
        char *body = strdup("A send queued behind the release.");
        if (op == NULL || body == NULL)
            die("out of memory", NULL);
        op->now = JAN_2026 + 10;
        random_referral(&op->u.put.referral, &op->u.put.route, body, &seed);
        if (digester_put(d, op->u.put.route.sender, &op->u.put.referral,
                         &op->u.put.digests) < 0)
            die("digester_put", NULL);
        queue(st, w, op);
        usleep(1000);
    }
    digester_free(d);
    store_close(st); /* runs what is queued: every op is handed back */
    pthread_mutex_destroy(&w->lock);
}

int main(int argc, char **argv)
{
    if (argc < 2)
        die("usage: release-bench DIR [REFERRALS [ROUNDS]]", NULL);
    long n = argc > 2 ? strtol(argv[2], NULL, 10) : 100000;
    int rounds = argc > 3 ? atoi(argv[3]) : 5;
    char year[512], run[512];
    snprintf(year, sizeof(year), "%s/year", argv[1]);
    snprintf(run, sizeof(run), "%s/run", argv[1]);
    mkdir(argv[1], 0700);
    char cmd[600];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", year);
    if (system(cmd) != 0)
        die("cannot clear", year);

    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    make_year(year, n);
    printf("store: %ld sends of 2025 made in %.0f ms\n", n, ms_since(&t0));
    for (int i = 0; i < rounds; i++) {
        int released;
        struct db *s = open_copy(year, run);
        release_during_the_year(s);
        double ms = release(s, JAN_2026 + 5, &released);
        printf("new year: %d periods released in %.1f ms\n", released, ms);
        db_close(s);
        s = open_copy(year, run);
        ms = release(s, JAN_2026 + 5, &released);
        printf("whole year: %d periods released in %.1f ms\n", released, ms);
        db_close(s);
    }
    for (int i = 0; i < rounds; i++) {
        struct waits w;
        send_wait(year, run, &w);
        printf(
            "send wait: release op %.1f ms; worst wait %.1f ms of the %ld sends queued"
            " while it ran, %.1f ms of the %ld others\n",
            w.release_ms, w.during_max, w.during, w.other_max, w.others);
    }
    return 0;
}
