/*
 * pg_sql.c - the statements the writer prepares on each connection. Every
 * value is a parameter, sent in binary and cast where it is used; many rows
 * travel as arrays and are taken apart with unnest().
 */
#include "pg_internal.h"

/* The eight subject columns, in rg_subject order. */
#define SUBJECT_COLUMNS                                                                \
    "age_band, gender, municipality, origin, socioeconomic, education, housing, "      \
    "addiction"
#define ROUTING_COLUMNS                                                                \
    "sender, sender_type, recipient, recipient_type, signal, urgency"
#define GONE_SUBJECT                                                                   \
    "g.age_band, g.gender, g.municipality, g.origin, g.socioeconomic, g.education, "   \
    "g.housing, g.addiction"

/* What ending a referral returns besides: whether its acceptance is still
 * to be counted (past its shard's mark). The mark is read under a share
 * lock after the content row is deleted, so bulk counting of the shard
 * (which locks the mark first) either saw the row or sees it gone. */
#define MARK_OF_GONE                                                                   \
    " mark AS (SELECT m.shard, m.seq FROM counted m"                                   \
    " WHERE m.shard IN (SELECT shard FROM gone) FOR SHARE)"
#define UNCOUNTED "g.seq > coalesce(m.seq, 0)"

const char *const pg_stmt_sql[Q_COUNT] = {
    /* Many sends at once. A client_ref used before (or a second time in the
     * same statement) inserts nothing: ON CONFLICT DO NOTHING, and the
     * caller looks the earlier referral up (Q_FIND_REFS). Returns the
     * position in the arrays (ord) and seq of each stored one. */
    [Q_PUTS] =
        "WITH input AS ("
        " SELECT * FROM unnest($1::int[], $2::text[], $3::text[], $4::text[],"
        "  $5::text[], $6::text[], $7::text[], $8::text[], $9::bigint[], $10::bytea[])"
        " AS t(ord, id, " ROUTING_COLUMNS ", created_at, ref_key)),"
        " ins AS ("
        " INSERT INTO referrals (id, " ROUTING_COLUMNS ", created_at, ref_key)"
        " SELECT id, " ROUTING_COLUMNS ", created_at, ref_key FROM input ORDER BY ord"
        " ON CONFLICT DO NOTHING RETURNING seq, id, recipient, created_at),"
        " stored AS (SELECT input.ord, ins.seq, ins.id, ins.recipient, ins.created_at"
        " FROM ins JOIN input USING (id)),"
        " kept AS ("
        " INSERT INTO content (recipient, seq, id, shard, created_at, digest, rkey,"
        " " SUBJECT_COLUMNS ", body, sealed)"
        " SELECT s.recipient, s.seq, s.id, $23::bigint, s.created_at, digest, rkey,"
        " " SUBJECT_COLUMNS ", body, sealed <> 0 FROM stored s"
        " JOIN unnest($1::int[], $11::bytea[], $12::bigint[], $13::text[],"
        "  $14::text[], $15::text[], $16::text[], $17::text[], $18::text[],"
        "  $19::text[], $20::text[], $21::bytea[], $22::smallint[])"
        " AS c(ord, digest, rkey, " SUBJECT_COLUMNS ", body, sealed) USING (ord))"
        " SELECT ord, seq FROM stored",
    /* The earlier referrals of repeated client_refs; digest NULL: ended. */
    [Q_FIND_REFS] =
        "SELECT r.ref_key, r.id, c.digest, r.state FROM referrals r"
        " LEFT JOIN content c ON c.recipient = r.recipient AND c.seq = r.seq"
        " WHERE r.ref_key = ANY($1::bytea[])",
    /* Pending referrals of one recipient, oldest first, their content rows
     * locked in that order (two gateways serving one inbox wait rather than
     * deadlock; one acknowledged meanwhile is not locked, not handed out);
     * the first always, the others while their bodies stay within $4
     * bytes. */
    [Q_INBOX] =
        "WITH picked AS ("
        " SELECT seq, id, " SUBJECT_COLUMNS ", body, sealed FROM content"
        " WHERE recipient = $1::text ORDER BY seq LIMIT $2::bigint FOR UPDATE),"
        " sized AS (SELECT id, row_number() OVER w AS nth,"
        " sum(octet_length(body)) OVER w AS so_far FROM picked"
        " WINDOW w AS (ORDER BY seq)),"
        " handed AS ("
        " UPDATE referrals r SET state = 1, deliveries = r.deliveries + 1,"
        " delivered_at = coalesce(r.delivered_at, $3::bigint)"
        " WHERE r.id = ANY (ARRAY(SELECT id FROM sized"
        " WHERE nth = 1 OR so_far <= $4::bigint))"
        " RETURNING r.seq, r.id, r.sender, r.sender_type, r.created_at, r.signal,"
        " r.urgency, r.deliveries)"
        " SELECT h.seq, h.id, h.sender, h.sender_type, h.created_at, h.signal,"
        " h.urgency, h.deliveries, p.age_band, p.gender, p.municipality, p.origin,"
        " p.socioeconomic, p.education, p.housing, p.addiction, p.body, p.sealed"
        " FROM handed h JOIN picked p USING (id)",
    /* The referral an acknowledgement names, as it is now. */
    [Q_ENDING] =
        "SELECT state FROM referrals WHERE id = $1::text AND recipient = $2::text",
    /* Acknowledgements ($2 ids, $3 recipients, $4 times; $1 their places):
     * each referral's state and routing, and for each pending one its
     * content deleted (its rows locked first, oldest first: two gateways
     * acknowledging the same referrals wait rather than deadlock), what its
     * counting needs returned, the referral marked acknowledged. No row for
     * an ack: no such referral of this recipient. A pending one whose
     * content was not there ended meanwhile through another gateway (the
     * lock waited for that one's commit): Q_ENDING says how. */
    [Q_ACKS] =
        "WITH input AS (SELECT * FROM unnest($1::int[], $2::text[], $3::text[],"
        "  $4::bigint[]) AS t(ord, id, recipient, at)),"
        " target AS (SELECT i.ord, i.at, r.id, r.seq, r.state, r.sender, r.sender_type,"
        "  r.recipient, r.recipient_type, r.signal, r.urgency FROM referrals r"
        "  JOIN input i ON r.id = i.id AND r.recipient = i.recipient"
        "  WHERE r.id = ANY ($2::text[])),"
        " locked AS (SELECT c.ctid AS tid FROM content c"
        "  WHERE c.recipient = ANY ($3::text[])"
        "  AND c.seq = ANY (ARRAY(SELECT seq FROM target WHERE state < 2))"
        "  AND (c.recipient, c.seq) IN (SELECT recipient, seq FROM target)"
        "  ORDER BY c.seq FOR UPDATE),"
        " gone AS (DELETE FROM content c WHERE c.ctid = ANY (ARRAY(SELECT tid"
        "  FROM locked)) RETURNING c.*),"
        " ended AS (UPDATE referrals r SET state = 2,"
        "  ended_at = (SELECT min(at) FROM target t WHERE t.id = r.id),"
        "  acknowledged_at = (SELECT min(at) FROM target t WHERE t.id = r.id)"
        "  WHERE r.id = ANY (ARRAY(SELECT id FROM gone)))," MARK_OF_GONE
        " SELECT t.ord, t.seq, t.state, t.sender, t.sender_type,"
        " t.recipient, t.recipient_type, t.signal, t.urgency, g.id IS NOT NULL,"
        " g.created_at, g.rkey, " GONE_SUBJECT ", " UNCOUNTED
        " FROM target t LEFT JOIN gone g ON g.id = t.id"
        " LEFT JOIN mark m ON m.shard = g.shard",
    [Q_TRY_LOCK] = "SELECT pg_try_advisory_xact_lock($1::bigint::int, $2::bigint::int)",
    [Q_LOCK] = "SELECT 1 FROM (SELECT pg_advisory_xact_lock($1::bigint::int,"
               " $2::bigint::int)) l",
    /* Up to $2 referrals created before $1, ended as expired at $3; rows
     * another transaction holds are left for the next sweep. */
    [Q_EXPIRE] =
        "WITH due AS ("
        " SELECT ctid AS tid FROM content WHERE created_at < $1::bigint"
        " ORDER BY created_at LIMIT $2::bigint FOR UPDATE SKIP LOCKED),"
        " gone AS (DELETE FROM content c WHERE c.ctid = ANY (ARRAY(SELECT tid FROM "
        "due))"
        " RETURNING c.*),"
        " ended AS (UPDATE referrals r SET state = 3, ended_at = $3::bigint"
        " WHERE r.id = ANY (ARRAY(SELECT id FROM gone))"
        " RETURNING r.id, r.sender, r.sender_type, r.recipient, r.recipient_type,"
        " r.signal, r.urgency)," MARK_OF_GONE
        " SELECT e.sender, e.sender_type, e.recipient, e.recipient_type, e.signal,"
        " e.urgency, g.created_at, g.rkey, " GONE_SUBJECT ", " UNCOUNTED
        " FROM ended e JOIN gone g USING (id) LEFT JOIN mark m ON m.shard = g.shard",
    [Q_STATUS] = "SELECT recipient, state, created_at, delivered_at, acknowledged_at"
                 " FROM referrals WHERE id = $1::text AND sender = $2::text",
    /* A transaction's counters and its NOTIFY, in one statement. Counter
     * rows in key order (no two writers lock them in opposite orders), in
     * this writer's shard ($17). A subject period already released never
     * changes: an event that reaches the store after its release is
     * counted in the flow only. Several months' keys may fall in one
     * quarter or year: summed first. */
    [Q_COUNTS] =
        "WITH flow AS ("
        " INSERT INTO flow_counts AS f (month, event, " ROUTING_COLUMNS ", shard, n, k)"
        " SELECT month, event, " ROUTING_COLUMNS ", $17::bigint, n, k"
        " FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[],"
        "  $6::text[], $7::text[], $8::text[], $9::bigint[], $10::bigint[])"
        " AS t(month, event, " ROUTING_COLUMNS ", n, k)"
        " ORDER BY 1, 2, 3, 4, 5, 6, 7, 8"
        " ON CONFLICT (month, event, " ROUTING_COLUMNS ", shard)"
        " DO UPDATE SET n = f.n + excluded.n, k = (f.k + excluded.k) % 4294967296),"
        " subject AS ("
        " INSERT INTO subject_counts AS s (period, event, attr, value, shard, n, k)"
        " SELECT period, event, attr, value, $17::bigint, sum(n), sum(k) % 4294967296"
        " FROM unnest($11::text[], $12::text[], $13::text[], $14::text[],"
        "  $15::bigint[], $16::bigint[]) AS t(period, event, attr, value, n, k)"
        " WHERE NOT EXISTS (SELECT 1 FROM releases r WHERE r.period = t.period)"
        " GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4"
        " ON CONFLICT (period, event, attr, value, shard)"
        " DO UPDATE SET n = s.n + excluded.n, k = (s.k + excluded.k) % 4294967296)"
        " SELECT pg_notify('" PG_CHANNEL "', $18::text) WHERE $18::text <> ''",
    /* Bulk counting of a shard's sends: its mark, locked (enders of its
     * referrals wait, then read the new one); then, in a statement of its
     * own (a snapshot taken after the lock), the sends past it that are
     * still pending, oldest first, with what counting needs. */
    [Q_MARK_LOCK] = "SELECT seq FROM counted WHERE shard = $1::bigint FOR UPDATE",
    [Q_UNCOUNTED] =
        "SELECT c.seq, c.created_at, c.rkey, c.age_band, c.gender, c.municipality,"
        " c.origin, c.socioeconomic, c.education, c.housing, c.addiction,"
        " r.sender, r.sender_type, r.recipient, r.recipient_type, r.signal, r.urgency"
        " FROM (SELECT * FROM content WHERE shard = $1::bigint AND seq > $2::bigint"
        " ORDER BY shard, seq LIMIT $3::bigint) c"
        " CROSS JOIN LATERAL (SELECT * FROM referrals WHERE id = c.id LIMIT 1) r"
        " ORDER BY c.seq",
    [Q_SET_MARK] = "UPDATE counted SET seq = $2::bigint WHERE shard = $1::bigint",
    [Q_UNCOUNTED_SHARDS] = "SELECT m.shard FROM counted m WHERE EXISTS (SELECT 1"
                           " FROM content c WHERE c.shard = m.shard AND c.seq > m.seq)",
    [Q_REJECTIONS] =
        "INSERT INTO rejections AS j (month, code, shard, n)"
        " SELECT $1::text, code, $4::bigint, n FROM unnest($2::text[], $3::bigint[])"
        " AS t(code, n) ORDER BY code"
        " ON CONFLICT (month, code, shard) DO UPDATE SET n = j.n + excluded.n",
    [Q_DUE_PERIODS] = "SELECT DISTINCT period FROM subject_counts s"
                      " WHERE NOT EXISTS (SELECT 1 FROM releases r"
                      " WHERE r.period = s.period)",
    [Q_PERIOD_CELLS] = "SELECT attr, value, sum(n)::bigint,"
                       " (sum(k) % 4294967296)::bigint FROM subject_counts"
                       " WHERE period = $1::text AND event = $2::text"
                       " GROUP BY attr, value ORDER BY attr, value",
    [Q_PUBLISH] = "INSERT INTO released (period, event, attr, value, v)"
                  " VALUES ($1::text, $2::text, $3::text, $4::text, $5::bigint)",
    [Q_ERASE_PERIOD] = "DELETE FROM subject_counts WHERE period = $1::text",
    [Q_MARK_RELEASED] = "INSERT INTO releases (period, released_at, min_count)"
                        " VALUES ($1::text, $2::bigint, $3::bigint)",
    /* Counters a gateway added to a period just as another released it. */
    [Q_ERASE_LEFTOVERS] = "DELETE FROM subject_counts s USING releases r"
                          " WHERE s.period = r.period",
    [Q_RELEASED_ROWS] = "SELECT value, v FROM released WHERE period = $1::text"
                        " AND event = $2::text AND attr = $3::text ORDER BY value",
    [Q_METRICS_EVENTS] = "SELECT event, sum(n)::bigint FROM flow_counts GROUP BY event",
    [Q_METRICS_REJECTIONS] =
        "SELECT code, sum(n)::bigint FROM rejections GROUP BY code",
    [Q_PING] = "SELECT 1",
};
