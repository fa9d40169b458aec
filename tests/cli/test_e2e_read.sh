#!/usr/bin/env bash
# Reading end-to-end encrypted referrals (SPEC §10), against the fake
# gateway: receive, show and inbox --json decrypt with --decrypt-key, verify
# the signature against the partners' CA, hold the signer to `from` and the
# referral inside to the item; what cannot be read is neither written nor
# acknowledged, is said per referral, and makes the exit status 2 once the
# rest is done. --decrypt-key in its forms, REFGW_DECRYPT_KEY, --signer-ca,
# and a receive loop that does not spin on what it cannot read.
source "$(dirname "$0")/e2e_common.sh"

BODY='Naam: Jan, tel 06-1234; gezien met een oudere man.'
# sealed_post ARGS...: school-a sends to ecmj through the fake gateway; the
# posted referral (with body_cms) is copied to $T/sealed.json.
sealed_post() {
    as school-a send --to ecmj --signal loverboy --age-band 16_17 "$@"
    [ "$RC" = 0 ] || fail "sealed_post: exit $RC: $(cat "$ERR")"
    cp "$(last_post)" "$T/sealed.json"
}
# item ID FROM [JQ]: an inbox item made of $T/sealed.json.
item() {
    jq -c --arg id "$1" --arg from "$2" '{id: $id, from: $from, from_type: "school",
        created_at: "2026-11-28T09:15:02Z", signal, urgency, subject, body_cms,
        deliveries: 1}' "$T/sealed.json" | jq -c "${3:-.}"
}
# openssl_item ID INNER-JQ SIGNER ENC-CERT: an item whose body_cms is made by
# openssl cms from the posted referral changed by INNER-JQ, signed by SIGNER.
openssl_item() {
    jq -c "del(.body_cms) | .body = \"$BODY\" | $2" "$T/sealed.json" >"$T/o-inner.json"
    openssl cms -sign -nodetach -binary -outform DER -in "$T/o-inner.json" \
        -signer "$CERTS/$3.crt" -inkey "$CERTS/$3.key" -out "$T/o-signed.der"
    openssl cms -encrypt -binary -aes-256-gcm -outform DER -in "$T/o-signed.der" \
        -out "$T/o-env.der" -recip "$CERTS/$4.crt" -keyopt ecdh_kdf_md:sha256
    item "$1" school-a ".body_cms = \"$(base64 -w 0 "$T/o-env.der")\""
}
# rid NAME: a referral id (24 characters) that says which case it is.
rid() {
    local s="E2E$1"
    while [ ${#s} -lt 24 ]; do s+=0; done
    echo "$s"
}
ID_GOOD=$(rid good)
ID_PLAIN=$(rid plain)
BAD=()
for name in from signal subject police notours garbled both foreign; do BAD+=("$(rid "$name")"); done

directory "[$(pem ecmj-enc-1), $(pem ecmj-enc-2)]"
sealed_post --urgency urgent --body "$BODY"
{
    item $ID_GOOD school-a
    item "${BAD[0]}" school-b
    item "${BAD[1]}" school-a '.signal = "other"'
    item "${BAD[2]}" school-a '.subject.age_band = "12_15"'
    openssl_item "${BAD[3]}" '.to = "police-a"' school-a ecmj-enc-1
    item "${BAD[5]}" school-a '.body_cms = "AAAA"'
    item "${BAD[6]}" school-a '.body = "both"'
    openssl_item "${BAD[7]}" . school-a-foreign ecmj-enc-1
    openssl_item "${BAD[4]}" . school-a police-enc
} >"$T/items"
echo "{\"id\": \"$ID_PLAIN\", \"from\": \"school-a\", \"from_type\": \"school\", \"created_at\": \"2026-11-28T09:15:02Z\", \"signal\": \"other\", \"urgency\": \"normal\", \"subject\": {}, \"body\": \"plain text\", \"deliveries\": 1}" >>"$T/items"
jq -s '{referrals: .}' "$T/items" >"$G/inbox.json"
KEY1=(--decrypt-key "$CERTS/ecmj-enc-1.key")

# ---- receive: the readable ones written and acknowledged, the rest neither ----
R=$T/received
as ecmj "${KEY1[@]}" receive --dir "$R" --once
expect_rc 2 "receive with unreadable referrals"
expect_eq "$(ls "$R" | sort | tr '\n' ' ')" "$ID_GOOD.json $ID_PLAIN.json " "only the readable ones are written"
expect_eq "$(sort "$G/acks" | tr '\n' ' ')" "$ID_GOOD $ID_PLAIN " "only they are acknowledged"
expect_eq "$(jq -r '[.body, .e2e.encrypted, .e2e.signer, has("body_cms"), .from, .signal, .urgency, .subject.age_band] | join("|")' "$R/$ID_GOOD.json")" \
    "$BODY|true|school-a|false|school-a|loverboy|urgent|16_17" "the file holds the decrypted body and e2e"
expect_eq "$(jq -r '[.body, has("e2e")] | join("|")' "$R/$ID_PLAIN.json")" "plain text|false" "a plain referral as before"
expect_err "${BAD[0]}: not written and not acknowledged: it is signed by 'school-a', not by its sender 'school-b'" "another sender"
expect_err "${BAD[1]}: not written and not acknowledged: its signal is 'loverboy' inside and 'other' outside" "signal"
expect_err "${BAD[2]}: not written and not acknowledged: its subject.age_band is '16_17' inside and '12_15' outside" "subject"
expect_err "${BAD[3]}: not written and not acknowledged: it was sealed for 'police-a', not for this organisation 'ecmj'" "to"
expect_err "${BAD[4]}: not written and not acknowledged: none of the decryption keys (1) is a recipient" "not ours"
expect_err "${BAD[5]}: not written and not acknowledged: body_cms is not the DER" "garbled"
expect_err "${BAD[6]}: not written and not acknowledged: it carries both body and body_cms" "both"
expect_err "${BAD[7]}: not written and not acknowledged: the signature does not verify" "a signer of another CA"
expect_err "8 encrypted referrals could not be read: left in the inbox, not acknowledged" "the count, at the end"
expect_eq "$(tail -n 1 "$ERR" | cut -c1-8)" "refgw: 8" "the count is the last line"

# ---- show ----
as ecmj "${KEY1[@]}" show $ID_GOOD
expect_rc 0 "show an encrypted referral"
expect_eq "$(grep '^Encryption' "$OUT" | tr -s ' ')" "Encryption end to end, signed by school-a" "the encryption line"
expect_eq "$(sed -n '/^Body$/,$p' "$OUT" | tail -n +2)" "$BODY" "the body decrypted"
as ecmj "${KEY1[@]}" --json show $ID_GOOD
expect_eq "$(jq -r '[.body, .e2e.signer] | join("|")' "$OUT")" "$BODY|school-a" "show --json decrypted"
as ecmj show $ID_PLAIN
expect_eq "$(grep '^Encryption' "$OUT" | tr -s ' ')" "Encryption none (the gateway could read this body)" "a plain one says so"
as ecmj "${KEY1[@]}" show "${BAD[0]}"
expect_rc 2 "show an unreadable referral"
expect_err "${BAD[0]}: the encrypted referral cannot be read: it is signed by 'school-a'" "show says why"
[ -s "$OUT" ] && fail "show printed an unreadable referral" || pass

# ---- inbox --json: every item; the unreadable marked; exit 2 ----
as ecmj "${KEY1[@]}" --json inbox
expect_rc 2 "inbox --json with unreadable referrals"
expect_eq "$(jq '.referrals | length' "$OUT")" 10 "every item printed"
expect_eq "$(jq -r ".referrals[] | select(.id == \"$ID_GOOD\") | [.body, .e2e.signer, has(\"body_cms\")] | join(\"|\")" "$OUT")" \
    "$BODY|school-a|false" "the readable one decrypted"
expect_eq "$(jq -r "[.referrals[] | select(.e2e.error != null) | select(has(\"body_cms\"))] | length" "$OUT")" 8 \
    "each unreadable one with its error and body_cms"
expect_eq "$(grep -c 'cannot be read' "$ERR")" 8 "each said on stderr"
as ecmj inbox
expect_rc 0 "the inbox table needs no key"
expect_eq "$(wc -l <"$OUT")" 10 "ten rows"

# ---- keys: forms, environment, errors ----
cat "$CERTS/ecmj-enc-2.key" "$CERTS/ecmj-enc-2.crt" >"$T/combined.pem"
as ecmj --decrypt-key "$T/combined.pem" show $ID_GOOD
expect_rc 0 "a key and its certificate in one file; the other certificate's key"
RC=0
REFGW_DECRYPT_KEY="$CERTS/police-enc.key:$CERTS/ecmj-enc-2.key" "$REFGW" --gateway "$URL" \
    --ca "$CERTS/ca.crt" --cert "$CERTS/ecmj.crt" --key "$CERTS/ecmj.key" show $ID_GOOD \
    >"$OUT" 2>"$ERR" || RC=$?
expect_rc 0 "REFGW_DECRYPT_KEY, two keys, the second ours"
RC=0
REFGW_DECRYPT_KEY="$CERTS/ecmj-enc-1.key" "$REFGW" --gateway "$URL" --ca "$CERTS/ca.crt" \
    --cert "$CERTS/ecmj.crt" --key "$CERTS/ecmj.key" show $ID_GOOD \
    --decrypt-key "$CERTS/police-enc.key" >"$OUT" 2>"$ERR" || RC=$?
expect_rc 2 "--decrypt-key replaces REFGW_DECRYPT_KEY"
expect_err "none of the decryption keys (1)" "only the option's key was tried"
BEFORE=$(wc -l <"$G/acks")
as ecmj receive --dir "$T/nokey" --once
expect_rc 1 "no --decrypt-key at all"
expect_err "no --decrypt-key (or REFGW_DECRYPT_KEY) is given" "said"
expect_eq "$(wc -l <"$G/acks")" "$BEFORE" "nothing acknowledged without a key"
cp "$CERTS/ecmj-enc-1.key" "$T/lonely.pem"
cat "$CERTS/ecmj-enc-1.key" "$CERTS/ecmj-enc-2.crt" >"$T/mismatch.pem"
for args in "$T/lonely.pem|no certificate for the key" "$T/mismatch.pem|the key is not its certificate's" \
    "$T/missing.key|cannot read --decrypt-key"; do
    as ecmj --decrypt-key "${args%%|*}" show $ID_GOOD
    expect_rc 1 "--decrypt-key ${args%%|*}"
    expect_err "${args#*|}" "--decrypt-key ${args%%|*}: said"
done
as ecmj "${KEY1[@]}" --signer-ca "$CERTS/foreign-ca/ca.crt" show $ID_GOOD
expect_rc 2 "--signer-ca of another CA"
expect_err "the signature does not verify" "the signer is checked against --signer-ca"

# ---- the receive loop waits, rather than spins, on what it cannot read ----
item "${BAD[0]}" school-b | jq -s '{referrals: .}' >"$G/inbox.json"
: >"$G/requests"
"$REFGW" --gateway "$URL" --ca "$CERTS/ca.crt" --cert "$CERTS/ecmj.crt" --key "$CERTS/ecmj.key" \
    "${KEY1[@]}" receive --dir "$T/loop" --wait 30 >"$T/loop.out" 2>"$T/loop.err" &
LOOP=$!
track $LOOP
sleep 3
kill -TERM $LOOP
rc=0
wait $LOOP || rc=$?
expect_eq "$rc" 2 "the loop, stopped, exits 2: a referral could not be read"
polls=$(grep -c 'GET /v1/inbox' "$G/requests")
((polls >= 1 && polls <= 2)) && pass || fail "$polls inbox polls in 3 s for one unreadable referral"
expect_eq "$(grep -c "${BAD[0]}" "$T/loop.err")" 1 "said once, not at every poll"

finish
