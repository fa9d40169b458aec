/*
 * walbuf.h - a SQLite VFS that gathers the writes to a write-ahead log into
 * few large system calls.
 *
 * SQLite writes each WAL frame with two calls (the frame's header, then its
 * page), so a batch of sends costs hundreds of pwrite calls before its one
 * fsync; on a virtual machine each call is dear. This VFS wraps whatever VFS
 * is the default when a file is opened. For WAL files only, it holds writes
 * that continue one another in a buffer, and writes the buffer out in one
 * call before anything else reaches the file: a sync, a read, a truncation,
 * a size query, a file control, a close, or a write elsewhere in the file.
 * Every other file, and every other call, goes straight through.
 *
 * Durability is unchanged. A sync writes the buffer out first, and a write
 * still in the buffer has never been synced, so a crash loses nothing a crash
 * would not lose anyway: frames of a transaction that had not committed. A
 * failed write-out is reported by the call that caused it, and its bytes are
 * dropped (the transaction they belong to then rolls back).
 *
 * It needs a sync at every commit (synchronous=FULL, which the store sets):
 * SQLite publishes a commit's frames to other connections, such as the
 * checkpointer's, right after writing them and, at FULL, syncing them. With
 * no sync they would be published while still in the buffer, and another
 * connection would read what the file held before.
 */
#ifndef REFGW_WALBUF_H
#define REFGW_WALBUF_H

#include <stdbool.h>

#include <sqlite3.h>

#define WALBUF_VFS "refgw-walbuf"
/* The same, and database files written through it are paced: after every
 * WALBUF_PACE_BYTES written, the writeback of the last such amount is waited
 * for and that of the new one started (sync_file_range), so that a large
 * checkpoint trickles to the disk as it goes instead of queueing all of it
 * at its final fsync, ahead of the writer's syncs of the WAL. For the
 * checkpointer's connection. */
#define WALBUF_PACED_VFS "refgw-walbuf-paced"
#define WALBUF_PACE_BYTES (512 * 1024) /* bench/notes.md: 2 MiB left longer stalls */
/* SQLite's unix VFS writes less than 128 KiB per call (larger writes fail as
 * a full disk): 64 KiB holds 15 frames of 4 KiB pages. */
#define WALBUF_BYTES (64 * 1024)

/* How many times the WAL file of db's main database has started again from
 * its beginning since this connection opened it (SQLite writes a new header
 * at offset 0), or -1 when it is not open through these VFSs. */
long long walbuf_wal_starts(sqlite3 *db);

/* Erases old frames of db's WAL without truncating it: zeroes what the file
 * holds past the frames written since it last started again, or with whole
 * all of it, which only a WAL copied back in full and free of readers may
 * be (a RESTART checkpoint just done: the next commit writes a new header).
 * SQLite reads neither: frames past the last valid one, and a WAL whose
 * header is zero, are no frames. The file keeps its size and its blocks
 * (fallocate's ZERO_RANGE where the filesystem has it; else dropped, else
 * zeros written): freeing 100 MiB held the writer for a tenth of a second,
 * and the WAL need not grow back after each erasure. The writer's thread
 * only, between transactions. 0, or -1 with errno. */
int walbuf_wal_erase(sqlite3 *db, bool whole);

/* Registers the VFSs under WALBUF_VFS and WALBUF_PACED_VFS (not as the
 * default); once is enough,
 * later calls do nothing. Not thread-safe: call it before opening stores in
 * threads. 0 or -1. */
int walbuf_register(void);

#endif
