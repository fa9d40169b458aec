#!/usr/bin/env bash
# Operators see trouble coming: /metrics has refgw_cert_expiry_seconds for the
# server certificate, the client CA and the CRL, and refgw_build_info; the log
# warns 14 and 3 days before one of them runs out and daily after, and so does
# --check-config (exit 0). A CRL that passes its nextUpdate while refgwd runs
# refuses every handshake: counted as class crl_expired and logged once a
# minute as that, not as the partners' fault.
source "$(dirname "$0")/common.sh"
RAWTLS="$(cd "$(dirname "$0")" && pwd)/rawtls.py"
rg_setup
"$MAKE_CERTS" "$CERTS" soon-server >/dev/null
"$MAKE_CERTS" "$CERTS" soon-crl >/dev/null
soon='{"tls": {"cert": "certs/server-soon.crt", "key": "certs/server-soon.key", "crl": "certs/ca-soon.crl"}}'
jq -S ". * $soon" "$T/base.json" >"$T/soon.json"

# logged TEXT: how many lines of the log have TEXT, each after its UTC time.
logged() { grep -cE "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z refgwd: .*$1" "$T/refgwd.err" || true; }
# gauge NAME LABELS [FILE]: a sample's value in the last body (or FILE)
gauge() { awk -v s="$1{$2}" '$1 == s { print $2 }' "${3:-$BODY_FILE}"; }

rc=0; out=$("$REFGWD" --check-config "$T/soon.json" 2>&1) || rc=$?
expect_eq "$rc" 0 "--check-config with certificates that expire soon"
for w in "tls.cert: the server certificate expires in [67] days" "tls.crl: the CRL's nextUpdate is in [67] days"; do
    grep -qE "warning: $w" <<<"$out" && pass || fail "--check-config does not warn '$w': $out"
done
grep -q "tls.client_ca" <<<"$out" && fail "--check-config warns about a CA valid for years: $out" || pass

rg_start "$soon"
sleep 1.5 # a tick or more: the warnings are said once, not at every tick
expect_eq "$(logged 'warning: tls.cert: the server certificate expires in [67] days')" 1 "server certificate warning"
expect_eq "$(logged "warning: tls.crl: the CRL's nextUpdate is in [67] days")" 1 "CRL warning"
expect_eq "$(logged 'warning: tls.client_ca')" 0 "no warning for the CA"

req audit GET /metrics
expect_status 200 "/metrics"
for w in server crl; do
    v=$(gauge refgw_cert_expiry_seconds "which=\"$w\"")
    [ -n "$v" ] && [ "$v" -gt $((6 * 86400)) ] && [ "$v" -le $((7 * 86400)) ] && pass ||
        fail "refgw_cert_expiry_seconds{which=\"$w\"} is '$v', not about 7 days"
done
v=$(gauge refgw_cert_expiry_seconds 'which="ca"')
[ -n "$v" ] && [ "$v" -gt $((3000 * 86400)) ] && pass || fail "the CA's gauge is '$v', not about 10 years"
version=$("$REFGWD" --version | awk '{print $2}')
expect_eq "$(gauge refgw_build_info "version=\"$version\"")" 1 "refgw_build_info"

# A CRL that runs out while refgwd runs: valid for a few seconds, loaded by SIGHUP.
REFGW_SAN=DNS:localhost openssl ca -batch -config "$CERTS/ca/ca.cnf" -gencrl -crlsec 6 -out "$CERTS/ca-short.crl" 2>/dev/null
crl_made=$(date +%s)
jq '.tls.crl = "certs/ca-short.crl"' "$T/refgwd.json" >"$T/next.json" && mv "$T/next.json" "$T/refgwd.json"
kill -HUP "$PID"
for _ in $(seq 1 50); do [ "$(logged 'configuration reloaded')" -ge 1 ] && break; sleep 0.1; done
expect_eq "$(logged "warning: tls.crl: the CRL's nextUpdate is in less than an hour")" 1 \
    "warning for the new CRL at reload"
# An admin's connection opened now lives on: /metrics now and after the refusals.
printf 'GET /metrics HTTP/1.1\r\nHost: localhost\r\n\r\n' >"$T/metrics.http"
python3 "$RAWTLS" "$PORT" "$CERTS" --org audit --input "$T/metrics.http" --repeat 2 --interval 9 \
    --wait 5 >"$T/scrapes" &
scraper=$!
sleep $((crl_made + 7 - $(date +%s)))
for i in 1 2 3; do
    req school-a GET /v1/health
    expect_status 000 "handshake $i with a CRL past its nextUpdate"
done
wait "$scraper" || true
scrape() { jq -rs "[.[] | select(.event == \"response\")] | .[$1].body // \"\"" "$T/scrapes"; }
expect_eq "$(jq -s '[.[] | select(.event == "response")] | length' "$T/scrapes")" 2 "scrapes"
scrape 1 >"$BODY_FILE"
expect_eq "$(gauge refgw_handshake_failures_total 'class="crl_expired"')" 3 "failures of class crl_expired"
scrape 0 >"$T/first"
before=$(gauge refgw_handshake_failures_total 'class="refused"' "$T/first")
expect_eq "$(gauge refgw_handshake_failures_total 'class="refused"')" "$before" \
    "refusals for our CRL's age not counted as the partners'"
v=$(gauge refgw_cert_expiry_seconds 'which="crl"')
[ -n "$v" ] && [ "$v" -lt 0 ] && pass || fail "the CRL's gauge is '$v' past its nextUpdate"
expect_eq "$(logged 'tls: handshake refused: crl expired')" 1 "the CRL's age logged once a minute"
expect_eq "$(logged 'warning: tls.crl: the CRL passed its nextUpdate 0 days ago')" 1 \
    "warning once the CRL has passed its nextUpdate"
rg_stop
finish
