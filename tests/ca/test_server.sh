#!/usr/bin/env bash
# refgw-ca server: the gateway's certificate, serverAuth, every name a SAN
# (IP addresses as IP entries), the CN the first name.
source "$(dirname "$0")/ca_common.sh"
D=$REFGW_CA_DIR
P=$T/partner
ca init --name "Test CA" >/dev/null
# The gateway's operator makes its key and CSR like a partner does.
partner gw gw

expect_rc 0 "server" ca server --csr "$P/gw.csr" --name gw.example.org --name 127.0.0.1 --name ::1 \
    --name localhost --out "$P/gw.crt"
expect_eq "$(cat "$T/out")" "$P/gw.crt" "server's output"
expect_eq "$(openssl x509 -in "$P/gw.crt" -noout -subject)" "subject=CN = gw.example.org" "the CN"
expect_eq "$(exts "$P/gw.crt" | grep -v 'Key Identifier')" "X509v3 Basic Constraints: critical: CA:FALSE
X509v3 Key Usage: critical: Digital Signature
X509v3 Extended Key Usage: TLS Web Server Authentication
X509v3 Subject Alternative Name: DNS:gw.example.org, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1, DNS:localhost" \
    "a server certificate's extensions"
v() { openssl verify -CAfile "$D/ca.crt" -purpose sslserver "$@" "$P/gw.crt" >/dev/null 2>&1; }
v -verify_hostname gw.example.org && pass || fail "does not verify for gw.example.org"
v -verify_ip 127.0.0.1 && pass || fail "does not verify for 127.0.0.1"
v -verify_hostname other.example.org && fail "verifies for a name it does not carry" || pass
openssl verify -CAfile "$D/ca.crt" -purpose sslclient "$P/gw.crt" >/dev/null 2>&1 &&
    fail "a server certificate can authenticate a TLS client" || pass
list=$(ca list --json | jq -r '.certificates[] | "\(.id) \(.kind) \(.status)"')
expect_eq "$list" "gw.example.org server valid" "list"

for n in 'bad_name' '-x.example' 'a..b' 'x.example/evil' "$(printf 'a%.0s' {1..64}).example" '1.2.3.4,DNS:evil'; do
    expect_rc 1 "--name '$n'" ca server --csr "$P/gw.csr" --name "$n" --out "$P/bad.crt"
done
expect_rc 2 "--name 1.2.3.999" ca server --csr "$P/gw.csr" --name 1.2.3.999 --out "$P/bad.crt"
expect_rc 1 "server without --name" ca server --csr "$P/gw.csr" --out "$P/bad.crt"
expect_rc 2 "server over an existing file" ca server --csr "$P/gw.csr" --name gw.example.org --out "$P/gw.crt"
[ ! -e "$P/bad.crt" ] && pass || fail "a refused server wrote a certificate"
expect_eq "$(wc -l <"$D/index.txt")" 1 "index rows after the refusals"
finish
