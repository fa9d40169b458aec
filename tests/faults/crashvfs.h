/*
 * crashvfs.h - a SQLite VFS for tests that simulates power loss, modelled on
 * SQLite's own crash-test VFS (test6.c).
 *
 * It passes everything through to the default VFS, remembering for every file
 * which regions were written since that file's last sync. At a chosen sync
 * call it "loses power": every unsynced write is undone (dropped) or
 * overwritten with garbage (scrambled), and from then on every write and sync
 * fails, as if the machine were gone. It can also simulate a full disk:
 * writes that would grow the files beyond a quota fail with SQLITE_FULL.
 */
#ifndef REFGW_CRASHVFS_H
#define REFGW_CRASHVFS_H

#include <stdbool.h>

enum crash_mode { CRASH_DROP, CRASH_SCRAMBLE };

/* Registers the VFS as the default one. 0 or -1. */
int crashvfs_register(void);
void crashvfs_unregister(void);

/* Loses power at the sync-th sync call from now (1 = the next); 0 disarms. */
void crashvfs_arm(long sync, enum crash_mode mode, unsigned seed);

/* Loses power now (at the end of a round that never reached its sync point). */
void crashvfs_crash_now(void);

bool crashvfs_crashed(void);

/* Syncs seen since crashvfs_arm (to choose crash points). */
long crashvfs_syncs(void);

/* Forgets the crash: the files are as the power loss left them. */
void crashvfs_reset(void);

/* Bytes that writes may add beyond the files' current sizes; <0: no limit. */
void crashvfs_set_quota(long long bytes);

/* Write calls that reached WAL files, and the largest in bytes, since the
 * last call (which starts the counts again). */
void crashvfs_wal_writes(long *calls, long *largest);

#endif
