/*
 * wiping.h - SQLite's memory, set for the whole process before any store
 * opens: whatever SQLite frees is wiped first.
 *
 * A referral's content passes through SQLite's own buffers: the record it
 * builds for an insert, the pages of a connection's cache, the scratch
 * copies a page edit makes, the sub-journal of a savepoint. Freed unwiped,
 * they would keep the content in the heap after the referral was erased. The
 * allocator installed here wraps SQLite's own and wipes each block as it is
 * freed or moved; page-cache pages are allocated one by one (no bulk block
 * whose pages SQLite reuses without freeing), so a page a connection drops
 * is freed, and so wiped. Buffers SQLite keeps for a connection's lifetime
 * (the two page-sized scratch areas) are wiped when it closes: the writer's
 * connection is opened again when it idles after an erasure (db_refresh).
 */
#ifndef REFGW_SQLITE_WIPING_H
#define REFGW_SQLITE_WIPING_H

/* Call once, before sqlite3_initialize and any thread: no memory statistics
 * (each connection has one owner thread; the statistics' mutex would be
 * taken on every allocation), and the wiping allocator. 0, or -1 if SQLite
 * refused a setting (it was already initialised). */
int sqlite_memory_configure(void);

#endif
