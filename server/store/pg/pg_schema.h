/*
 * pg_schema.h - the schema's versions as compiled in from schema/NNN.sql
 * (embed_schema.cmake): step n brings a database from version n-1 to n.
 */
#ifndef REFGW_PG_SCHEMA_H
#define REFGW_PG_SCHEMA_H

struct pg_schema_step {
    int version;
    const char *file;
    const char *sql;
};

/* Steps 1..pg_schema_version, in order; the last is this binary's version. */
extern const struct pg_schema_step pg_schema_steps[];
extern const int pg_schema_version;

#endif
