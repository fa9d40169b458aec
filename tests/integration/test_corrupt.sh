#!/usr/bin/env bash
# A corrupt store is never served silently, though the start no longer reads
# it whole. At start only its structure is checked (header, schema, the ends
# of every b-tree): a damaged header or a file cut short stops refwgd there.
# A page damaged elsewhere is found by the background check after start:
# the log names the class, /v1/health answers 503 and sends 503, while
# what the store holds stays as it is (nothing accepted is dropped), and
# refgwd --check-store (the operator's and the maintenance timer's check)
# says what is wrong and exits 1. A sound store passes both.
source "$(dirname "$0")/common.sh"
FILL="python3 $(dirname "$0")/diskfill.py"
rg_setup
DB=$T/var/refgw.db

# check_store: runs refgwd --check-store on the configuration; sets RC, OUT.
check_store() {
    RC=0
    OUT=$("$REFGWD" --check-store "$T/refgwd.json" 2>&1) || RC=$?
}

rg_start
$FILL send "$PORT" "$CERTS" --ledger "$T/ledger" --count 400 --size 1800 >"$T/send.json" ||
    fail "sends: $(cat "$T/send.json")"
check_store
expect_eq "$RC" 0 "--check-store of a sound store beside a running gateway: $OUT"
[[ $OUT == *"store OK"* ]] && pass || fail "--check-store said: $OUT"
rg_stop
grep -Eq '^[0-9T:Z-]+ refgwd: store: background check: sound' "$T/refgwd.err" && pass ||
    fail "no 'sound' line from the background check: $(cat "$T/refgwd.err")"
cp "$DB" "$T/sound.db"

# A content page in the middle of its b-tree: no edge of any b-tree, so the
# start does not read it.
page=$(sqlite3 -readonly "$DB" "SELECT pageno FROM dbstat WHERE name = 'content'
    AND pagetype = 'leaf' ORDER BY pageno LIMIT 1 OFFSET 100")
[ -n "$page" ] && pass || fail "no content page to damage"
head -c 4096 /dev/urandom | dd of="$DB" bs=4096 seek=$((page - 1)) conv=notrunc 2>/dev/null
rg_start
for _ in $(seq 1 100); do
    grep -Eq '^[0-9T:Z-]+ refgwd: store: background check:' "$T/refgwd.err" && break
    sleep 0.1
done
grep -Eq '^[0-9T:Z-]+ refgwd: store: background check: database corrupt [(]' "$T/refgwd.err" && pass ||
    fail "the background check did not say the store is corrupt: $(cat "$T/refgwd.err")"
req school-a GET /v1/health
expect_status 503 "health of a corrupt store"
expect_eq "$(jqb .status)" unavailable "health status of a corrupt store"
req school-a POST /v1/referrals "$(referral ecmj)"
expect_code 503 unavailable "" "a send to a corrupt store"
first=$(head -n 1 "$T/ledger")
req school-a GET "/v1/referrals/$first"
expect_status 200 "the status of a referral in a corrupt store"
check_store
expect_eq "$RC" 1 "--check-store of a corrupt store"
[[ $OUT == *"database corrupt"* ]] && pass || fail "--check-store said: $OUT"
rg_stop
expect_eq "$(sqlite3 -readonly "$DB" 'SELECT count(*) FROM referrals')" 400 \
    "referrals kept in the corrupt store"

# Damage the start does see: a header, and a file cut short.
cp "$T/sound.db" "$DB"
printf 'XQLite format 3\0' | dd of="$DB" bs=1 conv=notrunc 2>/dev/null
rc=0; "$REFGWD" --config "$T/refgwd.json" 2>"$T/header.err" || rc=$?
[ "$rc" -eq 1 ] && grep -q "store:.*not an SQLite database" "$T/header.err" && pass ||
    fail "a damaged header: exit $rc, $(cat "$T/header.err")"
cp "$T/sound.db" "$DB"
truncate -s $(($(stat -c %s "$DB") / 2 / 4096 * 4096)) "$DB"
rc=0; "$REFGWD" --config "$T/refgwd.json" 2>"$T/short.err" || rc=$?
[ "$rc" -eq 1 ] && grep -q "store:.*cut short" "$T/short.err" && pass ||
    fail "a file cut short: exit $rc, $(cat "$T/short.err")"
check_store
expect_eq "$RC" 1 "--check-store of a file cut short: $OUT"

# Not corrupt: a file shorter than its header says, beside a WAL that holds
# the rest, as a kill -9 during a checkpoint leaves it (the checkpoint writes
# page 1, with the new size, first). The start must not refuse it.
cp "$T/sound.db" "$DB"
rg_start
$FILL send "$PORT" "$CERTS" --ledger "$T/ledger2" --count 200 --size 1800 >"$T/send2.json" ||
    fail "sends before the kill: $(cat "$T/send2.json")"
rg_kill9
# The checkpointer (at least once a second) may have copied the WAL before
# the kill: the file is cut back to where it stood at the start, whose pages
# the WAL holds again since (it has not started again: too few frames).
python3 - "$DB" "$(stat -c %s "$T/sound.db")" <<'PY' ||
import struct, sys
db = sys.argv[1]
with open(db, "r+b") as f:
    f.seek(0, 2)
    f.truncate(min(f.tell(), int(sys.argv[2])))
with open(db + "-wal", "rb") as f:
    wal = f.read()
page = struct.unpack(">I", wal[8:12])[0]
size = 0
for off in range(32, len(wal) - 24 - page + 1, 24 + page):
    commit = struct.unpack(">I", wal[off + 4:off + 8])[0]
    size = commit or size
with open(db, "r+b") as f:
    head = bytearray(f.read(100))
    f.seek(0, 2)
    assert size * page > f.tell(), "the WAL does not make the database larger"
    head[28:32] = struct.pack(">I", size)
    head[92:96] = head[24:28]
    f.seek(0)
    f.write(head)
PY
    fail "could not make the header claim the WAL's size"
rg_start
req ecmj GET /v1/inbox?limit=500
expect_status 200 "inbox after a start from a file shorter than its header"
expect_eq "$(jqb '.referrals | length')" 500 "referrals served after that start"
rg_stop

# No store at all: --check-store says so and makes none.
rm -f "$T"/var/refgw.db*
check_store
expect_eq "$RC" 1 "--check-store without a store"
[ ! -e "$DB" ] && pass || fail "--check-store made a store"
finish
