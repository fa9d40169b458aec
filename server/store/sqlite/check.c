/* pthread_setschedparam's SCHED_IDLE and syscall() are GNU extensions. */
#define _GNU_SOURCE 1

#include "check.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "priority.h"

/* ---- the start path's check ---- */

static uint32_t be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* The database file's 100-byte header (SQLite's file format, section 1.3),
 * and its size against the size the header gives. Schema format and text
 * encoding are 0 until the first table is made. */
int check_file(const char *path, char err[RG_ERR_MAX])
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat st;
    if (fd < 0 && errno == ENOENT)
        return 0; /* a new store */
    if (fd < 0 || fstat(fd, &st) < 0) {
        snprintf(err, RG_ERR_MAX, "cannot read %.180s: %s", path, strerror(errno));
        if (fd >= 0)
            close(fd);
        return -1;
    }
    unsigned char h[100];
    ssize_t n = st.st_size == 0 ? 0 : pread(fd, h, sizeof(h), 0);
    close(fd);
    if (st.st_size == 0)
        return 0; /* a new store: SQLite writes the header at the first commit */
    const char *what = NULL;
    long page = h[16] << 8 | h[17];
    if (page == 1)
        page = 65536;
    uint32_t pages = be32(h + 28);
    if (n != (ssize_t)sizeof(h) || memcmp(h, "SQLite format 3", 16) != 0)
        what = "not an SQLite database";
    else if (page < 512 || (page & (page - 1)) != 0 || h[18] < 1 || h[18] > 2 ||
             h[19] < 1 || h[19] > 2 || page - h[20] < 480 || h[21] != 64 ||
             h[22] != 32 || h[23] != 32 || be32(h + 44) > 4 || be32(h + 56) > 3)
        what = "its header is damaged";
    else if (st.st_size % page != 0 ||
             (be32(h + 92) == be32(h + 24) && (long long)pages * page > st.st_size))
        what = "the file is cut short";
    if (what == NULL)
        return 0;
    snprintf(err, RG_ERR_MAX, "%.180s is corrupt: %s", path, what);
    return -1;
}

static int step_all(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *st;
    int rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
    while (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW)
        rc = SQLITE_OK;
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

/* Reads the first and last entry of every table and index: their roots and
 * the pages down to both ends, which every send and counting reads anyway. */
static int check_edges(sqlite3 *db)
{
    static const char list[] =
        "SELECT m.name, ii.name FROM sqlite_schema AS m,"
        " pragma_index_list(m.name) AS il, pragma_index_info(il.name) AS ii"
        " WHERE m.type = 'table' AND ii.seqno = 0"
        " UNION ALL SELECT name, 'rowid' FROM pragma_table_list"
        " WHERE schema = 'main' AND type = 'table' AND wr = 0"
        " AND name NOT LIKE 'sqlite_%'";
    sqlite3_stmt *st;
    int rc = sqlite3_prepare_v2(db, list, -1, &st, NULL);
    while (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        /* One aggregate a query: SQLite answers a lone min() or max() of
         * an indexed column from the index's edge. */
        for (int end = 0; end < 2 && rc == SQLITE_ROW; end++) {
            char *sql =
                sqlite3_mprintf("SELECT %s(\"%w\") FROM \"%w\"", end ? "max" : "min",
                                sqlite3_column_text(st, 1), sqlite3_column_text(st, 0));
            int r = sql == NULL ? SQLITE_NOMEM : step_all(db, sql);
            sqlite3_free(sql);
            if (r != SQLITE_OK)
                rc = r;
        }
        if (rc == SQLITE_ROW)
            rc = SQLITE_OK;
    }
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

static long long pragma_value(sqlite3 *db, const char *sql, int *rc)
{
    sqlite3_stmt *st;
    long long v = -1;
    *rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
    if (*rc == SQLITE_OK && (*rc = sqlite3_step(st)) == SQLITE_ROW) {
        v = sqlite3_column_int64(st, 0);
        *rc = SQLITE_OK;
    }
    sqlite3_finalize(st);
    return v;
}

int check_structure(sqlite3 *db, const char *path, char err[RG_ERR_MAX])
{
    int rc;
    long long pages = pragma_value(db, "PRAGMA page_count", &rc);
    long long free_pages =
        rc == SQLITE_OK ? pragma_value(db, "PRAGMA freelist_count", &rc) : 0;
    if (rc == SQLITE_OK && (free_pages < 0 || free_pages > pages)) {
        snprintf(err, RG_ERR_MAX, "%.180s is corrupt: its list of free pages", path);
        return -1;
    }
    if (rc == SQLITE_OK)
        rc = check_edges(db);
    if (rc == SQLITE_OK)
        return 0;
    snprintf(err, RG_ERR_MAX, "%.180s failed its check at start: %s", path,
             sqlite3_errstr(rc));
    return -1;
}

/* ---- the full check ---- */

struct stop_arg {
    bool (*stop)(void *arg);
    void *arg;
};

static int progress(void *p)
{
    struct stop_arg *s = p;
    return s->stop != NULL && s->stop(s->arg);
}

static double seconds_since(const struct timespec *t0)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)(t.tv_sec - t0->tv_sec) + (double)(t.tv_nsec - t0->tv_nsec) / 1e9;
}

int check_store_file(const char *path, bool thorough, bool (*stop)(void *arg),
                     void *arg, struct store_check *out, char err[RG_ERR_MAX])
{
    memset(out, 0, sizeof(*out));
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    sqlite3 *db = NULL;
    int rc =
        sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, NULL);
    if (rc != SQLITE_OK) {
        snprintf(err, RG_ERR_MAX, "cannot open %.180s: %s", path, sqlite3_errstr(rc));
        sqlite3_close(db);
        return -1;
    }
    sqlite3_busy_timeout(db, 5000);
    struct stop_arg s = {stop, arg};
    sqlite3_progress_handler(db, 10000, progress, &s);
    sqlite3_stmt *st;
    rc = sqlite3_prepare_v2(
        db, thorough ? "PRAGMA integrity_check" : "PRAGMA quick_check", -1, &st, NULL);
    while (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        const char *line = (const char *)sqlite3_column_text(st, 0);
        if (line != NULL && strcmp(line, "ok") != 0) {
            if (out->problems++ == 0)
                snprintf(out->first, sizeof(out->first), "%s", line);
        }
        rc = SQLITE_OK;
    }
    sqlite3_finalize(st);
    sqlite3_close(db);
    out->seconds = seconds_since(&t0);
    if (rc == SQLITE_INTERRUPT) {
        snprintf(err, RG_ERR_MAX, "stopped");
        return -1;
    }
    /* A page too damaged to read at all is what the check is for. */
    if (rc == SQLITE_CORRUPT || rc == SQLITE_NOTADB) {
        if (out->problems++ == 0)
            snprintf(out->first, sizeof(out->first), "%s", sqlite3_errstr(rc));
        rc = SQLITE_DONE;
    }
    if (rc != SQLITE_DONE) {
        snprintf(err, RG_ERR_MAX, "cannot check %.180s: %s", path, sqlite3_errstr(rc));
        return -1;
    }
    out->sound = out->problems == 0;
    return 0;
}

/* ---- the background check ---- */

/* Whoever reads the database file through for the check first: at most
 * this share of the memory the kernel says is available. */
#define PREFETCH_MEMORY_SHARE 2
#define PREFETCH_CHUNK (1024 * 1024)

struct checker {
    char *path;
    pthread_t thread;
    bool stopping; /* atomic */
    bool corrupt;  /* atomic */
};

static bool stopping(void *arg)
{
    struct checker *c = arg;
    return __atomic_load_n(&c->stopping, __ATOMIC_RELAXED);
}

/* The lowest priority the thread can have: nice 19, the idle scheduling
 * class, and the idle I/O class. Each may be refused (a system call filter,
 * a kernel without it): the check then runs at what it got. */
static void lowest_priority(void)
{
    thread_role("check", PRIORITY_CHECK);
    struct sched_param none = {0};
    pthread_setschedparam(pthread_self(), SCHED_IDLE, &none);
#ifdef SYS_ioprio_set
    /* IOPRIO_WHO_PROCESS (a thread, by its id), IOPRIO_CLASS_IDLE. */
    syscall(SYS_ioprio_set, 1, (int)syscall(SYS_gettid), 3 << 13);
#endif
}

static long long memory_available(void)
{
    FILE *f = fopen("/proc/meminfo", "r");
    long long kb = 0;
    char line[128];
    while (f != NULL && fgets(line, sizeof(line), f) != NULL)
        if (sscanf(line, "MemAvailable: %lld kB", &kb) == 1)
            break;
    if (f != NULL)
        fclose(f);
    return kb * 1024;
}

void check_prefetch(const char *path, bool (*stop)(void *arg), void *arg)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat st;
    if (fd < 0)
        return;
    if (fstat(fd, &st) == 0 &&
        st.st_size < memory_available() / PREFETCH_MEMORY_SHARE) {
        posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
        char *buf = malloc(PREFETCH_CHUNK);
        while (buf != NULL && (stop == NULL || !stop(arg)) &&
               read(fd, buf, PREFETCH_CHUNK) > 0)
            continue;
        free(buf);
    }
    close(fd);
}

static void *checker_main(void *arg)
{
    struct checker *c = arg;
    lowest_priority();
    check_prefetch(c->path, stopping, c);
    struct store_check r;
    char err[RG_ERR_MAX];
    if (stopping(c))
        return NULL;
    if (check_store_file(c->path, false, stopping, c, &r, err) < 0) {
        if (!stopping(c))
            log_line("store: background check: %s", err);
    } else if (r.sound) {
        log_line("store: background check: sound (%.1f s)", r.seconds);
    } else {
        __atomic_store_n(&c->corrupt, true, __ATOMIC_RELAXED);
        log_line("store: background check: database corrupt (%ld problems, %.1f s); "
                 "sends are refused: restore the store from its last backup",
                 r.problems, r.seconds);
    }
    return NULL;
}

struct checker *checker_start(const char *path)
{
    struct checker *c = calloc(1, sizeof(*c));
    if (c == NULL || (c->path = strdup(path)) == NULL) {
        free(c);
        return NULL;
    }
    if (pthread_create(&c->thread, NULL, checker_main, c) != 0) {
        free(c->path);
        free(c);
        return NULL;
    }
    return c;
}

bool checker_corrupt(const struct checker *c)
{
    return c != NULL && __atomic_load_n(&c->corrupt, __ATOMIC_RELAXED);
}

void checker_stop(struct checker *c)
{
    if (c == NULL)
        return;
    __atomic_store_n(&c->stopping, true, __ATOMIC_RELAXED);
    pthread_join(c->thread, NULL);
    free(c->path);
    free(c);
}
