/*
 * pg_conn.c - connections to PostgreSQL as the gateway needs them (SPEC
 * §11): durable commits (synchronous_commit on, fsync on), a server that
 * takes writes, a bounded wait for a server that does not answer, and
 * error messages that never carry the connection string's password.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pg_internal.h"

/* Defaults a connection string may override: how long to wait for a
 * connection (short: a node stopping waits for its attempts), and TCP
 * keepalives so that a server gone from the network is noticed in about
 * half a minute instead of the kernel's two hours. */
static const char *const default_keys[] = {"connect_timeout",  "keepalives",
                                           "keepalives_idle",  "keepalives_interval",
                                           "keepalives_count", "tcp_user_timeout"};
static const char *const default_values[] = {"2", "1", "10", "5", "3", "30000"};
#define DEFAULTS (sizeof(default_keys) / sizeof(default_keys[0]))

/* What every session of the gateway runs before its first transaction. A
 * lock or a statement that waits longer fails its op (503) rather than
 * hold every request behind it. */
static const char session_sql[] = "SET synchronous_commit = on;"
                                  "SET lock_timeout = '5s';"
                                  "SET statement_timeout = '60s';"
                                  "SET TIME ZONE 'UTC';"
                                  /* The statements are planned once, not at
                                   * every batch: their plans do not depend
                                   * on the values (small sets joined by key). */
                                  "SET plan_cache_mode = force_generic_plan;"
                                  /* Small statements: no worker processes. */
                                  "SET max_parallel_workers_per_gather = 0";

/* What the checks read: each must hold for a 202 to mean durable. */
static const char check_sql[] =
    "SELECT current_setting('synchronous_commit'), current_setting('fsync'),"
    " current_setting('server_version_num')::int, pg_is_in_recovery()::text";

int pg_conninfo_check(const char *conninfo, char err[RG_ERR_MAX])
{
    char *msg = NULL;
    PQconninfoOption *opts = PQconninfoParse(conninfo, &msg);
    PQfreemem(msg); /* it may quote the string, password and all */
    if (opts == NULL) {
        snprintf(err, RG_ERR_MAX,
                 "store.conninfo: not a libpq connection string or URI");
        return -1;
    }
    PQconninfoFree(opts);
    return 0;
}

/* The password the connection string holds, if any (a copy; NULL if none). */
static char *password_of(const char *conninfo)
{
    char *msg = NULL, *password = NULL;
    PQconninfoOption *opts = PQconninfoParse(conninfo, &msg);
    PQfreemem(msg);
    for (PQconninfoOption *o = opts; o != NULL && o->keyword != NULL; o++)
        if (strcmp(o->keyword, "password") == 0 && o->val != NULL && o->val[0])
            password = strdup(o->val);
    PQconninfoFree(opts);
    return password;
}

/* libpq's message on one line, any copy of the password blotted out
 * (libpq does not print it; this keeps it so whatever a server says). */
static void scrub(const char *msg, const char *password, char *out, size_t size)
{
    snprintf(out, size, "%s", msg != NULL ? msg : "");
    for (char *p = out; *p != '\0'; p++)
        if (*p == '\n' || *p == '\r' || *p == '\t')
            *p = ' ';
    size_t n = strlen(out);
    while (n > 0 && out[n - 1] == ' ')
        out[--n] = '\0';
    size_t plen = password != NULL ? strlen(password) : 0;
    for (char *p = plen ? strstr(out, password) : NULL; p != NULL;
         p = strstr(p + plen, password))
        memset(p, '*', plen);
}

static int check_session(PGconn *c, char err[RG_ERR_MAX])
{
    PGresult *r = PQexec(c, session_sql);
    bool ok = PQresultStatus(r) == PGRES_COMMAND_OK;
    PQclear(r);
    if (!ok) {
        snprintf(err, RG_ERR_MAX, "cannot set the session up: %s", PQerrorMessage(c));
        return -1;
    }
    r = PQexec(c, check_sql);
    if (PQresultStatus(r) != PGRES_TUPLES_OK || PQntuples(r) != 1) {
        snprintf(err, RG_ERR_MAX, "cannot read the server's settings");
        PQclear(r);
        return -1;
    }
    const char *sync = PQgetvalue(r, 0, 0), *fsync = PQgetvalue(r, 0, 1);
    long version = strtol(PQgetvalue(r, 0, 2), NULL, 10);
    bool standby = strcmp(PQgetvalue(r, 0, 3), "true") == 0;
    if (strcmp(sync, "on") != 0)
        snprintf(err, RG_ERR_MAX,
                 "synchronous_commit is %.20s in the gateway's session, not on"
                 " (a pooler in transaction mode?): a 202 would not be durable",
                 sync);
    else if (strcmp(fsync, "on") != 0)
        snprintf(err, RG_ERR_MAX,
                 "the server runs with fsync off: a 202 would not be durable");
    else if (version < 150000)
        snprintf(err, RG_ERR_MAX,
                 "PostgreSQL %ld.%ld is too old: 15 or later is needed",
                 version / 10000, version % 10000);
    else if (standby)
        snprintf(err, RG_ERR_MAX,
                 "the server is a standby (read-only); add"
                 " target_session_attrs=read-write to store.conninfo");
    else
        err[0] = '\0';
    PQclear(r);
    return err[0] == '\0' ? 0 : -1;
}

static void ignore_notice(void *arg, const char *message)
{
}

PGconn *pg_connect(const char *conninfo, const char *application,
                   const char *connect_timeout, char err[RG_ERR_MAX])
{
    const char *keys[DEFAULTS + 4], *values[DEFAULTS + 4];
    size_t n = 0;
    for (size_t i = 0; i < DEFAULTS; i++, n++) {
        keys[n] = default_keys[i];
        values[n] = default_values[i];
    }
    keys[n] = "dbname"; /* expanded: its fields override those above... */
    values[n++] = conninfo;
    keys[n] = "application_name"; /* ...and those below override its own */
    values[n++] = application;
    if (connect_timeout != NULL) {
        keys[n] = "connect_timeout";
        values[n++] = connect_timeout;
    }
    keys[n] = values[n] = NULL;

    PGconn *c = PQconnectdbParams(keys, values, 1);
    char why[RG_ERR_MAX] = "";
    if (c == NULL) {
        snprintf(err, RG_ERR_MAX, "cannot connect to PostgreSQL: out of memory");
        return NULL;
    }
    /* libpq prints the server's notices and warnings on stderr by default:
     * the log holds only what the gateway says (SPEC §7). */
    PQsetNoticeProcessor(c, ignore_notice, NULL);
    if (PQstatus(c) != CONNECTION_OK) {
        char *password = password_of(conninfo);
        scrub(PQerrorMessage(c), password, why, sizeof(why));
        free(password);
        snprintf(err, RG_ERR_MAX, "cannot connect to PostgreSQL: %.200s", why);
        PQfinish(c);
        return NULL;
    }
    if (check_session(c, why) < 0) {
        char *password = password_of(conninfo);
        char clean[RG_ERR_MAX];
        scrub(why, password, clean, sizeof(clean));
        free(password);
        snprintf(err, RG_ERR_MAX, "PostgreSQL: %.220s", clean);
        PQfinish(c);
        return NULL;
    }
    return c;
}

/* SQLSTATE classes and codes (PostgreSQL's appendix A) to what the log says. */
static const struct {
    const char *state; /* a code, or a class of two characters */
    enum pg_error error;
} states[] = {
    {"53100", PGE_DISK_FULL}, {"53200", PGE_MEMORY},      {"53300", PGE_BUSY},
    {"25006", PGE_READ_ONLY}, {"57014", PGE_TIMEOUT},     {"55P03", PGE_TIMEOUT},
    {"40P01", PGE_DEADLOCK},  {"57P01", PGE_UNREACHABLE}, {"57P02", PGE_UNREACHABLE},
    {"57P03", PGE_BUSY},      {"08", PGE_UNREACHABLE},
};

enum pg_error pg_classify(PGconn *conn, const PGresult *res)
{
    if (conn == NULL || PQstatus(conn) != CONNECTION_OK)
        return PGE_UNREACHABLE;
    const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
    for (size_t i = 0; state != NULL && i < sizeof(states) / sizeof(states[0]); i++)
        if (strncmp(state, states[i].state, strlen(states[i].state)) == 0)
            return states[i].error;
    return PGE_FAILURE;
}

const char *pg_error_name(enum pg_error e)
{
    static const char *const names[] = {
        [PGE_NONE] = "store failure",
        [PGE_UNREACHABLE] = "database unreachable",
        [PGE_DISK_FULL] = "database disk full",
        [PGE_MEMORY] = "out of memory",
        [PGE_READ_ONLY] = "database is read-only",
        [PGE_TIMEOUT] = "database timeout",
        [PGE_DEADLOCK] = "database deadlock",
        [PGE_BUSY] = "database busy",
        [PGE_FAILURE] = "store failure",
    };
    return (unsigned)e < sizeof(names) / sizeof(names[0]) ? names[e] : "store failure";
}
