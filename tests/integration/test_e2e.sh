#!/usr/bin/env bash
# End-to-end encrypted bodies (SPEC §10) through the real refgwd and the
# real client: the directory publishes the recipient's encryption
# certificates, `refgw send` seals, the gateway checks the envelope and
# stores it opaquely, `refgw receive` opens and verifies. A canary body is
# never in the gateway's files, log or memory. Interoperable with `openssl
# cms` both ways; tampered, foreign, garbled and oversized envelopes refused
# by the gateway where it can tell, by the recipient's client otherwise;
# rotation; require_e2e.
source "$(dirname "$0")/common.sh"
: "${REFGW:?REFGW must point at the refgw client}"
ORGS="school-a:school care-a:care_coordinator ecmj:expertise_centre police-a:police audit:admin"
rg_setup
"$MAKE_CERTS" "$CERTS" enc ecmj >/dev/null
"$MAKE_CERTS" "$CERTS" enc care-a >/dev/null
"$MAKE_CERTS" "$CERTS" foreign-enc ecmj >/dev/null

# enc_cert NAME CN: another encryption certificate from the zoo's CA (rotation).
enc_cert() {
    openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
        -keyout "$CERTS/$1.key" -subj "/CN=$2" -out "$T/$1.csr" 2>/dev/null
    printf 'basicConstraints=critical,CA:false\nkeyUsage=critical,keyAgreement\n' >"$T/enc.ext"
    openssl x509 -req -in "$T/$1.csr" -CA "$CERTS/ca.crt" -CAkey "$CERTS/ca/ca.key" \
        -CAcreateserial -days 30 -extfile "$T/enc.ext" -out "$CERTS/$1.crt" 2>/dev/null
}
enc_cert ecmj-enc-new ecmj

with_enc() { # CERT-FILES...: the config's ecmj and care-a with these encryption certificates
    local list
    list=$(printf '"certs/%s.crt",' "$@")
    echo "{\"organisations\": [
        {\"id\": \"school-a\", \"type\": \"school\"},
        {\"id\": \"care-a\", \"type\": \"care_coordinator\", \"encryption_certs\": [\"certs/care-a-enc.crt\"]},
        {\"id\": \"ecmj\", \"type\": \"expertise_centre\", \"encryption_certs\": [${list%,}]},
        {\"id\": \"police-a\", \"type\": \"police\"},
        {\"id\": \"audit\", \"type\": \"admin\"}]}"
}
rg_start "$(with_enc ecmj-enc)"
export REFGW_GATEWAY=$URL REFGW_CA=$CERTS/ca.crt
as() { # ORG ARGS...: refgw as ORG; RC, stdout in $T/out, stderr in $T/err
    local org=$1
    shift
    RC=0
    REFGW_CERT=$CERTS/$org.crt REFGW_KEY=$CERTS/$org.key "$REFGW" "$@" >"$T/out" 2>"$T/err" || RC=$?
}
CANARY="E2E-CANARY-7b1f09c4 Naam: Jan de Vries, tel 06-12345678"

# ---- the directory publishes encryption certificates ----
req school-a GET /v1/directory
expect_status 200 directory
expect_eq "$(jqb '[.organisations[] | "\(.id):\(.encryption_certs | length)"] | sort | join(" ")')" \
    "care-a:1 ecmj:1 police-a:0" "encryption certificates per organisation"
expect_eq "$(jqb '.organisations[] | select(.id == "ecmj") | .encryption_certs[0]' |
    openssl x509 -noout -fingerprint -sha256)" \
    "$(openssl x509 -in "$CERTS/ecmj-enc.crt" -noout -fingerprint -sha256)" "the certificate is ecmj's"

# ---- refgw seals, the gateway stores ciphertext, refgw opens ----
as school-a send --to ecmj --signal loverboy --age-band 16_17 --body "$CANARY"
expect_eq "$RC" 0 "send, sealed: $(cat "$T/err")"
ID=$(cat "$T/out")
req ecmj GET /v1/inbox
expect_eq "$(jq -c '[.referrals[0] | has("body"), has("body_cms")]' "$BODY_FILE")" "[false,true]" \
    "the inbox item carries body_cms, not body"
jqb '.referrals[0].body_cms' >"$T/stored.b64"
grep -q "E2E-CANARY" "$BODY_FILE" && fail "the canary in the inbox answer" || pass

# The body as openssl reads it: decrypt with ecmj's key, verify school-a's signature.
base64 -d "$T/stored.b64" >"$T/stored.der"
openssl cms -decrypt -binary -inform DER -in "$T/stored.der" -inkey "$CERTS/ecmj-enc.key" \
    -recip "$CERTS/ecmj-enc.crt" -out "$T/signed.der" 2>"$T/ossl.err" && pass || fail "openssl cms -decrypt: $(cat "$T/ossl.err")"
openssl cms -verify -binary -inform DER -in "$T/signed.der" -CAfile "$CERTS/ca.crt" \
    -purpose any -out "$T/inner.json" 2>"$T/ossl.err" && pass || fail "openssl cms -verify: $(cat "$T/ossl.err")"
expect_eq "$(jq -r .body "$T/inner.json")" "$CANARY" "openssl reads the body refgw sealed"
expect_eq "$(jq -r '[.to, .signal, .subject.age_band] | join(" ")' "$T/inner.json")" \
    "ecmj loverboy 16_17" "the whole referral inside"

# Memory, files and log of the running gateway: the canary is nowhere.
python3 "$(dirname "$0")/../privacy/memscan.py" "$PID" "E2E-CANARY" >/dev/null && pass ||
    fail "the canary in refgwd's memory"
{ store_holds "E2E-CANARY" || grep -qa "E2E-CANARY" "$T/refgwd.err"; } &&
    fail "the canary in the store or the log" || pass

mkdir -p "$T/in"
as ecmj receive --dir "$T/in" --once --decrypt-key "$CERTS/ecmj-enc.key"
expect_eq "$RC" 0 "receive, opened: $(cat "$T/err")"
expect_eq "$(jq -r .body "$T/in/$ID.json")" "$CANARY" "the recipient reads the body"
expect_eq "$(jq -c .e2e "$T/in/$ID.json")" '{"encrypted":true,"signer":"school-a"}' "who signed it"
req school-a GET "/v1/referrals/$ID"
expect_eq "$(jqb .status)" acknowledged "acknowledged after it was read"

# ---- openssl's own envelope is accepted and read ----
# inner DOC SIGNER RECIP-CERT...: body_cms made by openssl cms from DOC.
seal_openssl() {
    local doc=$1 signer=$2
    shift 2
    local recips=()
    for r in "$@"; do recips+=(-recip "$CERTS/$r.crt"); done
    printf '%s' "$doc" >"$T/o-inner.json"
    openssl cms -sign -nodetach -binary -outform DER -in "$T/o-inner.json" \
        -signer "$CERTS/$signer.crt" -inkey "$CERTS/$signer.key" -out "$T/o-signed.der"
    openssl cms -encrypt -binary -aes-256-gcm -outform DER -in "$T/o-signed.der" \
        -out "$T/o-env.der" "${recips[@]}" -keyopt ecdh_kdf_md:sha256
    base64 -w 0 "$T/o-env.der"
}
INNER='{"to":"ecmj","signal":"dependency","urgency":"urgent","subject":{"age_band":"18_22","gender":"unknown","municipality":"unknown","origin":"unknown","socioeconomic":"unknown","education":"unknown","housing":"unknown","addiction":"unknown"},"body":"Made by openssl: '"$CANARY"'"}'
outer() { # BODY_CMS [SIGNAL]: the wire referral around a body_cms
    jq -cn --arg b "$1" --arg s "${2:-dependency}" \
        '{to: "ecmj", signal: $s, urgency: "urgent", subject: {age_band: "18_22"}, body_cms: $b}'
}
cms=$(seal_openssl "$INNER" school-a ecmj-enc)
req school-a POST /v1/referrals "$(outer "$cms")"
expect_status 202 "openssl's envelope"
ID2=$(jqb .id)
as ecmj receive --dir "$T/in" --once --decrypt-key "$CERTS/ecmj-enc.key"
expect_eq "$RC" 0 "receive openssl's envelope: $(cat "$T/err")"
expect_eq "$(jq -r .body "$T/in/$ID2.json")" "Made by openssl: $CANARY" "refgw reads openssl's envelope"

# ---- refused by the gateway where it can tell ----
refused() { # WHAT BODY STATUS CODE FIELD
    req school-a POST /v1/referrals "$2"
    expect_code "$3" "$4" "$5" "$1"
}
refused "to another's certificate" "$(outer "$(seal_openssl "$INNER" school-a care-a-enc)")" \
    400 invalid_field body_cms
refused "to a foreign CA's certificate" "$(outer "$(seal_openssl "$INNER" school-a ecmj-foreign-enc)")" \
    400 invalid_field body_cms
refused "garbled" "$(outer "not*base64")" 400 invalid_field body_cms
refused "truncated" "$(outer "${cms:0:200}")" 400 invalid_field body_cms
refused "empty" "$(outer "")" 400 invalid_field body_cms
refused "both body and body_cms" \
    "$(jq -c '.body = "plain"' <<<"$(outer "$cms")")" 400 invalid_field body_cms
refused "over 96 KiB" "$(outer "$(head -c 99000 /dev/zero | tr '\0' 'A')")" 413 too_large body_cms
refused "to a recipient without certificates" \
    "$(jq -c '.to = "police-a"' <<<"$(outer "$cms")")" 400 invalid_field body_cms

# ---- refused by the recipient's client where the gateway cannot tell ----
mismatched=$(seal_openssl "$INNER" school-a ecmj-enc)
req school-a POST /v1/referrals "$(outer "$mismatched" loverboy)" # inside: dependency
expect_status 202 "a signal inside that differs (the gateway cannot read it)"
BAD1=$(jqb .id)
other_signer=$(seal_openssl "$(jq -c . <<<"$INNER")" care-a ecmj-enc)
req school-a POST /v1/referrals "$(outer "$other_signer")"
expect_status 202 "signed by another organisation (the gateway cannot see it)"
BAD2=$(jqb .id)
as ecmj receive --dir "$T/in" --once --decrypt-key "$CERTS/ecmj-enc.key"
expect_eq "$RC" 2 "receive refuses what does not match"
[ ! -e "$T/in/$BAD1.json" ] && [ ! -e "$T/in/$BAD2.json" ] && pass || fail "a refused referral was written"
grep -q "$BAD1" "$T/err" && grep -q "$BAD2" "$T/err" && pass || fail "refusals not named: $(cat "$T/err")"
req ecmj GET /v1/inbox
expect_eq "$(jqb '[.referrals[].id] | sort | join(" ")')" "$(printf '%s\n' "$BAD1" "$BAD2" | sort | tr '\n' ' ' | sed 's/ $//')" \
    "the refused ones are not acknowledged"
for id in $BAD1 $BAD2; do req ecmj POST "/v1/inbox/$id/ack"; done

# ---- rotation: old and new certificates side by side ----
rg_stop
rg_start "$(with_enc ecmj-enc ecmj-enc-new)"
export REFGW_GATEWAY=$URL
as school-a send --to ecmj --signal other --body "rotation $CANARY"
expect_eq "$RC" 0 "send to two certificates"
ROT=$(cat "$T/out")
req ecmj GET /v1/inbox
jqb '.referrals[0].body_cms' | base64 -d >"$T/rot.der"
for key in ecmj-enc ecmj-enc-new; do
    openssl cms -decrypt -binary -inform DER -in "$T/rot.der" -inkey "$CERTS/$key.key" \
        -recip "$CERTS/$key.crt" -out /dev/null 2>/dev/null && pass || fail "$key cannot open it"
done
as ecmj show "$ROT" --decrypt-key "$CERTS/ecmj-enc-new.key"
expect_eq "$RC" 0 "the new key alone reads it: $(cat "$T/err")"
grep -q "rotation" "$T/out" && pass || fail "show with the new key: $(cat "$T/out")"
as ecmj receive --dir "$T/in" --once --decrypt-key "$CERTS/ecmj-enc.key"
expect_eq "$RC" 0 "the old key alone reads it: $(cat "$T/err")"
req school-a POST /v1/referrals "$(outer "$(seal_openssl "$INNER" school-a ecmj-enc)")"
expect_code 400 invalid_field body_cms "sealed to one of two current certificates"

# ---- configuration: an encryption certificate must be the organisation's own ----
rg_stop
check_config() { # JQ WANT-IN-ERROR: --check-config of base.json changed by JQ must fail
    jq "$1" "$T/base.json" >"$T/check.json"
    if "$REFGWD" --check-config "$T/check.json" >/dev/null 2>"$T/check.err"; then
        fail "--check-config passed: $1"
    else
        grep -q -- "$2" "$T/check.err" && pass || fail "$1: $(cat "$T/check.err")"
    fi
}
check_config '.organisations[0].encryption_certs = ["certs/ecmj-enc.crt"]' "CN differs"
check_config '.organisations[0].encryption_certs = ["certs/school-a.crt"]' "key agreement"
check_config '.organisations[0].encryption_certs = ["certs/ecmj-foreign-enc.crt"]' "not trusted"
check_config '.organisations[0].encryption_certs = ["certs/nothing.crt"]' "cannot open"
check_config '.require_e2e = true' "encryption_certs"

# ---- require_e2e: plaintext refused ----
"$MAKE_CERTS" "$CERTS" enc school-a >/dev/null
"$MAKE_CERTS" "$CERTS" enc police-a >/dev/null
cfg=$(jq -c '.organisations[0].encryption_certs = ["certs/school-a-enc.crt"]
    | .organisations[3].encryption_certs = ["certs/police-a-enc.crt"] | .require_e2e = true' <<<"$(with_enc ecmj-enc)")
rg_start "$cfg"
req school-a POST /v1/referrals "$(referral ecmj)"
expect_code 400 invalid_field body "plaintext under require_e2e"
grep -q "encryption" "$BODY_FILE" && pass || fail "the message says why: $(cat "$BODY_FILE")"
req school-a POST /v1/referrals "$(outer "$(seal_openssl "$INNER" school-a ecmj-enc)")"
expect_status 202 "sealed under require_e2e"
rg_stop
finish
