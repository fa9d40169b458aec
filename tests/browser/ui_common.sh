# ui_common.sh - sourced by the tests of refgw ui after cli_common.sh (or
# e2e_common.sh): pages of organisations against the gateway at $URL, and
# plain HTTP to them with curl.
#
#   ui_start NAME ORG LANG [ARGS...]  refgw ui as ORG (--lang LANG; - for none),
#                                     its link in ${NAME}_LINK, its origin in
#                                     ${NAME}_ORIGIN and its process in ${NAME}_PID
#   ui_stop_all                       SIGTERM to each, each must exit 0
#   ui_signin NAME                    a session (cookie jar $T/NAME.jar), and its
#                                     CSRF token (read from GET /send)
#   ui_get NAME PATH                  sets STATUS; the answer in $T/page
#   ui_post NAME PATH DATA            a POST as the page's own form sends it:
#                                     Origin, and the session's CSRF token
#                                     before DATA
UI_PIDS=()
ui_start() {
    local name=$1 org=$2 lang=(--lang "$3")
    [ "$3" = - ] && lang=() # from the locale
    shift 3
    "$REFGW" --gateway "$URL" --ca "$CERTS/ca.crt" --cert "$CERTS/$org.crt" \
        --key "$CERTS/$org.key" ui "${lang[@]}" "$@" >"$T/$name.out" 2>"$T/$name.err" &
    local pid=$!
    track "$pid"
    UI_PIDS+=("$pid")
    printf -v "${name}_PID" '%s' "$pid"
    wait_until 20 grep -qs '^refgw ui: ' "$T/$name.out" || {
        cat "$T/$name.err" >&2
        echo "FAIL: refgw ui for $org printed no link" >&2
        exit 1
    }
    local line
    line=$(cat "$T/$name.out")
    [[ $line =~ ^refgw\ ui:\ ((http://127\.0\.0\.1:[0-9]+)/\?token=[A-Za-z0-9_-]{43})$ ]] && pass ||
        fail "the line refgw ui prints: '$line'"
    printf -v "${name}_LINK" '%s' "${BASH_REMATCH[1]}"
    printf -v "${name}_ORIGIN" '%s' "${BASH_REMATCH[2]}"
}

ui_stop_all() {
    local pid rc
    for pid in "${UI_PIDS[@]}"; do
        kill -TERM "$pid"
        rc=0
        wait "$pid" || rc=$?
        [ "$rc" = 0 ] && pass || fail "refgw ui exited $rc after SIGTERM"
    done
    UI_PIDS=()
    local err
    for err in "$T"/*.err; do no_sanitizer_report "$err"; done
}

ui_signin() {
    local link=${1}_LINK
    STATUS=$(curl -sS -c "$T/$1.jar" -o /dev/null -w '%{http_code}' "${!link}")
    expect_eq "$STATUS" 303 "$1: the link signs in"
    ui_get "$1" /send # the session's CSRF token, from the form
    sed -n 's/.*name="csrf" value="\([^"]*\)".*/\1/p' "$T/page" >"$T/$1.csrf"
}

ui_get() {
    local origin=${1}_ORIGIN
    STATUS=$(curl -sS -b "$T/$1.jar" -o "$T/page" -w '%{http_code}' "${!origin}$2")
}

ui_post() {
    local origin=${1}_ORIGIN
    STATUS=$(curl -sS -b "$T/$1.jar" -H "Origin: ${!origin}" --data-binary "csrf=$(cat "$T/$1.csrf")&$3" \
        -o "$T/page" -w '%{http_code}' "${!origin}$2")
}
