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

/* What ending a referral leaves of it: routing and times, no digest of its
 * content and no record key. */
#define ENDED "rkey = NULL, digest = ''::bytea"

const char *const pg_stmt_sql[Q_COUNT] = {
    /* Many sends at once. A client_ref used before (or a second time in the
     * same statement) inserts nothing: ON CONFLICT DO NOTHING, and the
     * caller looks the earlier referral up (Q_FIND_REFS). Returns the
     * position in the arrays (ord) and seq of each stored one. */
    [Q_PUTS] =
        "WITH input AS ("
        " SELECT * FROM unnest($1::int[], $2::text[], $3::text[], $4::text[],"
        "  $5::text[], $6::text[], $7::text[], $8::text[], $9::bigint[],"
        "  $10::bytea[], $11::bytea[], $12::bigint[])"
        " AS t(ord, id, " ROUTING_COLUMNS ", created_at, ref_key, digest, rkey)),"
        " ins AS ("
        " INSERT INTO referrals (id, " ROUTING_COLUMNS ", created_at, ref_key, digest,"
        " rkey)"
        " SELECT id, " ROUTING_COLUMNS ", created_at, ref_key, digest, rkey"
        " FROM input ORDER BY ord ON CONFLICT DO NOTHING RETURNING seq, id),"
        " stored AS (SELECT input.ord, ins.seq FROM ins JOIN input USING (id)),"
        " kept AS ("
        " INSERT INTO content (seq, " SUBJECT_COLUMNS ", body)"
        " SELECT stored.seq, " SUBJECT_COLUMNS ", body FROM stored"
        " JOIN unnest($1::int[], $13::text[], $14::text[], $15::text[], $16::text[],"
        "  $17::text[], $18::text[], $19::text[], $20::text[], $21::bytea[])"
        " AS c(ord, " SUBJECT_COLUMNS ", body) USING (ord))"
        " SELECT ord, seq FROM stored",
    [Q_FIND_REFS] = "SELECT ref_key, id, digest, state FROM referrals"
                    " WHERE ref_key = ANY($1::bytea[])",
    /* Pending referrals of one recipient, oldest first, locked in that order
     * (two gateways serving one inbox wait rather than deadlock); the first
     * always, the others while their bodies stay within $4 bytes. The state
     * is checked again on the locked row: one acknowledged meanwhile
     * through another gateway is not handed out. */
    [Q_INBOX] =
        "WITH picked AS ("
        " SELECT seq FROM referrals WHERE recipient = $1::text AND state < 2"
        " ORDER BY seq LIMIT $2::bigint FOR UPDATE),"
        " sized AS ("
        " SELECT p.seq, row_number() OVER w AS nth, sum(octet_length(c.body)) OVER w"
        " AS upto FROM picked p JOIN content c ON c.seq = p.seq"
        " WINDOW w AS (ORDER BY p.seq))"
        " UPDATE referrals r SET state = 1, deliveries = r.deliveries + 1,"
        " delivered_at = coalesce(r.delivered_at, $3::bigint)"
        " FROM sized s, content c"
        " WHERE r.seq = s.seq AND c.seq = r.seq AND r.state < 2"
        " AND (s.nth = 1 OR s.upto <= $4::bigint)"
        " RETURNING r.seq, r.id, r.sender, r.sender_type, r.created_at, r.signal,"
        " r.urgency, r.deliveries, c.age_band, c.gender, c.municipality, c.origin,"
        " c.socioeconomic, c.education, c.housing, c.addiction, c.body",
    /* The referral an acknowledgement names, locked: a second
     * acknowledgement through another gateway waits, then sees it ended. */
    [Q_LOCK_ENDING] = "SELECT seq, state, " ROUTING_COLUMNS ", rkey FROM referrals"
                      " WHERE id = $1::text AND recipient = $2::text FOR UPDATE",
    /* Ends one referral ($2: 2 acknowledged, 3 expired) and returns the
     * subject its counting needs, from the content it deletes. */
    [Q_END] =
        "WITH gone AS (DELETE FROM content WHERE seq = $1::bigint"
        " RETURNING " SUBJECT_COLUMNS "),"
        " ended AS (UPDATE referrals SET state = $2::bigint,"
        " ended_at = $3::bigint, acknowledged_at = CASE WHEN $2::bigint = 2"
        " THEN $3::bigint ELSE acknowledged_at END, " ENDED " WHERE seq = $1::bigint)"
        " SELECT " SUBJECT_COLUMNS " FROM gone",
    [Q_TRY_LOCK] = "SELECT pg_try_advisory_xact_lock($1::bigint::int, $2::bigint::int)",
    [Q_LOCK] = "SELECT 1 FROM (SELECT pg_advisory_xact_lock($1::bigint::int,"
               " $2::bigint::int)) l",
    /* Up to $2 referrals created before $1, ended as expired at $3; rows
     * another transaction holds are left for the next sweep. */
    [Q_EXPIRE] =
        "WITH due AS ("
        " SELECT seq, " ROUTING_COLUMNS ", rkey FROM referrals"
        " WHERE state < 2 AND created_at < $1::bigint ORDER BY created_at"
        " LIMIT $2::bigint FOR UPDATE SKIP LOCKED),"
        " gone AS (DELETE FROM content c USING due WHERE c.seq = due.seq"
        " RETURNING c.seq, " SUBJECT_COLUMNS "),"
        " ended AS (UPDATE referrals r SET state = 3, ended_at = $3::bigint, " ENDED
        " FROM due WHERE r.seq = due.seq)"
        " SELECT due.sender, due.sender_type, due.recipient, due.recipient_type,"
        " due.signal, due.urgency, due.rkey, gone.age_band, gone.gender,"
        " gone.municipality, gone.origin, gone.socioeconomic, gone.education,"
        " gone.housing, gone.addiction"
        " FROM due LEFT JOIN gone ON gone.seq = due.seq",
    [Q_STATUS] = "SELECT recipient, state, created_at, delivered_at, acknowledged_at"
                 " FROM referrals WHERE id = $1::text AND sender = $2::text",
    /* A transaction's counters, in key order (no two writers lock counter
     * rows in opposite orders), in this writer's shard ($11). */
    [Q_FLOW_COUNT] =
        "INSERT INTO flow_counts AS f (month, event, " ROUTING_COLUMNS ", shard, n, k)"
        " SELECT month, event, " ROUTING_COLUMNS ", $11::bigint, n, k"
        " FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[],"
        "  $6::text[], $7::text[], $8::text[], $9::bigint[], $10::bigint[])"
        " AS t(month, event, " ROUTING_COLUMNS ", n, k)"
        " ORDER BY 1, 2, 3, 4, 5, 6, 7, 8"
        " ON CONFLICT (month, event, " ROUTING_COLUMNS ", shard)"
        " DO UPDATE SET n = f.n + excluded.n, k = (f.k + excluded.k) % 4294967296",
    /* A period already released never changes: an event that reaches the
     * store after its release is counted in the flow only. Several months'
     * keys may fall in one quarter or year: summed first. */
    [Q_SUBJECT_COUNT] =
        "INSERT INTO subject_counts AS s (period, event, attr, value, shard, n, k)"
        " SELECT period, event, attr, value, $7::bigint, sum(n), sum(k) % 4294967296"
        " FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::bigint[],"
        "  $6::bigint[]) AS t(period, event, attr, value, n, k)"
        " WHERE NOT EXISTS (SELECT 1 FROM releases r WHERE r.period = t.period)"
        " GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4"
        " ON CONFLICT (period, event, attr, value, shard)"
        " DO UPDATE SET n = s.n + excluded.n, k = (s.k + excluded.k) % 4294967296",
    [Q_NOTIFY] = "SELECT 1 FROM (SELECT pg_notify('" PG_CHANNEL "', $1::text)) n",
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
