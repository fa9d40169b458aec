#!/usr/bin/env bash
# refgw-ca crl: a fresh CRL with its next update N days on (30 by default),
# replacing DIR/ca.crl by rename (a reader sees the old file or the new one,
# never a part), untouched when signing fails; --copy-to publishes a 0644 copy.
source "$(dirname "$0")/ca_common.sh"
D=$REFGW_CA_DIR
P=$T/partner
ca init --name "Test CA" >/dev/null
partner school-a a && ca sign --csr "$P/a.csr" --org school-a --out "$P/a.crt" >/dev/null
ca revoke --serial "$(serial_of "$P/a.crt")" >/dev/null

field() { openssl crl -in "$1" -noout "-$2" | sed 's/^[^=]*=//'; }
span() { echo $(($(epoch "$(field "$1" nextupdate)") - $(epoch "$(field "$1" lastupdate)"))); }
number() { openssl crl -in "$1" -noout -crlnumber | sed 's/^crlNumber=0x//'; }

n0=$(number "$D/ca.crl")
ln "$D/ca.crl" "$T/held.crl" # a reader holding the old file
old=$(sha256sum <"$D/ca.crl")
expect_rc 0 "crl --days 2" ca crl --days 2
expect_eq "$(cat "$T/out")" "$D/ca.crl" "crl's output"
expect_eq "$(span "$D/ca.crl")" $((2 * 86400)) "nextUpdate - lastUpdate with --days 2"
n1=$(number "$D/ca.crl")
[ $((16#$n1)) -gt $((16#$n0)) ] && pass || fail "the CRL number did not grow ($n0 -> $n1)"
openssl crl -in "$D/ca.crl" -CAfile "$D/ca.crt" -noout 2>&1 | grep -qx 'verify OK' && pass || fail "the CRL does not verify"
openssl crl -in "$D/ca.crl" -noout -text | grep -q "Serial Number: $(serial_of "$P/a.crt")" && pass ||
    fail "the renewed CRL forgot the revoked serial"
# Replaced by rename: the held file is the old one, unchanged, and no temporary file is left.
expect_eq "$(sha256sum <"$T/held.crl")" "$old" "the file a reader held"
[ "$(stat -c %i "$D/ca.crl")" != "$(stat -c %i "$T/held.crl")" ] && pass || fail "ca.crl was written in place"
expect_eq "$(stat -c %a "$D/ca.crl")" 600 "ca.crl's mode"

expect_rc 0 "crl" ca crl
expect_eq "$(span "$D/ca.crl")" $((30 * 86400)) "nextUpdate - lastUpdate by default"

# Signing fails (a wrong passphrase): ca.crl stays as it was.
before=$(tree_sum "$D")
echo wrong >"$T/wrong"
expect_rc 2 "crl with a wrong passphrase" ca crl --passphrase-file "$T/wrong"
expect_eq "$(tree_sum "$D")" "$before" "the CA folder after a failed renewal"
expect_eq "$(find "$D" -name '.refgw-ca.*')" "" "temporary files left"

# --copy-to: the same CRL, public, replaced by rename too.
mkdir "$T/etc"
echo old >"$T/etc/ca.crl"
ln "$T/etc/ca.crl" "$T/etc-held"
expect_rc 0 "crl --copy-to" ca crl --copy-to "$T/etc/ca.crl"
expect_eq "$(cat "$T/out")" "$D/ca.crl
$T/etc/ca.crl" "crl --copy-to's output"
cmp -s "$D/ca.crl" "$T/etc/ca.crl" && pass || fail "the copy differs from ca.crl"
expect_eq "$(stat -c %a "$T/etc/ca.crl")" 644 "the copy's mode"
expect_eq "$(cat "$T/etc-held")" old "the copy was written in place"
expect_rc 2 "--copy-to a missing folder" ca crl --copy-to "$T/nowhere/ca.crl"
expect_rc 1 "--days 0" ca crl --days 0
# Past its next update the CRL is stale: what the gateway would refuse everyone with.
ca crl --days 1 >/dev/null
faketime -f +2d openssl crl -in "$D/ca.crl" -CAfile "$D/ca.crt" -noout 2>&1 | grep -qx 'verify OK' &&
    pass || fail "the CRL does not verify"
faketime -f +2d openssl verify -crl_check -CAfile "$D/ca.crt" -CRLfile "$D/ca.crl" "$P/a.crt" >"$T/v" 2>&1 || true
grep -q 'CRL has expired' "$T/v" && pass || fail "two days on, a one-day CRL: $(cat "$T/v")"
finish
