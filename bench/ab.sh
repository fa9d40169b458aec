# ab.sh - sourced by bench/run: ApacheBench's keep-alive figure for the
# server that bench/run has started ($SERVER_PORT, $SERVER_PID).
#
# `ab -k -c N`, one client certificate (the first sender's, with `-E`),
# POSTing the same ~2 KiB referral for a fixed time. The referral has no
# client_ref, so every POST is a new referral that refgwd stores durably
# (202); nginx answers 202 without storing. ab reports whole milliseconds,
# so its latencies are coarse; its requests per second are the figure.

# ab_files: the PEM (certificate then key) and the body, made once per run.
ab_files() {
    local pem=$WORK/ab-client.pem body=$WORK/ab-body.json
    [ -f "$pem" ] || cat "$CERTS/${SENDERS[0]}.crt" "$CERTS/${SENDERS[0]}.key" >"$pem"
    # A 2 KiB body of text, the size refgw-bench sends by default.
    [ -f "$body" ] ||
        printf '{"to":"%s","signal":"loverboy","urgency":"normal","subject":{"age_band":"16_17","gender":"female","municipality":"GM0935","origin":"netherlands","socioeconomic":"low","education":"vmbo","housing":"with_parents","addiction":"none"},"body":"%s"}' \
            "${RECIPIENTS[0]}" "$(printf '%2048s' '' | tr ' ' 'x')" >"$body"
}

# server_cpu_s: the server's CPU seconds so far, its children (nginx's
# workers) included.
server_cpu_s() {
    local t=0 p
    for p in "$SERVER_PID" $(cat /proc/"$SERVER_PID"/task/*/children 2>/dev/null); do
        t=$((t + $(awk '{print $14 + $15}' "/proc/$p/stat" 2>/dev/null || echo 0)))
    done
    awk -v t="$t" -v hz="$(getconf CLK_TCK)" 'BEGIN {printf "%.2f", t / hz}'
}

# ab_measure OUT: one ab run against the running server, its figures as JSON.
ab_measure() {
    local out=$1 raw=$1.txt cpu0 cpu1
    ab_files
    # ab -t alone stops at 50,000 requests; -n after it lifts that (ab keeps
    # a record per request, so not far beyond what can be done in the time).
    local n=$((80000 * (DURATION + WARMUP)))
    # Warm-up: the same load, not recorded.
    ab -q -k -c "$SEND_CONN" -t "$WARMUP" -n $((80000 * WARMUP)) -T application/json \
        -p "$WORK/ab-body.json" -E "$WORK/ab-client.pem" \
        "https://127.0.0.1:$SERVER_PORT/v1/referrals" >/dev/null 2>&1 || true
    cpu0=$(server_cpu_s)
    ab -q -k -c "$SEND_CONN" -t "$DURATION" -n "$n" -T application/json \
        -p "$WORK/ab-body.json" -E "$WORK/ab-client.pem" \
        "https://127.0.0.1:$SERVER_PORT/v1/referrals" >"$raw" 2>&1 ||
        { cat "$raw" >&2; die "ab failed"; }
    cpu1=$(server_cpu_s)
    awk -v cpu="$(awk -v a="$cpu0" -v b="$cpu1" 'BEGIN {printf "%.2f", b - a}')" \
        -v load="$(cut -d' ' -f1-3 /proc/loadavg)" '
        /^Complete requests:/ {done = $3}
        /^Failed requests:/ {failed = $3}
        /^Non-2xx responses:/ {non2xx = $3}
        /^Time taken for tests:/ {secs = $5}
        /^Requests per second:/ {rps = $4}
        /^ +50%/ {p50 = $2}
        /^ +99%/ {p99 = $2}
        /^ +100%/ {max = $2}
        END {printf "{\"rps\": %s, \"complete\": %d, \"failed\": %d, \"non2xx\": %d, " \
                    "\"seconds\": %s, \"p50_ms\": %s, \"p99_ms\": %s, \"max_ms\": %s, " \
                    "\"server_cpu_s\": %s, \"loadavg\": \"%s\"}\n",
                    rps + 0, done, failed, non2xx, secs + 0, p50 + 0, p99 + 0, max + 0,
                    cpu, load}' "$raw" >"$out"
}
