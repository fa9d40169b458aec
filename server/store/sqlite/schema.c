/*
 * schema.c - the SQLite store's tables (version 5: SPEC §6 v2 counts, ids
 * from a keyed permutation of the sequence, client_ref keys merged in
 * steps, long bodies' tails in a table of their own) and
 * the statements the writer prepares once.
 */
#include "db_internal.h"

/* Routing metadata and status; no content, no client_ref in clear. The
 * content digest is emptied and the record key removed when the referral
 * ends. id is NULL but for referrals stored before schema 3, whose ids were
 * drawn at random: a referral's id is its seq under the store's keyed
 * permutation (idperm.h). ref_key holds the client_ref keys of sends stored
 * before schema 4, which refs holds too: nothing reads it, so it has no
 * index (stores made at schema 3 or 4 keep their UNIQUE one, which SQLite
 * drops only with the table; each send adds an empty entry to it). */
#define REFERRALS_TABLE(name)                                                          \
    "CREATE TABLE IF NOT EXISTS " name "("                                             \
    "  seq INTEGER PRIMARY KEY,"                                                       \
    "  id TEXT,"                                                                       \
    "  sender TEXT NOT NULL, sender_type TEXT NOT NULL,"                               \
    "  recipient TEXT NOT NULL, recipient_type TEXT NOT NULL,"                         \
    "  signal TEXT NOT NULL, urgency TEXT NOT NULL,"                                   \
    "  state INTEGER NOT NULL,"                                                        \
    "  created_at INTEGER NOT NULL, delivered_at INTEGER, acknowledged_at INTEGER,"    \
    "  ended_at INTEGER,"                                                              \
    "  deliveries INTEGER NOT NULL DEFAULT 0,"                                         \
    "  ref_key BLOB,"                                                                  \
    "  digest BLOB NOT NULL,"                                                          \
    "  rkey INTEGER);"

#define REFERRALS_COLUMNS                                                              \
    "seq, id, sender, sender_type, recipient, recipient_type, signal, urgency,"        \
    " state, created_at, delivered_at, acknowledged_at, ended_at, deliveries,"         \
    " ref_key, digest, rkey"

/* Schema 2's id column was NOT NULL UNIQUE: SQLite changes a column's
 * constraints only by building the table anew. Its indexes go with the old
 * table; db_schema, run again, makes them. */
const char db_referrals_rebuild[] =
    REFERRALS_TABLE("referrals_v3") "INSERT INTO referrals_v3(" REFERRALS_COLUMNS
                                    ") SELECT " REFERRALS_COLUMNS " FROM referrals;"
                                    "DROP TABLE referrals;"
                                    "ALTER TABLE referrals_v3 RENAME TO referrals;";

const char db_schema[] = "CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value "
                         "BLOB NOT NULL);" REFERRALS_TABLE("referrals")
    /* Only ids drawn at random before schema 3 are stored (idperm.h). */
    "CREATE UNIQUE INDEX IF NOT EXISTS referrals_id ON referrals(id) WHERE id IS NOT "
    "NULL;"
    "CREATE INDEX IF NOT EXISTS referrals_pending ON referrals(recipient, state, seq);"
    "CREATE INDEX IF NOT EXISTS referrals_age ON referrals(state, created_at);"
    /* The keyed digests of client_refs (refindex.c): appended to ref_log
     * by seq, merged into refs by key in steps. referrals.ref_key holds
     * those of sends stored before schema 4, which are in refs too. */
    "CREATE TABLE IF NOT EXISTS refs(ref_key BLOB PRIMARY KEY, seq INTEGER NOT NULL)"
    " WITHOUT ROWID;"
    "CREATE TABLE IF NOT EXISTS ref_log(seq INTEGER PRIMARY KEY, ref_key BLOB NOT "
    "NULL);"
    /* Content, keyed by the referral's seq; deleted (and zeroed) on ack or expiry. */
    "CREATE TABLE IF NOT EXISTS content("
    "  seq INTEGER PRIMARY KEY,"
    "  age_band TEXT, gender TEXT, municipality TEXT, origin TEXT,"
    "  socioeconomic TEXT, education TEXT, housing TEXT, addiction TEXT,"
    "  body BLOB NOT NULL,"
    "  sealed INTEGER NOT NULL DEFAULT 0);" /* body is body_cms (SPEC §10) */
    /* The rest of a body whose content row would pass half a page (schema
     * 5, referrals.c): content rows then share pages. Deleted with it. */
    "CREATE TABLE IF NOT EXISTS content_tail(seq INTEGER PRIMARY KEY, rest BLOB NOT "
    "NULL);"
    /* SPEC §6 v2, flow: no subject attribute. k: the sum mod 2^32 of the
     * counted events' record keys. */
    "CREATE TABLE IF NOT EXISTS flow_counts("
    "  month TEXT NOT NULL, event TEXT NOT NULL,"
    "  sender TEXT NOT NULL, sender_type TEXT NOT NULL,"
    "  recipient TEXT NOT NULL, recipient_type TEXT NOT NULL,"
    "  signal TEXT NOT NULL, urgency TEXT NOT NULL,"
    "  n INTEGER NOT NULL, k INTEGER NOT NULL,"
    "  PRIMARY KEY(month, event, sender, sender_type, recipient, recipient_type,"
    "              signal, urgency)) WITHOUT ROWID;"
    /* Subject: one attribute, for periods still running only; erased when
     * the period is released. */
    "CREATE TABLE IF NOT EXISTS subject_counts("
    "  period TEXT NOT NULL, event TEXT NOT NULL, attr TEXT NOT NULL,"
    "  value TEXT NOT NULL, n INTEGER NOT NULL, k INTEGER NOT NULL,"
    "  PRIMARY KEY(period, event, attr, value)) WITHOUT ROWID;"
    /* What a release published (attr '' is the table's total), and which
     * periods are released. Cells below the threshold have no row. */
    "CREATE TABLE IF NOT EXISTS released("
    "  period TEXT NOT NULL, event TEXT NOT NULL, attr TEXT NOT NULL,"
    "  value TEXT NOT NULL, v INTEGER NOT NULL,"
    "  PRIMARY KEY(period, event, attr, value)) WITHOUT ROWID;"
    "CREATE TABLE IF NOT EXISTS releases("
    "  period TEXT PRIMARY KEY, released_at INTEGER NOT NULL,"
    "  min_count INTEGER NOT NULL) WITHOUT ROWID;"
    "CREATE TABLE IF NOT EXISTS rejections("
    "  month TEXT NOT NULL, code TEXT NOT NULL, n INTEGER NOT NULL,"
    "  PRIMARY KEY(month, code)) WITHOUT ROWID;"
    /* The last referral counted as accepted. A store without the mark was
     * written when sends were counted as they were stored: all are counted. */
    "INSERT OR IGNORE INTO meta(key, value)"
    "  SELECT 'counted_seq', coalesce(max(seq), 0) FROM referrals;"
    "INSERT OR IGNORE INTO meta(key, value) VALUES('schema', 4);";

/* The routing and subject columns every counting reads, and the record key:
 * read by db_read_ending (columns 0 and 2-16; column 1 is the state or the
 * creation time). */
#define ENDING_COLUMNS                                                                 \
    " r.sender, r.sender_type, r.recipient, r.recipient_type, r.signal, r.urgency,"    \
    " c.age_band, c.gender, c.municipality, c.origin, c.socioeconomic, c.education,"   \
    " c.housing, c.addiction, r.rkey FROM referrals r LEFT JOIN content c ON c.seq = " \
    "r.seq"

/* What ending a referral leaves of it: routing and times, no digest of its
 * content and no record key. */
#define ENDED " rkey = NULL, digest = x''"

const char *const db_stmt_sql[S_COUNT_STMTS] = {
    [S_BEGIN] = "BEGIN IMMEDIATE",
    [S_COMMIT] = "COMMIT",
    [S_ROLLBACK] = "ROLLBACK",
    [S_SAVEPOINT] = "SAVEPOINT op",
    [S_RELEASE] = "RELEASE op",
    [S_ROLLBACK_TO] = "ROLLBACK TO op",
    [S_FIND_REF] = "SELECT id, digest, state FROM referrals WHERE seq = ?1",
    [S_INSERT_REFERRAL] =
        "INSERT INTO referrals(sender, sender_type, recipient, recipient_type,"
        " signal, urgency, state, created_at, digest, rkey)"
        " VALUES(?1, ?2, ?3, ?4, ?5, ?6, 0, ?7, ?8, ?9)",
    [S_INSERT_CONTENT] = "INSERT INTO content(seq, age_band, gender, municipality, "
                         "origin, socioeconomic,"
                         " education, housing, addiction, body, sealed)"
                         " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
    [S_SELECT_PENDING] =
        "SELECT r.seq, r.id, r.sender, r.sender_type, r.created_at, r.signal, "
        "r.urgency,"
        " r.deliveries, c.age_band, c.gender, c.municipality, c.origin, "
        "c.socioeconomic,"
        " c.education, c.housing, c.addiction, c.body, c.sealed, t.rest"
        " FROM referrals r JOIN content c ON c.seq = r.seq"
        " LEFT JOIN content_tail t ON t.seq = r.seq"
        " WHERE r.recipient = ?1 AND r.state IN (0, 1) ORDER BY r.seq LIMIT ?2",
    [S_MARK_DELIVERED] = "UPDATE referrals SET state = 1, deliveries = deliveries + 1,"
                         " delivered_at = coalesce(delivered_at, ?2) WHERE seq = ?1",
    [S_SELECT_FOR_END] = "SELECT r.seq, r.state," ENDING_COLUMNS
                         " WHERE r.seq = ?1 AND r.id IS ?3 AND r.recipient = ?2",
    [S_DELETE_CONTENT] = "DELETE FROM content WHERE seq = ?1",
    [S_INSERT_TAIL] = "INSERT INTO content_tail(seq, rest) VALUES(?1, ?2)",
    [S_DELETE_TAIL] = "DELETE FROM content_tail WHERE seq = ?1",
    [S_MARK_ACKED] =
        "UPDATE referrals SET state = 2, acknowledged_at = ?2, ended_at = ?2," ENDED
        " WHERE seq = ?1",
    [S_MARK_EXPIRED] =
        "UPDATE referrals SET state = 3, ended_at = ?2," ENDED " WHERE seq = ?1",
    [S_SELECT_EXPIRED] =
        "SELECT r.seq, r.id, r.recipient FROM referrals r"
        " WHERE r.state IN (0, 1) AND r.created_at < ?1 ORDER BY r.created_at LIMIT ?2",
    [S_STATUS] = "SELECT recipient, state, created_at, delivered_at, acknowledged_at"
                 " FROM referrals WHERE seq = ?1 AND id IS ?3 AND sender = ?2",
    [S_FLOW_COUNT] =
        "INSERT INTO flow_counts(month, event, sender, sender_type, recipient,"
        " recipient_type, signal, urgency, n, k)"
        " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)"
        " ON CONFLICT DO UPDATE SET n = n + excluded.n, k = (k + excluded.k) % "
        "4294967296",
    /* A period already released never changes: an event that reaches the
     * store after its release is counted in the flow only. */
    [S_SUBJECT_COUNT] = "INSERT INTO subject_counts(period, event, attr, value, n, k)"
                        " SELECT ?1, ?2, ?3, ?4, ?5, ?6"
                        " WHERE NOT EXISTS (SELECT 1 FROM releases WHERE period = ?1)"
                        " ON CONFLICT DO UPDATE SET n = n + excluded.n, k = (k + "
                        "excluded.k) % 4294967296",
    [S_REJECTION] = "INSERT INTO rejections(month, code, n) VALUES(?1, ?2, ?3)"
                    " ON CONFLICT DO UPDATE SET n = n + excluded.n",
    [S_PING] = "SELECT value FROM meta WHERE key = 'secret'",
    [S_SELECT_UNCOUNTED] =
        "SELECT r.seq, r.created_at," ENDING_COLUMNS
        " WHERE r.seq > (SELECT value FROM meta WHERE key = 'counted_seq')"
        " ORDER BY r.seq",
    [S_SET_COUNTED] = "UPDATE meta SET value = ?1 WHERE key = 'counted_seq'",
    [S_COUNT_UNCOUNTED] =
        "SELECT count(*) FROM referrals"
        " WHERE seq > (SELECT value FROM meta WHERE key = 'counted_seq')",
    [S_RUNNING_PERIODS] = "SELECT DISTINCT period FROM subject_counts",
    [S_PERIOD_CELLS] = "SELECT attr, value, n, k FROM subject_counts"
                       " WHERE period = ?1 AND event = ?2",
    [S_PUBLISH] = "INSERT INTO released(period, event, attr, value, v)"
                  " VALUES(?1, ?2, ?3, ?4, ?5)",
    [S_ERASE_PERIOD] = "DELETE FROM subject_counts WHERE period = ?1",
    [S_MARK_RELEASED] = "INSERT INTO releases(period, released_at, min_count)"
                        " VALUES(?1, ?2, ?3)",
    [S_RELEASED_ROWS] = "SELECT value, v FROM released WHERE period = ?1 AND event = ?2"
                        " AND attr = ?3 ORDER BY value",
    [S_PAGE_COUNT] = "PRAGMA page_count",
    [S_FREELIST_COUNT] = "PRAGMA freelist_count",
    [S_SEQ_OF_ID] = "SELECT seq FROM referrals WHERE id = ?1",
    [S_REF_SEQ] = "SELECT seq FROM refs WHERE ref_key = ?1",
    [S_LOG_REF] = "INSERT INTO ref_log(seq, ref_key) VALUES(?1, ?2)",
    [S_MERGE_REF] = "INSERT OR IGNORE INTO refs(ref_key, seq) VALUES(?1, ?2)",
    [S_DROP_REF_LOG] = "DELETE FROM ref_log WHERE seq <= ?1",
    [S_READ_REF_LOG] = "SELECT seq, ref_key FROM ref_log",
    [S_READ_REFS_AFTER] = "SELECT ref_key FROM refs WHERE ref_key > ?1 ORDER BY ref_key"
                          " LIMIT ?2",
};
