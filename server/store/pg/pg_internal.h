/*
 * pg_internal.h - the PostgreSQL store's private parts, shared only by the
 * files that make it: the connection and its checks (pg_conn.c), running
 * statements and reading results (pg_exec.c), the schema (pg_migrate.c,
 * pg_sql.c), referrals (pg_referrals.c), counters (pg_counting.c), counts
 * and releases (pg_stats.c), the backend table (pg_backend.c). Nothing
 * else includes this.
 */
#ifndef REFGW_PG_INTERNAL_H
#define REFGW_PG_INTERNAL_H

#include <libpq-fe.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "counts.h"
#include "errors.h"
#include "ops.h"
#include "pg_array.h"
#include "tally.h"

#define PG_SECRET_LEN 32

/* The first key of every advisory lock the gateway takes ("RGWD"); the
 * second says which. Sessions of other programs may use any other pair. */
#define PG_LOCK_SPACE 0x52475744
enum pg_lock {
    PG_LOCK_MIGRATE = 1, /* schema creation and migration, at start */
    PG_LOCK_EXPIRE = 2,  /* one sweep at a time, over all gateways */
    PG_LOCK_RELEASE = 3, /* one release of ended periods at a time */
    PG_LOCK_VACUUM = 4,  /* one VACUUM of the content table at a time */
    PG_LOCK_SHARD = 1000 /* + n: the counter shard n a writer holds */
};
#define PG_SHARDS 64

/* The channel of NOTIFY: its payload, the recipients of a batch. */
#define PG_CHANNEL "refgw_arrivals"
/* A payload meaning "too many to list: look at the table". */
#define PG_PAYLOAD_ALL "*"
#define PG_PAYLOAD_MAX 7900 /* PostgreSQL allows 8000 bytes */

/* What went wrong last, for the log (pg_error_class). */
enum pg_error {
    PGE_NONE,
    PGE_UNREACHABLE, /* no connection, or it broke */
    PGE_DISK_FULL,
    PGE_MEMORY,
    PGE_READ_ONLY,
    PGE_TIMEOUT,
    PGE_DEADLOCK,
    PGE_BUSY, /* too many connections, shutting down, starting up */
    PGE_FAILURE
};

/* The statements prepared on every connection of the writer (pg_sql.c). */
enum pg_stmt {
    Q_PUTS,
    Q_FIND_REFS,
    Q_INBOX,
    Q_ENDING,
    Q_ACKS,
    Q_TRY_LOCK,
    Q_LOCK,
    Q_EXPIRE,
    Q_STATUS,
    Q_COUNTS,
    Q_MARK_LOCK,
    Q_UNCOUNTED,
    Q_SET_MARK,
    Q_UNCOUNTED_SHARDS,
    Q_REJECTIONS,
    Q_DUE_PERIODS,
    Q_PERIOD_CELLS,
    Q_PUBLISH,
    Q_ERASE_PERIOD,
    Q_MARK_RELEASED,
    Q_ERASE_LEFTOVERS,
    Q_RELEASED_ROWS,
    Q_METRICS_EVENTS,
    Q_METRICS_REJECTIONS,
    Q_PING,
    Q_COUNT
};
extern const char *const pg_stmt_sql[Q_COUNT];

struct pg_watch;

#define PG_DUE_MAX 8

struct pg {
    char *conninfo;         /* wiped when freed */
    PGconn *conn;           /* the writer's; NULL while there is none */
    int shard;              /* the counter rows this writer adds to */
    int writer_pid;         /* its server process (atomic: the watch reads it) */
    long long retry_at_ns;  /* no attempt to connect again before */
    long long lost_at_ns;   /* the connection was lost then (0: it is not) */
    long long logged_at_ns; /* the last log line saying why connecting fails */
    enum pg_error error;
    unsigned char secret[PG_SECRET_LEN];
    /* Counter increments of the current op (in its savepoint) and of the
     * transaction, written before the commit (pg_counting.c). */
    struct tally *op_counts, *batch_counts;
    bool in_savepoint;
    /* This writer's sends stored since its shard was last counted (at
     * least: 1 when sends of an earlier session may wait), and when. */
    long uncounted;
    long long counted_at_ns;
    /* Transaction control (BEGIN, SAVEPOINT, RELEASE, ROLLBACK TO) waiting
     * to go in one pipeline with the next statement: a round trip less
     * each (pg_due). */
    const char *due[PG_DUE_MAX];
    int ndue;
    /* The recipients of this transaction's new referrals, for one NOTIFY. */
    char payload[PG_PAYLOAD_MAX + 1];
    size_t payload_len;
    struct pg_watch *watch;
};

/* ---- pg_conn.c: connections ---- */

/* A connection with the gateway's session settings, checked (durable
 * commits, a server that can take writes), named application;
 * connect_timeout (seconds, a string) when not NULL overrides the string's.
 * NULL with err, which never holds the password. */
PGconn *pg_connect(const char *conninfo, const char *application,
                   const char *connect_timeout, char err[RG_ERR_MAX]);

/* err for conninfo that libpq cannot parse (0), or 0 when it can. Never
 * quotes it: it may hold a password. */
int pg_conninfo_check(const char *conninfo, char err[RG_ERR_MAX]);

/* The class of a failed result (NULL: the connection's state decides). */
enum pg_error pg_classify(PGconn *conn, const PGresult *res);
const char *pg_error_name(enum pg_error e);

/* ---- pg_exec.c: statements and results, all binary ---- */

#define PG_PARAMS_MAX 24

struct pg_params {
    int n;
    const char *values[PG_PARAMS_MAX];
    int lengths[PG_PARAMS_MAX];
    int formats[PG_PARAMS_MAX];
    unsigned char ints[PG_PARAMS_MAX][8]; /* integers in network order */
};

void pg_param_text(struct pg_params *p, const char *s);
void pg_param_bytes(struct pg_params *p, const void *b, size_t len);
void pg_param_int(struct pg_params *p, int64_t v); /* a bigint ($n::bigint) */
/* An array; -1 when it could not be built (out of memory). */
int pg_param_array(struct pg_params *p, struct pg_array *a);

/* The name a statement is prepared under on each connection. */
void pg_stmt_name(enum pg_stmt id, char name[8]);

/* Runs a prepared statement; its result, or NULL with pg->error set. The
 * caller PQclear()s it (pg_clear when it may hold content). */
PGresult *pg_run(struct pg *pg, enum pg_stmt id, const struct pg_params *p);
/* The same, for a statement that returns nothing worth reading: 0 or -1. */
int pg_run_ok(struct pg *pg, enum pg_stmt id, const struct pg_params *p);
/* Any SQL text with parameters (a stats query); as pg_run. */
PGresult *pg_run_sql(struct pg *pg, const char *sql, const struct pg_params *p);

/* One statement of a pipeline: prepared (sql NULL: id) or SQL text. */
struct pg_step {
    enum pg_stmt id;
    const char *sql;
    const struct pg_params *p;
    bool commit; /* COMMIT: it must say COMMIT, not ROLLBACK */
};

/* Sends the control statements due and then the steps in one pipeline, and
 * reads every result: one round trip. 0, or -1 with the first failure's
 * class; a connection that broke on the way is closed (the next batch
 * connects again). last: the last step's result, kept for the caller (NULL
 * when anything failed). */
int pg_pipeline(struct pg *pg, const struct pg_step *steps, int n, PGresult **last);

/* Queues a control statement (a constant) for the next pipeline; without
 * room, it fails the transaction at the next statement. pg_due_drop: the
 * last one queued, when it is sql (not sent yet: nothing to undo). */
void pg_due(struct pg *pg, const char *sql);
bool pg_due_drop(struct pg *pg, const char *sql);

/* Closes the writer's connection. */
void pg_disconnect(struct pg *pg);

/* Records a failure that is not PostgreSQL's (memory); returns -1. */
int pg_fail(struct pg *pg, enum pg_error e);

/* Reading binary results: a text column into dst, cut to fit ("" when
 * NULL); an integer column of any width (0 when NULL); a column's bytes. */
void pg_get_text(const PGresult *r, int row, int col, char *dst, size_t size);
int64_t pg_get_int(const PGresult *r, int row, int col);
const char *pg_get_bytes(const PGresult *r, int row, int col, size_t *len);
/* The six routing columns from col on (sender, sender_type, recipient,
 * recipient_type, signal, urgency); the eight subject columns from col on. */
void pg_get_route(const PGresult *r, int row, int col, struct rg_routing *out);
void pg_get_subject(const PGresult *r, int row, int col,
                    char subject[RG_SUBJECT_ATTRS][RG_VALUE_MAX]);

/* Wipes every value of a result that may hold content, then frees it. */
void pg_clear(PGresult *r);

/* ---- pg_migrate.c ---- */

/* Creates the schema or brings it to this binary's version, under a lock
 * all gateways take; refuses a newer one (err says so). Reads the shared
 * secret (made by the first gateway) into pg->secret. 0 or -1. */
int pg_migrate(struct pg *pg, char err[RG_ERR_MAX]);

/* ---- pg_referrals.c (referrals) and pg_stats.c (counts) ---- */

int pg_put_many(struct pg *pg, struct op **puts, size_t n);
int pg_inbox(struct pg *pg, struct op *op);
int pg_ack_many(struct pg *pg, struct op **acks, size_t n);
int pg_status(struct pg *pg, struct op *op);
int pg_expire(struct pg *pg, struct op *op);
int pg_stats(struct pg *pg, struct op *op);
int pg_metrics(struct pg *pg, struct op *op);
int pg_release_due(struct pg *pg, time_t now, int m, int *released);

/* ---- pg_counting.c: counters, written with the transaction ---- */

/* A referral's routing and subject as it ends or is stored, for counting. */
struct pg_ending {
    struct rg_routing route;
    char subject[RG_SUBJECT_ATTRS][RG_VALUE_MAX];
    uint32_t rkey;
};

/* The transaction's counters and NOTIFY as the parameters of Q_COUNTS,
 * built by pg_counts_params (any: something to write) and freed with
 * pg_counts_free. */
#define PG_FLOW_TEXT 8    /* month, event, the six routing fields */
#define PG_SUBJECT_TEXT 4 /* period, event, attribute, value */
struct pg_counts {
    struct pg_array flow[PG_FLOW_TEXT], flow_n, flow_k;
    struct pg_array subject[PG_SUBJECT_TEXT], subject_n, subject_k;
    struct pg_params params;
    bool any;
};
/* Writes (empties) tally t, with payload as the NOTIFY ("": none). */
int pg_counts_params(struct pg *pg, struct tally *t, const char *payload,
                     struct pg_counts *c);
void pg_counts_free(struct pg_counts *c);

/* Sends are counted as accepted in bulk (schema: counted): up to a few
 * thousand of one shard's waiting sends into the current tally, *more
 * when some are left; every shard's, and the tally written at once, so
 * that a query of the counts that follows sees every send committed. */
int pg_count_shard(struct pg *pg, int shard, bool *more);
int pg_counts_settle(struct pg *pg);

/* One event of e, now, into the current op's (or transaction's) tally. */
int pg_count_event(struct pg *pg, time_t now, const char *event,
                   const struct pg_ending *e);
/* A new referral for recipient: it goes into this transaction's NOTIFY. */
void pg_notify_add(struct pg *pg, const char *recipient);

void pg_counts_begin(struct pg *pg);
void pg_counts_op_begin(struct pg *pg);
int pg_counts_op_release(struct pg *pg);
void pg_counts_op_undo(struct pg *pg);
void pg_counts_rolled_back(struct pg *pg);

int pg_add_rejections(struct pg *pg, time_t now, const unsigned counts[RG_CODE_COUNT]);

/* Takes an advisory lock of the transaction: waiting, or trying (*got). */
int pg_lock(struct pg *pg, enum pg_lock which, bool wait, bool *got);

#endif
