#include "db.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <openssl/crypto.h>
#include <sqlite3.h>

#include "check.h"
#include "db_internal.h"
#include "log.h"
#include "walbuf.h"

int db_failed(struct db *s, int rc)
{
    s->last_error = rc;
    s->refused = false;
    return -1;
}

int db_refuse(struct db *s)
{
    s->refused = true;
    return -1;
}

const char *db_error_class(const struct db *s)
{
    if (s->refused)
        return NULL; /* the store works; the writer reports the reserve */
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

static int load_secret(struct db *s)
{
    sqlite3_stmt *st;
    int rc = sqlite3_prepare_v2(s->db, "SELECT value FROM meta WHERE key = 'secret'",
                                -1, &st, NULL);
    if (rc != SQLITE_OK)
        return db_failed(s, rc);
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW && sqlite3_column_bytes(st, 0) == SECRET_LEN) {
        memcpy(s->secret, sqlite3_column_blob(st, 0), SECRET_LEN);
        sqlite3_finalize(st);
        return 0;
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE)
        return db_failed(s, rc);
    /* First start: a fresh key for hashing client_refs and content. */
    if (rg_random_bytes(s->secret, SECRET_LEN) < 0)
        return db_failed(s, SQLITE_ERROR);
    rc = sqlite3_prepare_v2(s->db, "INSERT INTO meta(key, value) VALUES('secret', ?1)",
                            -1, &st, NULL);
    if (rc != SQLITE_OK)
        return db_failed(s, rc);
    sqlite3_bind_blob(st, 1, s->secret, SECRET_LEN, SQLITE_STATIC);
    rc = sqlite3_step(st);
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? 0 : db_failed(s, rc);
}

static long long page_size(struct db *s)
{
    sqlite3_stmt *st;
    long long size = 4096;
    if (sqlite3_prepare_v2(s->db, "PRAGMA page_size", -1, &st, NULL) == SQLITE_OK) {
        if (sqlite3_step(st) == SQLITE_ROW)
            size = sqlite3_column_int64(st, 0);
        sqlite3_finalize(st);
    }
    return size;
}

static int on_wal_commit(void *arg, sqlite3 *db, const char *name, int frames)
{
    struct db *s = arg;
    __atomic_store_n(&s->wal_frames, frames, __ATOMIC_RELAXED);
    return SQLITE_OK;
}

static void db_path(const char *data_dir, char path[4096])
{
    snprintf(path, 4096, "%s/refgw.db", data_dir);
}

/* The writer's connection to path with its settings, creating the file if
 * create. SQLITE_OK, or an error code with *out closed (NULL). */
static int connect(const char *path, bool create, sqlite3 **out)
{
    int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX;
    if (create)
        flags |= SQLITE_OPEN_CREATE;
    int rc = walbuf_register() < 0 ? SQLITE_ERROR
                                   : sqlite3_open_v2(path, out, flags, WALBUF_VFS);
    if (rc != SQLITE_OK) {
        sqlite3_close(*out);
        *out = NULL;
        return rc;
    }
    sqlite3_extended_result_codes(*out, 1);
    sqlite3_busy_timeout(*out, DB_BUSY_MS);
    /* Durable across power loss; deleted content zeroed; no temp files outside;
     * 8 MiB of cache (SQLite's default is 2), which keeps more of the random
     * client_ref index in memory and fills within the first minute of load. */
    static const char pragmas[] = "PRAGMA journal_mode=WAL;"
                                  "PRAGMA synchronous=FULL;"
                                  "PRAGMA secure_delete=ON;"
                                  "PRAGMA temp_store=MEMORY;"
                                  "PRAGMA cell_size_check=ON;"
                                  "PRAGMA cache_size=-8192;";
    rc = sqlite3_exec(*out, pragmas, NULL, NULL, NULL);
    if (rc != SQLITE_OK) {
        sqlite3_close(*out);
        *out = NULL;
    }
    return rc;
}

/* Every statement of db_stmt_sql on db, and s's WAL hook. SQLITE_OK, or an
 * error code with none left prepared. */
static int prepare_all(struct db *s, sqlite3 *db, sqlite3_stmt *stmt[S_COUNT_STMTS])
{
    for (int i = 0; i < S_COUNT_STMTS; i++) {
        int rc = sqlite3_prepare_v3(db, db_stmt_sql[i], -1, SQLITE_PREPARE_PERSISTENT,
                                    &stmt[i], NULL);
        if (rc != SQLITE_OK) {
            for (int j = 0; j < i; j++)
                sqlite3_finalize(stmt[j]);
            return rc;
        }
    }
    /* Our hook replaces SQLite's automatic checkpoints (which run inside the
     * commit): see checkpointer.h. */
    sqlite3_wal_hook(db, on_wal_commit, s);
    return SQLITE_OK;
}

struct db *db_open(const char *data_dir, char err[RG_ERR_MAX])
{
    err[0] = '\0';
    if (mkdir(data_dir, 0700) < 0 && errno != EEXIST) {
        snprintf(err, RG_ERR_MAX, "cannot create data_dir %.180s: %s", data_dir,
                 strerror(errno));
        return NULL;
    }
    struct db *s = calloc(1, sizeof(*s));
    if (s == NULL) {
        snprintf(err, RG_ERR_MAX, "out of memory");
        return NULL;
    }
    s->data_dir = strdup(data_dir);
    s->op_counts = tally_new();
    s->batch_counts = tally_new();
    s->accepted = tally_new();
    s->batch_accepted = tally_new();
    if (s->data_dir == NULL || s->op_counts == NULL || s->batch_counts == NULL ||
        s->accepted == NULL || s->batch_accepted == NULL) {
        snprintf(err, RG_ERR_MAX, "out of memory");
        db_close(s);
        return NULL;
    }
    char path[4096];
    db_path(data_dir, path);
    /* The WAL's writes are gathered into few large calls (walbuf.h; it relies
     * on synchronous=FULL, set by connect). */
    if (check_file(path, err) < 0) {
        db_close(s);
        return NULL;
    }
    int rc = connect(path, true, &s->db);
    if (rc != SQLITE_OK) {
        snprintf(err, RG_ERR_MAX, "cannot open %.180s: %s", path, sqlite3_errstr(rc));
        db_close(s);
        return NULL;
    }
    bool migrated = false;
    /* The structure only: the full check runs after start (check.h). */
    if (check_structure(s->db, path, err) < 0 || db_migrate(s, err, &migrated) < 0 ||
        load_secret(s) < 0 || db_ids_open(s) < 0 ||
        (migrated && db_checkpoint(s) < 0)) {
        if (err[0] == '\0' || s->last_error != 0)
            snprintf(err, RG_ERR_MAX, "cannot use %.180s: %s", path,
                     sqlite3_errstr(s->last_error));
        db_close(s);
        return NULL;
    }
    if (prepare_all(s, s->db, s->stmt) != SQLITE_OK) {
        snprintf(err, RG_ERR_MAX, "cannot prepare statements in %.100s: %s", path,
                 sqlite3_errmsg(s->db));
        db_close(s);
        return NULL;
    }
    s->page_size = page_size(s);
    s->room = room_open(data_dir, (long)s->page_size, err);
    if (s->room == NULL) {
        db_close(s);
        return NULL;
    }
    if (db_refs_open(s) < 0) {
        snprintf(err, RG_ERR_MAX, "cannot read %.180s: %s", path,
                 sqlite3_errstr(s->last_error));
        db_close(s);
        return NULL;
    }
    sqlite3_stmt *st = s->stmt[S_COUNT_UNCOUNTED];
    rc = sqlite3_step(st);
    s->uncounted = sqlite3_column_int64(st, 0);
    s->accepted_exact = s->uncounted == 0; /* else sends of an earlier run wait */
    sqlite3_reset(st);
    if (rc != SQLITE_ROW) {
        snprintf(err, RG_ERR_MAX, "cannot read %.180s: %s", path, sqlite3_errstr(rc));
        db_close(s);
        return NULL;
    }
    return s;
}

bool db_erased_since_refresh(const struct db *s)
{
    return s->erased;
}

int db_refresh(struct db *s)
{
    char path[4096];
    db_path(s->data_dir, path);
    sqlite3 *fresh = NULL;
    sqlite3_stmt *stmt[S_COUNT_STMTS];
    int rc = connect(path, false, &fresh); /* the store, not a new one */
    if (rc == SQLITE_OK && (rc = prepare_all(s, fresh, stmt)) != SQLITE_OK) {
        sqlite3_close(fresh);
        fresh = NULL;
    }
    if (rc != SQLITE_OK)
        return -1; /* the old connection serves on; no op failed */
    /* The new connection is open, so the old one is not the last: its close
     * neither checkpoints nor deletes the WAL, and is told not to try. */
    sqlite3_db_config(s->db, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, NULL);
    for (int i = 0; i < S_COUNT_STMTS; i++)
        sqlite3_finalize(s->stmt[i]);
    sqlite3_close_v2(s->db); /* every buffer it kept is freed, so wiped */
    s->db = fresh;
    memcpy(s->stmt, stmt, sizeof(stmt));
    /* The new connection's WAL file counts its starts from 0 (walbuf.h): the
     * next db_checkpoint copies and zeroes all of it, as after an open. */
    s->wal_starts_seen = 0;
    s->erased = false;
    return 0;
}

int db_wal_frames(const struct db *s)
{
    return __atomic_load_n(&s->wal_frames, __ATOMIC_RELAXED);
}

const char *db_data_dir(const struct db *s)
{
    return s->data_dir;
}

/* A checkpoint that starts the WAL again must wait for readers of the old
 * one (a backup, an integrity check) to end. The writer waits for them only
 * this long: the next batch, or the next minute, tries again. */
#define CHECKPOINT_BUSY_MS 10

static int checkpoint(struct db *s, int mode, int busy_ms)
{
    sqlite3_busy_timeout(s->db, busy_ms);
    int rc = sqlite3_wal_checkpoint_v2(s->db, NULL, mode, NULL, NULL);
    sqlite3_busy_timeout(s->db, DB_BUSY_MS);
    if (rc == SQLITE_OK)
        /* All copied: the next commit starts the WAL again. */
        __atomic_store_n(&s->wal_frames, 0, __ATOMIC_RELAXED);
    /* Busy: the checkpointer thread holds the lock, or a reader the WAL. */
    return rc == SQLITE_OK || (rc & 0xff) == SQLITE_BUSY ? 0 : db_failed(s, rc);
}

int db_checkpoint_restart(struct db *s)
{
    return checkpoint(s, SQLITE_CHECKPOINT_RESTART, CHECKPOINT_BUSY_MS);
}

int db_checkpoint(struct db *s)
{
    long long starts = walbuf_wal_starts(s->db);
    if (starts < 0) /* no WAL of walbuf's open: nothing to zero it through */
        return checkpoint(s, SQLITE_CHECKPOINT_TRUNCATE, CHECKPOINT_BUSY_MS);
    bool whole = starts == s->wal_starts_seen;
    s->wal_starts_seen = starts;
    /* No new start since the last call: copy the rest now, so that the WAL
     * starts again and all of it may go. */
    if (whole) {
        sqlite3_busy_timeout(s->db, CHECKPOINT_BUSY_MS);
        int rc = sqlite3_wal_checkpoint_v2(s->db, NULL, SQLITE_CHECKPOINT_RESTART, NULL,
                                           NULL);
        sqlite3_busy_timeout(s->db, DB_BUSY_MS);
        if ((rc & 0xff) == SQLITE_BUSY)
            return 0; /* tried again at the next call */
        if (rc != SQLITE_OK)
            return db_failed(s, rc);
        __atomic_store_n(&s->wal_frames, 0, __ATOMIC_RELAXED);
    }
    if (walbuf_wal_erase(s->db, whole) == 0)
        return 0;
    /* A full disk may refuse even ZERO_RANGE: truncating needs no room. */
    log_line("store: cannot zero the WAL's old frames (%s): truncating it",
             strerror(errno));
    return checkpoint(s, SQLITE_CHECKPOINT_TRUNCATE, CHECKPOINT_BUSY_MS);
}

void db_close(struct db *s)
{
    if (s == NULL)
        return;
    for (int i = 0; i < S_COUNT_STMTS; i++)
        sqlite3_finalize(s->stmt[i]);
    if (s->db != NULL) {
        /* The last checkpoint erases old page images: it waits for readers.
         * The checkpointer and the background check have stopped by now. */
        checkpoint(s, SQLITE_CHECKPOINT_TRUNCATE, DB_BUSY_MS);
        sqlite3_close(s->db);
    }
    OPENSSL_cleanse(s->secret, sizeof(s->secret));
    rg_idperm_free(s->ids);
    db_refs_close(s);
    room_close(s->room);
    free(s->data_dir);
    tally_free(s->op_counts);
    tally_free(s->batch_counts);
    tally_free(s->accepted);
    tally_free(s->batch_accepted);
    free(s);
}

struct digester *db_digester_new(const struct db *s)
{
    return digester_new(s->secret, SECRET_LEN);
}

int db_begin(struct db *s)
{
    room_begin(s->room);
    room_charge(s->room, room_cost_tx(s->room));
    return db_run(s, S_BEGIN);
}

int db_commit(struct db *s)
{
    db_refs_merge(s);
    db_refs_filter_step(s);
    if (db_counts_write(s) < 0)
        return -1; /* the caller rolls back: counts and events go together */
    db_space_note(s);
    if (db_run(s, S_COMMIT) < 0) {
        s->pages_known = false;
        return -1;
    }
    db_counts_committed(s);
    db_refs_committed(s);
    return 0;
}

void db_rollback(struct db *s)
{
    s->pages_known = false;
    db_counts_rolled_back(s);
    db_refs_rolled_back(s);
    if (!sqlite3_get_autocommit(s->db))
        db_run(s, S_ROLLBACK);
}

int db_savepoint(struct db *s)
{
    s->refused = false;
    s->room_at_op = room_charged(s->room);
    db_counts_op_begin(s);
    db_refs_op_begin(s);
    return db_run(s, S_SAVEPOINT);
}

int db_release(struct db *s)
{
    if (db_counts_op_release(s) < 0)
        return -1;
    return db_run(s, S_RELEASE);
}

void db_rollback_to(struct db *s)
{
    db_counts_op_undo(s);
    db_refs_op_undo(s);
    room_uncharge_to(s->room, s->room_at_op);
    db_run(s, S_ROLLBACK_TO);
    db_run(s, S_RELEASE);
}

int db_ping(struct db *s)
{
    sqlite3_stmt *st = db_prepared(s, S_PING);
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    return rc == SQLITE_ROW ? 0 : db_failed(s, rc);
}
