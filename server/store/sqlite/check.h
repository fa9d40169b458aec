/*
 * check.h - the SQLite store's integrity: a cheap structural check on the
 * start path, and the full check off it.
 *
 * A full check (PRAGMA quick_check, or integrity_check) reads every page:
 * about a minute per GB of store with the files out of the page cache. At
 * start the store only checks what it reads anyway or can read in a few
 * pages: the file's header, the schema, and the first and last entry of
 * every table and index (the root and the edges of each b-tree). The full
 * check runs afterwards in a thread of its own at the lowest priority
 * (checker_start), and on demand (refgwd --check-store, check_store_file).
 * Corruption anywhere else is found there, or by the request that reads the
 * damaged page, which then fails with 503: it is never served silently.
 */
#ifndef REFGW_CHECK_H
#define REFGW_CHECK_H

#include <stdbool.h>

#include <sqlite3.h>

#include "errors.h"
#include "store.h"

/* The start path's checks: of the database file at path before SQLite
 * opens it (its header, and its size against the header's), then of the
 * open store (its list of free pages, and the ends of every b-tree). Each
 * 0, or -1 with err saying what is wrong; together they read some dozens of
 * pages whatever the store's size. A file that does not exist passes. */
int check_file(const char *path, char err[RG_ERR_MAX]);
int check_structure(sqlite3 *db, const char *path, char err[RG_ERR_MAX]);

/* The full check of the store at path, from a connection of its own
 * (read-only; a gateway may be serving from the store meanwhile), after
 * reading the file through once when it fits in half the available memory
 * (in file order a cold disk reads it many times faster than the check's
 * b-tree order). thorough: integrity_check (indexes against tables too),
 * else quick_check. 0 with *out filled (sound or not), or -1 with err if it
 * could not check. */
int check_store_file(const char *path, bool thorough, struct store_check *out,
                     char err[RG_ERR_MAX]);

/*
 * The background check: a thread at nice 19 and the lowest best-effort I/O
 * priority that reads the file through, runs the quick_check of
 * check_store_file and logs its outcome. Corruption found makes
 * checker_corrupt() true for good. While the writer commits (checker_busy)
 * it works at most a fifth of the time, so that sends keep their processor.
 *
 * While the check reads, its snapshot keeps the WAL from starting again:
 * under a stream of sends the WAL grows, and with it the time a restart
 * after a crash spends recovering it. So the writer makes it give way
 * (checker_yield) once the WAL passes its bound; it tries again later, from
 * the start, waiting longer each time.
 */
struct checker;

/* Starts it on the store at path; NULL if it cannot (then no check runs). */
struct checker *checker_start(const char *path);

/* Ends the check's read now (any thread); it tries again later. NULL is fine. */
void checker_yield(struct checker *c);

/* The writer committed (any thread). NULL is fine. */
void checker_busy(struct checker *c);

/* Whether the check found the store corrupt (any thread). */
bool checker_corrupt(const struct checker *c);

/* Ends the check early if it still runs. checker_free frees, and must wait
 * until the store is closed: it closes a descriptor of the database file,
 * which would drop the locks SQLite holds on it. NULL is fine for both. */
void checker_stop(struct checker *c);
void checker_free(struct checker *c);

#endif
