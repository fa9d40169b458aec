/*
 * pg_backend.c - the PostgreSQL store as a backend of the writer
 * (backend.h, SPEC §11): one connection for the writer's transactions, made
 * again by itself when it breaks; a batch's sends in one statement and its
 * acknowledgements in another (many[]), its counters and NOTIFY in one
 * more, sent with the COMMIT in one pipeline; sends counted as accepted in
 * bulk between batches; the watch thread (pg_watch.h) for what other
 * gateways commit.
 *
 * While the server cannot be reached every batch fails at once (503),
 * and the writer tries to connect again at most twice a second; nothing
 * answered 202 was ever uncommitted. A commit whose answer is lost with the
 * connection may have happened: the op is answered 503 all the same, and a
 * send retried with its client_ref finds it (docs/scaling.md).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "backend.h"
#include "log.h"
#include "pg_internal.h"
#include "pg_watch.h"

#define RETRY_NS 500000000LL /* between attempts to connect again */
#define LOG_NS 60000000000LL /* between log lines about a lost database */

static long long monotonic_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (long long)t.tv_sec * 1000000000LL + t.tv_nsec;
}

/* The statements, and a counter shard no other running gateway holds (a
 * session lock, gone with the session); past PG_SHARDS gateways they share
 * the last, which is slower but as exact. */
static int prepare(struct pg *pg, char err[RG_ERR_MAX])
{
    for (int i = 0; i < Q_COUNT; i++) {
        char name[8];
        pg_stmt_name((enum pg_stmt)i, name);
        PGresult *r = PQprepare(pg->conn, name, pg_stmt_sql[i], 0, NULL);
        bool ok = PQresultStatus(r) == PGRES_COMMAND_OK;
        PQclear(r);
        if (!ok) {
            const char *msg = PQerrorMessage(pg->conn);
            snprintf(err, RG_ERR_MAX, "PostgreSQL: cannot prepare statement %d: %.*s",
                     i, (int)strcspn(msg, "\n"), msg);
            return -1;
        }
    }
    char sql[160];
    snprintf(sql, sizeof(sql),
             "SELECT n FROM generate_series(0, %d) n"
             " WHERE pg_try_advisory_lock(%d, %d + n) LIMIT 1",
             PG_SHARDS - 1, PG_LOCK_SPACE, PG_LOCK_SHARD);
    PGresult *r = PQexec(pg->conn, sql);
    if (PQresultStatus(r) != PGRES_TUPLES_OK) {
        PQclear(r);
        snprintf(err, RG_ERR_MAX, "PostgreSQL: cannot take a counter shard");
        return -1;
    }
    pg->shard = PQntuples(r) == 1 ? atoi(PQgetvalue(r, 0, 0)) : PG_SHARDS - 1;
    PQclear(r);
    /* The shard's mark of sends counted, before any send stored under it;
     * sends of an earlier holder may wait: counted after the first batch. */
    snprintf(sql, sizeof(sql),
             "INSERT INTO counted (shard, seq) VALUES (%d, 0) ON CONFLICT DO NOTHING",
             pg->shard);
    r = PQexec(pg->conn, sql);
    bool ok = PQresultStatus(r) == PGRES_COMMAND_OK;
    PQclear(r);
    if (!ok) {
        snprintf(err, RG_ERR_MAX, "PostgreSQL: cannot mark a counter shard");
        return -1;
    }
    pg->uncounted = 1;
    return 0;
}

/* A writer's connection, schema checked (a newer gateway may have moved it
 * on while this one was away) and statements prepared. */
static int connect_writer(struct pg *pg, char err[RG_ERR_MAX])
{
    pg->conn = pg_connect(pg->conninfo, "refgwd", NULL, err);
    if (pg->conn == NULL)
        return -1;
    if (pg_migrate(pg, err) < 0 || prepare(pg, err) < 0) {
        pg_disconnect(pg);
        return -1;
    }
    __atomic_store_n(&pg->writer_pid, PQbackendPID(pg->conn), __ATOMIC_RELAXED);
    return 0;
}

/* Connects again after a loss, at most every RETRY_NS. The log says when
 * the connection was lost, why connecting fails (once a minute), and when
 * it is back. */
static int reconnect(struct pg *pg)
{
    long long now = monotonic_ns();
    if (pg->conn != NULL && PQstatus(pg->conn) == CONNECTION_OK)
        return 0;
    pg_disconnect(pg);
    if (pg->lost_at_ns == 0) {
        log_line("store: the connection to PostgreSQL was lost; connecting again");
        pg->lost_at_ns = now;
    }
    if (now < pg->retry_at_ns)
        return pg_fail(pg, PGE_UNREACHABLE);
    pg->retry_at_ns = now + RETRY_NS;
    char err[RG_ERR_MAX];
    if (connect_writer(pg, err) < 0) {
        if (pg->logged_at_ns == 0 || now - pg->logged_at_ns >= LOG_NS) {
            log_line("store: %s", err);
            pg->logged_at_ns = now;
        }
        return pg_fail(pg, PGE_UNREACHABLE);
    }
    log_line("store: connected to PostgreSQL again");
    pg->lost_at_ns = pg->logged_at_ns = 0;
    return 0;
}

static void *open_pg(const struct store_options *opt, char err[RG_ERR_MAX])
{
    if (opt->conninfo == NULL) {
        snprintf(err, RG_ERR_MAX,
                 "store.conninfo: required with the postgresql backend");
        return NULL;
    }
    if (pg_conninfo_check(opt->conninfo, err) < 0)
        return NULL;
    struct pg *pg = calloc(1, sizeof(*pg));
    if (pg == NULL || (pg->conninfo = strdup(opt->conninfo)) == NULL ||
        (pg->op_counts = tally_new()) == NULL ||
        (pg->batch_counts = tally_new()) == NULL) {
        snprintf(err, RG_ERR_MAX, "out of memory");
    } else if (connect_writer(pg, err) == 0) {
        return pg;
    }
    if (pg != NULL) {
        if (pg->conninfo != NULL)
            OPENSSL_cleanse(pg->conninfo, strlen(pg->conninfo));
        free(pg->conninfo);
        tally_free(pg->op_counts);
        tally_free(pg->batch_counts);
        free(pg);
    }
    return NULL;
}

static void close_pg(void *impl)
{
    struct pg *pg = impl;
    pg_watch_stop(pg->watch);
    pg_disconnect(pg);
    OPENSSL_cleanse(pg->secret, sizeof(pg->secret));
    OPENSSL_cleanse(pg->conninfo, strlen(pg->conninfo));
    free(pg->conninfo);
    tally_free(pg->op_counts);
    tally_free(pg->batch_counts);
    free(pg);
}

static const char *error_class(void *impl)
{
    return pg_error_name(((struct pg *)impl)->error);
}

/* Transaction control goes with the next statement (pg_due): a batch of
 * sends takes two round trips, [BEGIN, SAVEPOINT, the sends] and [RELEASE,
 * the counters and NOTIFY, COMMIT]. */
static int begin(void *impl)
{
    struct pg *pg = impl;
    if (reconnect(pg) < 0)
        return -1;
    pg_counts_begin(pg);
    pg->ndue = 0;
    pg_due(pg, "BEGIN");
    return 0;
}

static int commit(void *impl)
{
    struct pg *pg = impl;
    struct pg_counts counts;
    struct pg_step steps[2];
    int n = 0;
    int rc = pg_counts_params(pg, pg->batch_counts, pg->payload, &counts);
    if (counts.any)
        steps[n++] = (struct pg_step){.id = Q_COUNTS, .p = &counts.params};
    steps[n++] = (struct pg_step){.sql = "COMMIT", .commit = true};
    if (rc == 0)
        rc = pg_pipeline(pg, steps, n, NULL);
    pg_counts_free(&counts);
    pg->ndue = 0;
    return rc;
}

static void rollback(void *impl)
{
    struct pg *pg = impl;
    pg_counts_rolled_back(pg);
    pg->ndue = 0; /* what was not sent has nothing to undo */
    if (pg->conn != NULL && PQstatus(pg->conn) == CONNECTION_OK &&
        PQtransactionStatus(pg->conn) != PQTRANS_IDLE)
        PQclear(PQexec(pg->conn, "ROLLBACK"));
    if (pg->conn != NULL && PQstatus(pg->conn) != CONNECTION_OK)
        pg_disconnect(pg); /* the next batch connects again */
}

static int savepoint(void *impl)
{
    struct pg *pg = impl;
    pg_counts_op_begin(pg);
    pg_due(pg, "SAVEPOINT op");
    return 0;
}

static int release(void *impl)
{
    struct pg *pg = impl;
    if (pg_counts_op_release(pg) < 0)
        return -1;
    /* An op that sent nothing had no savepoint to release. */
    if (!pg_due_drop(pg, "SAVEPOINT op"))
        pg_due(pg, "RELEASE op");
    return 0;
}

static void rollback_to(void *impl)
{
    struct pg *pg = impl;
    pg_counts_op_undo(pg);
    if (!pg_due_drop(pg, "SAVEPOINT op")) {
        pg_due(pg, "ROLLBACK TO op");
        pg_due(pg, "RELEASE op");
    }
}

static int run_puts(void *impl, struct op **puts, size_t n)
{
    return pg_put_many(impl, puts, n);
}

static int run_acks(void *impl, struct op **acks, size_t n)
{
    return pg_ack_many(impl, acks, n);
}

static int run_put(void *impl, struct op *op)
{
    return pg_put_many(impl, &op, 1);
}

static int run_inbox(void *impl, struct op *op)
{
    return pg_inbox(impl, op);
}

static int run_ack(void *impl, struct op *op)
{
    return pg_ack_many(impl, &op, 1);
}

static int run_status(void *impl, struct op *op)
{
    return pg_status(impl, op);
}

static int run_expire(void *impl, struct op *op)
{
    return pg_expire(impl, op);
}

static int run_health(void *impl, struct op *op)
{
    return pg_run_ok(impl, Q_PING, NULL);
}

static int run_rejections(void *impl, struct op *op)
{
    return pg_add_rejections(impl, op->now, op->u.rejections.counts);
}

/* Nothing to do: PostgreSQL checkpoints itself, and the watch vacuums. */
static int run_nothing(void *impl, struct op *op)
{
    return 0;
}

static int run_stats(void *impl, struct op *op)
{
    return pg_stats(impl, op);
}

static int run_metrics(void *impl, struct op *op)
{
    return pg_metrics(impl, op);
}

static int run_release(void *impl, struct op *op)
{
    return pg_release_due(impl, op->now, op->u.release.min_count,
                          &op->u.release.released);
}

/* None for the writer's OP_COUNT: this backend counts sends in bulk itself,
 * after a batch commits (after_commit), in a transaction of its own. */
static long uncounted(void *impl)
{
    return 0;
}

/* This writer's sends are counted as accepted once COUNT_AFTER_SENDS wait
 * or a second has passed, in a transaction of their own between batches
 * (holding nothing another gateway's batch could wait for). */
#define COUNT_AFTER_SENDS 4096
#define COUNT_AFTER_NS 1000000000LL

static int after_commit(void *impl, bool checkpoint)
{
    struct pg *pg = impl;
    long long now = monotonic_ns();
    if (pg->uncounted == 0 ||
        (pg->uncounted < COUNT_AFTER_SENDS && now - pg->counted_at_ns < COUNT_AFTER_NS))
        return 0;
    pg->counted_at_ns = now;
    bool more = false;
    if (reconnect(pg) < 0)
        return -1;
    pg_counts_begin(pg);
    pg->ndue = 0;
    pg_due(pg, "BEGIN");
    if (pg_count_shard(pg, pg->shard, &more) < 0 || commit(pg) < 0) {
        rollback(pg);
        return -1;
    }
    pg->uncounted = more ? pg->uncounted : 0;
    return 0;
}

static struct digester *new_digester(void *impl)
{
    return digester_new(((struct pg *)impl)->secret, PG_SECRET_LEN);
}

static int watch(void *impl, void (*fn)(void *arg, const char *org_id), void *arg,
                 char err[RG_ERR_MAX])
{
    struct pg *pg = impl;
    pg->watch = pg_watch_start(pg->conninfo, &pg->writer_pid, fn, arg, err);
    return pg->watch != NULL ? 0 : -1;
}

const struct store_backend pg_backend = {
    .name = "postgresql",
    .open = open_pg,
    .close = close_pg,
    .error_class = error_class,
    .begin = begin,
    .commit = commit,
    .rollback = rollback,
    .savepoint = savepoint,
    .release = release,
    .rollback_to = rollback_to,
    .run =
        {
            [OP_PUT] = run_put,
            [OP_INBOX] = run_inbox,
            [OP_ACK] = run_ack,
            [OP_STATUS] = run_status,
            [OP_EXPIRE] = run_expire,
            [OP_HEALTH] = run_health,
            [OP_REJECTIONS] = run_rejections,
            [OP_CHECKPOINT] = run_nothing,
            [OP_STATS] = run_stats,
            [OP_METRICS] = run_metrics,
            [OP_COUNT] = run_nothing,
            [OP_RELEASE] = run_release,
        },
    .uncounted = uncounted,
    .after_commit = after_commit,
    .digester_new = new_digester,
    .many = {[OP_PUT] = run_puts, [OP_ACK] = run_acks},
    .watch = watch,
};
