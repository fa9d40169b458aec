#!/usr/bin/env bash
# refgw show ID: one waiting referral in full for a person (every field, the
# body with its lines, no control character reaching the terminal), --json,
# not_found for what is not waiting for this organisation, and no ack.
source "$(dirname "$0")/cli_common.sh"
rg_setup
rg_start

status_of() { # ID: the sender's status field
    "$REFGW" --gateway "$URL" --ca "$CERTS/ca.crt" --cert "$CERTS/school-a.crt" \
        --key "$CERTS/school-a.key" --json status "$1" | jq -r .status
}

# A body of several lines, with a tab, an escape sequence that would colour the
# terminal, a window-title sequence, a C1 CSI (U+009B) and non-ASCII text.
printf 'Naam: Jan\nTel: 06-1234\n\tcafé \033[31mred\033[0m \033]0;title\007 csi\302\233x end' >"$T/body"
as school-a send --to ecmj --signal loverboy --urgency urgent --age-band 16_17 --gender male \
    --municipality GM0935 --housing institution --body-file "$T/body"
expect_rc 0 "send"
ID=$(cat "$OUT")
as school-a send --to ecmj --signal other --body second
OTHER=$(cat "$OUT")

as ecmj show "$ID"
expect_rc 0 "show"
expect_eq "$(grep -c . "$OUT")" 20 "one line per field and attribute, the body's three lines"
expect_eq "$(grep '^Referral' "$OUT" | tr -s ' ')" "Referral $ID" "the id"
expect_eq "$(grep '^From' "$OUT" | tr -s ' ')" "From school-a (school)" "the sender and its type"
[[ $(grep '^Received' "$OUT") =~ ^Received\ +20[0-9]{2}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z$ ]] && pass ||
    fail "received: $(grep '^Received' "$OUT")"
expect_eq "$(grep '^Signal' "$OUT" | tr -s ' ')" "Signal loverboy" "signal"
expect_eq "$(grep '^Urgency' "$OUT" | tr -s ' ')" "Urgency urgent" "urgency"
expect_eq "$(grep '^Handed out' "$OUT" | tr -s ' ')" "Handed out 1 time, this one included" "deliveries"
expect_eq "$(grep '^Encryption' "$OUT" | tr -s ' ')" "Encryption none (the gateway could read this body)" \
    "a plain body is said to be readable by the gateway"
expect_eq "$(sed -n '/^Subject$/,/^$/p' "$OUT" | tr -s ' ' | tr '\n' '|')" \
    "Subject| age_band 16_17| gender male| municipality GM0935| origin unknown| socioeconomic unknown| education unknown| housing institution| addiction unknown||" \
    "every subject attribute, in the taxonomy's order"
sed -n '/^Body$/,$p' "$OUT" | tail -n +2 >"$T/shown"
printf 'Naam: Jan\nTel: 06-1234\n\tcafé ?[31mred?[0m ?]0;title? csi?x end\n' >"$T/want"
cmp -s "$T/shown" "$T/want" && pass ||
    fail "the body as shown: $(od -c "$T/shown" | head -n 8)"
LC_ALL=C grep -q $'[\001-\010\013-\037\177]' "$OUT" && fail "a control character reached stdout" || pass
grep -q $'\302\233' "$OUT" && fail "a C1 control character reached stdout" || pass

# ---- --json: the inbox item, body byte for byte ----
as ecmj --json show "$ID"
expect_rc 0 "show --json"
expect_eq "$(jq -r '[.id, .from, .signal, .subject.municipality] | join(",")' "$OUT")" \
    "$ID,school-a,loverboy,GM0935" "the item's fields"
jq -j .body "$OUT" >"$T/json-body"
cmp -s "$T/json-body" "$T/body" && pass || fail "show --json changed the body"
expect_eq "$(jq -r .deliveries "$OUT")" 2 "each show is one more delivery"

# ---- it does not acknowledge ----
expect_eq "$(status_of "$ID")" delivered "delivered, not acknowledged"
as ecmj inbox
expect_eq "$(cut -f1 "$OUT" | tr '\n' ' ')" "$ID $OTHER " "both still waiting"

# ---- not_found: exit 2 ----
as ecmj show AAAAAAAAAAAAAAAAAAAAAAAA
expect_rc 2 "an id not waiting"
expect_err "not_found" "not_found said"
as police-a show "$ID"
expect_rc 2 "another organisation's referral"
expect_err "not_found" "another's: not_found"
as ecmj ack "$ID"
as ecmj show "$ID"
expect_rc 2 "an acknowledged referral"
expect_err "not_found" "acknowledged: not_found"
as ecmj show "$OTHER"
expect_rc 0 "the other one still shows"

# ---- usage: exit 1, no request ----
for args in "" "not-an-id" "$OTHER $OTHER" "--all $OTHER"; do
    # shellcheck disable=SC2086
    as ecmj --verbose show $args
    expect_rc 1 "show $args"
    grep -q 'refgw: GET' "$ERR" && fail "show $args made a request" || pass
done
as ecmj show --help
expect_rc 0 "show --help"
expect_out "It does not acknowledge" "the help says it does not acknowledge"
expect_out "delivery" "the help says it counts as a delivery"

rg_stop
finish
