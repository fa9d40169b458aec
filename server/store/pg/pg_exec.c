/*
 * pg_exec.c - statements with binary parameters and binary results: no
 * value is ever spliced into SQL text, and nothing is formatted or parsed
 * as text on the way.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "pg_internal.h"

static void add(struct pg_params *p, const void *v, int len)
{
    if (p->n >= PG_PARAMS_MAX) {
        p->n = PG_PARAMS_MAX + 1; /* pg_run refuses the statement */
        return;
    }
    p->values[p->n] = v;
    p->lengths[p->n] = len;
    p->formats[p->n] = 1;
    p->n++;
}

void pg_param_text(struct pg_params *p, const char *s)
{
    add(p, s, (int)strlen(s));
}

void pg_param_bytes(struct pg_params *p, const void *b, size_t len)
{
    add(p, b, (int)len);
}

void pg_param_int(struct pg_params *p, int64_t v)
{
    if (p->n >= PG_PARAMS_MAX) {
        add(p, NULL, 0);
        return;
    }
    unsigned char *be = p->ints[p->n];
    for (int i = 0; i < 8; i++)
        be[i] = (unsigned char)((uint64_t)v >> (56 - 8 * i));
    add(p, be, 8);
}

int pg_param_array(struct pg_params *p, struct pg_array *a)
{
    int len;
    const char *v = pg_array_finish(a, &len);
    if (v == NULL)
        return -1;
    add(p, v, len);
    return 0;
}

int pg_fail(struct pg *pg, enum pg_error e)
{
    pg->error = e;
    return -1;
}

/* A result that says the statement ran, or NULL (freed) with the class. */
static PGresult *checked(struct pg *pg, PGresult *r)
{
    ExecStatusType st = PQresultStatus(r);
    if (r != NULL && (st == PGRES_TUPLES_OK || st == PGRES_COMMAND_OK))
        return r;
    pg->error = pg_classify(pg->conn, r);
    PQclear(r);
    return NULL;
}

void pg_stmt_name(enum pg_stmt id, char name[8])
{
    snprintf(name, 8, "q%d", (int)id);
}

/* A statement alone, or after the control statements due in one pipeline. */
static PGresult *run_step(struct pg *pg, const struct pg_step *step)
{
    if (pg->conn == NULL)
        return pg_fail(pg, PGE_UNREACHABLE), NULL;
    const struct pg_params *p = step->p;
    if (p != NULL && p->n > PG_PARAMS_MAX)
        return pg_fail(pg, PGE_FAILURE), NULL;
    if (pg->ndue > 0) {
        PGresult *r = NULL;
        return pg_pipeline(pg, step, 1, &r) == 0 ? r : NULL;
    }
    int n = p ? p->n : 0;
    const char *const *values = p ? p->values : NULL;
    const int *lengths = p ? p->lengths : NULL, *formats = p ? p->formats : NULL;
    if (step->sql != NULL)
        return checked(pg, PQexecParams(pg->conn, step->sql, n, NULL, values, lengths,
                                        formats, 1));
    char name[8];
    pg_stmt_name(step->id, name);
    return checked(pg, PQexecPrepared(pg->conn, name, n, values, lengths, formats, 1));
}

PGresult *pg_run(struct pg *pg, enum pg_stmt id, const struct pg_params *p)
{
    return run_step(pg, &(struct pg_step){.id = id, .p = p});
}

int pg_run_ok(struct pg *pg, enum pg_stmt id, const struct pg_params *p)
{
    PGresult *r = pg_run(pg, id, p);
    PQclear(r);
    return r != NULL ? 0 : -1;
}

PGresult *pg_run_sql(struct pg *pg, const char *sql, const struct pg_params *p)
{
    return run_step(pg, &(struct pg_step){.sql = sql, .p = p});
}

void pg_due(struct pg *pg, const char *sql)
{
    if (pg->ndue < PG_DUE_MAX)
        pg->due[pg->ndue++] = sql;
    else
        pg->due[PG_DUE_MAX - 1] = "ROLLBACK TO none"; /* cannot happen: fails */
}

bool pg_due_drop(struct pg *pg, const char *sql)
{
    if (pg->ndue == 0 || strcmp(pg->due[pg->ndue - 1], sql) != 0)
        return false;
    pg->ndue--;
    return true;
}

void pg_disconnect(struct pg *pg)
{
    PQfinish(pg->conn);
    pg->conn = NULL;
    __atomic_store_n(&pg->writer_pid, 0, __ATOMIC_RELAXED);
}

static int send_step(struct pg *pg, const struct pg_step *s)
{
    int n = s->p ? s->p->n : 0;
    const char *const *values = s->p ? s->p->values : NULL;
    const int *lengths = s->p ? s->p->lengths : NULL,
              *formats = s->p ? s->p->formats : NULL;
    if (n > PG_PARAMS_MAX)
        return 0;
    if (s->sql != NULL)
        return PQsendQueryParams(pg->conn, s->sql, n, NULL, values, lengths, formats,
                                 1);
    char name[8];
    pg_stmt_name(s->id, name);
    return PQsendQueryPrepared(pg->conn, name, n, values, lengths, formats, 1);
}

/* The result of one step (and the NULL that ends it), kept in *keep if
 * that is not NULL; 0 or -1 (the connection broke). */
static int read_step(struct pg *pg, const struct pg_step *s, bool *failed,
                     PGresult **keep)
{
    PGresult *r = PQgetResult(pg->conn);
    if (r == NULL)
        return -1; /* the connection broke */
    ExecStatusType st = PQresultStatus(r);
    bool ok = (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK) &&
              (!s->commit || strcmp(PQcmdStatus(r), "COMMIT") == 0);
    if (!ok && !*failed) {
        /* The first failure says why (a COMMIT that rolled back: an error
         * earlier); the steps after it are only skipped. */
        pg->error = st == PGRES_COMMAND_OK ? PGE_FAILURE : pg_classify(pg->conn, r);
        *failed = true;
    }
    if (keep != NULL)
        *keep = r;
    else
        PQclear(r);
    return PQgetResult(pg->conn) == NULL ? 0 : -1;
}

int pg_pipeline(struct pg *pg, const struct pg_step *steps, int n, PGresult **last)
{
    struct pg_step all[PG_DUE_MAX + 4];
    int count = 0;
    bool failed = false;
    for (int i = 0; i < pg->ndue; i++)
        all[count++] = (struct pg_step){.sql = pg->due[i]};
    for (int i = 0; i < n && count < (int)(sizeof(all) / sizeof(all[0])); i++)
        all[count++] = steps[i];
    pg->ndue = 0;
    if (pg->conn == NULL || !PQenterPipelineMode(pg->conn))
        return pg_fail(pg, PGE_UNREACHABLE);
    int sent = 0;
    while (sent < count && send_step(pg, &all[sent]))
        sent++;
    if (sent < count || !PQpipelineSync(pg->conn)) {
        pg_disconnect(pg); /* a pipeline half sent cannot be used again */
        return pg_fail(pg, PGE_UNREACHABLE);
    }
    for (int i = 0; i < count; i++) {
        if (read_step(pg, &all[i], &failed, i == count - 1 ? last : NULL) < 0) {
            pg_disconnect(pg);
            return pg_fail(pg, PGE_UNREACHABLE);
        }
    }
    PGresult *sync = PQgetResult(pg->conn);
    bool synced = PQresultStatus(sync) == PGRES_PIPELINE_SYNC;
    PQclear(sync);
    if (!synced || !PQexitPipelineMode(pg->conn)) {
        pg_disconnect(pg);
        return pg_fail(pg, PGE_UNREACHABLE);
    }
    if (failed && last != NULL) {
        PQclear(*last);
        *last = NULL;
    }
    return failed ? -1 : 0;
}

void pg_get_text(const PGresult *r, int row, int col, char *dst, size_t size)
{
    size_t len = PQgetisnull(r, row, col) ? 0 : (size_t)PQgetlength(r, row, col);
    if (len > size - 1)
        len = size - 1;
    memcpy(dst, PQgetvalue(r, row, col), len);
    dst[len] = '\0';
}

void pg_get_route(const PGresult *r, int row, int col, struct rg_routing *out)
{
    char *f[6] = {out->sender,         out->sender_type, out->recipient,
                  out->recipient_type, out->signal,      out->urgency};
    size_t sizes[6] = {sizeof(out->sender),    sizeof(out->sender_type),
                       sizeof(out->recipient), sizeof(out->recipient_type),
                       sizeof(out->signal),    sizeof(out->urgency)};
    for (int i = 0; i < 6; i++)
        pg_get_text(r, row, col + i, f[i], sizes[i]);
}

void pg_get_subject(const PGresult *r, int row, int col,
                    char subject[RG_SUBJECT_ATTRS][RG_VALUE_MAX])
{
    for (int i = 0; i < RG_SUBJECT_ATTRS; i++)
        pg_get_text(r, row, col + i, subject[i], RG_VALUE_MAX);
}

int64_t pg_get_int(const PGresult *r, int row, int col)
{
    if (PQgetisnull(r, row, col))
        return 0;
    const unsigned char *v = (const unsigned char *)PQgetvalue(r, row, col);
    int len = PQgetlength(r, row, col);
    uint64_t u = 0;
    for (int i = 0; i < len && i < 8; i++)
        u = u << 8 | v[i];
    /* Sign-extend a narrower integer (int2, int4). */
    if (len > 0 && len < 8 && (v[0] & 0x80))
        u |= ~(uint64_t)0 << (8 * len);
    return (int64_t)u;
}

const char *pg_get_bytes(const PGresult *r, int row, int col, size_t *len)
{
    *len = PQgetisnull(r, row, col) ? 0 : (size_t)PQgetlength(r, row, col);
    return PQgetvalue(r, row, col);
}

void pg_clear(PGresult *r)
{
    if (r == NULL)
        return;
    int rows = PQntuples(r), cols = PQnfields(r);
    for (int i = 0; i < rows; i++)
        for (int c = 0; c < cols; c++)
            OPENSSL_cleanse(PQgetvalue(r, i, c), (size_t)PQgetlength(r, i, c));
    PQclear(r);
}
