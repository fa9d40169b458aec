/*
 * test_walbuf.c - the store's WAL write gathering (walbuf.h), on crashvfs,
 * which counts the writes that reach WAL files:
 *
 *   - a commit of a hundred pages reaches the file in a few calls, none
 *     larger than the unix VFS can take, instead of two calls a page;
 *   - what it wrote is a valid WAL: another connection (on crashvfs, without
 *     walbuf) reads every row back, also after a transaction too large for
 *     the cache spilled pages and wrote some of them again;
 *   - a write-out that fails (a full disk) fails the commit, loses nothing
 *     committed before, and leaves the connection usable.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <sqlite3.h>

#include "crashvfs.h"
#include "walbuf.h"

#define ROW_BYTES 2048
#define ROWS 100

static int failures;

#define CHECK(cond, ...)                                                               \
    do {                                                                               \
        if (!(cond)) {                                                                 \
            fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__);                       \
            fprintf(stderr, __VA_ARGS__);                                              \
            fprintf(stderr, "\n");                                                     \
            failures++;                                                                \
        }                                                                              \
    } while (0)

static char dir[] = "/tmp/refgw-walbuf-XXXXXX";
static char db_path[64], wal_path[64];

static int exec(sqlite3 *db, const char *sql)
{
    char *msg = NULL;
    int rc = sqlite3_exec(db, sql, NULL, NULL, &msg);
    if (rc != SQLITE_OK && msg != NULL)
        fprintf(stderr, "%s: %s\n", sql, msg);
    sqlite3_free(msg);
    return rc;
}

static sqlite3 *open_db(const char *vfs)
{
    sqlite3 *db = NULL;
    int rc =
        sqlite3_open_v2(db_path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, vfs);
    if (rc != SQLITE_OK) {
        fprintf(stderr, "cannot open %s: %s\n", db_path, sqlite3_errstr(rc));
        exit(2);
    }
    return db;
}

/* Row k's value: ROW_BYTES bytes of one letter, chosen by k and a generation. */
static void row_value(unsigned char *v, long k, int generation)
{
    memset(v, 'a' + (int)((k + generation) % 26), ROW_BYTES);
}

/* Inserts rows [from, to) in the current transaction; the sqlite3 result. */
static int insert_rows(sqlite3 *db, long from, long to)
{
    sqlite3_stmt *st;
    sqlite3_prepare_v2(db, "INSERT INTO t(k, v) VALUES(?1, ?2)", -1, &st, NULL);
    unsigned char v[ROW_BYTES];
    int rc = SQLITE_DONE;
    for (long k = from; k < to && rc == SQLITE_DONE; k++) {
        row_value(v, k, 0);
        sqlite3_bind_int64(st, 1, k);
        sqlite3_bind_blob(st, 2, v, ROW_BYTES, SQLITE_STATIC);
        rc = sqlite3_step(st);
        sqlite3_reset(st);
    }
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

/* Checks, through db, that the table holds exactly rows [0, count), each with
 * its generation's value (rewritten rows, below `rewritten`, have generation 1). */
static void check_rows(sqlite3 *db, long count, long rewritten, const char *who)
{
    sqlite3_stmt *st;
    sqlite3_prepare_v2(db, "SELECT k, v FROM t ORDER BY k", -1, &st, NULL);
    unsigned char want[ROW_BYTES];
    long seen = 0;
    while (sqlite3_step(st) == SQLITE_ROW) {
        long k = (long)sqlite3_column_int64(st, 0);
        row_value(want, k, k < rewritten ? 1 : 0);
        if (k != seen || sqlite3_column_bytes(st, 1) != ROW_BYTES ||
            memcmp(sqlite3_column_blob(st, 1), want, ROW_BYTES) != 0) {
            CHECK(false, "%s: row %ld is not as committed", who, seen);
            break;
        }
        seen++;
    }
    sqlite3_finalize(st);
    CHECK(seen == count, "%s: %ld rows, want %ld", who, seen, count);
}

static long long wal_size(void)
{
    struct stat st;
    return stat(wal_path, &st) == 0 ? (long long)st.st_size : -1;
}

int main(void)
{
    if (mkdtemp(dir) == NULL || crashvfs_register() < 0 || walbuf_register() < 0) {
        fprintf(stderr, "cannot set up\n");
        return 2;
    }
    snprintf(db_path, sizeof(db_path), "%s/t.db", dir);
    snprintf(wal_path, sizeof(wal_path), "%s/t.db-wal", dir);

    /* The writer gathers its WAL writes; the reader reads on crashvfs alone. */
    sqlite3 *writer = open_db(WALBUF_VFS);
    CHECK(exec(writer,
               "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
               "PRAGMA wal_autocheckpoint=0;"
               "CREATE TABLE t(k INTEGER PRIMARY KEY, v BLOB NOT NULL)") == SQLITE_OK,
          "schema");
    sqlite3 *reader = open_db(NULL);
    long calls, largest;

    /* 1. A commit of ROWS pages reaches the WAL in a few large writes. */
    long long before = wal_size();
    crashvfs_wal_writes(&calls, &largest);
    CHECK(exec(writer, "BEGIN") == SQLITE_OK &&
              insert_rows(writer, 0, ROWS) == SQLITE_OK &&
              exec(writer, "COMMIT") == SQLITE_OK,
          "the first commit");
    crashvfs_wal_writes(&calls, &largest);
    long long bytes = wal_size() - before;
    long at_most = (long)(bytes / WALBUF_BYTES) + 2;
    CHECK(bytes >= ROWS * ROW_BYTES, "the WAL grew by only %lld bytes", bytes);
    CHECK(calls <= at_most, "%ld writes reached the WAL for %lld bytes (want <= %ld)",
          calls, bytes, at_most);
    CHECK(largest <= WALBUF_BYTES, "a write of %ld bytes reached the WAL", largest);
    check_rows(reader, ROWS, 0, "another connection after the first commit");

    /* 2. A transaction larger than the cache spills, and rewrites spilled pages. */
    CHECK(exec(writer, "PRAGMA cache_size=8") == SQLITE_OK, "cache_size");
    sqlite3_stmt *up;
    sqlite3_prepare_v2(writer, "UPDATE t SET v = ?2 WHERE k = ?1", -1, &up, NULL);
    CHECK(exec(writer, "BEGIN") == SQLITE_OK &&
              insert_rows(writer, ROWS, 4 * ROWS) == SQLITE_OK,
          "the large transaction");
    unsigned char v[ROW_BYTES];
    for (long k = 0; k < 2 * ROWS; k++) {
        row_value(v, k, 1);
        sqlite3_bind_int64(up, 1, k);
        sqlite3_bind_blob(up, 2, v, ROW_BYTES, SQLITE_STATIC);
        CHECK(sqlite3_step(up) == SQLITE_DONE, "update of row %ld", k);
        sqlite3_reset(up);
    }
    sqlite3_finalize(up);
    CHECK(exec(writer, "COMMIT") == SQLITE_OK, "the large commit");
    check_rows(writer, 4 * ROWS, 2 * ROWS, "the writer after the large commit");
    check_rows(reader, 4 * ROWS, 2 * ROWS, "another connection after the large commit");

    /* 3. The disk fills while the transaction's writes wait in the buffer. */
    crashvfs_set_quota(16 * 1024);
    int rc = exec(writer, "BEGIN");
    if (rc == SQLITE_OK)
        rc = insert_rows(writer, 4 * ROWS, 5 * ROWS);
    if (rc == SQLITE_OK)
        rc = exec(writer, "COMMIT");
    CHECK((rc & 0xff) == SQLITE_FULL, "a full disk gave %s", sqlite3_errstr(rc));
    if (!sqlite3_get_autocommit(writer))
        exec(writer, "ROLLBACK");
    crashvfs_set_quota(-1);
    check_rows(reader, 4 * ROWS, 2 * ROWS,
               "another connection after the failed commit");
    CHECK(exec(writer, "BEGIN") == SQLITE_OK &&
              insert_rows(writer, 4 * ROWS, 5 * ROWS) == SQLITE_OK &&
              exec(writer, "COMMIT") == SQLITE_OK,
          "a commit after the disk has room again");
    check_rows(reader, 5 * ROWS, 2 * ROWS,
               "another connection after the disk had room");

    sqlite3_close(reader);
    sqlite3_close(writer);
    char cmd[96];
    snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "cannot remove %s\n", dir);
    printf("%s\n", failures == 0 ? "ok" : "FAILED");
    return failures == 0 ? 0 : 1;
}
