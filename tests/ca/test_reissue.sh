#!/usr/bin/env bash
# Reissue, then revoke the old certificate: school-a gets a certificate, then a
# new one with a new key; revoking the OLD serial puts only that serial on the
# CRL, and a running refgwd then refuses the old certificate at the handshake
# and serves the new one. Everything the gateway uses comes from refgw-ca.
source "$(dirname "$0")/ca_common.sh"
D=$REFGW_CA_DIR
P=$T/partner
ORGS="school-a:school ecmj:expertise_centre"
ca init --name "Test CA" >/dev/null
mkdir -p "$CERTS"
ca request --org localhost --key-out "$CERTS/server.key" --csr-out "$P/server.csr" >/dev/null
ca server --csr "$P/server.csr" --name localhost --name 127.0.0.1 --out "$CERTS/server.crt" >/dev/null
cp "$D/ca.crt" "$D/ca.crl" "$CERTS/"
# The partner makes a key and CSR twice; the old pair stays with it.
ca request --org school-a --key-out "$CERTS/school-a-old.key" --csr-out "$P/old.csr" >/dev/null
ca sign --csr "$P/old.csr" --org school-a --out "$CERTS/school-a-old.crt" >/dev/null
ca request --org school-a --key-out "$CERTS/school-a.key" --csr-out "$P/new.csr" >/dev/null
ca sign --csr "$P/new.csr" --org school-a --out "$CERTS/school-a.crt" >/dev/null
OLD=$(serial_of "$CERTS/school-a-old.crt") NEW=$(serial_of "$CERTS/school-a.crt")
[ "$OLD" != "$NEW" ] && pass || fail "the reissue has the old serial"

# served OLD-STATUS WHEN: the old certificate gets OLD-STATUS (000: refused at
# the handshake), the new one 200.
served() {
    req school-a-old GET /v1/health
    expect_status "$1" "the old certificate $2"
    req school-a GET /v1/health
    expect_status 200 "the new certificate $2"
}

rg_config_json >"$T/base.json"
rg_start
served 200 "before the revocation"

# The operator revokes the old one by its serial, with the id as a check.
expect_rc 0 "revoke the old serial" ca revoke --org school-a --serial "$OLD" --reason superseded
on_crl=$(openssl crl -in "$D/ca.crl" -noout -text | sed -n 's/^ *Serial Number: //p')
expect_eq "$on_crl" "$OLD" "the serials on the CRL"
expect_eq "$(ca list --json | jq -r '.certificates[] | select(.id == "school-a") | "\(.serial) \(.status)"' | sort)" \
    "$(printf '%s\n' "$OLD revoked" "$NEW valid" | sort)" "school-a's certificates in list"

# ... puts the new CRL where the gateway reads it and reloads it.
cp "$D/ca.crl" "$CERTS/ca.crl"
kill -HUP "$PID"
for _ in $(seq 1 100); do grep -q 'configuration reloaded' "$T/refgwd.err" && break; sleep 0.05; done
grep -q 'configuration reloaded' "$T/refgwd.err" && pass || fail "refgwd did not reload: $(tail -n 3 "$T/refgwd.err")"
served 000 "after the reload"

# And so it stays after a restart with that CRL.
rg_stop
rg_start
served 000 "after a restart"
rg_stop
finish
