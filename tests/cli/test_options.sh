#!/usr/bin/env bash
# Global options after the command too (SPEC §9): each one, in both forms,
# mixed with the command's own; the later of two wins and the option wins
# over the environment; a name both have (--help) is the command's; an
# option's value is never read as an option; `--` still ends the options.
source "$(dirname "$0")/cli_common.sh"
rg_setup
rg_start

GW=(--gateway "$URL" --ca "$CERTS/ca.crt")
SCHOOL=(--cert "$CERTS/school-a.crt" --key "$CERTS/school-a.key")
ECMJ=(--cert "$CERTS/ecmj.crt" --key "$CERTS/ecmj.key")

# ---- every setting after the command ----
refgw_plain send --to ecmj "${GW[@]}" --signal other "${SCHOOL[@]}" --json --body x
expect_rc 0 "send with every global option after the command"
expect_eq "$(jq -r .status "$OUT" 2>/dev/null)" queued "--json after send gives the answer"
ID=$(jq -r .id "$OUT")
refgw_plain inbox --gateway="$URL" --ca="$CERTS/ca.crt" --cert="$CERTS/ecmj.crt" \
    --key="$CERTS/ecmj.key" --limit 5
expect_rc 0 "inbox with --name=value globals after the command"
expect_eq "$(cut -f1 "$OUT")" "$ID" "inbox lists the referral"
refgw_plain directory "${GW[@]}" "${SCHOOL[@]}" -v
expect_rc 0 "-v after the command"
expect_err "refgw: GET /v1/directory" "-v after the command is --verbose"
refgw_plain directory "${GW[@]}" "${SCHOOL[@]}" --verbose --connect-timeout 5 --timeout 5
expect_rc 0 "--connect-timeout and --timeout after the command"
refgw_plain directory "${GW[@]}" "${SCHOOL[@]}" --timeout 0
expect_rc 1 "--timeout 0 after the command is checked as before it"
expect_err "--timeout must be a whole number" "the range is said"
refgw_plain inbox --limit 1 "${GW[@]}" "${ECMJ[@]}" --json --wait 0
expect_rc 0 "command options and globals interleaved"
expect_eq "$(jq -r '.referrals[0].id' "$OUT")" "$ID" "--json in the middle of inbox options"
as ecmj ack --json "$ID"
expect_eq "$(jq -r .status "$OUT" 2>/dev/null)" acknowledged "ack --json ID"

# ---- the later of two wins; the option wins over the environment ----
P=$(free_port)
refgw_plain --gateway "https://localhost:$P" directory --gateway "$URL" --ca "$CERTS/ca.crt" \
    "${SCHOOL[@]}"
expect_rc 0 "--gateway after the command overrides one before it"
RC=0
REFGW_GATEWAY="https://localhost:$P" REFGW_CERT=$CERTS/ecmj.crt REFGW_KEY=$CERTS/ecmj.key \
    "$REFGW" directory --gateway "$URL" --ca "$CERTS/ca.crt" --cert "$CERTS/school-a.crt" \
    --key "$CERTS/school-a.key" >"$OUT" 2>"$ERR" || RC=$?
expect_rc 0 "options after the command win over the environment"
expect_eq "$(cut -f1 "$OUT" | sort | tr '\n' ' ')" "care-a ecmj police-a youth-a " \
    "the directory is school-a's (--cert after the command), not ecmj's (REFGW_CERT)"

# ---- a name both have: the command's own option wins after the command ----
refgw_plain send --help
expect_rc 0 "send --help"
expect_out "usage: refgw send" "--help after the command is the command's help"
grep -q "Commands:" "$OUT" && fail "send --help printed refgw's help" || pass
refgw_plain --help
expect_out "Commands:" "--help before the command is refgw's"
expect_out "show" "refgw --help lists show"
refgw_plain --version
expect_rc 0 "--version"
version=$(sed -n 's/^project(refgw VERSION \([0-9.]*\).*/\1/p' "$(dirname "$0")/../../CMakeLists.txt")
expect_eq "$(cat "$OUT")" "refgw $version" "refgw --version is the project's version"
refgw_plain directory --version
expect_rc 1 "--version is not taken after the command"
expect_err "unknown option '--version' (see 'refgw directory --help')" "and is named"
refgw_plain directory --colour
expect_rc 1 "an unknown option after the command"
expect_err "unknown option '--colour' (see 'refgw directory --help')" "points at the command's help"

# ---- a value is never an option; -- ends the options ----
as school-a send --to ecmj --signal other --body --json
expect_rc 0 "--body --json"
[[ $(cat "$OUT") =~ ^[A-Za-z0-9_-]{24}$ ]] && pass ||
    fail "--body --json printed '$(cat "$OUT")': --json was read as an option"
ID=$(cat "$OUT")
as ecmj --json show "$ID"
expect_eq "$(jq -r .body "$OUT")" "--json" "the body is the text '--json'"
as school-a send --to ecmj --signal other --body-file - --gateway "$URL" <<<"text"
expect_rc 0 "--body-file - followed by a global option"
as ecmj ack -- --json
expect_rc 1 "after --, --json is an argument"
expect_err "'--json' is not a referral id" "and is taken as an id"
as ecmj ack --gateway
expect_rc 1 "a global option after the command without its value"
expect_err "option '--gateway' needs a value" "the missing value is said"

# ---- administrators' commands too ----
as audit stats --json
expect_rc 0 "stats --json"
jq -e '.rows' "$OUT" >/dev/null && pass || fail "stats --json after the command: $(head -c 200 "$OUT")"

rg_stop
finish
