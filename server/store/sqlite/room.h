/*
 * room.h - the SQLite store's disk reserve: what the store may still write,
 * and the preallocated file it releases so that a full disk can be drained.
 *
 * Draining the store (deliveries, acknowledgements, expiry) writes too: WAL
 * frames and their share of the WAL index, which need free space until the
 * WAL is truncated, and now and then a new database page. A disk filled by
 * sends could otherwise never be drained. So:
 *
 * - Each kind of transaction has a cost: an upper bound of what it can add,
 *   from the pages its row changes can dirty (ROOM_PAGES_PER_ROW each), the
 *   overflow pages of its content, and a few per transaction. Every dirty
 *   page is a WAL frame (`wal`: given back when the WAL is truncated); pages
 *   that may be new (`fresh`) grow the database file for good, unless the
 *   database's free pages take them.
 * - room_survey() measures, before each batch, the filesystem's free bytes
 *   less what committed transactions will still add (the database file
 *   growing to its logical size at the next checkpoint, and the rows that
 *   counting the waiting sends will write), and the database's free pages.
 * - The reserve file, refgw.reserve, holds room_reserve() bytes: the cost of
 *   the largest transaction a drain needs (one acknowledgement of the largest
 *   referral) with the WAL index's next block and filesystem slack. When a
 *   drain does not fit in what is left even after truncating the WAL, the
 *   store releases the file, and sends are refused (degraded) until it can
 *   be made again with room beyond it for a largest send.
 * - A send is admitted only while the reserve file is held, if it fits now,
 *   and if after the next WAL truncation the frames of a largest send would
 *   still fit: so that once the store is drained, sends can go on from the
 *   free pages. A send that grows the database file must also leave
 *   ROOM_DRAIN_SLACK_PAGES for what drains may add (a counter or index
 *   page split beyond the pages they free).
 *
 * Not thread-safe: the store's writer is its only user.
 */
#ifndef REFGW_ROOM_H
#define REFGW_ROOM_H

#include <stdbool.h>
#include <stddef.h>

#include "errors.h"

/* Pages one row change (insert, update, delete) can dirty: its leaf, the
 * new sibling when the leaf splits, and the parent that points to it. Only
 * the sibling is a new page. */
#define ROOM_PAGES_PER_ROW 3
/* Pages every transaction may dirty besides its rows: page 1 (database size
 * and freelist head), a freelist trunk page, and the counting mark. */
#define ROOM_PAGES_PER_TX 3
/* Counter rows one event adds to: its flow row, and for each subject
 * attribute the rows of its month, quarter and year (SPEC §6). */
#define ROOM_ROWS_PER_EVENT 25
/* Rows changed when one referral ends: content and a long body's tail
 * deleted, its routing row updated, and its entry moved in two indexes (a
 * delete and an insert). */
#define ROOM_ROWS_PER_END 7
/* Rows changed by a send: routing, content, a long body's tail, its
 * client_ref key's ref_log row, and three index entries. A merge step is
 * charged on its own. */
#define ROOM_ROWS_PER_PUT 7
/* Rows changed by a delivery: routing updated, two index entries moved. */
#define ROOM_ROWS_PER_DELIVERY 5
/* Drains free pages (an acknowledgement frees its content's), and take new
 * pages only when a counter or index page splits: this many pages are kept
 * for that beyond what sends may take from the filesystem. */
#define ROOM_DRAIN_SLACK_PAGES 64

#define ROOM_FILE "refgw.reserve"

/* Bytes a transaction may add: WAL frames (with their WAL index share) and
 * new database pages. */
struct room_cost {
    long long wal, fresh;
};

struct room;

/* For the store in data_dir with pages of page_size bytes. Makes the reserve
 * file if the disk has room for it (else sends are refused from the start).
 * NULL with err if the file cannot be opened. */
struct room *room_open(const char *data_dir, long page_size, char err[RG_ERR_MAX]);
void room_close(struct room *r);

/* Costs: a send of content_len bytes (its counting excluded), the end of
 * one referral (acknowledgement or expiry, counted), one delivery, `rows`
 * counter rows, the largest send with its counting, and what any
 * transaction may add besides its ops. room_bytes: both parts summed. */
struct room_cost room_cost_put(const struct room *r, size_t content_len);
struct room_cost room_cost_end(const struct room *r);
struct room_cost room_cost_delivery(const struct room *r);
struct room_cost room_cost_rows(const struct room *r, long long rows);
struct room_cost room_cost_largest_put(const struct room *r);
struct room_cost room_cost_tx(const struct room *r);
long long room_bytes(struct room_cost c);
long long room_reserve(const struct room *r);

/*
 * Measures the filesystem's free bytes less pending (bytes the committed
 * state will still add), and notes free_pages, the database's free pages in
 * bytes. Nothing is charged after it. 0, or -1 if the filesystem cannot be
 * asked: the store then behaves as if it had room and lets SQLite find out.
 */
int room_survey(struct room *r, long long pending, long long free_pages);

/* Bytes that may still be written now, after what is charged. */
long long room_spendable(const struct room *r);

/* Gives the reserve file's space back; returns whether it held it. */
bool room_release(struct room *r);
/* Makes the reserve file again if it is released and there is room for it
 * and a largest send beyond it; returns whether it did. */
bool room_restore(struct room *r);
bool room_held(const struct room *r);

/* A transaction begins: nothing charged yet. */
void room_begin(struct room *r);
void room_charge(struct room *r, struct room_cost c);
/* What is charged since the transaction began, and going back to such a
 * figure: a rollback to a savepoint gives back what its ops charged. */
struct room_cost room_charged(const struct room *r);
void room_uncharge_to(struct room *r, struct room_cost charged);
/* Whether a send costing c may be accepted after what is charged. */
bool room_admits(const struct room *r, struct room_cost c);
/* Whether sends are refused now: the reserve file is released, or a
 * largest send would not be admitted. */
bool room_degraded(const struct room *r);

#endif
