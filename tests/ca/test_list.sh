#!/usr/bin/env bash
# refgw-ca list: serial, id, kind, dates and status of every certificate
# issued, as a table and as JSON, before and after a revocation and an expiry.
source "$(dirname "$0")/ca_common.sh"
P=$T/partner
ca init --name "Test CA" >/dev/null

expect_rc 0 "list of a new CA" ca list --json
expect_eq "$(jq -c . "$T/out")" '{"certificates":[]}' "list --json of a new CA"
expect_rc 0 "list of a new CA, as a table" ca list
expect_eq "$(wc -l <"$T/out")" 1 "a new CA's table (its header)"

partner school-a a && ca sign --csr "$P/a.csr" --org school-a --out "$P/a.crt" >/dev/null
partner school-a a2 && ca sign --csr "$P/a2.csr" --org school-a --out "$P/a2.crt" >/dev/null
partner ecmj e --encryption && ca sign --csr "$P/e.csr" --org ecmj --encryption --out "$P/e.crt" >/dev/null
partner gw gw && ca server --csr "$P/gw.csr" --name gw.example --out "$P/gw.crt" >/dev/null
partner school-b b && ca sign --csr "$P/b.csr" --org school-b --days 1 --out "$P/b.crt" >/dev/null
ca revoke --serial "$(serial_of "$P/a.crt")" --reason superseded >/dev/null

iso() { date -u -d "$(openssl x509 -in "$1" -noout "-$2" | sed 's/^[^=]*=//')" +%Y-%m-%dT%H:%M:%SZ; }
# want CERT ID KIND STATUS: the line list --json should have for CERT.
want() { echo "$(serial_of "$1") $2 $3 $(iso "$1" startdate) $(iso "$1" enddate) $4"; }
rows() { jq -r '.certificates[] | "\(.serial) \(.id) \(.kind) \(.not_before) \(.not_after) \(.status)"' "$T/out" | sort; }
expected=$( (want "$P/a.crt" school-a client revoked; want "$P/a2.crt" school-a client valid
    want "$P/e.crt" ecmj encryption valid; want "$P/gw.crt" gw.example server valid
    want "$P/b.crt" school-b client valid) | sort)
expect_rc 0 "list --json" ca list --json
expect_eq "$(rows)" "$expected" "list --json"
expect_eq "$(jq -r '.certificates[] | select(.status == "revoked") | .reason' "$T/out")" superseded "the reason"
revoked_at=$(jq -r '.certificates[] | select(.status == "revoked") | .revoked_at' "$T/out")
now=$(date -u +%s)
[ $((now - $(epoch "$revoked_at"))) -lt 120 ] && pass || fail "revoked_at $revoked_at is not just now"
expect_eq "$(jq '[.certificates[] | select(.status != "revoked") | has("revoked_at")] | any' "$T/out")" false \
    "revoked_at on a certificate not revoked"

# The table: the same rows, columns in the same order.
expect_rc 0 "list" ca list
expect_eq "$(head -n 1 "$T/out" | tr -s ' ')" "SERIAL ID KIND NOT-BEFORE NOT-AFTER STATUS" "the table's header"
expect_eq "$(tail -n +2 "$T/out" | tr -s ' ' | sort)" "$expected" "the table's rows"

# Two days later school-b's one-day certificate has expired; a revoked one stays revoked.
expect_rc 0 "list two days later" faketime -f +2d "$REFGW_CA" list --json
expect_eq "$(jq -r '.certificates[] | "\(.id) \(.kind) \(.status)"' "$T/out" | sort)" "ecmj encryption valid
gw.example server valid
school-a client revoked
school-a client valid
school-b client expired" "statuses two days later"
finish
