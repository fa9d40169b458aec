#!/usr/bin/env bash
# refgw-ca revoke: by serial through the CA's own copy, never by a file on
# disk; --org must match; a second revocation is refused and changes nothing;
# a CRL that cannot be signed undoes the revocation.
source "$(dirname "$0")/ca_common.sh"
D=$REFGW_CA_DIR
P=$T/partner
ca init --name "Test CA" >/dev/null
partner school-a a && ca sign --csr "$P/a.csr" --org school-a --out "$P/a.crt" >/dev/null
# school-a's certificate reissued: the newer one must survive revoking the older.
partner school-a a2 && ca sign --csr "$P/a2.csr" --org school-a --out "$P/a2.crt" >/dev/null
partner school-b b && ca sign --csr "$P/b.csr" --org school-b --out "$P/b.crt" >/dev/null
partner school-c c && ca sign --csr "$P/c.csr" --org school-c --out "$P/c.crt" >/dev/null
SA=$(serial_of "$P/a.crt") SB=$(serial_of "$P/b.crt") SC=$(serial_of "$P/c.crt")
crl_serials() { openssl crl -in "$D/ca.crl" -noout -text | sed -n 's/^ *Serial Number: //p' | sort | tr '\n' ' '; }
crl_ok() { openssl crl -in "$D/ca.crl" -CAfile "$D/ca.crt" -noout 2>&1 | grep -qx 'verify OK'; }

# Files on disk mean nothing: school-a's file is gone, school-b's sits in its place.
rm "$P/a.crt" && cp "$P/b.crt" "$P/a.crt"
expect_rc 0 "revoke --serial" ca revoke --serial "$SA" --reason keyCompromise
expect_eq "$(cat "$T/out")" "$D/ca.crl" "revoke's output"
expect_eq "$(crl_serials)" "$SA " "the CRL after revoking school-a's first certificate"
crl_ok && pass || fail "the CRL does not verify against the CA"
openssl crl -in "$D/ca.crl" -noout -text | grep -q 'Key Compromise' && pass || fail "the reason is not in the CRL"

# --org must be the serial's organisation.
before=$(tree_sum "$D")
expect_rc 2 "revoke with another organisation's id" ca revoke --org school-a --serial "$SB"
expect_err "was not issued to school-a"
expect_eq "$(tree_sum "$D")" "$before" "the CA folder after a wrong --org"
# Twice is refused and changes nothing.
expect_rc 2 "revoking a revoked serial" ca revoke --serial "$SA"
expect_err "already revoked"
expect_eq "$(tree_sum "$D")" "$before" "the CA folder after a second revocation"
expect_rc 2 "a serial never issued" ca revoke --serial 1234ABCD
expect_rc 1 "a serial that is not hexadecimal" ca revoke --serial xyz
expect_rc 1 "an unknown reason" ca revoke --serial "$SB" --reason bored
expect_rc 1 "revoke without --serial" ca revoke --org school-b
expect_rc 2 "a wrong passphrase" ca revoke --serial "$SB" --passphrase-file "$PW.none"
echo wrong >"$T/wrong"
expect_rc 2 "a wrong passphrase" ca revoke --serial "$SB" --passphrase-file "$T/wrong"
expect_eq "$(tree_sum "$D")" "$before" "the CA folder after the refusals"

# The right id, and the serial as openssl x509 -text shows it (lower case, colons).
colons=$(echo "$SB" | tr A-F a-f | sed 's/../&:/g; s/:$//')
expect_rc 0 "revoke --org --serial" ca revoke --org school-b --serial "$colons"
expect_eq "$(crl_serials)" "$(printf '%s\n' "$SA" "$SB" | sort | tr '\n' ' ')" "the CRL after revoking school-b"

# If the CRL cannot be signed, the revocation is undone: here its number is unreadable.
before=$(tree_sum "$D")
cp "$D/crlnumber" "$T/crlnumber" && echo garbage >"$D/crlnumber"
expect_rc 2 "revoke when the CRL cannot be signed" ca revoke --serial "$SC"
expect_err "revocation was undone"
cp "$T/crlnumber" "$D/crlnumber"
expect_eq "$(tree_sum "$D")" "$before" "the CA folder after an undone revocation"
expect_eq "$(ca list --json | jq -r --arg s "$SC" '.certificates[] | select(.serial == $s) | .status')" valid \
    "school-c's status after the undone revocation"
expect_rc 0 "revoke school-c" ca revoke --serial "$SC"
expect_eq "$(ca list --json | jq -r '.certificates[] | "\(.id) \(.status)"' | sort)" "school-a revoked
school-a valid
school-b revoked
school-c revoked" "the statuses at the end"
finish
