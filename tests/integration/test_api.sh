#!/usr/bin/env bash
# Every row of SPEC §5: each success path, each error code, each authorisation rule.
source "$(dirname "$0")/common.sh"
rg_setup
rg_start

# ---- health and directory ----
req school-a GET /v1/health
expect_status 200 health; expect_eq "$(jqb .status)" ok health
req audit GET /v1/health
expect_status 200 "health for admin"

req school-a GET /v1/directory
expect_status 200 directory
expect_eq "$(jqb '[.organisations[].id] | sort | join(",")')" "care-a,ecmj,police-a,youth-a" \
    "school's directory (routes of SPEC §2, no disabled, no admin)"
expect_eq "$(jqb '.organisations[] | select(.id=="ecmj") | .type')" expertise_centre "directory type"
expect_eq "$(jqb '.organisations[] | select(.id=="ecmj") | .name')" "Org ecmj" "directory name"
req prev-a GET /v1/directory
expect_eq "$(jqb '[.organisations[].id] | sort | join(",")')" "care-a,ecmj" "prevention's directory"
req audit GET /v1/directory
expect_code 403 forbidden_role "" "admin reads the directory"

# ---- send ----
full=$(referral ecmj loverboy '.client_ref="2026-000123" | .urgency="urgent" |
  .subject={age_band:"16_17",gender:"male",municipality:"GM0935",origin:"netherlands",
  socioeconomic:"low",education:"vmbo",housing:"with_parents",addiction:"drugs"}')
req school-a POST /v1/referrals "$full"
expect_status 202 "send"
id=$(jqb .id)
expect_eq "$(jqb .status)" queued "send status"
[[ $id =~ ^[A-Za-z0-9_-]{24}$ ]] && pass || fail "id is not 24 URL-safe characters: $id"

req school-a POST /v1/referrals "$full"
expect_status 200 "same client_ref, same content"
expect_eq "$(jqb .id)" "$id" "duplicate id"; expect_eq "$(jqb .duplicate)" true "duplicate flag"

req school-a POST /v1/referrals "$(echo "$full" | jq -c '.body="other text"')"
expect_code 409 conflict client_ref "same client_ref, other content"

req school-b POST /v1/referrals "$full"
expect_status 202 "another sender may use the same client_ref"
[ "$(jqb .id)" != "$id" ] && pass || fail "other sender got the same id"

# ids are random, not sequential
req school-a POST /v1/referrals "$(referral ecmj)"; a=$(jqb .id)
req school-a POST /v1/referrals "$(referral ecmj)"; b=$(jqb .id)
[ "$a" != "$b" ] && pass || fail "two sends got one id"

# ---- every error of a send ----
req school-a POST /v1/referrals '{"to":"ecmj",'
expect_code 400 invalid_json "" "truncated json"
req school-a POST /v1/referrals '{"to":"ecmj","to":"police-a","signal":"other","body":"x"}'
expect_code 400 invalid_json "" "duplicate key"
req school-a POST /v1/referrals '[1,2]'
expect_code 400 invalid_json "" "array document"
req school-a POST /v1/referrals '{"signal":"other","body":"x"}'
expect_code 400 missing_field to
req school-a POST /v1/referrals '{"to":"ecmj","body":"x"}'
expect_code 400 missing_field signal
req school-a POST /v1/referrals '{"to":"ecmj","signal":"other"}'
expect_code 400 missing_field body
req school-a POST /v1/referrals "$(referral ecmj nonsense)"
expect_code 400 invalid_field signal
req school-a POST /v1/referrals "$(referral ecmj other '.urgency="later"')"
expect_code 400 invalid_field urgency
req school-a POST /v1/referrals "$(referral ecmj other '.body=5')"
expect_code 400 invalid_field body "number for body"
req school-a POST /v1/referrals "$(referral ecmj other '.client_ref="has space"')"
expect_code 400 invalid_field client_ref
for attr in age_band gender municipality origin socioeconomic education housing addiction; do
    req school-a POST /v1/referrals "$(referral ecmj other ".subject={$attr:\"bogus\"}")"
    expect_code 400 invalid_field "subject.$attr"
done
req school-a POST /v1/referrals "$(referral ecmj other '.subject={municipality:"GM093"}')"
expect_code 400 invalid_field subject.municipality "short municipality code"
req school-a POST /v1/referrals "$(referral ecmj other '.subject={municipality:"GM0917"}')"
expect_status 202 "any GM code"
req school-a POST /v1/referrals "$(referral ecmj other '.name="x"')"
expect_code 400 unknown_field name
req school-a POST /v1/referrals "$(referral ecmj other '.subject={eye_colour:"x"}')"
expect_code 400 unknown_field subject.eye_colour
req school-a POST /v1/referrals "$(referral ecmj other ".body=\"$(head -c 65537 /dev/zero | tr '\0' a)\"")"
expect_code 413 too_large body "body over 65,536 bytes"
req school-a POST /v1/referrals "$(referral nobody)"
expect_code 404 unknown_recipient to
req school-a POST /v1/referrals "$(referral school-closed)"
expect_code 404 unknown_recipient to "disabled recipient"
req school-a POST /v1/referrals "$(referral school-b)"
expect_code 403 route_forbidden to "school to school"
req school-a POST /v1/referrals "$(referral audit)"
expect_code 403 route_forbidden to "school to admin"
req school-a POST /v1/referrals "$(referral school-a)"
expect_code 403 route_forbidden to "school to itself"
req prev-a POST /v1/referrals "$(referral police-a)"
expect_code 403 route_forbidden to "prevention to police"
req audit POST /v1/referrals "$(referral ecmj)"
expect_code 403 forbidden_role "" "admin sends"
CT=text/plain req school-a POST /v1/referrals "$(referral ecmj)"
expect_code 415 unsupported_media_type "" "text/plain body"
CT="application/json; charset=utf-8" req school-a POST /v1/referrals "$(referral ecmj)"
expect_status 202 "json with charset"
req school-a PUT /v1/referrals "$(referral ecmj)"
expect_code 405 method_not_allowed "" "PUT"
grep -qi '^Allow: POST' <(curl -sS -i --cacert "$CERTS/ca.crt" --cert "$CERTS/school-a.crt" \
    --key "$CERTS/school-a.key" -X DELETE "$URL/v1/referrals") && pass || fail "405 without Allow: POST"
req school-a GET /v1/nowhere
expect_code 404 not_found "" "unknown path"

# ---- inbox ----
req ecmj GET /v1/inbox
expect_status 200 inbox
n=$(jqb '.referrals | length')
[ "$n" -ge 5 ] && pass || fail "inbox holds $n referrals"
expect_eq "$(jqb '.referrals[0].id')" "$id" "oldest first"
expect_eq "$(jqb '.referrals[0] | [.from,.from_type,.signal,.urgency,.body] | join("|")')" \
    "school-a|school|loverboy|urgent|observed at school" "inbox item fields"
expect_eq "$(jqb '.referrals[0].subject | [.age_band,.gender,.municipality,.origin,.socioeconomic,.education,.housing,.addiction] | join(",")')" \
    "16_17,male,GM0935,netherlands,low,vmbo,with_parents,drugs" "inbox subject"
expect_eq "$(jqb ".referrals[] | select(.id==\"$a\") | .subject.age_band")" unknown "default subject attribute"
expect_eq "$(jqb '.referrals[0].deliveries')" 1 "first delivery"
[[ $(jqb '.referrals[0].created_at') =~ ^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$ ]] \
    && pass || fail "created_at is not RFC 3339 UTC"
req ecmj GET "/v1/inbox?limit=1"
expect_eq "$(jqb '.referrals | length')" 1 "limit=1"
expect_eq "$(jqb '.referrals[0].deliveries')" 2 "redelivered: deliveries counts this time too"
for bad in "wait=61" "wait=-1" "wait=x" "limit=0" "limit=501" "limit=" "color=red" "limit=1&limit=2"; do
    req ecmj GET "/v1/inbox?$bad"
    expect_code 400 invalid_parameter "" "inbox?$bad"
done
req police-a GET /v1/inbox
expect_eq "$(jqb '.referrals | length')" 0 "another organisation's inbox is not shared"
req audit GET /v1/inbox
expect_code 403 forbidden_role "" "admin inbox"

# long-poll answers as soon as a referral arrives
( sleep 1; curl -sS --cacert "$CERTS/ca.crt" --cert "$CERTS/school-a.crt" --key "$CERTS/school-a.key" \
    -H 'Content-Type: application/json' --data-binary "$(referral police-a)" -o /dev/null \
    "$URL/v1/referrals" ) &
sender=$!
start=$SECONDS
req police-a GET "/v1/inbox?wait=20"
elapsed=$((SECONDS - start))
wait "$sender" || true
expect_eq "$(jqb '.referrals | length')" 1 "long-poll wakes on arrival"
[ "$elapsed" -lt 10 ] && pass || fail "long-poll took $elapsed s"
req care-a GET "/v1/inbox?wait=1"
expect_status 200 "long-poll times out"; expect_eq "$(jqb '.referrals | length')" 0 "empty after wait"

# ---- status ----
req school-a GET "/v1/referrals/$id"
expect_status 200 status
expect_eq "$(jqb '[.id,.to,.status] | join("|")')" "$id|ecmj|delivered" "status fields"
expect_eq "$(jqb 'has("delivered_at")')" true "delivered_at"
expect_eq "$(jqb 'has("acknowledged_at")')" false "no acknowledged_at yet"
req school-b GET "/v1/referrals/$id"
expect_code 404 not_found "" "another sender's status"
req ecmj GET "/v1/referrals/$id"
expect_code 404 not_found "" "recipient reads sender status"
req school-a GET "/v1/referrals/AAAAAAAAAAAAAAAAAAAAAAAA"
expect_code 404 not_found "" "unknown id"
req school-a GET "/v1/referrals/..%2F..%2Fetc"
expect_code 404 not_found "" "encoded traversal"
req audit GET "/v1/referrals/$id"
expect_code 403 forbidden_role "" "admin status"

# ---- ack ----
req police-a POST "/v1/inbox/$id/ack"
expect_code 404 not_found "" "someone else acks"
req school-a POST "/v1/inbox/$id/ack"
expect_code 404 not_found "" "the sender acks"
req ecmj POST "/v1/inbox/$id/ack"
expect_status 200 ack
expect_eq "$(jqb '[.id,.status] | join("|")')" "$id|acknowledged" "ack answer"
req ecmj POST "/v1/inbox/$id/ack"
expect_status 200 "ack again"; expect_eq "$(jqb .status)" acknowledged "ack again answer"
req ecmj POST "/v1/inbox/AAAAAAAAAAAAAAAAAAAAAAAA/ack"
expect_code 404 not_found "" "ack unknown id"
req ecmj GET "/v1/inbox/$id/ack"
expect_code 405 method_not_allowed "" "GET on ack"
req ecmj GET /v1/inbox
[ "$(jqb "[.referrals[] | select(.id==\"$id\")] | length")" = 0 ] && pass \
    || fail "acknowledged referral delivered again"
req school-a GET "/v1/referrals/$id"
expect_eq "$(jqb .status)" acknowledged "sender sees acknowledged"
expect_eq "$(jqb 'has("acknowledged_at")')" true "acknowledged_at"
req school-a POST /v1/referrals "$full"
expect_status 200 "duplicate after ack"; expect_eq "$(jqb .id)" "$id" "duplicate after ack keeps id"

# ---- identity ----
req stranger GET /v1/health
expect_code 403 unknown_organisation "" "CN not in the configuration"
req school-closed GET /v1/directory
expect_code 403 unknown_organisation "" "disabled organisation"

# ---- keep-alive: several requests on one connection ----
curl -sS --cacert "$CERTS/ca.crt" --cert "$CERTS/school-a.crt" --key "$CERTS/school-a.key" \
    -o /dev/null -o /dev/null -o /dev/null -w '%{num_connects}\n' \
    "$URL/v1/health" "$URL/v1/directory" "$URL/v1/health" >"$T/connects"
expect_eq "$(paste -sd, "$T/connects")" "1,0,0" "keep-alive reuses the connection"
# HTTP/1.0 with keep-alive asked for
curl -sS --http1.0 -H 'Connection: keep-alive' --cacert "$CERTS/ca.crt" --cert "$CERTS/school-a.crt" \
    --key "$CERTS/school-a.key" -o /dev/null -o /dev/null -w '%{num_connects}\n' \
    "$URL/v1/health" "$URL/v1/health" >"$T/connects"
expect_eq "$(paste -sd, "$T/connects")" "1,0" "HTTP/1.0 keep-alive"
rg_stop
# What follows writes an earlier SQLite gateway's row; PostgreSQL stores
# never held ids of that shape.
[ "$RG_STORE" = pg ] && { finish; exit; }

# ---- a store written by an earlier gateway: ids of 22 random characters ----
OLD_ID=ATQxe6Y75SdGgTDKu5zJpQ
python3 - "$T/var/refgw.db" "$OLD_ID" <<'PY'
import sqlite3, sys, time
db = sqlite3.connect(sys.argv[1])
cur = db.execute(
    "INSERT INTO referrals(id, sender, sender_type, recipient, recipient_type, signal,"
    " urgency, state, created_at, digest) VALUES(?, 'school-a', 'school', 'ecmj',"
    " 'expertise_centre', 'other', 'normal', 0, ?, zeroblob(32))",
    (sys.argv[2], int(time.time())))
db.execute("INSERT INTO content(seq, age_band, gender, municipality, origin, socioeconomic,"
           " education, housing, addiction, body) VALUES(?, 'unknown', 'unknown', 'unknown',"
           " 'unknown', 'unknown', 'unknown', 'unknown', 'unknown', 'an older referral')",
           (cur.lastrowid,))
db.commit()
PY
rg_start
req ecmj GET "/v1/inbox?limit=500"
expect_eq "$(jq --arg id "$OLD_ID" '[.referrals[] | select(.id == $id)] | length' "$BODY_FILE")" 1 \
    "a referral with an older id is delivered"
req ecmj POST "/v1/inbox/$OLD_ID/ack"
expect_status 200 "a referral with an older id is acknowledged"
req school-a GET "/v1/referrals/$OLD_ID"
expect_eq "$(jqb .status)" acknowledged "its sender sees it acknowledged"
rg_stop
finish
