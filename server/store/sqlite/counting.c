#include "db.h"

#include <string.h>

#include <sqlite3.h>

#include "counts.h"
#include "db_internal.h"
#include "periods.h"

static int write_flow(struct db *s, const struct count_key *k, long n, uint32_t sum)
{
    sqlite3_stmt *st = db_prepared(s, S_FLOW_COUNT);
    const struct rg_routing *r = &k->route;
    const char *fields[] = {k->month,     k->event,          r->sender, r->sender_type,
                            r->recipient, r->recipient_type, r->signal, r->urgency};
    for (int i = 0; i < 8; i++)
        db_bind_text(st, i + 1, fields[i]);
    sqlite3_bind_int64(st, 9, n);
    sqlite3_bind_int64(st, 10, sum);
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? 0 : db_failed(s, rc);
}

/* A subject key of a month adds to that month's, quarter's and year's
 * counters: each period is released from counters of its own. */
static int write_subject(struct db *s, const struct count_key *k, long n, uint32_t sum)
{
    char periods[COUNTS_PERIODS][RG_PERIOD_LEN];
    int month = rg_month_number(k->month);
    if (month < 0)
        return db_failed(s, SQLITE_MISUSE);
    counts_periods_of(month, periods);
    for (int i = 0; i < COUNTS_PERIODS; i++) {
        sqlite3_stmt *st = db_prepared(s, S_SUBJECT_COUNT);
        db_bind_text(st, 1, periods[i]);
        db_bind_text(st, 2, k->event);
        db_bind_text(st, 3, k->attr);
        db_bind_text(st, 4, k->value);
        sqlite3_bind_int64(st, 5, n);
        sqlite3_bind_int64(st, 6, sum);
        int rc = sqlite3_step(st);
        sqlite3_reset(st);
        if (rc != SQLITE_DONE)
            return db_failed(s, rc);
    }
    return 0;
}

static int write_count(void *arg, const struct count_key *k, long n, uint32_t sum)
{
    return k->attr[0] == '\0' ? write_flow(arg, k, n, sum)
                              : write_subject(arg, k, n, sum);
}

/* A rollback may undo a counting of sends: some may wait again, and the
 * tally of those waiting is no longer known to be exact. */
static void may_be_uncounted(struct db *s)
{
    if (s->uncounted == 0)
        s->uncounted = 1;
    s->accepted_exact = s->exact_after_commit = false;
    s->counted_in_op = false;
}

void db_counts_op_begin(struct db *s)
{
    tally_clear(s->op_counts);
    s->in_savepoint = true;
    s->counted_in_op = false;
}

int db_counts_op_release(struct db *s)
{
    s->in_savepoint = false;
    if (tally_merge(s->batch_counts, s->op_counts) < 0) {
        tally_clear(s->op_counts);
        return db_failed(s, SQLITE_NOMEM);
    }
    s->counted_in_tx = s->counted_in_tx || s->counted_in_op;
    s->counted_in_op = false;
    return 0;
}

void db_counts_op_undo(struct db *s)
{
    tally_clear(s->op_counts);
    may_be_uncounted(s);
    s->in_savepoint = false;
}

int db_counts_write(struct db *s)
{
    int rc = tally_each(s->batch_counts, write_count, s);
    tally_clear(s->batch_counts);
    return rc == 0 ? 0 : -1;
}

void db_counts_committed(struct db *s)
{
    /* The committed sends that were counted leave the tally; this
     * transaction's that were not join it. */
    if (s->counted_in_tx) {
        tally_clear(s->accepted);
        s->accepted_exact = s->accepted_exact || s->exact_after_commit;
    }
    if (tally_merge(s->accepted, s->batch_accepted) < 0) {
        tally_clear(s->batch_accepted);
        s->accepted_exact = false;
    }
    s->counted_in_tx = s->exact_after_commit = false;
}

void db_counts_rolled_back(struct db *s)
{
    tally_clear(s->op_counts);
    tally_clear(s->batch_counts);
    may_be_uncounted(s);
    s->counted_in_tx = false;
    s->in_savepoint = false;
}

/* Where counts go: the op's (inside a savepoint, undone with it) or the batch's. */
static struct tally *current_tally(struct db *s)
{
    return s->in_savepoint ? s->op_counts : s->batch_counts;
}

/* One event of e into tally t: its flow key and its subject keys. */
static int count_into(struct db *s, struct tally *t, time_t now, const char *event,
                      const struct ending *e)
{
    struct count_key k;
    memset(&k, 0, sizeof(k)); /* the tally hashes the whole struct */
    rg_month_format(now, k.month);
    db_copy_str(k.event, sizeof(k.event), event);
    k.route = e->route;
    return tally_add_event(t, &k, e->subject, e->rkey) < 0 ? db_failed(s, SQLITE_NOMEM)
                                                           : 0;
}

int db_count_event(struct db *s, time_t now, const char *event, const struct ending *e)
{
    return count_into(s, current_tally(s), now, event, e);
}

int db_count_put(struct db *s, time_t now, const struct ending *e)
{
    if (count_into(s, s->batch_accepted, now, "accepted", e) < 0)
        return -1;
    s->uncounted++;
    s->last_put_seq = e->seq;
    return 0;
}

static int add_to_tally(void *arg, const struct count_key *k, long n, uint32_t sum)
{
    return tally_add(arg, k, n, sum);
}

/* The waiting sends from their tally: 0 or -1; *last is the last one's seq.
 * The committed ones leave the tally only at commit: a counting earlier in
 * this transaction already took them. */
static int count_from_tally(struct db *s, sqlite3_int64 *last)
{
    struct tally *t = current_tally(s);
    bool committed_counted = s->counted_in_tx || s->counted_in_op;
    if ((!committed_counted && tally_each(s->accepted, add_to_tally, t) != 0) ||
        tally_each(s->batch_accepted, add_to_tally, t) != 0)
        return db_failed(s, SQLITE_NOMEM);
    *last = s->last_put_seq;
    return 0;
}

/* The waiting sends read back from the table, past the mark. */
static int count_from_table(struct db *s, sqlite3_int64 *last)
{
    sqlite3_stmt *st = db_prepared(s, S_SELECT_UNCOUNTED);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        struct ending e;
        db_read_ending(st, &e);
        time_t created = (time_t)sqlite3_column_int64(st, 1);
        if (db_count_event(s, created, "accepted", &e) < 0) {
            sqlite3_reset(st);
            return -1;
        }
        *last = e.seq;
    }
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? 0 : db_failed(s, rc);
}

int db_count_accepted(struct db *s)
{
    if (s->uncounted == 0)
        return 0;
    sqlite3_int64 last = 0;
    bool exact = s->accepted_exact;
    if ((exact ? count_from_tally(s, &last) : count_from_table(s, &last)) < 0)
        return -1;
    if (last > 0) {
        sqlite3_stmt *st = db_prepared(s, S_SET_COUNTED);
        sqlite3_bind_int64(st, 1, last);
        int rc = sqlite3_step(st);
        sqlite3_reset(st);
        if (rc != SQLITE_DONE)
            return db_failed(s, rc);
    }
    /* This transaction's sends so far are counted now; the committed ones
     * leave the tally when this commits (db_commit). */
    tally_clear(s->batch_accepted);
    if (s->in_savepoint)
        s->counted_in_op = true;
    else
        s->counted_in_tx = true;
    s->exact_after_commit = s->exact_after_commit || !exact;
    s->uncounted = 0;
    return 0;
}

long db_uncounted(const struct db *s)
{
    return s->uncounted;
}

int db_counts_settle(struct db *s)
{
    if (db_count_accepted(s) < 0)
        return -1;
    struct tally *t = current_tally(s);
    int rc = tally_each(t, write_count, s);
    tally_clear(t);
    return rc == 0 ? 0 : -1;
}

int db_add_rejections(struct db *s, time_t now, const unsigned counts[RG_CODE_COUNT])
{
    char month[RG_MONTH_LEN];
    rg_month_format(now, month);
    for (int code = 0; code < RG_CODE_COUNT; code++) {
        if (counts[code] == 0)
            continue;
        sqlite3_stmt *st = db_prepared(s, S_REJECTION);
        db_bind_text(st, 1, month);
        db_bind_text(st, 2, rg_code_name((enum rg_code)code));
        sqlite3_bind_int64(st, 3, counts[code]);
        int rc = sqlite3_step(st);
        sqlite3_reset(st);
        if (rc != SQLITE_DONE)
            return db_failed(s, rc);
    }
    return 0;
}
