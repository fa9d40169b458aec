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

-- Routing metadata and status; no content, no client_ref in clear. The
-- content digest is emptied and the record key removed when the referral
-- ends. Times are seconds since 1970 (UTC), as the gateway's clock said.
CREATE TABLE referrals (
    seq bigint GENERATED ALWAYS AS IDENTITY (CACHE 64) PRIMARY KEY,
    id text COLLATE "C" NOT NULL UNIQUE,
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
    ref_key bytea UNIQUE,
    digest bytea NOT NULL,
    rkey bigint
);
-- Pending referrals only: an inbox read, expiry, and the watch's poll.
CREATE INDEX referrals_pending ON referrals (recipient, seq) WHERE state < 2;
CREATE INDEX referrals_age ON referrals (created_at) WHERE state < 2;

-- Content, deleted on acknowledgement or expiry. PostgreSQL does not zero a
-- deleted row: see docs/security.md. Each gateway vacuums this table.
CREATE TABLE content (
    seq bigint PRIMARY KEY,
    age_band text COLLATE "C" NOT NULL,
    gender text COLLATE "C" NOT NULL,
    municipality text COLLATE "C" NOT NULL,
    origin text COLLATE "C" NOT NULL,
    socioeconomic text COLLATE "C" NOT NULL,
    education text COLLATE "C" NOT NULL,
    housing text COLLATE "C" NOT NULL,
    addiction text COLLATE "C" NOT NULL,
    body bytea NOT NULL
);

-- SPEC §6 v2, flow: no subject attribute. k: the sum mod 2^32 of the
-- counted events' record keys. shard: the gateway that added them (each
-- holds one while it runs), so that gateways never wait for each other's
-- counter rows; every reader sums over shards.
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
