# nodes.sh - sourced by the tests of several gateways on one PostgreSQL
# (SPEC §11), after ../integration/common.sh (with RG_STORE=pg, so that
# rg_setup makes the cluster and a configuration for it).
#
#   node_start N [EXTRA_JSON]  starts node N (1, 2, ...) with the shared
#                              configuration; stderr in $T/node.N.err, its
#                              port in $T/node.N.port
#   node_spawn N [EXTRA_JSON]; node_ready N
#                              the same in two steps (nodes starting together)
#   node_stop N                SIGTERM, and its exit status must be 0
#   node_kill9 N               SIGKILL
#   on N                       points req (and everything using $URL, and
#                              exact_count) at node N
#   node_pid N                 its process id ("" when stopped)
# rg_cleanup (common.sh) kills what is left through node_cleanup.

declare -A NODE_PID NODE_PORT

node_start() {
    node_spawn "$@"
    node_ready "$1"
}

node_spawn() { # N [EXTRA_JSON]: starts node N without waiting for it
    local n=$1 extra=${2:-"{}"}
    jq -S ". * $extra" "$T/base.json" >"$T/node.$n.json"
    : >"$T/node.$n.err"
    "$REFGWD" --config "$T/node.$n.json" 2>>"$T/node.$n.err" &
    NODE_PID[$n]=$!
}

node_ready() { # N: waits for node N's start line
    local n=$1 i port=""
    for i in $(seq 1 200); do
        port=$(sed -n 's/^.*refgwd: listening on .*:\([0-9][0-9]*\)$/\1/p' "$T/node.$n.err" | tail -n 1)
        [ -n "$port" ] && break
        kill -0 "${NODE_PID[$n]}" 2>/dev/null || { cat "$T/node.$n.err" >&2; echo "node $n did not start" >&2; exit 1; }
        sleep 0.05
    done
    [ -n "$port" ] || { echo "node $n printed no start line" >&2; exit 1; }
    NODE_PORT[$n]=$port
    echo "$port" >"$T/node.$n.port" # for senders in the background
    on "$n"
}

on() {
    URL="https://localhost:${NODE_PORT[$1]}"
    NODE_ON=$1
}
rg_running() { [ -n "${NODE_PID[${NODE_ON:-0}]:-}" ]; }
node_pid() { echo "${NODE_PID[$1]:-}"; }

node_stop() {
    stop_gateway "${NODE_PID[$1]}" "node $1" "$T/node.$1.err"
    NODE_PID[$1]=""
}

node_kill9() {
    kill -9 "${NODE_PID[$1]}" 2>/dev/null || true
    wait "${NODE_PID[$1]}" 2>/dev/null || true
    NODE_PID[$1]=""
}

node_cleanup() {
    local n
    for n in "${!NODE_PID[@]}"; do
        [ -n "${NODE_PID[$n]}" ] && node_kill9 "$n"
    done
    return 0
}
trap 'node_cleanup; rg_cleanup' EXIT
