#include "store.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>

#include <openssl/crypto.h>
#include <sqlite3.h>

#include "store_internal.h"
#include "walbuf.h"

static const char schema[] =
    "CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value BLOB NOT NULL);"
    /* Routing metadata and status; no content, no client_ref in clear. */
    "CREATE TABLE IF NOT EXISTS referrals("
    "  seq INTEGER PRIMARY KEY,"
    "  id TEXT NOT NULL UNIQUE,"
    "  sender TEXT NOT NULL, sender_type TEXT NOT NULL,"
    "  recipient TEXT NOT NULL, recipient_type TEXT NOT NULL,"
    "  signal TEXT NOT NULL, urgency TEXT NOT NULL,"
    "  state INTEGER NOT NULL,"
    "  created_at INTEGER NOT NULL, delivered_at INTEGER, acknowledged_at INTEGER,"
    "  ended_at INTEGER,"
    "  deliveries INTEGER NOT NULL DEFAULT 0,"
    "  ref_key BLOB UNIQUE,"
    "  digest BLOB NOT NULL);"
    "CREATE INDEX IF NOT EXISTS referrals_pending ON referrals(recipient, state, seq);"
    "CREATE INDEX IF NOT EXISTS referrals_age ON referrals(state, created_at);"
    /* Content, keyed by the referral's seq; deleted (and zeroed) on ack or expiry. */
    "CREATE TABLE IF NOT EXISTS content("
    "  seq INTEGER PRIMARY KEY,"
    "  age_band TEXT, gender TEXT, municipality TEXT, origin TEXT,"
    "  socioeconomic TEXT, education TEXT, housing TEXT, addiction TEXT,"
    "  body BLOB NOT NULL);"
    /* SPEC §6: attr is '' for the key without a subject attribute. */
    "CREATE TABLE IF NOT EXISTS counts("
    "  month TEXT NOT NULL, event TEXT NOT NULL,"
    "  sender TEXT NOT NULL, sender_type TEXT NOT NULL,"
    "  recipient TEXT NOT NULL, recipient_type TEXT NOT NULL,"
    "  signal TEXT NOT NULL, urgency TEXT NOT NULL,"
    "  attr TEXT NOT NULL, value TEXT NOT NULL, n INTEGER NOT NULL,"
    "  PRIMARY KEY(month, event, attr, value, sender, recipient, signal, urgency)"
    ") WITHOUT ROWID;"
    "CREATE TABLE IF NOT EXISTS rejections("
    "  month TEXT NOT NULL, code TEXT NOT NULL, n INTEGER NOT NULL,"
    "  PRIMARY KEY(month, code)) WITHOUT ROWID;"
    /* The last referral counted as accepted. A store without the mark was
     * written when sends were counted as they were stored: all are counted. */
    "INSERT OR IGNORE INTO meta(key, value)"
    "  SELECT 'counted_seq', coalesce(max(seq), 0) FROM referrals;";

static const char *const stmt_sql[S_COUNT_STMTS] = {
    [S_BEGIN] = "BEGIN IMMEDIATE",
    [S_COMMIT] = "COMMIT",
    [S_ROLLBACK] = "ROLLBACK",
    [S_SAVEPOINT] = "SAVEPOINT op",
    [S_RELEASE] = "RELEASE op",
    [S_ROLLBACK_TO] = "ROLLBACK TO op",
    [S_FIND_REF] = "SELECT id, digest, state FROM referrals WHERE ref_key = ?1",
    [S_INSERT_REFERRAL] = "INSERT INTO referrals(id, sender, sender_type, recipient, "
                          "recipient_type, signal,"
                          " urgency, state, created_at, ref_key, digest)"
                          " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, 0, ?8, ?9, ?10)",
    [S_INSERT_CONTENT] = "INSERT INTO content(seq, age_band, gender, municipality, "
                         "origin, socioeconomic,"
                         " education, housing, addiction, body) VALUES(?1, ?2, ?3, ?4, "
                         "?5, ?6, ?7, ?8, ?9, ?10)",
    [S_SELECT_PENDING] =
        "SELECT r.seq, r.id, r.sender, r.sender_type, r.created_at, r.signal, "
        "r.urgency,"
        " r.deliveries, c.age_band, c.gender, c.municipality, c.origin, "
        "c.socioeconomic,"
        " c.education, c.housing, c.addiction, c.body"
        " FROM referrals r JOIN content c ON c.seq = r.seq"
        " WHERE r.recipient = ?1 AND r.state IN (0, 1) ORDER BY r.seq LIMIT ?2",
    [S_MARK_DELIVERED] = "UPDATE referrals SET state = 1, deliveries = deliveries + 1,"
                         " delivered_at = coalesce(delivered_at, ?2) WHERE seq = ?1",
    [S_SELECT_FOR_END] =
        "SELECT r.seq, r.state, r.sender, r.sender_type, r.recipient, r.recipient_type,"
        " r.signal, r.urgency, c.age_band, c.gender, c.municipality, c.origin,"
        " c.socioeconomic, c.education, c.housing, c.addiction"
        " FROM referrals r LEFT JOIN content c ON c.seq = r.seq"
        " WHERE r.id = ?1 AND r.recipient = ?2",
    [S_DELETE_CONTENT] = "DELETE FROM content WHERE seq = ?1",
    [S_MARK_ACKED] =
        "UPDATE referrals SET state = 2, acknowledged_at = ?2, ended_at = ?2"
        " WHERE seq = ?1",
    [S_MARK_EXPIRED] = "UPDATE referrals SET state = 3, ended_at = ?2 WHERE seq = ?1",
    [S_SELECT_EXPIRED] =
        "SELECT r.id, r.recipient FROM referrals r"
        " WHERE r.state IN (0, 1) AND r.created_at < ?1 ORDER BY r.created_at LIMIT ?2",
    [S_STATUS] = "SELECT recipient, state, created_at, delivered_at, acknowledged_at"
                 " FROM referrals WHERE id = ?1 AND sender = ?2",
    [S_COUNT] = "INSERT INTO counts(month, event, sender, sender_type, recipient, "
                "recipient_type,"
                " signal, urgency, attr, value, n) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, "
                "?8, ?9, ?10, ?11)"
                " ON CONFLICT DO UPDATE SET n = n + excluded.n",
    [S_REJECTION] = "INSERT INTO rejections(month, code, n) VALUES(?1, ?2, ?3)"
                    " ON CONFLICT DO UPDATE SET n = n + excluded.n",
    [S_PING] = "SELECT value FROM meta WHERE key = 'secret'",
    /* The same columns as S_SELECT_FOR_END, with the creation time for the state. */
    [S_SELECT_UNCOUNTED] =
        "SELECT r.seq, r.created_at, r.sender, r.sender_type, r.recipient,"
        " r.recipient_type, r.signal, r.urgency, c.age_band, c.gender, c.municipality,"
        " c.origin, c.socioeconomic, c.education, c.housing, c.addiction"
        " FROM referrals r LEFT JOIN content c ON c.seq = r.seq"
        " WHERE r.seq > (SELECT value FROM meta WHERE key = 'counted_seq')"
        " ORDER BY r.seq",
    [S_SET_COUNTED] = "UPDATE meta SET value = ?1 WHERE key = 'counted_seq'",
    [S_COUNT_UNCOUNTED] =
        "SELECT count(*) FROM referrals"
        " WHERE seq > (SELECT value FROM meta WHERE key = 'counted_seq')",
};

/* A referral's routing and content as read back for counting its end. */
struct ending {
    long long seq;
    int state;
    char sender[RG_ORG_ID_MAX + 1], sender_type[RG_VALUE_MAX];
    char recipient[RG_ORG_ID_MAX + 1], recipient_type[RG_VALUE_MAX];
    char signal[RG_VALUE_MAX], urgency[RG_VALUE_MAX];
    char subject[RG_SUBJECT_ATTRS][RG_VALUE_MAX];
};

int store_failed(struct store *s, int rc)
{
    s->last_error = rc;
    return -1;
}

static int failed(struct store *s, int rc)
{
    return store_failed(s, rc);
}

const char *store_error_class(const struct store *s)
{
    switch (s->last_error & 0xff) {
    case SQLITE_FULL:
        return "disk full";
    case SQLITE_IOERR:
        return "I/O error";
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
        return "database corrupt";
    case SQLITE_READONLY:
    case SQLITE_PERM:
    case SQLITE_CANTOPEN:
        return "cannot write the database";
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
        return "database busy";
    case SQLITE_NOMEM:
        return "out of memory";
    default:
        return "store failure";
    }
}

/* Resets a statement for reuse; bindings are cleared so no content lingers. */
static sqlite3_stmt *prepared(struct store *s, enum stmt_id id)
{
    sqlite3_stmt *st = s->stmt[id];
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return st;
}

static int run(struct store *s, enum stmt_id id)
{
    sqlite3_stmt *st = prepared(s, id);
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? 0 : failed(s, rc);
}

static void bind_text(sqlite3_stmt *st, int i, const char *v)
{
    sqlite3_bind_text(st, i, v, -1, SQLITE_STATIC);
}

/* src into dst (size > 0), cut to fit. Not snprintf: counting copies a
 * dozen fields for every send, and printf's machinery showed in profiles. */
static void copy_str(char *dst, size_t size, const char *src)
{
    size_t n = strnlen(src, size - 1);
    memcpy(dst, src, n);
    dst[n] = '\0';
}

static void column_copy(sqlite3_stmt *st, int col, char *dst, size_t size)
{
    const unsigned char *v = sqlite3_column_text(st, col);
    copy_str(dst, size, v ? (const char *)v : "");
}

static int exec(struct store *s, const char *sql)
{
    int rc = sqlite3_exec(s->db, sql, NULL, NULL, NULL);
    return rc == SQLITE_OK ? 0 : failed(s, rc);
}

static int load_secret(struct store *s)
{
    sqlite3_stmt *st;
    int rc = sqlite3_prepare_v2(s->db, "SELECT value FROM meta WHERE key = 'secret'",
                                -1, &st, NULL);
    if (rc != SQLITE_OK)
        return failed(s, rc);
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW && sqlite3_column_bytes(st, 0) == SECRET_LEN) {
        memcpy(s->secret, sqlite3_column_blob(st, 0), SECRET_LEN);
        sqlite3_finalize(st);
        return 0;
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE)
        return failed(s, rc);
    /* First start: a fresh key for hashing client_refs and content. */
    if (rg_random_bytes(s->secret, SECRET_LEN) < 0)
        return failed(s, SQLITE_ERROR);
    rc = sqlite3_prepare_v2(s->db, "INSERT INTO meta(key, value) VALUES('secret', ?1)",
                            -1, &st, NULL);
    if (rc != SQLITE_OK)
        return failed(s, rc);
    sqlite3_bind_blob(st, 1, s->secret, SECRET_LEN, SQLITE_STATIC);
    rc = sqlite3_step(st);
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? 0 : failed(s, rc);
}

static int check_integrity(struct store *s, char err[STORE_ERR_MAX])
{
    sqlite3_stmt *st;
    int rc = sqlite3_prepare_v2(s->db, "PRAGMA quick_check(1)", -1, &st, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_step(st);
    bool ok =
        rc == SQLITE_ROW && strcmp((const char *)sqlite3_column_text(st, 0), "ok") == 0;
    sqlite3_finalize(st);
    if (!ok) {
        snprintf(err, STORE_ERR_MAX, "the database failed its integrity check (%s)",
                 rc == SQLITE_ROW ? "corrupt" : sqlite3_errstr(rc));
        return -1;
    }
    return 0;
}

static int on_wal_commit(void *arg, sqlite3 *db, const char *name, int frames)
{
    struct store *s = arg;
    s->wal_frames = frames;
    return SQLITE_OK;
}

struct store *store_open(const char *data_dir, char err[STORE_ERR_MAX])
{
    if (mkdir(data_dir, 0700) < 0 && errno != EEXIST) {
        snprintf(err, STORE_ERR_MAX, "cannot create data_dir %.180s: %s", data_dir,
                 strerror(errno));
        return NULL;
    }
    struct store *s = calloc(1, sizeof(*s));
    if (s == NULL) {
        snprintf(err, STORE_ERR_MAX, "out of memory");
        return NULL;
    }
    s->data_dir = strdup(data_dir);
    s->op_counts = tally_new();
    s->batch_counts = tally_new();
    s->accepted = tally_new();
    s->batch_accepted = tally_new();
    if (s->data_dir == NULL || s->op_counts == NULL || s->batch_counts == NULL ||
        s->accepted == NULL || s->batch_accepted == NULL) {
        snprintf(err, STORE_ERR_MAX, "out of memory");
        store_close(s);
        return NULL;
    }
    char path[4096];
    snprintf(path, sizeof(path), "%s/refgw.db", data_dir);
    /* The WAL's writes are gathered into few large calls (walbuf.h; it relies
     * on synchronous=FULL, set below). */
    int rc = walbuf_register() < 0
                 ? SQLITE_ERROR
                 : sqlite3_open_v2(path, &s->db,
                                   SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
                                       SQLITE_OPEN_NOMUTEX,
                                   WALBUF_VFS);
    if (rc != SQLITE_OK) {
        snprintf(err, STORE_ERR_MAX, "cannot open %.180s: %s", path,
                 sqlite3_errstr(rc));
        store_close(s);
        return NULL;
    }
    sqlite3_extended_result_codes(s->db, 1);
    sqlite3_busy_timeout(s->db, 5000);
    /* Durable across power loss; deleted content zeroed; no temp files outside;
     * 8 MiB of cache (SQLite's default is 2), which keeps more of the random
     * client_ref index in memory and fills within the first minute of load. */
    static const char pragmas[] = "PRAGMA journal_mode=WAL;"
                                  "PRAGMA synchronous=FULL;"
                                  "PRAGMA secure_delete=ON;"
                                  "PRAGMA temp_store=MEMORY;"
                                  "PRAGMA cell_size_check=ON;"
                                  "PRAGMA cache_size=-8192;";
    if (exec(s, pragmas) < 0 || check_integrity(s, err) < 0 || exec(s, schema) < 0 ||
        load_secret(s) < 0) {
        if (err[0] == '\0' || s->last_error != 0)
            snprintf(err, STORE_ERR_MAX, "cannot use %.180s: %s", path,
                     sqlite3_errstr(s->last_error));
        store_close(s);
        return NULL;
    }
    /* Our hook replaces SQLite's automatic checkpoints (which run inside the
     * commit): see checkpointer.h. */
    sqlite3_wal_hook(s->db, on_wal_commit, s);
    for (int i = 0; i < S_COUNT_STMTS; i++) {
        rc = sqlite3_prepare_v3(s->db, stmt_sql[i], -1, SQLITE_PREPARE_PERSISTENT,
                                &s->stmt[i], NULL);
        if (rc != SQLITE_OK) {
            snprintf(err, STORE_ERR_MAX, "cannot prepare statements in %.100s: %s",
                     path, sqlite3_errmsg(s->db));
            store_close(s);
            return NULL;
        }
    }
    sqlite3_stmt *st = s->stmt[S_COUNT_UNCOUNTED];
    rc = sqlite3_step(st);
    s->uncounted = sqlite3_column_int64(st, 0);
    s->accepted_exact = s->uncounted == 0; /* else sends of an earlier run wait */
    sqlite3_reset(st);
    if (rc != SQLITE_ROW) {
        snprintf(err, STORE_ERR_MAX, "cannot read %.180s: %s", path,
                 sqlite3_errstr(rc));
        store_close(s);
        return NULL;
    }
    return s;
}

int store_wal_frames(const struct store *s)
{
    return s->wal_frames;
}

const char *store_data_dir(const struct store *s)
{
    return s->data_dir;
}

int store_checkpoint_restart(struct store *s)
{
    int rc =
        sqlite3_wal_checkpoint_v2(s->db, NULL, SQLITE_CHECKPOINT_RESTART, NULL, NULL);
    if (rc == SQLITE_OK)
        s->wal_frames = 0; /* all copied: the next commit starts the WAL again */
    return rc == SQLITE_OK || rc == SQLITE_BUSY ? 0 : failed(s, rc);
}

int store_checkpoint(struct store *s)
{
    int rc =
        sqlite3_wal_checkpoint_v2(s->db, NULL, SQLITE_CHECKPOINT_TRUNCATE, NULL, NULL);
    if (rc == SQLITE_OK)
        s->wal_frames = 0;
    /* Busy: the checkpointer thread holds the lock; the next minute retries.
     * At shutdown the checkpointer has stopped before the store closes. */
    return rc == SQLITE_OK || rc == SQLITE_BUSY ? 0 : failed(s, rc);
}

void store_close(struct store *s)
{
    if (s == NULL)
        return;
    for (int i = 0; i < S_COUNT_STMTS; i++)
        sqlite3_finalize(s->stmt[i]);
    if (s->db != NULL) {
        store_checkpoint(s);
        sqlite3_close(s->db);
    }
    OPENSSL_cleanse(s->secret, sizeof(s->secret));
    free(s->data_dir);
    tally_free(s->op_counts);
    tally_free(s->batch_counts);
    tally_free(s->accepted);
    tally_free(s->batch_accepted);
    free(s);
}

struct digester *store_digester_new(const struct store *s)
{
    return digester_new(s->secret, SECRET_LEN);
}

int store_begin(struct store *s)
{
    s->room_checked = false;
    return run(s, S_BEGIN);
}

static int write_count(void *arg, const struct count_key *k, long n)
{
    struct store *s = arg;
    sqlite3_stmt *st = prepared(s, S_COUNT);
    const char *fields[] = {k->month,     k->event,          k->sender, k->sender_type,
                            k->recipient, k->recipient_type, k->signal, k->urgency,
                            k->attr,      k->value};
    for (int i = 0; i < 10; i++)
        bind_text(st, i + 1, fields[i]);
    sqlite3_bind_int64(st, 11, n);
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? 0 : failed(s, rc);
}

int store_commit(struct store *s)
{
    int rc = tally_each(s->batch_counts, write_count, s);
    tally_clear(s->batch_counts);
    if (rc != 0 || run(s, S_COMMIT) < 0)
        return -1; /* the caller rolls back: counts and events go together */
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
    return 0;
}

/* A rollback may undo a counting of sends: some may wait again, and the
 * tally of those waiting is no longer known to be exact. */
static void may_be_uncounted(struct store *s)
{
    if (s->uncounted == 0)
        s->uncounted = 1;
    s->accepted_exact = s->exact_after_commit = false;
    s->counted_in_op = false;
}

void store_rollback(struct store *s)
{
    tally_clear(s->op_counts);
    tally_clear(s->batch_counts);
    may_be_uncounted(s);
    s->counted_in_tx = false;
    s->in_savepoint = false;
    if (!sqlite3_get_autocommit(s->db))
        run(s, S_ROLLBACK);
}

int store_savepoint(struct store *s)
{
    tally_clear(s->op_counts);
    s->in_savepoint = true;
    s->counted_in_op = false;
    return run(s, S_SAVEPOINT);
}

int store_release(struct store *s)
{
    s->in_savepoint = false;
    if (tally_merge(s->batch_counts, s->op_counts) < 0) {
        tally_clear(s->op_counts);
        return failed(s, SQLITE_NOMEM);
    }
    s->counted_in_tx = s->counted_in_tx || s->counted_in_op;
    s->counted_in_op = false;
    return run(s, S_RELEASE);
}

void store_rollback_to(struct store *s)
{
    tally_clear(s->op_counts);
    may_be_uncounted(s);
    s->in_savepoint = false;
    run(s, S_ROLLBACK_TO);
    run(s, S_RELEASE);
}

/* Where counts go: the op's (inside a savepoint, undone with it) or the batch's. */
static struct tally *current_tally(struct store *s)
{
    return s->in_savepoint ? s->op_counts : s->batch_counts;
}

/* One event into tally t: the key without subject, then one key per attribute. */
static int count_into(struct store *s, struct tally *t, time_t now, const char *event,
                      const char *sender, const char *sender_type,
                      const char *recipient, const char *recipient_type,
                      const char *signal, const char *urgency,
                      const char subject[RG_SUBJECT_ATTRS][RG_VALUE_MAX])
{
    struct count_key k;
    memset(&k, 0, sizeof(k)); /* the tally hashes the whole struct */
    rg_month_format(now, k.month);
    copy_str(k.event, sizeof(k.event), event);
    copy_str(k.sender, sizeof(k.sender), sender);
    copy_str(k.sender_type, sizeof(k.sender_type), sender_type);
    copy_str(k.recipient, sizeof(k.recipient), recipient);
    copy_str(k.recipient_type, sizeof(k.recipient_type), recipient_type);
    copy_str(k.signal, sizeof(k.signal), signal);
    copy_str(k.urgency, sizeof(k.urgency), urgency);
    return tally_add_event(t, &k, subject, 1) < 0 ? failed(s, SQLITE_NOMEM) : 0;
}

/* One event into the counters written with this op or transaction. */
static int count_event(struct store *s, time_t now, const char *event,
                       const char *sender, const char *sender_type,
                       const char *recipient, const char *recipient_type,
                       const char *signal, const char *urgency,
                       const char subject[RG_SUBJECT_ATTRS][RG_VALUE_MAX])
{
    return count_into(s, current_tally(s), now, event, sender, sender_type, recipient,
                      recipient_type, signal, urgency, subject);
}

/*
 * New referrals are refused while the filesystem is nearly full, so that the
 * space left serves deliveries and acknowledgements, which free space: SQLite
 * needs to write (WAL frames) even to delete. The reserve is 5% of the
 * filesystem, at least 1 MiB and at most 256 MiB.
 */
static bool free_space_above_reserve(const struct store *s)
{
    struct statvfs v;
    if (s->data_dir == NULL || statvfs(s->data_dir, &v) < 0)
        return true; /* cannot tell: let SQLite find out */
    double total = (double)v.f_blocks * v.f_frsize;
    double free_bytes = (double)v.f_bavail * v.f_frsize;
    double reserve = total * 0.05;
    if (reserve < 1024.0 * 1024)
        reserve = 1024.0 * 1024;
    if (reserve > 256.0 * 1024 * 1024)
        reserve = 256.0 * 1024 * 1024;
    return free_bytes >= reserve;
}

/* The filesystem is asked once per transaction, and again after every MiB of
 * bodies: until SQLite spills or commits, the puts of a transaction do not
 * change what it would answer. */
#define ROOM_RECHECK_BYTES (1024 * 1024)

static bool has_room(struct store *s, size_t body_len)
{
    if (!s->room_checked || s->bytes_since_room_check >= ROOM_RECHECK_BYTES) {
        s->room = free_space_above_reserve(s);
        s->room_checked = true;
        s->bytes_since_room_check = 0;
    }
    s->bytes_since_room_check += body_len;
    return s->room;
}

/* Whether the sender already used this client_ref (key): then *outcome says
 * whether with the same content (digest), and id and *state are the earlier
 * referral's. */
static int find_ref(struct store *s, const unsigned char key[DIGEST_LEN],
                    const unsigned char digest[DIGEST_LEN], char id[RG_ID_LEN + 1],
                    enum put_outcome *outcome, enum referral_state *state, bool *found)
{
    sqlite3_stmt *st = prepared(s, S_FIND_REF);
    sqlite3_bind_blob(st, 1, key, DIGEST_LEN, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    *found = rc == SQLITE_ROW;
    if (rc == SQLITE_ROW) {
        column_copy(st, 0, id, RG_ID_LEN + 1);
        bool same = sqlite3_column_bytes(st, 1) == DIGEST_LEN &&
                    CRYPTO_memcmp(sqlite3_column_blob(st, 1), digest, DIGEST_LEN) == 0;
        *state = (enum referral_state)sqlite3_column_int(st, 2);
        *outcome = same ? PUT_DUPLICATE : PUT_CONFLICT;
    }
    sqlite3_reset(st);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : failed(s, rc);
}

int store_put(struct store *s, const struct rg_referral *r, const struct parties *p,
              const struct put_digests *d, time_t now, char id[RG_ID_LEN + 1],
              enum put_outcome *outcome, enum referral_state *state)
{
    const unsigned char *key = d->ref_key, *digest = d->content;
    bool has_ref = r->client_ref[0] != '\0', found = false;
    if (!has_room(s, r->body_len)) {
        /* A repeated send is still answered: it stores nothing. */
        if (has_ref && find_ref(s, key, digest, id, outcome, state, &found) < 0)
            return -1;
        return found ? 0 : failed(s, SQLITE_FULL);
    }
    if (rg_id_new(id) < 0)
        return failed(s, SQLITE_ERROR);

    sqlite3_stmt *st = prepared(s, S_INSERT_REFERRAL);
    bind_text(st, 1, id);
    bind_text(st, 2, p->sender);
    bind_text(st, 3, p->sender_type);
    bind_text(st, 4, p->recipient);
    bind_text(st, 5, p->recipient_type);
    bind_text(st, 6, r->signal);
    bind_text(st, 7, r->urgency);
    sqlite3_bind_int64(st, 8, (sqlite3_int64)now);
    if (has_ref)
        sqlite3_bind_blob(st, 9, key, DIGEST_LEN, SQLITE_STATIC);
    sqlite3_bind_blob(st, 10, digest, DIGEST_LEN, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    /* A client_ref used before fails its UNIQUE index, which is then asked
     * for the earlier referral: one seek of that index per send, not two. */
    if ((rc & 0xff) == SQLITE_CONSTRAINT && has_ref) {
        if (find_ref(s, key, digest, id, outcome, state, &found) < 0)
            return -1;
        if (found)
            return 0;
    }
    if (rc != SQLITE_DONE)
        return failed(s, rc);
    sqlite3_int64 seq = sqlite3_last_insert_rowid(s->db);

    st = prepared(s, S_INSERT_CONTENT);
    sqlite3_bind_int64(st, 1, seq);
    for (int i = 0; i < RG_SUBJECT_ATTRS; i++)
        bind_text(st, 2 + i, r->subject[i]);
    sqlite3_bind_blob(st, 10, r->body, (int)r->body_len, SQLITE_STATIC);
    rc = sqlite3_step(st);
    sqlite3_clear_bindings(st);
    sqlite3_reset(st);
    if (rc != SQLITE_DONE)
        return failed(s, rc);

    /* Counted as accepted later (store_count_accepted), from this tally. */
    if (count_into(s, s->batch_accepted, now, "accepted", p->sender, p->sender_type,
                   p->recipient, p->recipient_type, r->signal, r->urgency,
                   r->subject) < 0)
        return -1;
    s->uncounted++;
    s->last_put_seq = seq;
    *outcome = PUT_CREATED;
    return 0;
}

static int read_item(sqlite3_stmt *st, struct inbox_item *it)
{
    column_copy(st, 1, it->id, sizeof(it->id));
    column_copy(st, 2, it->from, sizeof(it->from));
    column_copy(st, 3, it->from_type, sizeof(it->from_type));
    it->created_at = (time_t)sqlite3_column_int64(st, 4);
    column_copy(st, 5, it->signal, sizeof(it->signal));
    column_copy(st, 6, it->urgency, sizeof(it->urgency));
    it->deliveries = sqlite3_column_int(st, 7) + 1;
    for (int i = 0; i < RG_SUBJECT_ATTRS; i++)
        column_copy(st, 8 + i, it->subject[i], sizeof(it->subject[i]));
    int len = sqlite3_column_bytes(st, 16);
    const void *body = sqlite3_column_blob(st, 16);
    it->body = malloc((size_t)len + 1);
    if (it->body == NULL)
        return -1;
    if (len > 0)
        memcpy(it->body, body, (size_t)len);
    it->body[len] = '\0';
    it->body_len = (size_t)len;
    return 0;
}

int store_inbox(struct store *s, const char *recipient, int limit, size_t max_bytes,
                time_t now, struct inbox_item **items, size_t *count)
{
    *items = calloc((size_t)limit, sizeof(**items));
    *count = 0;
    if (*items == NULL)
        return failed(s, SQLITE_NOMEM);
    long long *seqs = calloc((size_t)limit, sizeof(*seqs));
    if (seqs == NULL)
        return failed(s, SQLITE_NOMEM);

    sqlite3_stmt *st = prepared(s, S_SELECT_PENDING);
    bind_text(st, 1, recipient);
    sqlite3_bind_int(st, 2, limit);
    size_t bytes = 0;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        size_t len = (size_t)sqlite3_column_bytes(st, 16);
        if (*count > 0 && bytes + len > max_bytes)
            break;
        seqs[*count] = sqlite3_column_int64(st, 0);
        if (read_item(st, &(*items)[*count]) < 0) {
            rc = SQLITE_NOMEM;
            break;
        }
        bytes += len;
        (*count)++;
    }
    sqlite3_reset(st);
    if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
        free(seqs);
        return failed(s, rc);
    }
    for (size_t i = 0; i < *count; i++) {
        st = prepared(s, S_MARK_DELIVERED);
        sqlite3_bind_int64(st, 1, seqs[i]);
        sqlite3_bind_int64(st, 2, (sqlite3_int64)now);
        rc = sqlite3_step(st);
        sqlite3_reset(st);
        if (rc != SQLITE_DONE) {
            free(seqs);
            return failed(s, rc);
        }
    }
    free(seqs);
    return 0;
}

void store_items_free(struct inbox_item *items, size_t count)
{
    if (items == NULL)
        return;
    for (size_t i = 0; i < count; i++) {
        if (items[i].body != NULL) {
            OPENSSL_cleanse(items[i].body, items[i].body_len);
            free(items[i].body);
        }
    }
    OPENSSL_cleanse(items, count * sizeof(*items));
    free(items);
}

/* Columns 0 and 2-15 of S_SELECT_FOR_END and S_SELECT_UNCOUNTED (column 1
 * differs: the state or the creation time). */
static void read_ending(sqlite3_stmt *st, struct ending *e)
{
    e->seq = sqlite3_column_int64(st, 0);
    column_copy(st, 2, e->sender, sizeof(e->sender));
    column_copy(st, 3, e->sender_type, sizeof(e->sender_type));
    column_copy(st, 4, e->recipient, sizeof(e->recipient));
    column_copy(st, 5, e->recipient_type, sizeof(e->recipient_type));
    column_copy(st, 6, e->signal, sizeof(e->signal));
    column_copy(st, 7, e->urgency, sizeof(e->urgency));
    for (int i = 0; i < RG_SUBJECT_ATTRS; i++)
        column_copy(st, 8 + i, e->subject[i], sizeof(e->subject[i]));
}

/* Reads what counting the end of a referral needs; found=false if not recipient's. */
static int load_ending(struct store *s, const char *id, const char *recipient,
                       struct ending *e, bool *found)
{
    sqlite3_stmt *st = prepared(s, S_SELECT_FOR_END);
    bind_text(st, 1, id);
    bind_text(st, 2, recipient);
    int rc = sqlite3_step(st);
    *found = rc == SQLITE_ROW;
    if (rc == SQLITE_ROW) {
        read_ending(st, e);
        e->state = sqlite3_column_int(st, 1);
    }
    sqlite3_reset(st);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : failed(s, rc);
}

static int add_to_tally(void *arg, const struct count_key *k, long n)
{
    return tally_add(arg, k, n);
}

/* The waiting sends from their tally: 0 or -1; *last is the last one's seq.
 * The committed ones leave the tally only at commit: a counting earlier in
 * this transaction already took them. */
static int count_from_tally(struct store *s, sqlite3_int64 *last)
{
    struct tally *t = current_tally(s);
    bool committed_counted = s->counted_in_tx || s->counted_in_op;
    if ((!committed_counted && tally_each(s->accepted, add_to_tally, t) != 0) ||
        tally_each(s->batch_accepted, add_to_tally, t) != 0)
        return failed(s, SQLITE_NOMEM);
    *last = s->last_put_seq;
    return 0;
}

/* The waiting sends read back from the table, past the mark. */
static int count_from_table(struct store *s, sqlite3_int64 *last)
{
    sqlite3_stmt *st = prepared(s, S_SELECT_UNCOUNTED);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        struct ending e;
        read_ending(st, &e);
        time_t created = (time_t)sqlite3_column_int64(st, 1);
        if (count_event(s, created, "accepted", e.sender, e.sender_type, e.recipient,
                        e.recipient_type, e.signal, e.urgency, e.subject) < 0) {
            sqlite3_reset(st);
            return -1;
        }
        *last = e.seq;
    }
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? 0 : failed(s, rc);
}

int store_count_accepted(struct store *s)
{
    if (s->uncounted == 0)
        return 0;
    sqlite3_int64 last = 0;
    bool exact = s->accepted_exact;
    if ((exact ? count_from_tally(s, &last) : count_from_table(s, &last)) < 0)
        return -1;
    if (last > 0) {
        sqlite3_stmt *st = prepared(s, S_SET_COUNTED);
        sqlite3_bind_int64(st, 1, last);
        int rc = sqlite3_step(st);
        sqlite3_reset(st);
        if (rc != SQLITE_DONE)
            return failed(s, rc);
    }
    /* This transaction's sends so far are counted now; the committed ones
     * leave the tally when this commits (store_commit). */
    tally_clear(s->batch_accepted);
    if (s->in_savepoint)
        s->counted_in_op = true;
    else
        s->counted_in_tx = true;
    s->exact_after_commit = s->exact_after_commit || !exact;
    s->uncounted = 0;
    return 0;
}

long store_uncounted(const struct store *s)
{
    return s->uncounted;
}

int store_counts_settle(struct store *s)
{
    if (store_count_accepted(s) < 0)
        return -1;
    struct tally *t = current_tally(s);
    int rc = tally_each(t, write_count, s);
    tally_clear(t);
    return rc == 0 ? 0 : -1;
}

/* Erases the content of a pending referral, moves it to its end state and counts. */
static int end_referral(struct store *s, const struct ending *e, enum stmt_id mark,
                        const char *event, time_t now)
{
    /* Counting a send as accepted needs the subject this erases. */
    if (store_count_accepted(s) < 0)
        return -1;
    sqlite3_stmt *st = prepared(s, S_DELETE_CONTENT);
    sqlite3_bind_int64(st, 1, e->seq);
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    if (rc != SQLITE_DONE)
        return failed(s, rc);
    st = prepared(s, mark);
    sqlite3_bind_int64(st, 1, e->seq);
    sqlite3_bind_int64(st, 2, (sqlite3_int64)now);
    rc = sqlite3_step(st);
    sqlite3_reset(st);
    if (rc != SQLITE_DONE)
        return failed(s, rc);
    return count_event(s, now, event, e->sender, e->sender_type, e->recipient,
                       e->recipient_type, e->signal, e->urgency, e->subject);
}

int store_ack(struct store *s, const char *recipient, const char *id, time_t now,
              bool *found)
{
    struct ending e;
    if (load_ending(s, id, recipient, &e, found) < 0)
        return -1;
    /* An expired referral's content is gone; acknowledging it changes nothing. */
    if (!*found || e.state >= STATE_ACKNOWLEDGED) {
        *found = *found && e.state == STATE_ACKNOWLEDGED;
        return 0;
    }
    return end_referral(s, &e, S_MARK_ACKED, "acknowledged", now);
}

const char *referral_state_name(enum referral_state st)
{
    static const char *const names[] = {"queued", "delivered", "acknowledged",
                                        "expired"};
    return (unsigned)st < 4 ? names[st] : "queued";
}

int store_status(struct store *s, const char *sender, const char *id,
                 struct referral_status *out, bool *found)
{
    sqlite3_stmt *st = prepared(s, S_STATUS);
    bind_text(st, 1, id);
    bind_text(st, 2, sender);
    int rc = sqlite3_step(st);
    *found = rc == SQLITE_ROW;
    if (rc == SQLITE_ROW) {
        column_copy(st, 0, out->to, sizeof(out->to));
        out->state = (enum referral_state)sqlite3_column_int(st, 1);
        out->created_at = (time_t)sqlite3_column_int64(st, 2);
        out->delivered_at = (time_t)sqlite3_column_int64(st, 3);
        out->acknowledged_at = (time_t)sqlite3_column_int64(st, 4);
    }
    sqlite3_reset(st);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : failed(s, rc);
}

int store_expire(struct store *s, time_t cutoff, time_t now, int max, int *expired)
{
    *expired = 0;
    struct {
        char id[RG_ID_LEN + 1];
        char recipient[RG_ORG_ID_MAX + 1];
    } *due = calloc((size_t)max, sizeof(*due));
    if (due == NULL)
        return failed(s, SQLITE_NOMEM);
    sqlite3_stmt *st = prepared(s, S_SELECT_EXPIRED);
    sqlite3_bind_int64(st, 1, (sqlite3_int64)cutoff);
    sqlite3_bind_int(st, 2, max);
    int n = 0, rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW && n < max) {
        column_copy(st, 0, due[n].id, sizeof(due[n].id));
        column_copy(st, 1, due[n].recipient, sizeof(due[n].recipient));
        n++;
    }
    sqlite3_reset(st);
    if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
        free(due);
        return failed(s, rc);
    }
    for (int i = 0; i < n; i++) {
        struct ending e;
        bool found;
        if (load_ending(s, due[i].id, due[i].recipient, &e, &found) < 0 ||
            (found && end_referral(s, &e, S_MARK_EXPIRED, "expired", now) < 0)) {
            free(due);
            return -1;
        }
        *expired += found;
    }
    free(due);
    return 0;
}

int store_add_rejections(struct store *s, time_t now,
                         const unsigned counts[RG_CODE_COUNT])
{
    char month[RG_MONTH_LEN];
    rg_month_format(now, month);
    for (int code = 0; code < RG_CODE_COUNT; code++) {
        if (counts[code] == 0)
            continue;
        sqlite3_stmt *st = prepared(s, S_REJECTION);
        bind_text(st, 1, month);
        bind_text(st, 2, rg_code_name((enum rg_code)code));
        sqlite3_bind_int64(st, 3, counts[code]);
        int rc = sqlite3_step(st);
        sqlite3_reset(st);
        if (rc != SQLITE_DONE)
            return failed(s, rc);
    }
    return 0;
}

int store_ping(struct store *s)
{
    sqlite3_stmt *st = prepared(s, S_PING);
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    return rc == SQLITE_ROW ? 0 : failed(s, rc);
}
