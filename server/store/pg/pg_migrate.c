/*
 * pg_migrate.c - the schema at start (SPEC §11): every gateway takes one
 * advisory lock, reads the version the database has, and runs the steps
 * compiled in from schema/NNN.sql that it lacks, all in one transaction; a
 * database newer than this binary is refused, so an old node cannot write
 * rows a newer schema does not expect. Then the shared secret: made by the
 * first gateway, read by every other.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "ids.h"
#include "pg_internal.h"
#include "pg_schema.h"

/* Runs sql; on failure err says what with PostgreSQL's own message. */
static int run(PGconn *c, const char *sql, const char *what, char err[RG_ERR_MAX])
{
    PGresult *r = PQexec(c, sql);
    ExecStatusType st = PQresultStatus(r);
    PQclear(r);
    if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK)
        return 0;
    const char *msg = PQerrorMessage(c);
    snprintf(err, RG_ERR_MAX, "PostgreSQL: %s: %.*s", what, (int)strcspn(msg, "\n"),
             msg);
    return -1;
}

/* The version the database has: 0 when it has no schema yet. */
static int read_version(PGconn *c, int *version, char err[RG_ERR_MAX])
{
    PGresult *r = PQexec(c, "SELECT CASE WHEN to_regclass('refgw_schema') IS NULL"
                            " THEN 0 ELSE -1 END");
    bool ok = PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1;
    *version = ok ? atoi(PQgetvalue(r, 0, 0)) : 0;
    PQclear(r);
    if (ok && *version < 0) {
        r = PQexec(c, "SELECT coalesce(max(version), 0) FROM refgw_schema");
        ok = PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1;
        *version = ok ? atoi(PQgetvalue(r, 0, 0)) : 0;
        PQclear(r);
    }
    if (!ok)
        snprintf(err, RG_ERR_MAX, "PostgreSQL: cannot read the schema version");
    return ok ? 0 : -1;
}

static int migrate(PGconn *c, char err[RG_ERR_MAX])
{
    int version;
    char sql[128];
    snprintf(sql, sizeof(sql), "SELECT pg_advisory_xact_lock(%d, %d)", PG_LOCK_SPACE,
             PG_LOCK_MIGRATE);
    if (run(c, sql, "cannot take the schema lock", err) < 0 ||
        read_version(c, &version, err) < 0)
        return -1;
    if (version > pg_schema_version) {
        snprintf(err, RG_ERR_MAX,
                 "the database has schema version %d, newer than this refgwd's %d:"
                 " run the newer refgwd on every node",
                 version, pg_schema_version);
        return -1;
    }
    for (int v = version + 1; v <= pg_schema_version; v++) {
        const struct pg_schema_step *step = &pg_schema_steps[v - 1];
        char what[64];
        snprintf(what, sizeof(what), "cannot apply %s", step->file);
        snprintf(sql, sizeof(sql),
                 "DELETE FROM refgw_schema; INSERT INTO refgw_schema VALUES (%d)", v);
        if (run(c, step->sql, what, err) < 0 || run(c, sql, what, err) < 0)
            return -1;
    }
    return 0;
}

/* The digests' key: this gateway's fresh one if it is the first, else the
 * one the first made. */
static int load_secret(PGconn *c, unsigned char secret[PG_SECRET_LEN],
                       char err[RG_ERR_MAX])
{
    unsigned char fresh[PG_SECRET_LEN];
    if (rg_random_bytes(fresh, sizeof(fresh)) < 0) {
        snprintf(err, RG_ERR_MAX, "cannot draw a random key");
        return -1;
    }
    const char *values[1] = {(const char *)fresh};
    int lengths[1] = {PG_SECRET_LEN}, formats[1] = {1};
    PGresult *r = PQexecParams(c,
                               "INSERT INTO refgw_secret (secret) VALUES ($1::bytea)"
                               " ON CONFLICT DO NOTHING",
                               1, NULL, values, lengths, formats, 1);
    bool ok = PQresultStatus(r) == PGRES_COMMAND_OK;
    PQclear(r);
    OPENSSL_cleanse(fresh, sizeof(fresh));
    if (ok) {
        r = PQexecParams(c, "SELECT secret FROM refgw_secret", 0, NULL, NULL, NULL,
                         NULL, 1);
        ok = PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1 &&
             PQgetlength(r, 0, 0) == PG_SECRET_LEN;
        if (ok)
            memcpy(secret, PQgetvalue(r, 0, 0), PG_SECRET_LEN);
        pg_clear(r);
    }
    if (!ok)
        snprintf(err, RG_ERR_MAX, "PostgreSQL: cannot read the gateway's key");
    return ok ? 0 : -1;
}

int pg_migrate(struct pg *pg, char err[RG_ERR_MAX])
{
    PGconn *c = pg->conn;
    if (run(c, "BEGIN", "cannot begin", err) < 0)
        return -1;
    if (migrate(c, err) < 0 || load_secret(c, pg->secret, err) < 0 ||
        run(c, "COMMIT", "cannot commit the schema", err) < 0) {
        PQclear(PQexec(c, "ROLLBACK"));
        return -1;
    }
    return 0;
}
