#!/usr/bin/env bash
# SPEC §3: --check-config catches everything that would stop the gateway
# starting or serving, start and reload check the same, and no configuration
# passes --check-config and then fails to start or refuses every client.
# The cases are data: config_cases.txt (the certificate zoo of make-certs:
# expired-server, client-as-server, stale-crl, foreign-crl, soon-*, ...).
source "$(dirname "$0")/common.sh"
CASES="$(dirname "$0")/config_cases.txt"
rg_setup
rg_start # the reloader: every case is also tried by SIGHUP on it
zoo() { "$MAKE_CERTS" "$CERTS" "$@"; }

# serves FILE: refgwd starts on FILE, serves a partner, and SIGTERM ends it with 0.
serves() {
    : >"$T/case.err"
    "$REFGWD" --config "$1" 2>"$T/case.err" &
    local pid=$! port="" code=000 rc=0
    for _ in $(seq 1 100); do
        port=$(sed -n 's/^.*refgwd: listening on .*:\([0-9][0-9]*\)$/\1/p' "$T/case.err")
        [ -n "$port" ] && break
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.05
    done
    if [ -n "$port" ]; then
        code=$(curl -sS --max-time 10 --cacert "$CERTS/ca.crt" --cert "$CERTS/school-a.crt" \
            --key "$CERTS/school-a.key" -o /dev/null -w '%{http_code}' \
            "https://localhost:$port/v1/health" 2>/dev/null) || code=000
    fi
    kill -TERM "$pid" 2>/dev/null || true
    wait "$pid" || rc=$?
    [ "$code" = 200 ] && [ "$rc" = 0 ]
}

# reloaded: SIGHUP the reloader with $T/case.json; its verdict line on stdout.
reloaded() {
    local before
    before=$(wc -l <"$T/refgwd.err")
    cp "$T/case.json" "$T/refgwd.json"
    kill -HUP "$PID"
    for _ in $(seq 1 100); do
        tail -n +"$((before + 1))" "$T/refgwd.err" | grep -E 'configuration reloaded|reload failed' &&
            return 0
        sleep 0.05
    done
    echo "no reload line"
}

n=0
while IFS= read -r line; do
    [[ -z $line || $line == \#* ]] && continue
    IFS=$'\x1f' read -r name setup edit expect <<<"${line// ;; /$'\x1f'}"
    if [[ $setup == root:* ]]; then
        [ "$(id -u)" -eq 0 ] && id nobody >/dev/null 2>&1 || { echo "skip $name: needs root"; continue; }
        setup=${setup#root:}
    fi
    n=$((n + 1))
    if [ "$setup" != - ]; then
        (cd "$T" && eval "$setup") >"$T/setup.out" 2>&1 || fail "$name: setup: $(cat "$T/setup.out")"
    fi
    jq ".data_dir = \"var-$n\" | $edit" "$T/base.json" >"$T/case.json" || { fail "$name: jq"; continue; }
    dir=$(jq -r .data_dir "$T/case.json")
    [[ $dir == /* ]] || dir=$T/$dir
    made=no; [ -e "$dir" ] && made=yes
    rc=0; out=$("$REFGWD" --check-config "$T/case.json" 2>&1) || rc=$?
    [ -e "$dir" ] && [ "$made" = no ] && fail "$name: --check-config made data_dir"
    verdict=${expect%% *} text=${expect#* }
    case $verdict in
    ok | warn)
        [ "$rc" -eq 0 ] && pass || fail "$name: --check-config exit $rc: $out"
        if [ "$verdict" = warn ]; then
            grep -qF "warning: $text" <<<"$out" && pass || fail "$name: no warning '$text': $out"
        else
            grep -q warning <<<"$out" && fail "$name: unexpected warning: $out" || pass
        fi
        serves "$T/case.json" && pass || fail "$name: passed --check-config, then did not serve: $(cat "$T/case.err")"
        got=$(reloaded)
        grep -q 'configuration reloaded' <<<"$got" && pass || fail "$name: reload refused it: $got"
        ;;
    error)
        [ "$rc" -eq 1 ] && grep -qF -- "$text" <<<"$out" && pass ||
            fail "$name: --check-config exit $rc, '$out' does not say '$text'"
        rc=0; timeout 20 "$REFGWD" --config "$T/case.json" 2>"$T/case.err" || rc=$?
        [ "$rc" -eq 1 ] && grep -qF -- "$text" "$T/case.err" && pass ||
            fail "$name: start: exit $rc, '$(cat "$T/case.err")' does not say '$text'"
        got=$(reloaded)
        grep -q 'reload failed, keeping the old configuration' <<<"$got" && grep -qF -- "$text" <<<"$got" &&
            pass || fail "$name: reload: '$got' does not refuse it saying '$text'"
        ;;
    *) fail "$name: unknown verdict '$verdict'" ;;
    esac
done <"$CASES"
[ "$n" -ge 20 ] && pass || fail "only $n cases ran"

# The reloader still serves on its own configuration.
cp "$T/base.json" "$T/case.json"
got=$(reloaded)
grep -q 'configuration reloaded' <<<"$got" && pass || fail "the good configuration back: $got"
req school-a GET /v1/health
expect_status 200 "the reloader serves after every case"
rg_stop
finish
