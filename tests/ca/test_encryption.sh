#!/usr/bin/env bash
# refgw-ca sign --encryption (SPEC §10): an EC P-256 key only, keyUsage
# keyAgreement only, no clientAuth; the certificate works for CMS ECDH.
source "$(dirname "$0")/ca_common.sh"
D=$REFGW_CA_DIR
P=$T/partner
ca init --name "Test CA" >/dev/null

expect_rc 0 "request --encryption" ca request --org ecmj --encryption --key-out "$P/e.key" --csr-out "$P/e.csr"
openssl pkey -in "$P/e.key" -noout -text 2>/dev/null | grep -qx 'NIST CURVE: P-256' && pass || fail "not a P-256 key"
expect_rc 0 "sign --encryption" ca sign --csr "$P/e.csr" --org ecmj --encryption --out "$P/e.crt"
expect_eq "$(exts "$P/e.crt" | grep -v 'Key Identifier')" "X509v3 Basic Constraints: critical: CA:FALSE
X509v3 Key Usage: critical: Key Agreement" "an encryption certificate's extensions"
expect_eq "$(openssl x509 -in "$P/e.crt" -noout -subject)" "subject=CN = ecmj" "the subject"
openssl verify -CAfile "$D/ca.crt" "$P/e.crt" >/dev/null 2>&1 && pass || fail "does not verify against the CA"

# It does what it is for: CMS with ECDH to it, opened with the partner's key.
echo "a body" >"$T/plain"
openssl cms -encrypt -binary -aes-256-gcm -recip "$P/e.crt" -keyopt ecdh_kdf_md:sha256 \
    -in "$T/plain" -outform DER -out "$T/cms" 2>"$T/cms.err" || fail "cms -encrypt: $(cat "$T/cms.err")"
out=$(openssl cms -decrypt -binary -inform DER -in "$T/cms" -recip "$P/e.crt" -inkey "$P/e.key" 2>&1)
expect_eq "$out" "a body" "decrypted with the partner's key"

# Any key but EC P-256 is refused for encryption (P-384 and RSA are fine for a client).
index_before=$(sha256sum <"$D/index.txt")
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-384 -nodes -keyout "$P/p384.key" \
    -subj /CN=ecmj -out "$P/p384.csr" 2>/dev/null
openssl req -new -newkey rsa:2048 -nodes -keyout "$P/rsa.key" -subj /CN=ecmj -out "$P/rsa.csr" 2>/dev/null
for k in p384 rsa; do
    expect_rc 2 "--encryption with a $k key" ca sign --csr "$P/$k.csr" --org ecmj --encryption --out "$P/$k-e.crt"
    expect_err "needs an EC P-256 key" "$k"
    [ ! -e "$P/$k-e.crt" ] && pass || fail "$k: wrote a certificate"
done
expect_eq "$(sha256sum <"$D/index.txt")" "$index_before" "the index after the refusals"
expect_rc 0 "a P-384 client certificate" ca sign --csr "$P/p384.csr" --org ecmj --out "$P/p384.crt"

# Several per organisation (devices, rotation), side by side.
partner ecmj e2 --encryption
expect_rc 0 "a second encryption certificate" ca sign --csr "$P/e2.csr" --org ecmj --encryption --out "$P/e2.crt"
expect_eq "$(ca list --json | jq '[.certificates[] | select(.id == "ecmj" and .kind == "encryption"
    and .status == "valid")] | length')" 2 "valid encryption certificates of ecmj"
finish
