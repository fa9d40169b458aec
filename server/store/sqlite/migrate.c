/*
 * migrate.c - brings a store to this binary's schema (version 5) in one
 * transaction at open, or refuses one from a newer binary.
 *
 * Version 1 kept its counters in one table whose subject rows joined an
 * attribute with the sender, the recipient, the signal and the urgency, and
 * a digest of each referral's content forever. Moving to version 2:
 *
 * - the flow rows (no attribute) become flow counters, each with a fresh
 *   random cell key (v1 drew no record keys);
 * - the subject rows are summed over everything but (month, event,
 *   attribute, value), dropping the joins, and added to the month's,
 *   quarter's and year's subject counters, again with random keys; periods
 *   that have ended are released from them at the gateway's first release
 *   check, like any other (seconds after start);
 * - the old table is dropped (secure_delete zeroes its pages; the WAL is
 *   truncated at the end of the open);
 * - referrals that have ended lose their content digest; pending ones get a
 *   record key; content learns whether a body is sealed (SPEC §10: none were).
 *
 * Version 3 makes a referral's id its seq under a keyed permutation
 * (idperm.h) instead of a random string in a UNIQUE column: the referrals
 * table is built anew (SQLite cannot drop a column's NOT NULL otherwise),
 * its rows keeping the ids they were given, so they keep working; new rows
 * store none. This copies the table once, at the first start of this
 * version.
 *
 * Version 4 keeps the keyed digests of client_refs in tables of their own
 * (refindex.c) instead of referrals.ref_key's UNIQUE index: the keys stored
 * so far are copied into refs; new referrals leave ref_key empty. Nothing
 * reads ref_key since, so a table built anew (from version 2 or older, or
 * in a new store) has no index on it.
 *
 * Version 5 adds content_tail, where the rest of a long body goes
 * (referrals.c): nothing is copied, as a body without a tail is whole in
 * its content row. An older binary would lose the tails: it refuses the
 * store.
 */
#include <stdio.h>
#include <string.h>

#include "db_internal.h"
#include "ids.h"
#include "counts.h"
#include "periods.h"

#define SCHEMA_VERSION 5

/* A fresh random cell key in *k. A key that cannot be drawn stands in for
 * none (0 for every cell would publish each one 2 below its count): the
 * conversion fails, with err saying why (the SQLite error is not set, so
 * db_open keeps this reason). */
static int random_key(uint32_t *k, char err[RG_ERR_MAX])
{
    if (rg_random_bytes(k, sizeof(*k)) == 0)
        return 0;
    snprintf(err, RG_ERR_MAX,
             "cannot draw random cell keys for the counts of the old store"
             " (OpenSSL's random generator failed)");
    return -1;
}

static int prepare(struct db *s, const char *sql, sqlite3_stmt **st)
{
    int rc = sqlite3_prepare_v2(s->db, sql, -1, st, NULL);
    return rc == SQLITE_OK ? 0 : db_failed(s, rc);
}

static int exec(struct db *s, const char *sql)
{
    int rc = sqlite3_exec(s->db, sql, NULL, NULL, NULL);
    return rc == SQLITE_OK ? 0 : db_failed(s, rc);
}

/* Whether the query returns a row. */
static int exists(struct db *s, const char *sql, bool *yes)
{
    sqlite3_stmt *st;
    if (prepare(s, sql, &st) < 0)
        return -1;
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    *yes = rc == SQLITE_ROW;
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : db_failed(s, rc);
}

/* Runs a statement to its end, or fails. */
static int finish(struct db *s, sqlite3_stmt *st)
{
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? 0 : db_failed(s, rc);
}

static int migrate_flow(struct db *s, char err[RG_ERR_MAX])
{
    sqlite3_stmt *rd, *wr;
    if (prepare(s,
                "SELECT month, event, sender, sender_type, recipient, recipient_type,"
                " signal, urgency, sum(n) FROM counts WHERE attr = ''"
                " GROUP BY 1, 2, 3, 4, 5, 6, 7, 8",
                &rd) < 0)
        return -1;
    if (prepare(s, db_stmt_sql[S_FLOW_COUNT], &wr) < 0) {
        sqlite3_finalize(rd);
        return -1;
    }
    int rc, result = 0;
    while (result == 0 && (rc = sqlite3_step(rd)) == SQLITE_ROW) {
        uint32_t k;
        if ((result = random_key(&k, err)) < 0)
            break;
        for (int i = 0; i < 8; i++)
            sqlite3_bind_value(wr, i + 1, sqlite3_column_value(rd, i));
        sqlite3_bind_int64(wr, 9, sqlite3_column_int64(rd, 8));
        sqlite3_bind_int64(wr, 10, k);
        result = finish(s, wr);
    }
    if (result == 0 && rc != SQLITE_DONE)
        result = db_failed(s, rc);
    sqlite3_finalize(rd);
    sqlite3_finalize(wr);
    return result;
}

/* One v1 subject cell, joins dropped, into its month, quarter and year. */
static int add_subject_cell(struct db *s, sqlite3_stmt *wr, sqlite3_stmt *rd,
                            char err[RG_ERR_MAX])
{
    int month = rg_month_number((const char *)sqlite3_column_text(rd, 0));
    if (month < 0)
        return 0; /* not a month: nothing v1 wrote */
    char names[COUNTS_PERIODS][RG_PERIOD_LEN];
    counts_periods_of(month, names);
    uint32_t k;
    if (random_key(&k, err) < 0)
        return -1;
    for (int i = 0; i < COUNTS_PERIODS; i++) {
        sqlite3_bind_text(wr, 1, names[i], -1, SQLITE_STATIC);
        for (int c = 1; c < 4; c++)
            sqlite3_bind_value(wr, c + 1, sqlite3_column_value(rd, c));
        sqlite3_bind_int64(wr, 5, sqlite3_column_int64(rd, 4));
        sqlite3_bind_int64(wr, 6, k);
        if (finish(s, wr) < 0)
            return -1;
    }
    return 0;
}

static int migrate_subject(struct db *s, char err[RG_ERR_MAX])
{
    sqlite3_stmt *rd, *wr;
    if (prepare(s,
                "SELECT month, event, attr, value, sum(n) FROM counts WHERE attr != ''"
                " GROUP BY 1, 2, 3, 4",
                &rd) < 0)
        return -1;
    if (prepare(s, db_stmt_sql[S_SUBJECT_COUNT], &wr) < 0) {
        sqlite3_finalize(rd);
        return -1;
    }
    int rc, result = 0;
    while (result == 0 && (rc = sqlite3_step(rd)) == SQLITE_ROW)
        result = add_subject_cell(s, wr, rd, err);
    if (result == 0 && rc != SQLITE_DONE)
        result = db_failed(s, rc);
    sqlite3_finalize(rd);
    sqlite3_finalize(wr);
    return result;
}

/* Pending referrals get a record key; ended ones lose their digest. */
static int migrate_referrals(struct db *s, char err[RG_ERR_MAX])
{
    sqlite3_stmt *rd, *wr;
    if (exec(s, "ALTER TABLE referrals ADD COLUMN rkey INTEGER;"
                "ALTER TABLE content ADD COLUMN sealed INTEGER NOT NULL DEFAULT 0;"
                "UPDATE referrals SET digest = x'' WHERE state >= 2;") < 0 ||
        prepare(s, "SELECT seq FROM referrals WHERE state < 2", &rd) < 0)
        return -1;
    if (prepare(s, "UPDATE referrals SET rkey = ?2 WHERE seq = ?1", &wr) < 0) {
        sqlite3_finalize(rd);
        return -1;
    }
    int rc, result = 0;
    while (result == 0 && (rc = sqlite3_step(rd)) == SQLITE_ROW) {
        uint32_t k;
        if ((result = random_key(&k, err)) < 0)
            break;
        sqlite3_bind_int64(wr, 1, sqlite3_column_int64(rd, 0));
        sqlite3_bind_int64(wr, 2, k);
        result = finish(s, wr);
    }
    if (result == 0 && rc != SQLITE_DONE)
        result = db_failed(s, rc);
    sqlite3_finalize(rd);
    sqlite3_finalize(wr);
    return result;
}

static int read_version(struct db *s, long long *version)
{
    sqlite3_stmt *st;
    if (prepare(s, "SELECT value FROM meta WHERE key = 'schema'", &st) < 0)
        return -1;
    int rc = sqlite3_step(st);
    *version = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 1;
    sqlite3_finalize(st);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : db_failed(s, rc);
}

static int migrate_in_transaction(struct db *s, char err[RG_ERR_MAX], bool *migrated)
{
    bool has_meta, v1_referrals, v1_counts, v2_ids;
    long long version = 0;
    if (exists(s, "SELECT 1 FROM sqlite_master WHERE name = 'meta'", &has_meta) < 0)
        return -1;
    if (has_meta) {
        if (read_version(s, &version) < 0)
            return -1;
        if (version > SCHEMA_VERSION) {
            snprintf(err, RG_ERR_MAX,
                     "the store has schema version %lld, newer than this refgwd's %d:"
                     " run the newer refgwd",
                     version, SCHEMA_VERSION);
            return -1;
        }
    }
    if (exists(s,
               "SELECT 1 FROM sqlite_master WHERE name = 'referrals' AND NOT EXISTS"
               " (SELECT 1 FROM pragma_table_info('referrals') WHERE name = 'rkey')",
               &v1_referrals) < 0 ||
        (v1_referrals && migrate_referrals(s, err) < 0) ||
        exists(s, "SELECT 1 FROM sqlite_master WHERE name = 'counts'", &v1_counts) <
            0 ||
        exists(s,
               "SELECT 1 FROM pragma_table_info('referrals')"
               " WHERE name = 'id' AND \"notnull\"",
               &v2_ids) < 0 ||
        (v2_ids && exec(s, db_referrals_rebuild) < 0) || exec(s, db_schema) < 0)
        return -1;
    if (v1_counts && (migrate_flow(s, err) < 0 || migrate_subject(s, err) < 0 ||
                      exec(s, "DROP TABLE counts") < 0))
        return -1;
    bool v3_refs = !has_meta || version < 4; /* a new store: nothing to copy */
    if (v3_refs &&
        exec(s, "INSERT OR IGNORE INTO refs(ref_key, seq) SELECT ref_key, seq"
                " FROM referrals WHERE ref_key IS NOT NULL") < 0)
        return -1;
    *migrated =
        v1_referrals || v1_counts || v2_ids || (v3_refs && sqlite3_changes(s->db) > 0);
    char sql[64];
    snprintf(sql, sizeof(sql), "UPDATE meta SET value = %d WHERE key = 'schema'",
             SCHEMA_VERSION);
    return exec(s, sql);
}

int db_migrate(struct db *s, char err[RG_ERR_MAX], bool *migrated)
{
    *migrated = false;
    if (exec(s, "BEGIN IMMEDIATE") < 0)
        return -1;
    if (migrate_in_transaction(s, err, migrated) < 0) {
        sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
        return -1;
    }
    return exec(s, "COMMIT");
}
