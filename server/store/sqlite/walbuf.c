#define _GNU_SOURCE /* sync_file_range, fallocate */
#include "walbuf.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "wipe.h"

struct wfile {
    sqlite3_file base;
    sqlite3_file *real; /* the wrapped VFS's file, allocated to its size */
    bool is_wal;
    unsigned char *buf; /* WAL files, once written: WALBUF_BYTES */
    size_t len;
    sqlite3_int64 off; /* the file offset of buf[0] */
    /* Database files opened through WALBUF_PACED_VFS: a descriptor of our
     * own on the file (-1 otherwise), and the bytes written since the last
     * writeback was started. */
    int pace_fd;
    sqlite3_int64 unpaced;
    /* WAL files: where SQLite's writes since its last write at offset 0 (a
     * new header: the WAL started again) end, how many such starts, and the
     * end of what may hold anything but zeros. The name, for a descriptor
     * of our own (erase_fd, -1 until the first erasure). */
    sqlite3_int64 frames_end, dirty_end;
    long long starts;
    const char *name;
    int erase_fd;
};

/* The default VFS now, not at registration: a test may install its own. */
static sqlite3_vfs *parent(void)
{
    return sqlite3_vfs_find(NULL);
}

/* Writes the buffer out; its bytes are dropped whatever the outcome, and
 * wiped: they are pages, content among them, that a later erasure would
 * otherwise leave here until overwritten. */
static int flush(struct wfile *f)
{
    if (f->len == 0)
        return SQLITE_OK;
    int rc = f->real->pMethods->xWrite(f->real, f->buf, (int)f->len, f->off);
    rg_wipe(f->buf, f->len);
    f->len = 0;
    return rc;
}

static int w_close(sqlite3_file *file)
{
    struct wfile *f = (struct wfile *)file;
    int rc = flush(f);
    int close_rc = f->real->pMethods->xClose(f->real);
    if (f->pace_fd >= 0)
        close(f->pace_fd);
    if (f->erase_fd >= 0)
        close(f->erase_fd);
    f->pace_fd = f->erase_fd = -1;
    free(f->real);
    free(f->buf);
    f->real = NULL;
    f->buf = NULL;
    return rc != SQLITE_OK ? rc : close_rc;
}

/* After every WALBUF_PACE_BYTES written: wait for the writeback started
 * last time, then start it for what is dirty now. The disk's queue so never
 * holds more than about one such amount of this file, and the fsync that
 * ends a checkpoint finds little left to write. Failures are ignored: the
 * fsync still writes everything, as it would without pacing. */
static void pace(struct wfile *f, int amt)
{
    f->unpaced += amt;
    if (f->unpaced < WALBUF_PACE_BYTES)
        return;
    f->unpaced = 0;
    sync_file_range(f->pace_fd, 0, 0, SYNC_FILE_RANGE_WAIT_BEFORE);
    sync_file_range(f->pace_fd, 0, 0, SYNC_FILE_RANGE_WRITE);
}

static void note_write(struct wfile *f, int amt, sqlite3_int64 off)
{
    if (off == 0) {
        f->starts++;
        f->frames_end = 0;
    }
    if (off + amt > f->frames_end)
        f->frames_end = off + amt;
    if (off + amt > f->dirty_end)
        f->dirty_end = off + amt;
}

static int w_write(sqlite3_file *file, const void *data, int amt, sqlite3_int64 off)
{
    struct wfile *f = (struct wfile *)file;
    if (f->pace_fd >= 0) {
        int rc = f->real->pMethods->xWrite(f->real, data, amt, off);
        if (rc == SQLITE_OK)
            pace(f, amt);
        return rc;
    }
    if (f->is_wal)
        note_write(f, amt, off);
    if (!f->is_wal || amt > WALBUF_BYTES)
        goto through;
    if (f->len > 0 && (off != f->off + (sqlite3_int64)f->len ||
                       f->len + (size_t)amt > WALBUF_BYTES)) {
        int rc = flush(f);
        if (rc != SQLITE_OK)
            return rc;
    }
    if (f->buf == NULL && (f->buf = malloc(WALBUF_BYTES)) == NULL)
        goto through;
    if (f->len == 0)
        f->off = off;
    memcpy(f->buf + f->len, data, (size_t)amt);
    f->len += (size_t)amt;
    return SQLITE_OK;
through:;
    int rc = flush(f);
    return rc != SQLITE_OK ? rc : f->real->pMethods->xWrite(f->real, data, amt, off);
}

static int w_read(sqlite3_file *file, void *data, int amt, sqlite3_int64 off)
{
    struct wfile *f = (struct wfile *)file;
    int rc = flush(f);
    return rc != SQLITE_OK ? rc : f->real->pMethods->xRead(f->real, data, amt, off);
}

static int w_truncate(sqlite3_file *file, sqlite3_int64 size)
{
    struct wfile *f = (struct wfile *)file;
    int rc = flush(f);
    if (rc == SQLITE_OK &&
        (rc = f->real->pMethods->xTruncate(f->real, size)) == SQLITE_OK) {
        f->frames_end = f->frames_end < size ? f->frames_end : size;
        f->dirty_end = f->dirty_end < size ? f->dirty_end : size;
    }
    return rc;
}

static int w_sync(sqlite3_file *file, int flags)
{
    struct wfile *f = (struct wfile *)file;
    int rc = flush(f);
    return rc != SQLITE_OK ? rc : f->real->pMethods->xSync(f->real, flags);
}

static int w_size(sqlite3_file *file, sqlite3_int64 *size)
{
    struct wfile *f = (struct wfile *)file;
    int rc = flush(f);
    return rc != SQLITE_OK ? rc : f->real->pMethods->xFileSize(f->real, size);
}

static int w_file_control(sqlite3_file *file, int op, void *arg)
{
    struct wfile *f = (struct wfile *)file;
    int rc = flush(f);
    return rc != SQLITE_OK ? rc : f->real->pMethods->xFileControl(f->real, op, arg);
}

/* Calls that neither read nor write the file's bytes go straight through. */
#define FORWARD(name, sig, args)                                                       \
    static int w_##name sig                                                            \
    {                                                                                  \
        struct wfile *f = (struct wfile *)file;                                        \
        return f->real->pMethods->x##name args;                                        \
    }

FORWARD(Lock, (sqlite3_file * file, int level), (f->real, level))
FORWARD(Unlock, (sqlite3_file * file, int level), (f->real, level))
FORWARD(CheckReservedLock, (sqlite3_file * file, int *out), (f->real, out))
FORWARD(SectorSize, (sqlite3_file * file), (f->real))
FORWARD(DeviceCharacteristics, (sqlite3_file * file), (f->real))
FORWARD(ShmMap,
        (sqlite3_file * file, int page, int size, int extend, void volatile **pp),
        (f->real, page, size, extend, pp))
FORWARD(ShmLock, (sqlite3_file * file, int offset, int n, int flags),
        (f->real, offset, n, flags))
FORWARD(ShmUnmap, (sqlite3_file * file, int delete_flag), (f->real, delete_flag))

static void w_shm_barrier(sqlite3_file *file)
{
    struct wfile *f = (struct wfile *)file;
    f->real->pMethods->xShmBarrier(f->real);
}

static const sqlite3_io_methods io_methods;

/* db's WAL file, when it is open and one of ours. */
static struct wfile *wal_of(sqlite3 *db)
{
    sqlite3_file *file = NULL;
    if (sqlite3_file_control(db, "main", SQLITE_FCNTL_JOURNAL_POINTER, &file) !=
            SQLITE_OK ||
        file == NULL || file->pMethods != &io_methods)
        return NULL;
    struct wfile *f = (struct wfile *)file;
    return f->is_wal ? f : NULL;
}

long long walbuf_wal_starts(sqlite3 *db)
{
    struct wfile *f = wal_of(db);
    return f != NULL ? f->starts : -1;
}

/* Zeroes [from, len) of fd: the filesystem marks the blocks unwritten where
 * it can (ext4, XFS), or drops them (tmpfs), or else zeros are written. */
static int zero_range(int fd, off_t from, off_t len)
{
    if (fallocate(fd, FALLOC_FL_ZERO_RANGE | FALLOC_FL_KEEP_SIZE, from, len) == 0)
        return 0;
    if (errno != EOPNOTSUPP && errno != ENOSYS)
        return -1;
    if (fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, from, len) == 0)
        return 0;
    if (errno != EOPNOTSUPP && errno != ENOSYS)
        return -1;
    static const unsigned char zeros[64 * 1024];
    for (off_t done = 0; done < len;) {
        size_t n =
            len - done < (off_t)sizeof(zeros) ? (size_t)(len - done) : sizeof(zeros);
        ssize_t w = pwrite(fd, zeros, n, from + done);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        done += w;
    }
    return 0;
}

int walbuf_wal_erase(sqlite3 *db, bool whole)
{
    struct wfile *f = wal_of(db);
    if (f == NULL)
        return 0;
    if (flush(f) != SQLITE_OK)
        return -1;
    sqlite3_int64 from = whole ? 0 : f->frames_end;
    if (f->dirty_end <= from)
        return 0;
    if (f->erase_fd < 0 && (f->erase_fd = open(f->name, O_WRONLY | O_CLOEXEC)) < 0)
        return -1;
    if (zero_range(f->erase_fd, from, f->dirty_end - from) < 0)
        return -1;
    f->dirty_end = from;
    if (whole)
        f->frames_end = 0;
    return 0;
}

static const sqlite3_io_methods io_methods = {
    2, /* no xFetch: every read of the file's bytes goes through xRead */
    w_close,
    w_read,
    w_write,
    w_truncate,
    w_sync,
    w_size,
    w_Lock,
    w_Unlock,
    w_CheckReservedLock,
    w_file_control,
    w_SectorSize,
    w_DeviceCharacteristics,
    w_ShmMap,
    w_ShmLock,
    w_shm_barrier,
    w_ShmUnmap,
    NULL,
    NULL,
};

static int w_open(sqlite3_vfs *vfs, const char *name, sqlite3_file *file, int flags,
                  int *out_flags)
{
    sqlite3_vfs *p = parent();
    struct wfile *f = (struct wfile *)file;
    memset(f, 0, sizeof(*f));
    f->pace_fd = f->erase_fd = -1;
    f->real = calloc(1, (size_t)p->szOsFile);
    if (f->real == NULL)
        return SQLITE_NOMEM;
    int rc = p->xOpen(p, name, f->real, flags, out_flags);
    if (rc != SQLITE_OK) {
        /* A failed xOpen may still have set pMethods: then close it. */
        if (f->real->pMethods != NULL)
            f->real->pMethods->xClose(f->real);
        free(f->real);
        f->real = NULL;
        return rc;
    }
    f->is_wal = (flags & SQLITE_OPEN_WAL) != 0;
    /* What an earlier process left in the file is unknown. */
    if (f->is_wal && f->real->pMethods->xFileSize(f->real, &f->dirty_end) != SQLITE_OK)
        f->dirty_end = 0;
    f->name = name; /* valid until xClose, SQLite promises */
    /* Without a descriptor of its own the file is simply not paced. Closing
     * it (w_close) drops every POSIX lock this process holds on the file,
     * whoever took it (a transaction's SHARED lock, in WAL mode too): the
     * checkpointer's connection is closed only once the writer's thread and
     * the background check have ended, with no transaction open
     * (backend.c, close_sqlite). */
    if (strcmp(vfs->zName, WALBUF_PACED_VFS) == 0 && (flags & SQLITE_OPEN_MAIN_DB) &&
        name != NULL)
        f->pace_fd = open(name, O_RDONLY | O_CLOEXEC);
    f->base.pMethods = &io_methods;
    return SQLITE_OK;
}

static int w_delete(sqlite3_vfs *vfs, const char *name, int sync_dir)
{
    (void)vfs;
    sqlite3_vfs *p = parent();
    return p->xDelete(p, name, sync_dir);
}

static int w_access(sqlite3_vfs *vfs, const char *name, int flags, int *out)
{
    (void)vfs;
    sqlite3_vfs *p = parent();
    return p->xAccess(p, name, flags, out);
}

static int w_full_pathname(sqlite3_vfs *vfs, const char *name, int n, char *out)
{
    (void)vfs;
    sqlite3_vfs *p = parent();
    return p->xFullPathname(p, name, n, out);
}

static void *w_dl_open(sqlite3_vfs *vfs, const char *path)
{
    (void)vfs;
    sqlite3_vfs *p = parent();
    return p->xDlOpen(p, path);
}

static void w_dl_error(sqlite3_vfs *vfs, int n, char *out)
{
    (void)vfs;
    sqlite3_vfs *p = parent();
    p->xDlError(p, n, out);
}

static void (*w_dl_sym(sqlite3_vfs *vfs, void *handle, const char *symbol))(void)
{
    (void)vfs;
    sqlite3_vfs *p = parent();
    return p->xDlSym(p, handle, symbol);
}

static void w_dl_close(sqlite3_vfs *vfs, void *handle)
{
    (void)vfs;
    sqlite3_vfs *p = parent();
    p->xDlClose(p, handle);
}

static int w_randomness(sqlite3_vfs *vfs, int n, char *out)
{
    (void)vfs;
    sqlite3_vfs *p = parent();
    return p->xRandomness(p, n, out);
}

static int w_sleep(sqlite3_vfs *vfs, int microseconds)
{
    (void)vfs;
    sqlite3_vfs *p = parent();
    return p->xSleep(p, microseconds);
}

static int w_current_time(sqlite3_vfs *vfs, double *out)
{
    (void)vfs;
    sqlite3_vfs *p = parent();
    return p->xCurrentTime(p, out);
}

static int w_last_error(sqlite3_vfs *vfs, int n, char *out)
{
    (void)vfs;
    sqlite3_vfs *p = parent();
    return p->xGetLastError(p, n, out);
}

static int w_current_time_int64(sqlite3_vfs *vfs, sqlite3_int64 *out)
{
    (void)vfs;
    sqlite3_vfs *p = parent();
    if (p->iVersion >= 2 && p->xCurrentTimeInt64 != NULL)
        return p->xCurrentTimeInt64(p, out);
    double days;
    int rc = p->xCurrentTime(p, &days);
    *out = (sqlite3_int64)(days * 86400000.0);
    return rc;
}

static int register_as(sqlite3_vfs *vfs, const char *name)
{
    sqlite3_vfs *p = parent();
    if (p == NULL)
        return -1;
    vfs->iVersion = 2;
    vfs->szOsFile = (int)sizeof(struct wfile);
    vfs->mxPathname = p->mxPathname;
    vfs->zName = name;
    vfs->xOpen = w_open;
    vfs->xDelete = w_delete;
    vfs->xAccess = w_access;
    vfs->xFullPathname = w_full_pathname;
    vfs->xDlOpen = w_dl_open;
    vfs->xDlError = w_dl_error;
    vfs->xDlSym = w_dl_sym;
    vfs->xDlClose = w_dl_close;
    vfs->xRandomness = w_randomness;
    vfs->xSleep = w_sleep;
    vfs->xCurrentTime = w_current_time;
    vfs->xGetLastError = w_last_error;
    vfs->xCurrentTimeInt64 = w_current_time_int64;
    if (sqlite3_vfs_register(vfs, 0) != SQLITE_OK) {
        vfs->zName = NULL;
        return -1;
    }
    return 0;
}

int walbuf_register(void)
{
    static sqlite3_vfs vfs, paced;
    if ((vfs.zName == NULL && register_as(&vfs, WALBUF_VFS) < 0) ||
        (paced.zName == NULL && register_as(&paced, WALBUF_PACED_VFS) < 0))
        return -1;
    return 0;
}
