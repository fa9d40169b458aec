#!/usr/bin/env bash
# test_notify.sh - refgwd speaks systemd's notify protocol (Type=notify):
# READY=1 after the start line, RELOADING=1/READY=1 around SIGHUP (also when
# the reload fails), STOPPING=1 at SIGTERM (notify_check.py); and without a
# listening socket it serves all the same.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=../integration/common.sh
. "$here/../integration/common.sh"

rg_setup # certificates, and $T/refgwd.json

if python3 "$here/notify_check.py" "$REFGWD" "$T/refgwd.json" "$T/notify.sock"; then
    pass
else
    fail "sd_notify messages (above)"
fi

# NOTIFY_SOCKET naming nothing: refgwd must not care.
NOTIFY_SOCKET=$T/nobody-listens rg_start
req school-a GET /v1/health
expect_status 200 "health with a dead NOTIFY_SOCKET"
rg_stop

finish
