#!/usr/bin/env bash
# refgw send: by flags (every subject flag), by file, bodies from files and
# standard input, client_ref and retries, --json; local validation that
# refuses what the gateway would refuse, naming the field, before any request;
# "did you mean" for a near miss of the taxonomy or of the directory; and a
# recipient the directory does not list gets nothing.
source "$(dirname "$0")/cli_common.sh"
rg_setup
rg_start

ID_RE='^[A-Za-z0-9_-]{24}$'

# expect_id WHAT: stdout is one line, a referral id; sets ID.
expect_id() {
    ID=$(cat "$OUT")
    if [ "$(wc -l <"$OUT")" = 1 ] && [[ $ID =~ $ID_RE ]]; then pass; else
        fail "$1: stdout is not an id alone: '$(head -c 200 "$OUT")'"
    fi
}

# last_item JQ: JQ applied to the newest item of ecmj's inbox.
last_item() {
    "$REFGW" --gateway "$URL" --ca "$CERTS/ca.crt" --cert "$CERTS/ecmj.crt" \
        --key "$CERTS/ecmj.key" --json inbox --limit 500 | jq -j ".referrals[-1] | $1"
}

# ---- by flags, with every subject attribute ----
as school-a send --to ecmj --signal loverboy --urgency urgent --age-band 16_17 \
    --gender female --municipality GM0935 --origin eu --socioeconomic low \
    --education vmbo --housing with_parents --addiction drugs --body 'seen after school'
expect_rc 0 "send by flags"
expect_id "send by flags"
[ -s "$ERR" ] && fail "send by flags wrote to stderr: $(cat "$ERR")" || pass
SENT=$ID
as school-a status "$SENT"
expect_rc 0 "status of the sent referral"
expect_out "queued" "status right after send"
ID=$SENT
expect_eq "$(last_item '.id')" "$ID" "the sent id is in the recipient's inbox"
expect_eq "$(last_item '[.from, .signal, .urgency, .body] | join(",")')" \
    "school-a,loverboy,urgent,seen after school" "from, signal, urgency, body"
expect_eq "$(last_item '.subject | [.age_band, .gender, .municipality, .origin, .socioeconomic, .education, .housing, .addiction] | join(",")')" \
    "16_17,female,GM0935,eu,low,vmbo,with_parents,drugs" "every subject flag arrives"

# Every value of every subject flag (SPEC §4), each arriving as sent.
declare -A VALUES=(
    [age-band]="under_12 12_15 16_17 18_22 23_plus unknown"
    [gender]="male female other unknown"
    [municipality]="GM0003 GM1680 unknown"
    [origin]="netherlands eu outside_eu unknown"
    [socioeconomic]="low middle high unknown"
    [education]="primary vmbo havo_vwo mbo hbo_wo none unknown"
    [housing]="with_parents independent supported_living institution homeless unknown"
    [addiction]="none alcohol drugs gambling multiple unknown"
)
for flag in "${!VALUES[@]}"; do
    field=${flag//-/_}
    for value in ${VALUES[$flag]}; do
        as school-a send --to ecmj --signal other "--$flag" "$value" --body x
        if [ "$RC" = 0 ] && [ "$(last_item ".subject.$field")" = "$value" ]; then pass; else
            fail "--$flag $value: exit $RC, arrived as '$(last_item ".subject.$field")': $(cat "$ERR")"
        fi
    done
done
# Attributes not given arrive as unknown; urgency defaults to normal.
as school-a send --to ecmj --signal dependency --gender male --body x
expect_rc 0 "one subject flag"
expect_eq "$(last_item '[.urgency, .subject.gender, .subject.age_band, .subject.addiction] | join(",")')" \
    "normal,male,unknown,unknown" "defaults"
# Every signal, and the urgencies.
for signal in sexual_exploitation criminal_exploitation loverboy dependency other; do
    as school-a send --to ecmj --signal "$signal" --urgency urgent --body x
    expect_rc 0 "--signal $signal"
    expect_eq "$(last_item '.signal + "/" + .urgency')" "$signal/urgent" "--signal $signal arrives"
done
# --name=value works as well as --name value.
as school-a send --to=ecmj --signal=other --age-band=12_15 --body=x
expect_rc 0 "--name=value"
expect_eq "$(last_item '.subject.age_band')" "12_15" "--age-band=12_15"

# ---- bodies: --body-file FILE, --body-file - (standard input), exact bytes ----
printf 'Naam: Jan\nTel: 06-12345678\n\tWaargenomen: café, "quotes", \\backslash\\ ✓\n' >"$T/body.txt"
as school-a send --to ecmj --signal loverboy --body-file "$T/body.txt"
expect_rc 0 "--body-file FILE"
expect_id "--body-file FILE"
last_item '.body' >"$T/got.txt"
cmp -s "$T/body.txt" "$T/got.txt" && pass || fail "--body-file: body changed on the way: $(cat "$T/got.txt")"
as school-a send --to ecmj --signal loverboy --body-file - <"$T/body.txt"
expect_rc 0 "--body-file -"
expect_id "--body-file -"
last_item '.body' >"$T/got.txt"
cmp -s "$T/body.txt" "$T/got.txt" && pass || fail "--body-file -: body changed on the way"
expect_eq "$(last_item '.id')" "$ID" "the stdin referral is the newest"
# The largest body allowed goes through.
head -c 65536 /dev/zero | tr '\0' 'a' >"$T/max.txt"
as school-a send --to ecmj --signal other --body-file "$T/max.txt"
expect_rc 0 "a body of exactly 65536 bytes"

# ---- by file (SPEC §4 JSON), also from standard input ----
cat >"$T/referral.json" <<'JSON'
{
  "to": "ecmj",
  "client_ref": "2026-000123",
  "signal": "sexual_exploitation",
  "urgency": "urgent",
  "subject": {"age_band": "12_15", "municipality": "GM0935", "housing": "institution"},
  "body": "From a file."
}
JSON
as school-a send --file "$T/referral.json"
expect_rc 0 "send --file"
expect_id "send --file"
FILE_ID=$ID
expect_eq "$(last_item '[.signal, .urgency, .subject.age_band, .subject.municipality, .subject.housing, .subject.gender, .body] | join(",")')" \
    "sexual_exploitation,urgent,12_15,GM0935,institution,unknown,From a file." "the file's referral arrives"
# The same file again: its client_ref makes it the same referral.
as school-a send --file - <"$T/referral.json"
expect_rc 0 "send --file - (same client_ref)"
expect_id "send --file -"
expect_eq "$ID" "$FILE_ID" "the same client_ref and content give the same id"
expect_err "already had this referral" "a duplicate is said on stderr"
# Same client_ref, other content: the gateway's 409.
jq '.body = "Other content."' "$T/referral.json" >"$T/conflict.json"
as school-a send --file "$T/conflict.json"
expect_rc 2 "same client_ref, other content"
expect_err "conflict" "409 conflict on stderr"
[ -s "$OUT" ] && fail "a refused send printed to stdout" || pass

# ---- client_ref by flag; a generated one otherwise ----
as school-a send --to ecmj --signal other --client-ref ref.A-1_x --body same
expect_rc 0 "--client-ref"
expect_id "--client-ref"
REF_ID=$ID
as school-a send --to ecmj --signal other --client-ref ref.A-1_x --body same
expect_eq "$(cat "$OUT")" "$REF_ID" "the same --client-ref again gives the same id"
as school-a send --to ecmj --signal other --body same
expect_id "no --client-ref (1)"
A=$ID
as school-a send --to ecmj --signal other --body same
expect_id "no --client-ref (2)"
[ "$A" != "$ID" ] && pass || fail "two sends without --client-ref gave the same id: a client_ref was reused"

# ---- --json: the gateway's answer ----
as school-a --json send --to ecmj --signal other --body x
expect_rc 0 "--json send"
expect_eq "$(jq -r '.status' "$OUT")" "queued" "--json send prints the API answer"
[[ $(jq -r '.id' "$OUT") =~ $ID_RE ]] && pass || fail "--json send: no id in $(cat "$OUT")"

# ---- local validation: exit 1 naming the field; nothing reaches the gateway ----
BEFORE=$(server_counts)
# refused_locally FIELD WHAT refgw-send-args...: exit 1, field named, no request made.
refused_locally() {
    local field=$1 what=$2
    shift 2
    as school-a --verbose send "$@"
    expect_rc 1 "$what"
    expect_err "field $field" "$what names the field"
    if grep -q 'refgw: POST' "$ERR"; then fail "$what: a request was made"; else pass; fi
    [ -s "$OUT" ] && fail "$what printed to stdout" || pass
}
refused_locally signal "unknown signal" --to ecmj --signal grooming --body x
expect_err "allowed: sexual_exploitation, criminal_exploitation, loverboy, dependency, other" "the allowed signals are listed"
refused_locally signal "missing signal" --to ecmj --body x
expect_err "missing_field" "a missing field is missing_field"
refused_locally to "missing --to" --signal other --body x
refused_locally to "--to not an organisation id" --to 'ecmj/../x' --signal other --body x
refused_locally urgency "bad urgency" --to ecmj --signal other --urgency high --body x
refused_locally body "no body" --to ecmj --signal other
refused_locally subject.age_band "bad --age-band" --to ecmj --signal other --age-band 16-17 --body x
expect_err "option --age-band" "the option is named"
expect_err "Did you mean '16_17'?" "--age-band 16-17: the value meant is suggested"
# "Did you mean": near misses of the taxonomy, never a far one.
refused_locally signal "a misspelt signal" --to ecmj --signal lovreboy --body x
expect_err "Did you mean 'loverboy'?" "a swap of two letters"
refused_locally signal "a signal in capitals" --to ecmj --signal Loverboy --body x
expect_err "Did you mean 'loverboy'?" "case"
refused_locally subject.housing "a misspelt --housing" --to ecmj --signal other --housing with-parent --body x
expect_err "Did you mean 'with_parents'?" "two edits in a long word"
refused_locally urgency "a misspelt --urgency" --to ecmj --signal other --urgency urgnet --body x
expect_err "Did you mean 'urgent'?" "--urgency"
refused_locally signal "a signal far from any" --to ecmj --signal grooming --body x
grep -q "Did you mean" "$ERR" && fail "a suggestion for 'grooming': $(cat "$ERR")" || pass
refused_locally subject.gender "a one-letter value" --to ecmj --signal other --gender M --body x
grep -q "Did you mean" "$ERR" && fail "a suggestion for 'M': $(cat "$ERR")" || pass
referral ecmj other '.subject = {"education": "hbo-wo"}' >"$T/near.json"
refused_locally subject.education "--file with a near miss" --file "$T/near.json"
expect_err "Did you mean 'hbo_wo'?" "a suggestion for a --file value too"
refused_locally subject.gender "bad --gender" --to ecmj --signal other --gender M --body x
refused_locally subject.municipality "bad --municipality" --to ecmj --signal other --municipality GM12 --body x
expect_err "GM followed by four digits" "the municipality pattern is explained"
refused_locally subject.origin "bad --origin" --to ecmj --signal other --origin mars --body x
refused_locally subject.socioeconomic "bad --socioeconomic" --to ecmj --signal other --socioeconomic poor --body x
refused_locally subject.education "bad --education" --to ecmj --signal other --education phd --body x
refused_locally subject.housing "bad --housing" --to ecmj --signal other --housing street --body x
refused_locally subject.addiction "bad --addiction" --to ecmj --signal other --addiction coffee --body x
refused_locally client_ref "bad --client-ref" --to ecmj --signal other --client-ref 'has space' --body x
refused_locally client_ref "too long --client-ref" --to ecmj --signal other --client-ref "$(printf 'r%.0s' {1..65})" --body x
head -c 65537 /dev/zero | tr '\0' 'a' >"$T/big.txt"
refused_locally body "body over 65536 bytes" --to ecmj --signal other --body-file "$T/big.txt"
expect_err "too_large" "an oversized body is too_large"
printf 'caf\xe9\n' >"$T/latin1.txt"
refused_locally body "body not UTF-8" --to ecmj --signal other --body-file "$T/latin1.txt"
printf 'a\0b' >"$T/nul.txt"
refused_locally body "body with a NUL byte" --to ecmj --signal other --body-file "$T/nul.txt"
referral ecmj other '.colour = "red"' >"$T/unknown.json"
refused_locally colour "--file with an unknown field" --file "$T/unknown.json"
expect_err "unknown_field" "unknown_field"
referral ecmj other '.subject = {"hair": "red"}' >"$T/unknown-subject.json"
refused_locally subject.hair "--file with an unknown subject attribute" --file "$T/unknown-subject.json"
referral ecmj other '.subject = {"age_band": 16}' >"$T/number.json"
refused_locally subject.age_band "--file with a number for a string" --file "$T/number.json"
referral ecmj other 'del(.body)' >"$T/nobody.json"
refused_locally body "--file without body" --file "$T/nobody.json"
printf '%s' '{"to":"ecmj","signal":"other","body":"a\u0000b"}' >"$T/nul-escape.json"
refused_locally body "--file with a body holding \\u0000" --file "$T/nul-escape.json"
expect_err "invalid_field" "a \\u0000 in body is invalid_field (SPEC §4)"
# Not JSON, or JSON the gateway's strict decoder refuses: invalid_json (no field).
for doc in '{"to": "ecmj",' '{"to":"ecmj","to":"police-a","signal":"other","body":"x"}' '[1,2]' \
    '{"to":"ecmj","signal":"other","body":"b","bo\u0000dy":"x"}'; do
    printf '%s' "$doc" >"$T/bad.json"
    as school-a --verbose send --file "$T/bad.json"
    expect_rc 1 "--file $doc"
    expect_err "invalid_json" "--file $doc is invalid_json"
    grep -q 'refgw: POST' "$ERR" && fail "--file $doc: a request was made" || pass
done
# Usage errors are exit 1 too.
for args in "--to ecmj --signal other --body x --body-file $T/body.txt" \
    "--file $T/referral.json --to ecmj" "--to ecmj --signal other --body x --colour red" \
    "--to ecmj --signal other --body x --retries 11" "--to ecmj --signal other --body x extra" \
    "--to ecmj --signal other --body-file $T/does-not-exist" "--file $T/does-not-exist"; do
    # shellcheck disable=SC2086
    as school-a --verbose send $args
    expect_rc 1 "send $args"
    grep -q 'refgw: POST' "$ERR" && fail "send $args: a request was made" || pass
done
AFTER=$(server_counts)
expect_eq "$AFTER" "$BEFORE" "nothing refused locally reached the gateway (its counts line)"

# ---- recipients: the directory first; one it does not list gets nothing ----
# (exit 2: the gateway's own directory refuses it), with the id meant when near.
BEFORE=$(server_counts)
# refused_by_directory TO WHAT: exit 2, said, no POST, nothing printed.
refused_by_directory() {
    as school-a --verbose send --to "$1" --signal other --body x
    expect_rc 2 "$2"
    expect_err "'$1' is not among the organisations you may send to" "$2: said"
    expect_err "nothing was sent" "$2: nothing sent"
    grep -q 'refgw: POST' "$ERR" && fail "$2: the referral was posted" || pass
    grep -q 'refgw: GET /v1/directory' "$ERR" && pass || fail "$2: the directory was not asked"
    [ -s "$OUT" ] && fail "$2 printed to stdout" || pass
}
refused_by_directory ecjm "a misspelt recipient"
expect_err "Did you mean 'ecmj'?" "the recipient meant is suggested"
refused_by_directory polise-a "another misspelt recipient"
expect_err "Did you mean 'police-a'?" "police-a suggested"
refused_by_directory school-b "a recipient the route forbids"
grep -q "Did you mean" "$ERR" && fail "a suggestion for school-b: $(cat "$ERR")" || pass
expect_err "'refgw directory' lists them" "the directory command is pointed at"
refused_by_directory nobody-here "an unknown recipient"
grep -q "Did you mean" "$ERR" && fail "a suggestion for nobody-here: $(cat "$ERR")" || pass
expect_eq "$(server_counts)" "$BEFORE" "no referral reached the gateway"
as school-a send --to ECMJ --signal other --body x
expect_rc 2 "ids are case-sensitive"
expect_err "Did you mean 'ecmj'?" "ECMJ: ecmj suggested"
# A recipient that is listed is sent to, after one directory request.
as school-a --verbose send --to ecmj --signal other --body x
expect_rc 0 "a listed recipient"
expect_eq "$(grep -c 'refgw: GET /v1/directory' "$ERR")/$(grep -c 'refgw: POST /v1/referrals' "$ERR")" \
    "1/1" "one directory request, one post"

rg_stop
finish
