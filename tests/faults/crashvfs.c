#include "crashvfs.h"

#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

/*
 * Each file keeps an image of its content as of its last sync: what would be
 * on the disk after a power loss. Simple and obviously right, at the cost of
 * a copy per sync, which is fine for a test's small files.
 */
struct cfile {
    sqlite3_file base;
    sqlite3_file *real;
    unsigned char *durable;
    sqlite3_int64 durable_size;
    bool wal;
    struct cfile *next_open;
};

static struct {
    sqlite3_vfs vfs;
    sqlite3_vfs *real;
    struct cfile *open_files;
    long countdown; /* syncs left before the crash; 0: disarmed */
    long syncs;
    enum crash_mode mode;
    unsigned seed;
    bool crashed;
    long long quota; /* <0: none */
    long wal_writes, wal_largest_write;
} g;

/* Reads or writes size bytes from offset 0 in chunks: the unix VFS moves at
 * most 128 KiB per call. */
static int whole(struct cfile *f, unsigned char *buf, sqlite3_int64 size, bool write)
{
    const sqlite3_int64 chunk = 64 * 1024;
    for (sqlite3_int64 off = 0; off < size; off += chunk) {
        int n = (int)(size - off < chunk ? size - off : chunk);
        int rc = write ? f->real->pMethods->xWrite(f->real, buf + off, n, off)
                       : f->real->pMethods->xRead(f->real, buf + off, n, off);
        if (rc != SQLITE_OK)
            return rc;
    }
    return SQLITE_OK;
}

/* Reads the whole real file into a fresh image. */
static int snapshot(struct cfile *f)
{
    sqlite3_int64 size = 0;
    f->real->pMethods->xFileSize(f->real, &size);
    unsigned char *img = malloc(size > 0 ? (size_t)size : 1);
    if (img == NULL)
        return SQLITE_NOMEM;
    if (whole(f, img, size, false) != SQLITE_OK) {
        free(img);
        return SQLITE_IOERR_READ;
    }
    free(f->durable);
    f->durable = img;
    f->durable_size = size;
    return SQLITE_OK;
}

/* Power loss for one file: back to its last synced image, or garbage where it differs.
 */
static void lose_power(struct cfile *f)
{
    sqlite3_int64 size = 0;
    f->real->pMethods->xFileSize(f->real, &size);
    if (g.mode == CRASH_DROP) {
        f->real->pMethods->xTruncate(f->real, f->durable_size);
        whole(f, f->durable, f->durable_size, true);
        return;
    }
    /* Scramble: every byte written since the sync becomes junk. The unix VFS
     * promises powersafe overwrite, so bytes not written keep their value. */
    unsigned char *now = malloc(size > 0 ? (size_t)size : 1);
    if (now == NULL || whole(f, now, size, false) != SQLITE_OK)
        goto out;
    for (sqlite3_int64 i = 0; i < size; i++)
        if (i >= f->durable_size || now[i] != f->durable[i])
            now[i] = (unsigned char)rand_r(&g.seed);
    whole(f, now, size, true);
out:
    free(now);
}

static void crash_all(void)
{
    for (struct cfile *f = g.open_files; f != NULL; f = f->next_open)
        lose_power(f);
    g.crashed = true;
}

static int c_close(sqlite3_file *file)
{
    struct cfile *f = (struct cfile *)file;
    for (struct cfile **pp = &g.open_files; *pp != NULL; pp = &(*pp)->next_open)
        if (*pp == f) {
            *pp = f->next_open;
            break;
        }
    int rc = f->real->pMethods->xClose(f->real);
    free(f->real);
    free(f->durable);
    return rc;
}

static int c_read(sqlite3_file *file, void *buf, int amt, sqlite3_int64 off)
{
    struct cfile *f = (struct cfile *)file;
    return f->real->pMethods->xRead(f->real, buf, amt, off);
}

static int c_write(sqlite3_file *file, const void *buf, int amt, sqlite3_int64 off)
{
    struct cfile *f = (struct cfile *)file;
    if (g.crashed)
        return SQLITE_IOERR_WRITE;
    sqlite3_int64 size = 0;
    f->real->pMethods->xFileSize(f->real, &size);
    if (g.quota >= 0 && off + amt > size) {
        long long growth = off + amt - size;
        if (growth > g.quota)
            return SQLITE_FULL;
        g.quota -= growth;
    }
    if (f->wal) {
        g.wal_writes++;
        if (amt > g.wal_largest_write)
            g.wal_largest_write = amt;
    }
    return f->real->pMethods->xWrite(f->real, buf, amt, off);
}

static int c_truncate(sqlite3_file *file, sqlite3_int64 size)
{
    struct cfile *f = (struct cfile *)file;
    if (g.crashed)
        return SQLITE_IOERR_TRUNCATE;
    return f->real->pMethods->xTruncate(f->real, size);
}

static int c_sync(sqlite3_file *file, int flags)
{
    struct cfile *f = (struct cfile *)file;
    if (g.crashed)
        return SQLITE_IOERR_FSYNC;
    g.syncs++;
    if (g.countdown > 0 && --g.countdown == 0) {
        crash_all();
        return SQLITE_IOERR_FSYNC;
    }
    int rc = f->real->pMethods->xSync(f->real, flags);
    return rc == SQLITE_OK ? snapshot(f) : rc;
}

static int c_size(sqlite3_file *file, sqlite3_int64 *size)
{
    struct cfile *f = (struct cfile *)file;
    return f->real->pMethods->xFileSize(f->real, size);
}

#define FORWARD(name, sig, args)                                                       \
    static int c_##name sig                                                            \
    {                                                                                  \
        struct cfile *f = (struct cfile *)file;                                        \
        return f->real->pMethods->x##name args;                                        \
    }

FORWARD(Lock, (sqlite3_file * file, int l), (f->real, l))
FORWARD(Unlock, (sqlite3_file * file, int l), (f->real, l))
FORWARD(CheckReservedLock, (sqlite3_file * file, int *out), (f->real, out))
FORWARD(SectorSize, (sqlite3_file * file), (f->real))
FORWARD(DeviceCharacteristics, (sqlite3_file * file), (f->real))
FORWARD(ShmMap, (sqlite3_file * file, int pg, int sz, int ext, void volatile **pp),
        (f->real, pg, sz, ext, pp))
FORWARD(ShmLock, (sqlite3_file * file, int off, int n, int flags),
        (f->real, off, n, flags))
FORWARD(ShmUnmap, (sqlite3_file * file, int del), (f->real, del))

static int c_FileControl(sqlite3_file *file, int op, void *arg)
{
    struct cfile *f = (struct cfile *)file;
    /* Size hints grow files behind xWrite's back; they are only hints. */
    if (op == SQLITE_FCNTL_SIZE_HINT || op == SQLITE_FCNTL_CHUNK_SIZE)
        return SQLITE_OK;
    return f->real->pMethods->xFileControl(f->real, op, arg);
}

static void c_ShmBarrier(sqlite3_file *file)
{
    struct cfile *f = (struct cfile *)file;
    f->real->pMethods->xShmBarrier(f->real);
}

static const sqlite3_io_methods io_methods = {
    2, /* no xFetch/xUnfetch: every read goes through xRead */
    c_close,
    c_read,
    c_write,
    c_truncate,
    c_sync,
    c_size,
    c_Lock,
    c_Unlock,
    c_CheckReservedLock,
    c_FileControl,
    c_SectorSize,
    c_DeviceCharacteristics,
    c_ShmMap,
    c_ShmLock,
    c_ShmBarrier,
    c_ShmUnmap,
    NULL,
    NULL,
};

static int c_open(sqlite3_vfs *vfs, const char *name, sqlite3_file *file, int flags,
                  int *out_flags)
{
    struct cfile *f = (struct cfile *)file;
    memset(f, 0, sizeof(*f));
    f->real = calloc(1, (size_t)g.real->szOsFile);
    if (f->real == NULL)
        return SQLITE_NOMEM;
    int rc = g.real->xOpen(g.real, name, f->real, flags, out_flags);
    if (rc != SQLITE_OK) {
        free(f->real);
        f->real = NULL;
        return rc;
    }
    f->base.pMethods = &io_methods;
    f->wal = (flags & SQLITE_OPEN_WAL) != 0;
    rc = snapshot(f); /* what is there at open is on the disk */
    if (rc != SQLITE_OK) {
        f->real->pMethods->xClose(f->real);
        free(f->real);
        f->real = NULL;
        return rc;
    }
    f->next_open = g.open_files;
    g.open_files = f;
    return SQLITE_OK;
}

static int c_delete(sqlite3_vfs *vfs, const char *name, int sync_dir)
{
    if (g.crashed)
        return SQLITE_IOERR_DELETE;
    return g.real->xDelete(g.real, name, sync_dir);
}

static int c_access(sqlite3_vfs *vfs, const char *name, int flags, int *out)
{
    return g.real->xAccess(g.real, name, flags, out);
}

static int c_fullpath(sqlite3_vfs *vfs, const char *name, int n, char *out)
{
    return g.real->xFullPathname(g.real, name, n, out);
}

static int c_random(sqlite3_vfs *vfs, int n, char *out)
{
    return g.real->xRandomness(g.real, n, out);
}

static int c_sleep(sqlite3_vfs *vfs, int us)
{
    return g.real->xSleep(g.real, us);
}

static int c_time(sqlite3_vfs *vfs, double *out)
{
    return g.real->xCurrentTime(g.real, out);
}

static int c_last_error(sqlite3_vfs *vfs, int n, char *out)
{
    return g.real->xGetLastError(g.real, n, out);
}

static int c_time64(sqlite3_vfs *vfs, sqlite3_int64 *out)
{
    return g.real->xCurrentTimeInt64(g.real, out);
}

int crashvfs_register(void)
{
    g.real = sqlite3_vfs_find(NULL);
    if (g.real == NULL)
        return -1;
    g.quota = -1;
    g.vfs = (sqlite3_vfs){
        .iVersion = 2,
        .szOsFile = sizeof(struct cfile),
        .mxPathname = g.real->mxPathname,
        .zName = "crashvfs",
        .xOpen = c_open,
        .xDelete = c_delete,
        .xAccess = c_access,
        .xFullPathname = c_fullpath,
        .xDlOpen = NULL,
        .xRandomness = c_random,
        .xSleep = c_sleep,
        .xCurrentTime = c_time,
        .xGetLastError = c_last_error,
        .xCurrentTimeInt64 = c_time64,
    };
    return sqlite3_vfs_register(&g.vfs, 1) == SQLITE_OK ? 0 : -1;
}

void crashvfs_unregister(void)
{
    sqlite3_vfs_unregister(&g.vfs);
}

void crashvfs_arm(long sync, enum crash_mode mode, unsigned seed)
{
    g.countdown = sync;
    g.syncs = 0;
    g.mode = mode;
    g.seed = seed;
}

void crashvfs_crash_now(void)
{
    if (!g.crashed)
        crash_all();
}

bool crashvfs_crashed(void)
{
    return g.crashed;
}

long crashvfs_syncs(void)
{
    return g.syncs;
}

void crashvfs_reset(void)
{
    g.crashed = false;
    g.countdown = 0;
    for (struct cfile *f = g.open_files; f != NULL; f = f->next_open)
        snapshot(f);
}

void crashvfs_set_quota(long long bytes)
{
    g.quota = bytes;
}

void crashvfs_wal_writes(long *calls, long *largest)
{
    *calls = g.wal_writes;
    *largest = g.wal_largest_write;
    g.wal_writes = 0;
    g.wal_largest_write = 0;
}
