#!/usr/bin/env bash
# SPEC §11: the schema and what the PostgreSQL store keeps.
# - Two gateways starting together on an empty database make the schema
#   once (one takes the lock, the other finds it made), at the version
#   compiled in from server/store/pg/schema/.
# - A database with a newer schema is refused, saying so; the old version
#   back, the gateway starts.
# - An acknowledged or expired referral keeps no content in any table: no
#   subject, body, record key or content digest, only routing and times.
# - The gateway vacuums the content table (at start, then every ten
#   minutes), so deleted content does not wait for autovacuum; what that
#   does and does not erase is docs/security.md's.
source "$(dirname "$0")/../integration/common.sh"
source "$(dirname "$0")/nodes.sh"
rg_setup
SCHEMA_DIR=$(dirname "$0")/../../server/store/pg/schema
VERSION=$(find "$SCHEMA_DIR" -name '[0-9][0-9][0-9].sql' | sort | tail -n 1 | xargs basename | sed 's/\.sql$//; s/^0*//')

# ---- made once, by whichever gateway comes first ----
node_spawn 1 '{"retention_days": 0.00003}'
node_spawn 2 '{"retention_days": 0.00003}'
node_ready 1
node_ready 2
expect_eq "$(pg_sql "SELECT string_agg(version::text, ',') FROM refgw_schema")" "$VERSION" \
    "the schema version, once"
expect_eq "$(pg_sql "SELECT count(*) FROM pg_tables WHERE tablename = 'referrals'")" 1 \
    "one referrals table"

# ---- content goes when a referral ends: acknowledged, and expired ----
MARK=body-mark-Q7Zx
on 1
req school-a POST /v1/referrals "$(referral ecmj loverboy ".client_ref=\"e-1\" | .body=\"$MARK\" |
    .subject={age_band:\"16_17\", housing:\"homeless\"}")"
acked=$(jqb .id)
req school-a POST /v1/referrals "$(referral police-a other ".body=\"$MARK\"")"
expired=$(jqb .id)
expect_eq "$(pg_sql "SELECT count(*) FROM content")" 2 "two pending referrals have content"
on 2
req ecmj POST "/v1/inbox/$acked/ack"
expect_status 200 "acknowledged through node 2"
for i in $(seq 1 60); do # retention about 2.6 s
    [ "$(pg_sql "SELECT state FROM referrals WHERE id = '$expired'")" = 3 ] && break
    sleep 0.2
done
on 1
req school-a GET "/v1/referrals/$expired"
expect_eq "$(jqb .status)" expired "the other expired"
expect_eq "$(pg_sql "SELECT count(*) FROM content")" 0 "no content left of either"
# Whatever is left of a referral holds no subject, body, record key or digest.
expect_eq "$(pg_sql "SELECT string_agg(column_name, ',' ORDER BY column_name) FROM information_schema.columns
    WHERE table_name = 'referrals' AND column_name IN ('body', 'digest', 'rkey', 'age_band', 'housing')")" "" \
    "referrals has no column for content"
pg_sql "COPY (SELECT * FROM referrals) TO STDOUT" >"$T/referrals.txt"
grep -q -e "$MARK" -e homeless -e 16_17 "$T/referrals.txt" && fail "content left in referrals" || pass
expect_eq "$(exact_count acknowledged),$(exact_count expired)" "1,1" "each end counted once"
req school-a POST /v1/referrals "$(referral ecmj loverboy '.client_ref="e-1" | .body="other"')"
expect_status 200 "a repeat after the end: no digest kept to compare (SPEC §6)"

# ---- vacuumed by the gateway ----
node_stop 1
node_stop 2
before=$(pg_sql "SELECT vacuum_count FROM pg_stat_user_tables WHERE relname = 'content'")
node_start 1
for i in $(seq 1 50); do
    [ "$(pg_sql "SELECT vacuum_count FROM pg_stat_user_tables WHERE relname = 'content'")" -gt "$before" ] && break
    sleep 0.1
done
after=$(pg_sql "SELECT vacuum_count FROM pg_stat_user_tables WHERE relname = 'content'")
[ "$after" -gt "$before" ] && pass || fail "the content table was not vacuumed at start ($before, $after)"
expect_eq "$(pg_sql "SELECT n_dead_tup FROM pg_stat_user_tables WHERE relname = 'content'")" 0 \
    "no dead rows of content after the vacuum"
node_stop 1

# ---- a newer schema is refused ----
pg_sql "UPDATE refgw_schema SET version = version + 1" >/dev/null
jq -S . "$T/base.json" >"$T/newer.json"
rc=0
timeout 30 "$REFGWD" --config "$T/newer.json" 2>"$T/newer.err" || rc=$?
[ "$rc" -ne 0 ] && [ "$rc" -ne 124 ] && pass || fail "refgwd on a newer schema exited $rc"
grep -q "schema version $((VERSION + 1)), newer than this refgwd's $VERSION" "$T/newer.err" && pass ||
    fail "no clear message for a newer schema: $(cat "$T/newer.err")"
pg_sql "UPDATE refgw_schema SET version = version - 1" >/dev/null
node_start 1
req school-a GET /v1/health
expect_status 200 "the version it knows: it starts"
node_stop 1
finish
