/* pthread_setschedparam's SCHED_IDLE and syscall() are GNU extensions. */
#define _GNU_SOURCE 1

#include "check.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
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

/* Whether a WAL (its header: an erased one keeps its size) lies beside the
 * database: a crash during a checkpoint may then have left the file short or
 * its page 1 half written (faults_powerloss); SQLite takes both from the WAL
 * and the structure check judges the result. */
static bool has_wal(const char *path)
{
    char wal[4096];
    unsigned char magic[4];
    snprintf(wal, sizeof(wal), "%s-wal", path);
    int fd = open(wal, O_RDONLY | O_CLOEXEC);
    ssize_t n = fd >= 0 ? read(fd, magic, sizeof(magic)) : -1;
    if (fd >= 0)
        close(fd);
    return n == (ssize_t)sizeof(magic) && (be32(magic) & ~1u) == 0x377f0682u;
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
    if (has_wal(path))
        return 0;
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

/* The check reads the database file through first when it is at most this
 * share of the memory the kernel says is available. */
#define PREFETCH_MEMORY_SHARE 2
#define PREFETCH_CHUNK (1024 * 1024)

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

static sqlite3 *open_for_check(const char *path, char err[RG_ERR_MAX])
{
    sqlite3 *db = NULL;
    int rc =
        sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, NULL);
    if (rc != SQLITE_OK) {
        snprintf(err, RG_ERR_MAX, "cannot open %.180s: %s", path, sqlite3_errstr(rc));
        sqlite3_close(db);
        return NULL;
    }
    sqlite3_busy_timeout(db, 5000);
    return db;
}

/*
 * Reads the database file (open as fd) through once, in file order, when it
 * fits in memory: the check's reads, in b-tree order, are each a seek on a
 * cold disk, and file order is many times faster. What the page cache
 * holds already (mincore) is skipped, so a warm store costs next to
 * nothing. It holds no snapshot: the WAL may start again meanwhile.
 */
static void prefetch(int fd, bool (*stop)(void *arg), void *arg)
{
    struct stat st;
    if (fd < 0 || fstat(fd, &st) < 0 || st.st_size == 0 ||
        st.st_size >= memory_available() / PREFETCH_MEMORY_SHARE)
        return;
    size_t size = (size_t)st.st_size;
    unsigned char *map = mmap(NULL, size, PROT_READ, MAP_SHARED, fd, 0);
    char *buf = malloc(PREFETCH_CHUNK);
    unsigned char resident[PREFETCH_CHUNK / 4096];
    long page = sysconf(_SC_PAGESIZE);
    for (size_t off = 0; map != MAP_FAILED && buf != NULL && off < size && page > 0 &&
                         page <= 4096 && (stop == NULL || !stop(arg));
         off += PREFETCH_CHUNK) {
        size_t n = size - off < PREFETCH_CHUNK ? size - off : PREFETCH_CHUNK;
        size_t pages = (n + (size_t)page - 1) / (size_t)page, in = 0;
        if (mincore(map + off, n, resident) == 0)
            for (size_t i = 0; i < pages; i++)
                in += resident[i] & 1;
        if (in < pages && pread(fd, buf, n, (off_t)off) < 0)
            break;
    }
    free(buf);
    if (map != MAP_FAILED)
        munmap(map, size);
}

/* Runs the check on db: 0 with *out filled, or -1 with err ("stopped" when
 * stop ended it). */
static int run_check(sqlite3 *db, const char *path, bool thorough, struct stop_arg *s,
                     struct store_check *out, char err[RG_ERR_MAX])
{
    memset(out, 0, sizeof(*out));
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    sqlite3_progress_handler(db, 10000, progress, s);
    sqlite3_stmt *st;
    int rc = sqlite3_prepare_v2(
        db, thorough ? "PRAGMA integrity_check" : "PRAGMA quick_check", -1, &st, NULL);
    while (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        const char *line = (const char *)sqlite3_column_text(st, 0);
        if (line != NULL && strcmp(line, "ok") != 0) {
            if (out->problems++ == 0)
                snprintf(out->first, sizeof(out->first), "%s", line);
        }
        rc = SQLITE_OK;
    }
    sqlite3_finalize(st); /* ends the read transaction: the WAL may start again */
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

int check_store_file(const char *path, bool thorough, struct store_check *out,
                     char err[RG_ERR_MAX])
{
    /* Closed before SQLite opens the file in this process: closing a
     * descriptor of a file drops every POSIX lock the process holds on it. */
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    prefetch(fd, NULL, NULL);
    if (fd >= 0)
        close(fd);
    sqlite3 *db = open_for_check(path, err);
    if (db == NULL)
        return -1;
    struct stop_arg none = {NULL, NULL};
    int rc = run_check(db, path, thorough, &none, out, err);
    sqlite3_close(db);
    return rc;
}

/* ---- the background check ---- */

/* A check the store's load stopped tries again after this long, twice as
 * long each time, at most CHECK_RETRY_MAX. */
#define CHECK_RETRY_FIRST 10
#define CHECK_RETRY_MAX 600
/* While the store commits, the check works CHECK_WORK_NS, then pauses
 * CHECK_PAUSE_NS: at most a fifth of a processor, and the gateway's threads
 * keep their caches. The store counts as busy for CHECK_BUSY_NS after a
 * commit. */
#define CHECK_WORK_NS 2000000LL
#define CHECK_PAUSE_NS 8000000LL
#define CHECK_BUSY_NS 100000000LL

struct checker {
    char *path;
    int fd; /* for the read-through; closed only after the store is */
    pthread_t thread;
    pthread_mutex_t lock;
    sqlite3 *db;      /* the check's connection while open; guarded by lock */
    bool stopping;    /* atomic */
    bool yield;       /* atomic: give way now (checker_yield) */
    bool corrupt;     /* atomic */
    long long commit; /* atomic: the writer's last commit (checker_busy) */
    long long worked; /* the check's own: when its current work slice began */
};

static long long now_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (long long)t.tv_sec * 1000000000LL + t.tv_nsec;
}

static bool flag(bool *f)
{
    return __atomic_load_n(f, __ATOMIC_RELAXED);
}

static bool stopping(void *arg)
{
    return flag(&((struct checker *)arg)->stopping);
}

/* Paces the thread while the store is busy (see CHECK_WORK_NS). */
static void pace(struct checker *c)
{
    long long now = now_ns();
    if (now - __atomic_load_n(&c->commit, __ATOMIC_RELAXED) > CHECK_BUSY_NS) {
        c->worked = now;
        return;
    }
    if (now - c->worked < CHECK_WORK_NS)
        return;
    struct timespec t = {0, CHECK_PAUSE_NS};
    nanosleep(&t, NULL);
    c->worked = now_ns();
}

static bool stop_prefetch(void *arg)
{
    pace(arg);
    return stopping(arg);
}

static bool stop_check(void *arg)
{
    struct checker *c = arg;
    pace(c);
    return flag(&c->stopping) || flag(&c->yield);
}

/* Sleeps about seconds, or less if the gateway stops. */
static void pause_for(struct checker *c, int seconds)
{
    for (int i = 0; i < seconds * 10 && !stopping(c); i++) {
        struct timespec t = {0, 100000000L};
        nanosleep(&t, NULL);
    }
}

/* Sets f, and interrupts the check's statement if one runs: it sees f. */
static void interrupt(struct checker *c, bool *f)
{
    __atomic_store_n(f, true, __ATOMIC_RELAXED);
    pthread_mutex_lock(&c->lock);
    if (c->db != NULL)
        sqlite3_interrupt(c->db);
    pthread_mutex_unlock(&c->lock);
}

/* The lowest priority the thread can have without starving: nice 19, and
 * the lowest of the best-effort I/O priorities. Not the idle classes: a
 * thread that never runs while the gateway is busy would hold its snapshot
 * (and the WAL) while it waits. Either may be refused (a system call
 * filter): the check then runs at what it got. */
static void lowest_priority(void)
{
    thread_role("check", PRIORITY_CHECK);
#ifdef SYS_ioprio_set
    /* IOPRIO_WHO_PROCESS (a thread, by its id), IOPRIO_CLASS_BE, level 7. */
    syscall(SYS_ioprio_set, 1, (int)syscall(SYS_gettid), 2 << 13 | 7);
#endif
}

/* One try: 1 if the store gave way first, else 0 (done, and logged). */
static int try_check(struct checker *c)
{
    char err[RG_ERR_MAX];
    struct store_check r;
    sqlite3 *db = open_for_check(c->path, err);
    if (db == NULL) {
        log_line("store: background check: %s", err);
        return 0;
    }
    pthread_mutex_lock(&c->lock);
    c->db = db;
    pthread_mutex_unlock(&c->lock);
    __atomic_store_n(&c->yield, false, __ATOMIC_RELAXED);
    struct stop_arg s = {stop_check, c};
    int rc = run_check(db, c->path, false, &s, &r, err);
    pthread_mutex_lock(&c->lock);
    c->db = NULL;
    pthread_mutex_unlock(&c->lock);
    sqlite3_close(db);
    if (rc < 0 && !stopping(c) && flag(&c->yield)) {
        log_line("store: background check: postponed after %.1f s, the store is busy",
                 r.seconds);
        return 1;
    }
    if (rc < 0) {
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
    return 0;
}

static void *checker_main(void *arg)
{
    struct checker *c = arg;
    lowest_priority();
    c->worked = now_ns();
    prefetch(c->fd, stop_prefetch, c);
    for (int wait = CHECK_RETRY_FIRST; !stopping(c) && try_check(c) == 1;
         wait = wait * 2 > CHECK_RETRY_MAX ? CHECK_RETRY_MAX : wait * 2)
        pause_for(c, wait);
    return NULL;
}

struct checker *checker_start(const char *path)
{
    struct checker *c = calloc(1, sizeof(*c));
    if (c == NULL || (c->path = strdup(path)) == NULL) {
        free(c);
        return NULL;
    }
    /* Opening beside SQLite is harmless; closing is not (checker_free). */
    c->fd = open(path, O_RDONLY | O_CLOEXEC);
    pthread_mutex_init(&c->lock, NULL);
    if (pthread_create(&c->thread, NULL, checker_main, c) != 0) {
        c->stopping = true; /* nothing runs: checker_free cleans up */
        return c;
    }
    return c;
}

void checker_yield(struct checker *c)
{
    if (c != NULL)
        interrupt(c, &c->yield);
}

void checker_busy(struct checker *c)
{
    if (c != NULL)
        __atomic_store_n(&c->commit, now_ns(), __ATOMIC_RELAXED);
}

bool checker_corrupt(const struct checker *c)
{
    return c != NULL && __atomic_load_n(&c->corrupt, __ATOMIC_RELAXED);
}

void checker_stop(struct checker *c)
{
    if (c == NULL || flag(&c->stopping))
        return;
    interrupt(c, &c->stopping);
    pthread_join(c->thread, NULL);
}

void checker_free(struct checker *c)
{
    if (c == NULL)
        return;
    checker_stop(c);
    if (c->fd >= 0)
        close(c->fd);
    pthread_mutex_destroy(&c->lock);
    free(c->path);
    free(c);
}
