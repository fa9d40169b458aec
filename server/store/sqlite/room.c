#define _GNU_SOURCE 1 /* O_CLOEXEC */

#include "room.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "api_limits.h"

/* A WAL frame's header, and a frame's share of the WAL index (-shm: 32 KiB
 * for every 4,096 frames). */
#define WAL_FRAME_HEADER 24
#define SHM_BYTES_PER_FRAME 8
/* The WAL index's next block, and filesystem rounding: each of the
 * store's files ends in a partly used block, and a file that grows may need
 * a block of metadata. */
#define SLACK (32 * 1024 + 64 * 1024)
/* The largest content a referral can have: the request that carried it. */
#define CONTENT_MAX RG_REQUEST_MAX

struct room {
    char *dir;
    int fd; /* the reserve file, kept open to release and make it again */
    long long page;
    long long reserve;
    bool held;
    bool surveyed;        /* false: the filesystem could not be asked */
    long long free;       /* free bytes less what the committed state adds */
    long long free_pages; /* the database's free pages, in bytes */
    struct room_cost charged;
};

/* Bytes for `frames` pages written to the WAL, `fresh` of them possibly new
 * pages of the database file. */
static struct room_cost cost(const struct room *r, long long frames, long long fresh)
{
    struct room_cost c = {frames * (r->page + WAL_FRAME_HEADER + SHM_BYTES_PER_FRAME),
                          fresh * r->page};
    return c;
}

static struct room_cost sum(struct room_cost a, struct room_cost b)
{
    struct room_cost c = {a.wal + b.wal, a.fresh + b.fresh};
    return c;
}

long long room_bytes(struct room_cost c)
{
    return c.wal + c.fresh;
}

/* Overflow pages of a row of len bytes (each holds page - 4 bytes), and
 * the leaf it starts in. */
static long long row_pages(const struct room *r, size_t len)
{
    return ((long long)len + r->page - 5) / (r->page - 4) + 1;
}

struct room_cost room_cost_put(const struct room *r, size_t content_len)
{
    /* Everything a send writes may be new: the content's pages and the
     * splits its index entries cause. */
    long long frames =
        row_pages(r, content_len) + ROOM_ROWS_PER_PUT * ROOM_PAGES_PER_ROW;
    return cost(r, frames, frames);
}

struct room_cost room_cost_rows(const struct room *r, long long rows)
{
    /* A row change adds at most one new page: a split's new sibling. */
    return cost(r, rows * ROOM_PAGES_PER_ROW, rows);
}

struct room_cost room_cost_end(const struct room *r)
{
    /* secure_delete zeroes every page the content held: each is written. */
    return sum(cost(r, row_pages(r, CONTENT_MAX), 0),
               room_cost_rows(r, ROOM_ROWS_PER_END + ROOM_ROWS_PER_EVENT));
}

struct room_cost room_cost_delivery(const struct room *r)
{
    return room_cost_rows(r, ROOM_ROWS_PER_DELIVERY);
}

struct room_cost room_cost_largest_put(const struct room *r)
{
    return sum(room_cost_put(r, CONTENT_MAX), room_cost_rows(r, ROOM_ROWS_PER_EVENT));
}

struct room_cost room_cost_tx(const struct room *r)
{
    return cost(r, ROOM_PAGES_PER_TX, 1);
}

long long room_reserve(const struct room *r)
{
    return r->reserve;
}

/* Makes the reserve file whole: its blocks allocated, not a sparse file. */
static bool fill(struct room *r)
{
    int rc = posix_fallocate(r->fd, 0, (off_t)r->reserve);
    if (rc == EOPNOTSUPP || rc == EINVAL) {
        /* A filesystem without fallocate: write the zeros. */
        static const char zeros[64 * 1024];
        rc = 0;
        for (long long off = 0; off < r->reserve && rc == 0; off += sizeof(zeros)) {
            size_t n = r->reserve - off < (long long)sizeof(zeros)
                           ? (size_t)(r->reserve - off)
                           : sizeof(zeros);
            if (pwrite(r->fd, zeros, n, (off_t)off) != (ssize_t)n)
                rc = ENOSPC;
        }
    }
    if (rc == 0 && fsync(r->fd) == 0)
        return true;
    if (ftruncate(r->fd, 0) < 0) {
        /* Then it keeps what it got, and is made whole at the next try. */
    }
    return false;
}

struct room *room_open(const char *data_dir, long page_size, char err[RG_ERR_MAX])
{
    struct room *r = calloc(1, sizeof(*r));
    if (r == NULL || (r->dir = strdup(data_dir)) == NULL) {
        free(r);
        snprintf(err, RG_ERR_MAX, "out of memory");
        return NULL;
    }
    r->page = page_size;
    r->reserve = room_bytes(sum(room_cost_tx(r), room_cost_end(r))) + SLACK;
    char path[4096];
    snprintf(path, sizeof(path), "%s/%s", data_dir, ROOM_FILE);
    r->fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (r->fd < 0) {
        snprintf(err, RG_ERR_MAX, "cannot open %.180s: %s", path, strerror(errno));
        room_close(r);
        return NULL;
    }
    struct stat st;
    r->held = fstat(r->fd, &st) == 0 && (long long)st.st_blocks * 512 >= r->reserve;
    if (!r->held)
        r->held = fill(r);
    return r;
}

void room_close(struct room *r)
{
    if (r == NULL)
        return;
    if (r->fd >= 0)
        close(r->fd);
    free(r->dir);
    free(r);
}

int room_survey(struct room *r, long long pending, long long free_pages)
{
    struct statvfs v;
    struct room_cost none = {0, 0};
    r->charged = none;
    r->free_pages = free_pages;
    r->surveyed = statvfs(r->dir, &v) == 0;
    if (!r->surveyed)
        return -1;
    r->free = (long long)v.f_bavail * (long long)v.f_frsize - pending;
    return 0;
}

/* New pages the database's free pages cannot take: they grow the file. */
static long long growth(const struct room *r, long long fresh)
{
    return fresh > r->free_pages ? fresh - r->free_pages : 0;
}

long long room_spendable(const struct room *r)
{
    if (!r->surveyed)
        return LLONG_MAX / 4;
    return r->free - r->charged.wal - growth(r, r->charged.fresh);
}

/* room_admits() with `free` bytes free at the survey. */
static bool admits(const struct room *r, long long free, struct room_cost c)
{
    if (!r->surveyed)
        return true;
    struct room_cost total = sum(r->charged, c);
    long long grown = growth(r, total.fresh);
    /* It fits now; and once the WAL is truncated, the frames of a largest
     * send fit (with slack for drains if this one grows the file). */
    long long keep = room_cost_largest_put(r).wal + SLACK +
                     (grown > 0 ? ROOM_DRAIN_SLACK_PAGES * r->page : 0);
    return free - total.wal - grown >= SLACK && free - grown >= keep;
}

bool room_admits(const struct room *r, struct room_cost c)
{
    return r->held && admits(r, r->free, c);
}

bool room_degraded(const struct room *r)
{
    return !room_admits(r, room_cost_largest_put(r));
}

bool room_release(struct room *r)
{
    if (!r->held)
        return false;
    r->held = false;
    if (ftruncate(r->fd, 0) < 0) {
        /* A file that cannot shrink: nothing else to give back. */
    }
    return true;
}

bool room_restore(struct room *r)
{
    if (r->held || !r->surveyed ||
        !admits(r, r->free - r->reserve, room_cost_largest_put(r)))
        return false;
    r->held = fill(r);
    return r->held;
}

bool room_held(const struct room *r)
{
    return r->held;
}

void room_begin(struct room *r)
{
    struct room_cost none = {0, 0};
    r->charged = none;
}

void room_charge(struct room *r, struct room_cost c)
{
    r->charged = sum(r->charged, c);
}

struct room_cost room_charged(const struct room *r)
{
    return r->charged;
}

void room_uncharge_to(struct room *r, struct room_cost charged)
{
    r->charged = charged;
}
