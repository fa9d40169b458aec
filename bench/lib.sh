# lib.sh - sourced by bench/run and bench/soak: the build, the certificates,
# and starting and stopping refgwd and the baseline nginx on loopback.
#
# Everything lives under $WORK (default: the build folder's bench-work), on the
# same disk for every run, and is made anew by bench_setup.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# Absolute: refgwd's configuration names files by these paths, read from
# the configuration's own folder (bench/bigstore's is elsewhere).
BUILD=$(realpath -m "${BENCH_BUILD:-$ROOT/build-bench}")
WORK=$(realpath -m "${BENCH_WORK:-$BUILD/bench-work}")
CERTS=$WORK/certs
BENCH_BIN=$BUILD/bench/refgw-bench
REFGWD_BIN=$BUILD/server/refgwd

# The organisations of the bench: senders are schools, recipients expertise
# centres, so the default routes let every sender reach every recipient.
SENDERS=(bench-school-01 bench-school-02 bench-school-03 bench-school-04)
RECIPIENTS=(bench-ec-01 bench-ec-02)

SERVER_PID=""
SERVER_PORT=""

say() { echo "bench: $*" >&2; }
die() { echo "bench: $*" >&2; exit 1; }

# One bench at a time on a machine: two would measure each other, and
# share build-bench/. The lock is released when the script exits.
bench_lock() {
    exec 9>"${TMPDIR:-/tmp}/refgw-bench.lock"
    if ! flock -n 9; then
        say "another bench is running; waiting for it"
        flock 9
    fi
}

bench_cleanup() {
    server_stop
}
trap bench_cleanup EXIT

# What is built: the work tree, or with BENCH_REF=COMMIT a clean export of
# that commit (so a bench does not pick up someone's half-made change).
SRC=$ROOT
if [ -n "${BENCH_REF:-}" ]; then
    # Pinned once: HEAD may move while the bench runs.
    BENCH_REF=$(git -C "$ROOT" rev-parse --verify "$BENCH_REF^{commit}") ||
        die "BENCH_REF: no such commit"
fi
source_label() {
    if [ -n "${BENCH_REF:-}" ]; then
        git -C "$ROOT" rev-parse --short "$BENCH_REF"
        return
    fi
    local label
    label=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)
    [ -z "$(git -C "$ROOT" status --porcelain -- server lib 2>/dev/null)" ] ||
        label+=" plus uncommitted changes in server/ or lib/"
    echo "$label"
}

# Release build of the load generator and, when its sources exist, refgwd.
bench_build() {
    mkdir -p "$BUILD"
    if [ -n "${BENCH_REF:-}" ]; then
        SRC=$BUILD/src
        rm -rf "$SRC"
        mkdir -p "$SRC"
        git -C "$ROOT" archive "$BENCH_REF" | tar -x -C "$SRC"
    fi
    # A cache made from the other source (work tree or export) is refused by cmake.
    if [ -f "$BUILD/CMakeCache.txt" ] &&
        ! grep -qx "CMAKE_HOME_DIRECTORY:INTERNAL=$SRC" "$BUILD/CMakeCache.txt"; then
        rm -rf "$BUILD/CMakeCache.txt" "$BUILD/CMakeFiles"
    fi
    say "building (release) $(source_label) in $BUILD"
    cmake -S "$SRC" -B "$BUILD" -DCMAKE_BUILD_TYPE=Release >"$BUILD/bench-cmake.log" 2>&1 ||
        { cat "$BUILD/bench-cmake.log" >&2; die "cmake failed"; }
    local targets=(refgw-bench)
    [ -f "$SRC/server/CMakeLists.txt" ] && targets+=(refgwd)
    cmake --build "$BUILD" -j "$(nproc)" --target "${targets[@]}" >"$BUILD/bench-build.log" 2>&1 ||
        { tail -n 40 "$BUILD/bench-build.log" >&2; die "build failed"; }
}

have_refgwd() { [ -x "$REFGWD_BIN" ]; }

# Debian's nginx, installed when missing (as root, with apt-get).
need_nginx() {
    command -v nginx >/dev/null 2>&1 && return 0
    [ "$(id -u)" = 0 ] || die "nginx is missing; install Debian's nginx package"
    say "installing nginx"
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx >/dev/null
}

# ApacheBench (Debian's apache2-utils), for a figure from a tool nobody here wrote.
need_ab() {
    command -v ab >/dev/null 2>&1 && return 0
    [ "$(id -u)" = 0 ] || die "ab is missing; install Debian's apache2-utils package"
    say "installing apache2-utils (ab)"
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq apache2-utils >/dev/null
}

need_jq() {
    command -v jq >/dev/null 2>&1 && return 0
    [ "$(id -u)" = 0 ] || die "jq is missing; install Debian's jq package"
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq jq >/dev/null
}

bench_setup() {
    rm -rf "$WORK"
    mkdir -p "$WORK"
    # nginx's workers run as nobody and must reach their own folder.
    chmod 755 "$WORK"
    "$SRC/certs/make-certs" "$CERTS" init localhost 127.0.0.1 >/dev/null
    "$SRC/certs/make-certs" "$CERTS" org "${SENDERS[@]}" "${RECIPIENTS[@]}" >/dev/null
}

# refgw-bench with the bench's identities; the mode and the rest from "$@".
bench_tool() {
    local args=() id
    for id in "${SENDERS[@]}"; do args+=(--identity "$CERTS/$id.crt:$CERTS/$id.key"); done
    "$BENCH_BIN" --url "https://127.0.0.1:$SERVER_PORT" --ca "$CERTS/ca.crt" \
        --server-pid "$SERVER_PID" --threads "${BENCH_THREADS:-1}" "${args[@]}" "$@"
}

recipient_args() {
    local id
    for id in "${RECIPIENTS[@]}"; do
        printf -- '--recipient\n%s=%s:%s\n' "$id" "$CERTS/$id.crt" "$CERTS/$id.key"
    done
}

to_args() {
    local id
    for id in "${RECIPIENTS[@]}"; do printf -- '--to\n%s\n' "$id"; done
}

refgwd_config() {
    local orgs="" id
    for id in "${SENDERS[@]}"; do
        orgs+="{\"id\":\"$id\",\"name\":\"Bench $id\",\"type\":\"school\"},"
    done
    for id in "${RECIPIENTS[@]}"; do
        orgs+="{\"id\":\"$id\",\"name\":\"Bench $id\",\"type\":\"expertise_centre\"},"
    done
    # A limiter far above any bench rate, so it measures the gateway, not it.
    cat <<JSON
{
  "listen": "127.0.0.1:0",
  "tls": {"cert": "../certs/server.crt", "key": "../certs/server.key",
          "client_ca": "../certs/ca.crt", "crl": "../certs/ca.crl"},
  "data_dir": "var",
  "organisations": [${orgs%,}],
  "rate_limit_per_minute": 10000000,
  "log_interval_seconds": 60
}
JSON
}

# Starts refgwd with an empty store; sets SERVER_PID and SERVER_PORT.
refgwd_start() {
    local dir=$WORK/refgwd
    rm -rf "$dir"
    mkdir -p "$dir"
    refgwd_config >"$dir/refgwd.json"
    # Not our stdout: a pipe held open by the server would hang our caller.
    "$REFGWD_BIN" --config "$dir/refgwd.json" >"$dir/refgwd.out" 2>"$dir/refgwd.err" &
    SERVER_PID=$!
    local i
    for i in $(seq 1 200); do
        SERVER_PORT=$(sed -n 's/^.*refgwd: listening on .*:\([0-9][0-9]*\)$/\1/p' \
            "$dir/refgwd.err" | tail -n 1)
        [ -n "$SERVER_PORT" ] && return 0
        kill -0 "$SERVER_PID" 2>/dev/null || break
        sleep 0.05
    done
    cat "$dir/refgwd.err" >&2
    die "refgwd did not start"
}

# A port no socket uses, for nginx (which cannot report a port 0 bind): below
# the kernel's ephemeral range, where the load generators' own connections
# (and their TIME_WAITs) take their ports; one did once, and nginx could not bind.
free_port() {
    local p low
    low=$(awk '{ print $1 }' /proc/sys/net/ipv4/ip_local_port_range)
    for _ in $(seq 1 100); do
        p=$((10000 + RANDOM % (low - 10000)))
        ss -Htan "sport = :$p" | grep -q . || { echo "$p"; return 0; }
    done
    die "no free port"
}

nginx_config() {
    local dir=$1 port=$2
    cat <<CONF
# The baseline: TLS and HTTP/1.1 alone, mutual TLS against the same CA and
# the same CRL as refgwd (so both verify the same chain on every handshake),
# no storage. Every POST gets 202 with a small JSON body, GET /v1/health 200.
daemon off;
master_process on;
worker_processes auto;
worker_rlimit_nofile 20000;
pid $dir/nginx.pid;
error_log $dir/error.log warn;
events { worker_connections 10000; }
http {
    access_log off;
    client_body_temp_path $dir/tmp/body;
    proxy_temp_path $dir/tmp/proxy;
    fastcgi_temp_path $dir/tmp/fastcgi;
    uwsgi_temp_path $dir/tmp/uwsgi;
    scgi_temp_path $dir/tmp/scgi;
    default_type application/json;
    keepalive_timeout 90s;
    keepalive_requests 1000000;
    server {
        listen 127.0.0.1:$port ssl;
        ssl_certificate $CERTS/server.crt;
        ssl_certificate_key $CERTS/server.key;
        ssl_client_certificate $CERTS/ca.crt;
        ssl_verify_client on;
        ssl_crl $CERTS/ca.crl;
        ssl_protocols TLSv1.2 TLSv1.3;
        ssl_session_tickets off;
        ssl_session_cache off;
        location = /v1/health { return 200 '{"status":"ok"}'; }
        location / {
            if (\$request_method = POST) {
                return 202 '{"id":"AAAAAAAAAAAAAAAAAAAAAAAA","status":"queued"}';
            }
            return 404 '{"error":{"code":"not_found","message":"no such resource"}}';
        }
    }
}
CONF
}

nginx_start() {
    local dir=$WORK/nginx
    rm -rf "$dir"
    mkdir -p "$dir/tmp"
    chmod 755 "$dir"
    SERVER_PORT=$(free_port)
    nginx_config "$dir" "$SERVER_PORT" >"$dir/nginx.conf"
    nginx -p "$dir" -c "$dir/nginx.conf" -e "$dir/error.log" >"$dir/nginx.out" \
        2>"$dir/nginx.err" &
    SERVER_PID=$!
    local i
    for i in $(seq 1 200); do
        ss -Htln "sport = :$SERVER_PORT" | grep -q . && return 0
        kill -0 "$SERVER_PID" 2>/dev/null || break
        sleep 0.05
    done
    cat "$dir/nginx.err" "$dir/error.log" >&2 2>/dev/null || true
    die "nginx did not start"
}

server_start() { # refgwd | nginx
    "$1_start"
}

# The server's child processes (nginx's workers) as "PID:NAME".
server_children() {
    local c
    for c in $(cat /proc/"$SERVER_PID"/task/*/children 2>/dev/null); do
        echo "$c:$(cat "/proc/$c/comm" 2>/dev/null)"
    done
}

# Kills those children still there under the same name (not a reused id).
kill_children() {
    local c
    for c in "$@"; do
        [ "$(cat "/proc/${c%%:*}/comm" 2>/dev/null)" = "${c#*:}" ] &&
            kill -KILL "${c%%:*}" 2>/dev/null
    done
    return 0
}

# SIGTERM (refgwd: clean stop; nginx: fast shutdown), then SIGKILL after 10 s,
# to the server and to any of its children that outlived it.
server_stop() {
    [ -n "$SERVER_PID" ] || return 0
    local children i
    children=$(server_children)
    kill -TERM "$SERVER_PID" 2>/dev/null || true
    for i in $(seq 1 100); do
        kill -0 "$SERVER_PID" 2>/dev/null || break
        sleep 0.1
    done
    kill -KILL "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
    # shellcheck disable=SC2086
    kill_children $children
    SERVER_PID=""
    SERVER_PORT=""
}
