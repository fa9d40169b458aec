# pg.sh - sourced by common.sh: a throwaway PostgreSQL cluster for one test
# script (SPEC §11), and nothing when the script runs against SQLite.
#
#   pg_cluster_start   initdb in a new folder, a server on a Unix socket in
#                      it (no TCP, no system service), database "refgw";
#                      sets PGDIR, PG_CONNINFO
#   pg_cluster_stop    stops it and removes the folder (rg_cleanup calls it)
#   pg_ctl_as ARGS     pg_ctl on that cluster (stop, start, restart)
#   pg_sql SQL         a query in database refgw, unaligned rows on stdout
#
# initdb and postgres refuse to run as root: as root they run as the
# postgres user (Debian's postgresql package makes it) in a folder it owns.
# The server keeps fsync on: the gateway refuses one without.

PGBIN=${PGBIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)}
PGDIR=""
PG_CONNINFO=""

pg_as() { # runs a program of the cluster's owner
    if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

pg_ctl_as() {
    pg_as "$PGBIN/pg_ctl" -D "$PGDIR/data" -l "$PGDIR/log" -w "$@" >/dev/null
}

pg_cluster_start() {
    [ -x "$PGBIN/initdb" ] || { echo "pg.sh: no PostgreSQL server (scripts/install-deps)" >&2; exit 1; }
    # Short: a Unix socket's path must fit in 107 bytes.
    PGDIR=$(mktemp -d /tmp/rgpg.XXXXXX)
    [ "$(id -u)" = 0 ] && chown postgres: "$PGDIR"
    pg_as "$PGBIN/initdb" -D "$PGDIR/data" -A trust -U postgres --no-sync \
        --no-instructions >"$PGDIR/initdb.log" 2>&1 ||
        { cat "$PGDIR/initdb.log" >&2; exit 1; }
    cat >>"$PGDIR/data/postgresql.conf" <<CONF
listen_addresses = ''
unix_socket_directories = '$PGDIR'
fsync = on
shared_buffers = 32MB
max_connections = 40
CONF
    pg_ctl_as start || { cat "$PGDIR/log" >&2; exit 1; }
    PG_CONNINFO="host=$PGDIR dbname=refgw user=postgres"
    pg_as "$PGBIN/psql" -h "$PGDIR" -U postgres -d postgres -qAtc "CREATE DATABASE refgw" >/dev/null
}

pg_cluster_stop() {
    [ -n "$PGDIR" ] || return 0
    pg_ctl_as stop -m immediate 2>/dev/null || true
    rm -rf "$PGDIR"
    PGDIR=""
}

pg_sql() {
    "$PGBIN/psql" -h "$PGDIR" -U postgres -d refgw -qAtX -v ON_ERROR_STOP=1 -c "$1"
}
