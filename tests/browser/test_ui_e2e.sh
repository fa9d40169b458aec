#!/usr/bin/env bash
# test_ui_e2e.sh - refgw ui and end-to-end encrypted bodies (SPEC §10, §12),
# with plain HTTP against the client's stand-in gateway (tests/cli/
# canned_gateway.py), which hands out what refgwd would not carry: a sealed
# referral signed by another than its sender. (test_ui.sh sends and reads a
# sealed referral through the real refgwd, in the browser.) Sending to a
# recipient that publishes encryption certificates seals the body (openssl
# cms opens and verifies it); reading opens a sealed referral with
# --decrypt-key and says whose signature was checked; one that cannot be read
# is shown with the reason, never offered for acknowledgement, and an
# acknowledgement posted for it anyway is refused without reaching the
# gateway, and once acknowledged nothing of the body stays in the page's
# memory; without --decrypt-key the page says what is missing.
source "$(dirname "$0")/../cli/e2e_common.sh"
source "$(dirname "$0")/ui_common.sh"

BODY='Naam: Jan, tel 06-1234; gezien met een oudere man.'
directory "[$(pem ecmj-enc-1), $(pem ecmj-enc-2)]"

# ---- what refgw ui refuses before it serves anything ----
for listen in 0.0.0.0:8080 192.168.1.5:8080 '[::1]:8080' example.org:8080; do
    as school-a ui --listen "$listen"
    expect_rc 1 "--listen $listen"
    expect_err "loopback address only" "--listen $listen: why"
done
for listen in 127.0.0.1:70000 127.0.0.1 127.0.0.1:x; do
    as school-a ui --listen "$listen"
    expect_rc 1 "--listen $listen"
done
as school-a ui --lang fr
expect_rc 1 "--lang fr"
refgw_plain --gateway "$URL" ui
expect_rc 1 "no --cert"
expect_err "no client certificate" "no --cert, said"

# ---- sending: sealed to every certificate of the recipient ----
ui_start SCHOOL school-a en
ui_signin SCHOOL
ui_get SCHOOL /send
grep -q 'Org ecmj (Expertise centre), encrypted end to end' "$T/page" && pass ||
    fail "the form says which recipient gets it encrypted"
ui_post SCHOOL /send "client_ref=ui-e2e-1&to=ecmj&signal=loverboy&urgency=urgent&age_band=16_17&body=$(jq -rn --arg b "$BODY" '$b|@uri')"
expect_eq "$STATUS" 303 "a sealed send"
ui_get SCHOOL /send/done
grep -q 'data-e2e="yes"' "$T/page" && pass || fail "the confirmation says it was encrypted end to end"
P=$(last_post)
expect_eq "$(jq -r '[has("body"), has("body_cms"), .to, .subject.age_band] | join(",")' "$P")" \
    "false,true,ecmj,16_17" "body_cms instead of body; routing and subject readable"
grep -q "oudere man" "$P" && fail "the body is readable in what was posted" || pass
jq -r .body_cms "$P" | base64 -d >"$T/sent.der"
openssl cms -decrypt -binary -inform DER -in "$T/sent.der" -recip "$CERTS/ecmj-enc-2.crt" \
    -inkey "$CERTS/ecmj-enc-2.key" -out "$T/signed.der" 2>"$T/ossl.err" && pass ||
    fail "openssl cms -decrypt: $(cat "$T/ossl.err")"
openssl cms -verify -binary -inform DER -in "$T/signed.der" -CAfile "$CERTS/ca.crt" \
    -purpose any -out "$T/inner.json" 2>"$T/ossl.err" && pass ||
    fail "openssl cms -verify: $(cat "$T/ossl.err")"
expect_eq "$(jq -r '[.to, .signal, .body, .client_ref] | join("|")' "$T/inner.json")" \
    "ecmj|loverboy|$BODY|ui-e2e-1" "the referral inside, as signed"
cp "$P" "$T/sealed.json"

# ---- reading: opened, verified, and what cannot be read is not taken in ----
GOOD=E2Egood00000000000000000 # referral ids: 24 characters
BAD=E2Ebadsigner000000000000
item() { # ID FROM
    jq -c --arg id "$1" --arg from "$2" '{id: $id, from: $from, from_type: "school",
        created_at: "2026-11-28T09:15:02Z", signal, urgency, subject, body_cms,
        deliveries: 1}' "$T/sealed.json"
}
{ item "$GOOD" school-a; item "$BAD" school-b; } | jq -s '{referrals: .}' >"$G/inbox.json"
ui_start ECMJ ecmj en --decrypt-key "$CERTS/ecmj-enc-1.key"
ui_signin ECMJ
ui_get ECMJ "/inbox/$GOOD"
expect_eq "$STATUS" 200 "a sealed referral opens"
grep -qF "$BODY" "$T/page" && pass || fail "its description, decrypted"
grep -q "End to end; the signature of school-a is checked" "$T/page" && pass ||
    fail "whose signature was checked"
ui_get ECMJ "/inbox/$GOOD/json"
expect_eq "$(jq -r '[.body, .e2e.signer, has("body_cms")] | join("|")' "$T/page")" \
    "$BODY|school-a|false" "saved as JSON: decrypted, with its signer"

ui_get ECMJ "/inbox/$BAD"
expect_eq "$STATUS" 409 "a sealed referral that cannot be read"
grep -q "signed by &#39;school-a&#39;, not by its sender &#39;school-b&#39;" "$T/page" && pass ||
    fail "the reason is shown: $(grep -o 'Reason:[^<]*' "$T/page")"
grep -q "/ack" "$T/page" && fail "an unreadable referral is offered for acknowledgement" || pass
ui_get ECMJ "/inbox/$BAD/ack"
expect_eq "$STATUS" 409 "nor is there a confirmation page for it"
ui_post ECMJ "/inbox/$BAD/ack" ""
expect_eq "$STATUS" 409 "an acknowledgement posted anyway is refused"
ui_post ECMJ "/inbox/$GOOD/ack" ""
expect_eq "$STATUS" 303 "the readable one is acknowledged"
expect_eq "$(cat "$G/acks" 2>/dev/null | tr '\n' ' ')" "$GOOD " "only it reached the gateway"
# Read and acknowledged: nothing of the body stays in the page's process
# (OpenSSL decrypts and verifies through buffers on its stack, lib/wipe.h).
python3 "$(dirname "$0")/../privacy/memscan.py" "$ECMJ_PID" "oudere man" >"$T/hits" && pass ||
    fail "the decrypted body in refgw ui's memory after its acknowledgement: $(awk '{ print $4 }' "$T/hits" | sort | uniq -c)"

# ---- without a key to read with ----
LC_ALL='' LC_MESSAGES='' LANG=nl_NL.UTF-8 ui_start NOKEY ecmj - # Dutch from the locale
ui_signin NOKEY
grep -q '<html lang="nl">' "$T/page" && pass || fail "the language from LANG"
ui_get NOKEY "/inbox/$GOOD"
expect_eq "$STATUS" 500 "no --decrypt-key"
grep -q "refgw kon dit op deze computer niet doen" "$T/page" && pass || fail "said as this computer's problem"
grep -q "no --decrypt-key" "$T/page" && pass || fail "naming what is missing"

# ---- the gateway gone: the text is kept, and each page says so ----
kill -9 "${BACKGROUND[0]}" # the stand-in gateway (e2e_common.sh started it first)
ui_post SCHOOL /send "client_ref=ui-e2e-2&to=ecmj&signal=other&body=kept%20%3Ctext%3E"
expect_eq "$STATUS" 502 "a send while the gateway is gone"
grep -q "The gateway could not be reached" "$T/page" && pass || fail "the form says the gateway is gone"
grep -q '>kept &lt;text&gt;</textarea>' "$T/page" && pass || fail "and keeps the text"
grep -q '<option value="ecmj" selected>' "$T/page" && pass || fail "and the recipient chosen"
grep -q 'name="client_ref" value="ui-e2e-2"' "$T/page" && pass || fail "and the form's client_ref"
ui_get SCHOOL /inbox
expect_eq "$STATUS" 502 "the inbox while the gateway is gone"
ui_get SCHOOL /sent
expect_eq "$STATUS" 200 "the sent list while the gateway is gone"
grep -q "Could not be asked" "$T/page" && pass || fail "the sent list says the status could not be asked"
ui_stop_all
finish
