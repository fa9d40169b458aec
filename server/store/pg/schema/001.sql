-- refgw's PostgreSQL schema, version 1: what version 2 of SQLite's store
-- keeps (SPEC §5-§7, counts v2 of §6), for several gateways sharing one
-- database (SPEC §11). Every gateway runs this file at start, under an
-- advisory lock, when the database has no schema yet; a later version adds
-- 002.sql with what changes, and refgw_schema says which ran last.
--
-- Each file runs in one transaction, the version row written with it.
-- Text compares byte by byte (COLLATE "C"), as in SQLite: the same order
-- of rows whatever the database's locale, and cheaper index comparisons.

CREATE TABLE refgw_schema (
    version integer NOT NULL
);

-- The key of the digests of client_refs and content (digests.h): one for
-- all gateways, so a send repeated through another node is recognised.
CREATE TABLE refgw_secret (
    only_row boolean PRIMARY KEY DEFAULT true CHECK (only_row),
    secret bytea NOT NULL
);

-- Routing metadata and status, for as long as the gateway runs: no
-- content, no client_ref in clear (ref_key: its keyed digest, kept for
-- idempotency after the end). Times are seconds since 1970 (UTC), as the
-- gateway's clock said. No index covers what changes after the insert (state,
-- times, deliveries), so those updates stay on the row's page (HOT) and add
-- no index entries; fillfactor leaves them the room. seq orders the inbox.
CREATE TABLE referrals (
    id text COLLATE "C" PRIMARY KEY,
    seq bigint GENERATED ALWAYS AS IDENTITY (CACHE 64),
    sender text COLLATE "C" NOT NULL,
    sender_type text COLLATE "C" NOT NULL,
    recipient text COLLATE "C" NOT NULL,
    recipient_type text COLLATE "C" NOT NULL,
    signal text COLLATE "C" NOT NULL,
    urgency text COLLATE "C" NOT NULL,
    state smallint NOT NULL DEFAULT 0, -- queued, delivered, acknowledged, expired
    created_at bigint NOT NULL,
    delivered_at bigint,
    acknowledged_at bigint,
    ended_at bigint,
    deliveries integer NOT NULL DEFAULT 0,
    ref_key bytea UNIQUE
) WITH (fillfactor = 80);

-- Everything of a referral that must go when it ends (acknowledged or
-- expired), in one row deleted then: its subject and body, its record key
-- (SPEC §6) and the digest of its content. A row here is a pending
-- referral: the inbox reads by recipient, expiry by age. shard: the counter
-- shard of the gateway that stored it (below). PostgreSQL does not zero a
-- deleted row: see docs/security.md; each gateway vacuums this table.
CREATE TABLE content (
    recipient text COLLATE "C" NOT NULL,
    seq bigint NOT NULL,
    id text COLLATE "C" NOT NULL,
    shard smallint NOT NULL,
    created_at bigint NOT NULL,
    digest bytea NOT NULL,
    rkey bigint NOT NULL,
    age_band text COLLATE "C" NOT NULL,
    gender text COLLATE "C" NOT NULL,
    municipality text COLLATE "C" NOT NULL,
    origin text COLLATE "C" NOT NULL,
    socioeconomic text COLLATE "C" NOT NULL,
    education text COLLATE "C" NOT NULL,
    housing text COLLATE "C" NOT NULL,
    addiction text COLLATE "C" NOT NULL,
    body bytea NOT NULL,
    sealed boolean NOT NULL, -- body is a body_cms (SPEC §10)
    PRIMARY KEY (recipient, seq)
);
CREATE INDEX content_age ON content (created_at);
CREATE INDEX content_shard ON content (shard, seq);
-- lz4 compresses bodies at a fraction of pglz's cost, where the server has it.
DO $$
BEGIN
    ALTER TABLE content ALTER COLUMN body SET COMPRESSION lz4;
EXCEPTION WHEN feature_not_supported OR invalid_parameter_value THEN
    NULL;
END
$$;

-- Sends are counted as accepted in bulk, after their commit, not one
-- counter update per batch (pg_counting.c): every send of a shard with a
-- seq up to the mark here is counted. Whoever ends a referral past the mark
-- counts its acceptance then, reading the mark under a lock that the bulk
-- counting of that shard takes too: each is counted once, whichever node
-- stored it or ended it, and whether or not its node still runs.
CREATE TABLE counted (
    shard smallint PRIMARY KEY,
    seq bigint NOT NULL
);

-- SPEC §6 v2, flow: no subject attribute. k: the sum mod 2^32 of the
-- counted events' record keys. shard: the gateway that added them (each
-- holds one of 64 while it runs, by an advisory lock), so that gateways
-- never wait for each other's counter rows; every reader sums over shards.
CREATE TABLE flow_counts (
    month text COLLATE "C" NOT NULL,
    event text COLLATE "C" NOT NULL,
    sender text COLLATE "C" NOT NULL,
    sender_type text COLLATE "C" NOT NULL,
    recipient text COLLATE "C" NOT NULL,
    recipient_type text COLLATE "C" NOT NULL,
    signal text COLLATE "C" NOT NULL,
    urgency text COLLATE "C" NOT NULL,
    shard smallint NOT NULL,
    n bigint NOT NULL,
    k bigint NOT NULL,
    PRIMARY KEY (month, event, sender, sender_type, recipient, recipient_type,
                 signal, urgency, shard)
);

-- Subject: one attribute, for periods still running only; erased when the
-- period is released.
CREATE TABLE subject_counts (
    period text COLLATE "C" NOT NULL,
    event text COLLATE "C" NOT NULL,
    attr text COLLATE "C" NOT NULL,
    value text COLLATE "C" NOT NULL,
    shard smallint NOT NULL,
    n bigint NOT NULL,
    k bigint NOT NULL,
    PRIMARY KEY (period, event, attr, value, shard)
);

-- What a release published (attr '' is the table's total), and which
-- periods are released: each once, whatever the number of gateways.
CREATE TABLE released (
    period text COLLATE "C" NOT NULL,
    event text COLLATE "C" NOT NULL,
    attr text COLLATE "C" NOT NULL,
    value text COLLATE "C" NOT NULL,
    v bigint NOT NULL,
    PRIMARY KEY (period, event, attr, value)
);
CREATE TABLE releases (
    period text PRIMARY KEY,
    released_at bigint NOT NULL,
    min_count integer NOT NULL
);

CREATE TABLE rejections (
    month text COLLATE "C" NOT NULL,
    code text COLLATE "C" NOT NULL,
    shard smallint NOT NULL,
    n bigint NOT NULL,
    PRIMARY KEY (month, code, shard)
);
