#!/usr/bin/env bash
# SPEC §8 and ../shared/PITFALLS.md: bad HTTP and bad JSON of every kind get a
# clear JSON error with Content-Length, and the server keeps serving everyone
# else: after each case another organisation's request must succeed.
#
# Raw bytes go over mutual TLS with rawtls.py (curl cannot lie about a
# Content-Length or trickle a header). The cases that wait for a deadline run
# in the background from the start, so the test takes about 30 s.
# REFGW_SLOW_TESTS=1 also waits out the 90 s idle timeout.
source "$(dirname "$0")/common.sh"
RAWTLS="$(cd "$(dirname "$0")" && pwd)/rawtls.py"
rg_setup
rg_start

# raw NAME [rawtls options...]: the request bytes on stdin; the events in $T/raw.NAME
raw() {
    local name=$1
    shift
    python3 "$RAWTLS" "$PORT" "$CERTS" --org school-a "$@" >"$T/raw.$name"
}

# responses NAME: the answers, one JSON object a line
responses() { jq -c 'select(.event == "response")' "$T/raw.$1"; }

# expect_raw NAME INDEX STATUS [CODE]: answer INDEX (0-based) has STATUS and error CODE
expect_raw() {
    local name=$1 i=$2 status=$3 code=${4:-} got
    got=$(jq -rs --argjson i "$i" '[.[] | select(.event == "response")][$i].status // "none"' \
        "$T/raw.$name")
    if [ "$got" != "$status" ]; then
        fail "$name: answer $i has status $got, wanted $status ($(tail -c 300 "$T/raw.$name"))"
        return
    fi
    pass
    if [ -n "$code" ]; then
        got=$(jq -rs --argjson i "$i" \
            '[.[] | select(.event == "response")][$i].body | fromjson | .error.code' \
            "$T/raw.$name" 2>/dev/null || echo "not JSON")
        expect_eq "$got" "$code" "$name: error code"
    fi
}

# expect_end NAME HOW...: the connection ended one of these ways (eof, timeout, ...)
expect_end() {
    local name=$1 how
    shift
    how=$(jq -r 'select(.event == "end") | .how' "$T/raw.$name")
    for want in "$@"; do
        [ "$how" = "$want" ] && { pass; return; }
    done
    fail "$name: connection ended '$how', wanted $*"
}

# end_time NAME: seconds from connect to the end of the connection
end_time() { jq -r 'select(.event == "end") | .t' "$T/raw.$1"; }

# between VALUE LOW HIGH WHAT
between() {
    if awk -v v="$1" -v lo="$2" -v hi="$3" 'BEGIN { exit !(v >= lo && v <= hi) }'; then pass; else
        fail "$4: $1 s, wanted $2-$3 s"
    fi
}

# still_serving WHAT: another organisation is served normally.
still_serving() {
    req school-b GET /v1/directory
    expect_status 200 "after $1: another client"
}

# http METHOD PATH [HEADERS...]: a request head without body
http() {
    local method=$1 path=$2 h
    shift 2
    printf '%s %s HTTP/1.1\r\nHost: localhost\r\n' "$method" "$path"
    for h in "$@"; do printf '%s\r\n' "$h"; done
    printf '\r\n'
}

# post_json BODY-FILE: a POST /v1/referrals with the file as body
post_json() {
    printf 'POST /v1/referrals HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n'
    printf 'Content-Length: %d\r\n\r\n' "$(wc -c <"$1")"
    cat "$1"
}

# json_case NAME STATUS CODE [FIELD]: the body on stdin is sent as a referral
json_case() {
    local name=$1 status=$2 code=$3 field=${4:-}
    cat >"$T/doc.$name"
    post_json "$T/doc.$name" | raw "$name" --input - --expect 1
    expect_raw "$name" 0 "$status" "$code"
    if [ -n "$field" ]; then
        expect_eq "$(responses "$name" | jq -r '.body | fromjson | .error.field')" "$field" \
            "$name: field"
    fi
    # A JSON error keeps the connection: it was a well-formed HTTP request.
    expect_eq "$(responses "$name" | jq -r '.headers.connection')" keep-alive "$name: keep-alive"
}

# ---- deadlines, in the background while the rest runs ----

# A Content-Length that promises more than comes, then silence: 408 after 20 s.
printf 'POST /v1/referrals HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 50\r\n\r\n{"to":' |
    raw cl_short --input - --wait 30 &
bg_short=$!
# A slow sender: a header byte every 3 s is cut off by the 20 s request deadline.
http GET /v1/health | raw slow --input - --byte-delay 3 --wait 30 &
bg_slow=$!
# A slow handshake: the ClientHello a byte a second, cut at the 10 s limit
# (which runs from the accept, whatever arrives meanwhile).
python3 "$RAWTLS" "$PORT" "$CERTS" --org school-a --hello-byte-delay 1 >"$T/raw.slow_hello" &
bg_hello=$!
# TCP without a handshake: closed after the 10 s handshake limit.
python3 "$RAWTLS" "$PORT" "$CERTS" --tcp-only --wait 30 >"$T/raw.tcp_only" &
bg_tcp=$!
# A handshake, then nothing: not cut by the request deadline; closed when idle.
if [ "${REFGW_SLOW_TESTS:-}" = 1 ]; then idle_wait=100; else idle_wait=25; fi
raw idle --wait "$idle_wait" &
bg_idle=$!
# A plaintext HTTP request to the TLS port is never answered in plaintext.
http GET /v1/health | python3 "$RAWTLS" "$PORT" "$CERTS" --tcp-only --input - --wait 15 \
    >"$T/raw.plaintext" &
bg_plain=$!

# ---- header and request size ----
{ printf 'GET /v1/health HTTP/1.1\r\nHost: localhost\r\nX-Big: '; head -c 9000 /dev/zero | tr '\0' a
    printf '\r\n\r\n'; } | raw big_header --input -
expect_raw big_header 0 413 too_large; expect_end big_header eof
still_serving "a 9 KB header"

{ printf 'GET /v1/health HTTP/1.1\r\nHost: localhost\r\n'
    for i in $(seq 1 200); do printf 'X-H%03d: %s\r\n' "$i" "$(printf '%048d' 0)"; done
    printf '\r\n'; } | raw many_headers --input -
expect_raw many_headers 0 413 too_large; expect_end many_headers eof
still_serving "11 KB of small headers"

{ printf 'GET /v1/health?'; head -c 9000 /dev/zero | tr '\0' a; printf ' HTTP/1.1\r\n\r\n'; } |
    raw long_url --input -
expect_raw long_url 0 413 too_large
still_serving "a 9 KB URL"

# Just under the limit is served: the limit is not tighter than documented.
{ printf 'GET /v1/health HTTP/1.1\r\nHost: localhost\r\nX-Big: '; head -c 7000 /dev/zero | tr '\0' a
    printf '\r\n\r\n'; } | raw header_7k --input - --expect 1
expect_raw header_7k 0 200

# A body over 128 KiB is refused as soon as its Content-Length is read.
printf 'POST /v1/referrals HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 131073\r\n\r\n{"to":' |
    raw big_body --input -
expect_raw big_body 0 413 too_large; expect_end big_body eof
between "$(end_time big_body)" 0 2 "413 before the body was sent"
still_serving "a 128 KiB + 1 Content-Length"

# Exactly 128 KiB passes HTTP; the referral's body limit (64 KiB) answers.
python3 -c 'import json,sys; d={"to":"ecmj","signal":"other","body":""}; n=131072-len(json.dumps(d)); d["body"]="a"*n; sys.stdout.write(json.dumps(d))' >"$T/doc.128k"
expect_eq "$(wc -c <"$T/doc.128k")" 131072 "128 KiB document"
post_json "$T/doc.128k" | raw body_128k --input - --expect 1
expect_raw body_128k 0 413 too_large
expect_eq "$(responses body_128k | jq -r '.body | fromjson | .error.field')" body "128 KiB: field"

# Expect: 100-continue gets the interim answer, then the real one.
{ printf 'POST /v1/referrals HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nExpect: 100-continue\r\n'
    referral ecmj | tr -d '\n' >"$T/doc.small"
    printf 'Content-Length: %d\r\n\r\n' "$(wc -c <"$T/doc.small")"; cat "$T/doc.small"; } |
    raw expect100 --input - --expect 1
expect_eq "$(jq -r 'select(.event == "interim") | .status' "$T/raw.expect100")" 100 "100 Continue"
expect_raw expect100 0 202

# ---- smuggling: Transfer-Encoding and Content-Length ----
{ http POST /v1/referrals "Content-Type: application/json" "Transfer-Encoding: chunked"
    printf '5\r\n{"a":\r\n0\r\n\r\n'; } | raw chunked --input -
expect_raw chunked 0 400 bad_request; expect_end chunked eof
still_serving "a chunked body"

{ http POST /v1/referrals "Content-Type: application/json" "Content-Length: 2" \
    "Transfer-Encoding: chunked"; printf '{}'; } | raw te_and_cl --input -
expect_raw te_and_cl 0 400 bad_request; expect_end te_and_cl eof
still_serving "Transfer-Encoding and Content-Length"

{ http POST /v1/referrals "Content-Type: application/json" "Transfer-Encoding: gzip, chunked" \
    "Content-Length: 2"; printf '{}'; } | raw te_gzip --input -
expect_raw te_gzip 0 400 bad_request
{ http POST /v1/referrals "Content-Type: application/json" "Transfer-Encoding: identity" \
    "Content-Length: 2"; printf '{}'; } | raw te_identity --input -
expect_raw te_identity 0 400 bad_request

{ http POST /v1/referrals "Content-Type: application/json" "Content-Length: 2" \
    "Content-Length: 2"; printf '{}'; } | raw dup_cl --input -
expect_raw dup_cl 0 400 bad_request; expect_end dup_cl eof
{ http POST /v1/referrals "Content-Type: application/json" "Content-Length: 2" \
    "Content-Length: 40"; printf '{}'; } | raw dup_cl_differ --input -
expect_raw dup_cl_differ 0 400 bad_request
{ http POST /v1/referrals "Content-Type: application/json" "Content-Length: -1"; printf '{}'; } |
    raw cl_negative --input -
expect_raw cl_negative 0 400 bad_request
still_serving "duplicate Content-Length"

# A Content-Length shorter than the body: the rest is the next request, and
# it is handled cleanly (here a well-formed GET, answered in order).
{ http POST /v1/referrals "Content-Type: application/json" "Content-Length: 2"
    printf '{}'; http GET /v1/health; } | raw cl_long --input - --expect 2
expect_raw cl_long 0 400 missing_field
expect_raw cl_long 1 200
# ... or refused when it is not HTTP, and the connection closed.
{ http POST /v1/referrals "Content-Type: application/json" "Content-Length: 2"
    printf '{}"signal":"other"}\r\n\r\n'; } | raw cl_long_junk --input -
expect_raw cl_long_junk 0 400 missing_field
expect_raw cl_long_junk 1 400 bad_request
expect_end cl_long_junk eof
still_serving "a lying Content-Length"

# Upgrades and HTTP/2 are refused.
http GET /v1/health "Connection: Upgrade" "Upgrade: h2c" | raw upgrade --input -
expect_raw upgrade 0 400 bad_request
# The HTTP/2 preface is an HTTP/1 request with the method PRI (RFC 9113 §3.4).
printf 'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n' | raw h2_preface --input -
expect_raw h2_preface 0 501 not_implemented
http GET /v1/health | sed 's|HTTP/1.1|HTTP/2.0|' | raw http2_line --input -
expect_raw http2_line 0 400 bad_request
printf 'GET /v1/health HTTP/0.9\r\n\r\n' | raw http09 --input -
expect_raw http09 0 400 bad_request
printf 'HELLO\r\n\r\n' | raw garbage --input -
expect_raw garbage 0 400 bad_request; expect_end garbage eof
printf 'GET\r\n\r\n' | raw no_target --input -
expect_raw no_target 0 400 bad_request
printf ' GET /v1/health HTTP/1.1\r\nHost: localhost\r\n\r\n' | raw space_first --input -
expect_raw space_first 0 400 bad_request
still_serving "garbage requests"

# ---- methods the gateway does not know: 501 (RFC 9110 §15.6.2) ----
# Well-formed tokens, whether http-parser knows them (PROPFIND, PURGE,
# CONNECT) or not; methods are case-sensitive, so "get" is unknown too.
n=0
for m in FROB PROPFIND PURGE MKCOL CONNECT get Get BREW X-CUSTOM "A!#\$%&'*+.^_\`|~"; do
    n=$((n + 1))
    printf '%s /v1/health HTTP/1.1\r\nHost: localhost\r\n\r\n' "$m" | raw "method$n" --input -
    expect_raw "method$n" 0 501 not_implemented
    expect_end "method$n" eof
done
printf 'CONNECT localhost:443 HTTP/1.1\r\nHost: localhost:443\r\n\r\n' | raw connect --input -
expect_raw connect 0 501 not_implemented
{ head -c 3000 /dev/zero | tr '\0' M; printf ' /v1/health HTTP/1.1\r\nHost: localhost\r\n\r\n'; } |
    raw long_method --input -
expect_raw long_method 0 501 not_implemented
{ head -c 9000 /dev/zero | tr '\0' M; printf ' /v1/health HTTP/1.1\r\n\r\n'; } |
    raw huge_method --input -
expect_raw huge_method 0 413 too_large
# The method's name may arrive a byte at a time: a known one is still known.
http GET /v1/health | raw method_slow --input - --byte-delay 0.05 --expect 1
expect_raw method_slow 0 200
printf 'FROB /v1/health HTTP/1.1\r\nHost: localhost\r\n\r\n' |
    raw method_slow_unknown --input - --byte-delay 0.05
expect_raw method_slow_unknown 0 501 not_implemented
still_serving "unknown methods"

# ---- Host (RFC 9112 §3.2) ----
printf 'GET /v1/health HTTP/1.1\r\n\r\n' | raw no_host --input -
expect_raw no_host 0 400 bad_request; expect_end no_host eof
printf 'GET /v1/health HTTP/1.1\r\nHost: localhost\r\nHost: localhost\r\n\r\n' |
    raw two_hosts --input -
expect_raw two_hosts 0 400 bad_request
printf 'GET /v1/health HTTP/1.1\r\nHost: a\r\nX-Other: b\r\nhOsT: b\r\n\r\n' |
    raw two_hosts_apart --input -
expect_raw two_hosts_apart 0 400 bad_request
printf 'GET /v1/health HTTP/1.0\r\nHost: a\r\nHost: b\r\n\r\n' | raw two_hosts_10 --input -
expect_raw two_hosts_10 0 400 bad_request
printf 'GET /v1/health HTTP/1.1\r\nHost: local host\r\n\r\n' | raw host_space --input -
expect_raw host_space 0 400 bad_request
printf 'GET /v1/health HTTP/1.1\r\nHost: localhost/x\r\n\r\n' | raw host_slash --input -
expect_raw host_slash 0 400 bad_request
printf 'GET /v1/health HTTP/1.1\r\nHost: localhost:44x\r\n\r\n' | raw host_port --input -
expect_raw host_port 0 400 bad_request
printf 'GET /v1/health HTTP/1.1\r\nHost: [::1\r\n\r\n' | raw host_v6_open --input -
expect_raw host_v6_open 0 400 bad_request
still_serving "bad Host headers"
# Valid spellings, each answered, and the connection kept.
{ for h in localhost localhost:8443 127.0.0.1 "[::1]:8443" "" "LOCALHOST " "gw.example.nl"; do
    printf 'GET /v1/health HTTP/1.1\r\nHost: %s\r\n\r\n' "$h"; done; } |
    raw hosts_ok --input - --expect 7
expect_eq "$(responses hosts_ok | jq -r .status | tr '\n' ' ')" "200 200 200 200 200 200 200 " \
    "valid Host values"
# HTTP/1.0 needs no Host.
printf 'GET /v1/health HTTP/1.0\r\n\r\n' | raw http10_no_host --input -
expect_raw http10_no_host 0 200

# ---- pipelining: several requests in one write, answered in order ----
referral ecmj other '.client_ref="pipelined-1"' | tr -d '\n' >"$T/doc.pipe"
{ http GET /v1/health; http GET /v1/directory; post_json "$T/doc.pipe"; http GET /v1/nowhere
    http GET "/v1/inbox?limit=0"; } | raw pipelined --input - --expect 5
expect_eq "$(responses pipelined | jq -r .status | tr '\n' ' ')" "200 200 202 404 400 " \
    "pipelined answers in order"
expect_eq "$(responses pipelined | sed -n 1p | jq -r '.body | fromjson | .status')" ok "pipelined 1: health"
expect_eq "$(responses pipelined | sed -n 2p | jq -r '.body | fromjson | .organisations | length')" 4 \
    "pipelined 2: directory"
expect_eq "$(responses pipelined | sed -n 5p | jq -r '.body | fromjson | .error.field')" limit \
    "pipelined 5: inbox limit"
# The same, each request cut into small TLS records, all of them sent in one
# TCP write with the client's last handshake message: the server reads ahead
# and gets them in one read, and must answer each without waiting for bytes
# the socket will not signal again.
referral ecmj other '.client_ref="records-1"' | tr -d '\n' >"$T/doc.records"
{ http GET /v1/health; post_json "$T/doc.records"; http GET /v1/directory; } |
    raw records --input - --record-size 16 --expect 3 --wait 3
expect_eq "$(responses records | jq -r .status | tr '\n' ' ')" "200 202 200 " \
    "pipelined requests in 16-byte records, with the handshake's end"
post_json "$T/doc.records" | raw records_one --input - --record-size 200 --expect 1 --wait 3
expect_raw records_one 0 200 # a repeat of the same client_ref
expect_eq "$(responses records_one | jq -r '.body | fromjson | .id')" \
    "$(responses records | sed -n 2p | jq -r '.body | fromjson | .id')" \
    "a referral in 200-byte records: the same referral again"
# HTTP/1.0 closes unless it asks to keep the connection; when it asks, the
# answer says so (an HTTP/1.0 client needs it said), and Content-Length
# tells where the answer ends.
printf 'GET /v1/health HTTP/1.0\r\n\r\n' | raw http10 --input -
expect_raw http10 0 200; expect_end http10 eof
expect_eq "$(responses http10 | jq -r '.headers.connection')" close "HTTP/1.0: Connection"
printf 'GET /v1/health HTTP/1.0\r\nConnection: keep-alive\r\n\r\nGET /v1/health HTTP/1.0\r\n\r\n' |
    raw http10_keepalive --input -
expect_raw http10_keepalive 0 200; expect_raw http10_keepalive 1 200; expect_end http10_keepalive eof
expect_eq "$(responses http10_keepalive | jq -r '.headers.connection' | tr '\n' ' ')" \
    "keep-alive close " "HTTP/1.0 keep-alive: Connection"
# Kept alive across a POST, whose 100-continue expectation HTTP/1.0 may not have.
referral ecmj other '.client_ref="http10-1"' | tr -d '\n' >"$T/doc.http10"
{ printf 'POST /v1/referrals HTTP/1.0\r\nConnection: keep-alive\r\nContent-Type: application/json\r\n'
    printf 'Expect: 100-continue\r\nContent-Length: %d\r\n\r\n' "$(wc -c <"$T/doc.http10")"
    cat "$T/doc.http10"
    printf 'GET /v1/health HTTP/1.0\r\nConnection: keep-alive\r\n\r\n'; } |
    raw http10_post --input - --expect 2
expect_raw http10_post 0 202; expect_raw http10_post 1 200
expect_eq "$(jq -r 'select(.event == "interim") | .status' "$T/raw.http10_post")" "" \
    "HTTP/1.0: no 100 Continue"

# ---- JSON abuse ----
python3 -c 'import sys; sys.stdout.write("[" * 10000 + "]" * 10000)' | json_case deep_array 400 invalid_json
python3 -c 'import sys; sys.stdout.write("{\"to\":\"ecmj\",\"signal\":\"other\",\"body\":\"x\",\"subject\":" + "{\"a\":" * 10000 + "1" + "}" * 10001)' |
    json_case deep_object 400 invalid_json
printf '{"to":"ecmj","to":"police-a","signal":"other","body":"x"}' | json_case dup_key 400 invalid_json
printf '{"to":"ecmj","signal":"other","body":"x","subject":{"gender":"male","gender":"female"}}' |
    json_case dup_subject_key 400 invalid_json
printf '{"to":"ecmj","signal":"other","body":"a\xffb"}' | json_case utf8_ff 400 invalid_json
printf '{"to":"ecmj","signal":"other","body":"\xc0\xaf"}' | json_case utf8_overlong 400 invalid_json
printf '{"to":"ecmj","signal":"other","body":"\xed\xa0\x80"}' | json_case utf8_surrogate 400 invalid_json
printf '{"to":"ecmj","signal":"other","body":"\xf4\x90\x80\x80"}' | json_case utf8_too_big 400 invalid_json
printf '{"to":"ecmj","signal":"other","body":"\xe2\x82"}' | json_case utf8_truncated 400 invalid_json
printf '{"to":"ecmj","signal":"other","body":"\\ud800"}' | json_case lone_surrogate 400 invalid_json
printf '{"to":"ecmj","signal":"other","body":"a\0b"}' | json_case nul_raw 400 invalid_json
# SPEC §4: a NUL in a value is that field's invalid value (cJSON would cut
# the string there: "ecmj\u0000x" must not pass as "ecmj").
printf '{"to":"ecmj","signal":"other","body":"a\\u0000b"}' | json_case nul_escaped 400 invalid_field body
printf '{"to":"ecmj\\u0000x","signal":"other","body":"b"}' | json_case nul_in_to 400 invalid_field to
printf '{"to":"ecmj","signal":"other","body":"b","subject":{"gender":"male\\u0000"}}' |
    json_case nul_in_subject 400 invalid_field subject.gender
printf '{"to":"ecmj","signal":"other","body":"b","bo\\u0000dy":"c"}' | json_case nul_in_key 400 invalid_json
printf '{"to":"ecmj","signal":"other","body":"a\x01b"}' | json_case control_raw 400 invalid_json
printf '{"to":"ecmj","signal":"other","body":"x"}\0' | json_case nul_after 400 invalid_json
printf '{"to":5,"signal":"other","body":"x"}' | json_case number_to 400 invalid_field to
printf '{"to":"ecmj","signal":"other","body":12}' | json_case number_body 400 invalid_field body
printf '{"to":"ecmj","signal":"other","body":"x","client_ref":1e3}' |
    json_case number_ref 400 invalid_field client_ref
printf '{"to":"ecmj","signal":"other","body":"x","subject":{"age_band":16}}' |
    json_case number_age 400 invalid_field subject.age_band
printf '{"to":"ecmj","signal":true,"body":"x"}' | json_case bool_signal 400 invalid_field signal
printf '{"to":"ecmj","signal":"other","body":null}' | json_case null_body 400 invalid_field body
printf '{"to":"ecmj","signal":"other","body":"x","colour":"red"}' |
    json_case unknown_field 400 unknown_field colour
printf '{"to":"ecmj","signal":"other","body":"x","subject":{"name":"Jan"}}' |
    json_case unknown_subject 400 unknown_field subject.name
printf '{"to":"ecmj","signal":"other","body":"x","Body":"y"}' | json_case case_field 400 unknown_field Body
printf '{"to":"ecmj","signal":"other","body":"x"} {}' | json_case two_docs 400 invalid_json
printf '{"to":"ecmj",' | json_case truncated 400 invalid_json
printf '' | json_case empty 400 invalid_json
still_serving "JSON abuse"

# ---- paths: traversal and encoding tricks reach no route ----
referral ecmj | tr -d '\n' >"$T/doc.id"
post_json "$T/doc.id" | raw make_id --input - --expect 1
id=$(responses make_id | jq -r '.body | fromjson | .id')
expect_raw make_id 0 202
n=0
for path in "/v1/referrals/$id/" "/v1/referrals//$id" "//v1/referrals/$id" \
    "/v1/referrals/../referrals/$id" "/v1/referrals/./$id" "/v1/referrals/%2e%2e/inbox" \
    "/v1/referrals%2F$id" "/v1/referrals%2f$id" "/v1/referrals/$id%00" "/v1/referrals/%00$id" \
    "/v1/health%00" "/v1/health%00x" "/v1/referrals/${id:0:21}%41" "/v1/referrals/${id:0:21}" \
    "/v1/referrals/${id}A" "/v1/inbox/$id/../../referrals/$id" "/v1/inbox/$id%2Fack" \
    "/v1/referrals/$id;x" "/v1/referrals/$id#x" "/V1/referrals/$id" "/v1/referrals/\\$id" \
    "https://localhost/v1/referrals/$id" "*" "/v1/%2e%2e/metrics" "/v1/referrals/$id%20"; do
    n=$((n + 1))
    http GET "$path" | raw "path$n" --input - --expect 1
    # Not found, or refused as malformed HTTP by the parser: never the referral.
    st=$(responses "path$n" | jq -r .status)
    case $st in
    404) expect_raw "path$n" 0 404 not_found ;;
    400) expect_raw "path$n" 0 400 bad_request ;;
    *) fail "path $path: status $st" ;;
    esac
done
http GET "/v1/referrals/$id" | raw path_ok --input - --expect 1
expect_raw path_ok 0 200
still_serving "path tricks"

# ---- methods ----
# method_case NAME METHOD PATH ALLOW
method_case() {
    http "$2" "$3" "Content-Length: 0" | raw "$1" --input - --expect 1
    expect_raw "$1" 0 405 method_not_allowed
    expect_eq "$(responses "$1" | jq -r '.headers.allow')" "$4" "$1: Allow"
}
method_case del_referrals DELETE /v1/referrals POST
method_case put_inbox PUT /v1/inbox GET
method_case get_ack GET "/v1/inbox/$id/ack" POST
method_case post_status POST "/v1/referrals/$id" "GET, HEAD"
method_case patch_health PATCH /v1/health "GET, HEAD"
method_case options_directory OPTIONS /v1/directory "GET, HEAD"
method_case trace_health TRACE /v1/health "GET, HEAD"
# HEAD answers as GET without the body: the same status and Content-Length,
# so the next answer on the connection is read correctly.
{ http HEAD /v1/health; http GET /v1/health; http HEAD "/v1/referrals/$id"
    http GET "/v1/referrals/$id"; http HEAD /v1/directory; http GET /v1/directory
    http HEAD /v1/nowhere; http GET /v1/health; } | raw head --input - --head 0,2,4,6 --expect 8
for i in 0 2 4; do
    expect_raw head "$i" 200
    expect_eq "$(responses head | sed -n "$((i + 1))p" | jq -r '.body')" "" "HEAD $i: no body"
    expect_eq "$(responses head | sed -n "$((i + 1))p" | jq -r '.headers["content-length"]')" \
        "$(responses head | sed -n "$((i + 2))p" | jq -r '.body | length')" \
        "HEAD $i: the Content-Length of GET's body"
done
expect_raw head 1 200; expect_raw head 3 200; expect_raw head 5 200; expect_raw head 7 200
expect_raw head 6 404
expect_eq "$(responses head | sed -n 7p | jq -r '.body')" "" "HEAD of no route: no body"
# ... but not on the inbox, whose GET hands referrals out: a HEAD, whose
# answer has no body, must not count a delivery.
{ http HEAD /v1/inbox; http GET /v1/health; } | raw head_inbox --input - --head 0 --expect 2
expect_raw head_inbox 0 405
expect_eq "$(responses head_inbox | sed -n 1p | jq -r '.headers.allow')" GET "HEAD /v1/inbox: Allow"
expect_raw head_inbox 1 200
still_serving "methods"

# ---- a slow reader ----
# An answer far bigger than the socket buffers, to a client that reads
# nothing for 3 s through a small window: the server's write stops when the
# socket is full and goes on when the client reads, and all of it arrives.
head -c 60000 /dev/zero | tr '\0' 'b' >"$T/big-body"
for i in 1 2 3 4 5 6; do
    req school-a POST /v1/referrals "$(jq -cn --rawfile b "$T/big-body" --arg ref "big-$i" \
        '{to: "ecmj", signal: "loverboy", client_ref: $ref, body: $b}')"
    expect_status 202 "a 60 KB referral"
done
http GET '/v1/inbox?limit=500' |
    raw slow_reader --org ecmj --input - --rcvbuf 4096 --read-delay 3 --expect 1 --wait 20
expect_raw slow_reader 0 200
big=$(responses slow_reader | jq -r '.body | fromjson | [.referrals[] |
    select(.body | length == 60000)] | length' 2>/dev/null || echo "not JSON")
expect_eq "$big" 6 "a slow reader's big answer: referrals of 60 KB in it"
still_serving "a slow reader"

# ---- the waiting cases ----
wait "$bg_short" "$bg_slow" "$bg_tcp" "$bg_plain" "$bg_hello" || true
expect_end slow_hello eof reset
between "$(end_time slow_hello)" 9 13 "a ClientHello a byte a second cut off"
sent=$(jq -r 'select(.event == "end") | .sent' "$T/raw.slow_hello")
[ "${sent:-0}" -ge 8 ] && [ "${sent:-0}" -le 13 ] && pass ||
    fail "a slow ClientHello: ${sent:-0} bytes sent before the end, wanted about 10"
expect_raw cl_short 0 408 request_timeout; expect_end cl_short eof
between "$(end_time cl_short)" 19 24 "a short body cut off"
expect_raw slow 0 408 request_timeout; expect_end slow eof
between "$(end_time slow)" 19 25 "a slow sender cut off"
expect_end tcp_only eof reset
between "$(end_time tcp_only)" 9 13 "a connection that never handshakes closed"
grep -q '"leftover": "HTTP/' "$T/raw.plaintext" && fail "a plaintext request got a plaintext answer" || pass
expect_eq "$(responses plaintext | wc -l)" 0 "no HTTP answer without TLS"
wait "$bg_idle" || true
if [ "${REFGW_SLOW_TESTS:-}" = 1 ]; then
    expect_end idle eof
    between "$(end_time idle)" 89 95 "an idle connection closed"
else
    # Idle is not slow: the 20 s request deadline does not close it.
    expect_end idle timeout
fi
still_serving "the deadlines"

# ---- every answer: JSON, never HTML, with Content-Length ----
cat "$T"/raw.* | jq -c 'select(.event == "response" and (.head | not))' >"$T/all-answers"
total=$(wc -l <"$T/all-answers")
[ "$total" -ge 80 ] && pass || fail "only $total answers collected"
bad=$(jq -c 'select((.headers["content-type"] != "application/json") or
    (.headers["content-length"] == null) or (.duplicate_headers | length > 0) or
    ((.body | fromjson? // "not json") | type != "object") or
    (.status >= 400 and ((.body | fromjson? | .error.code | type) != "string")))' \
    "$T/all-answers" | head -n 3 || true)
[ -z "$bad" ] && pass || fail "answers that are not JSON with Content-Length: $bad"
grep -l '"leftover": "[^"]' "$T"/raw.* | grep -v 'raw.plaintext$' >"$T/leftovers" || true
[ ! -s "$T/leftovers" ] && pass || fail "bytes that are no complete answer in: $(cat "$T/leftovers")"
grep -qi '<html' "$T"/raw.* && fail "an HTML answer" || pass

# The rejections are counted; the server stops cleanly.
sleep 1.2
grep -Eq 'rejected=[1-9][0-9]' "$T/refgwd.err" && pass || fail "rejections not counted in the log"
rg_stop
finish
