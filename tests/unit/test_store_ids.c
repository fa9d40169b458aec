/*
 * test_store_ids.c - the SQLite store's referral ids (schema 3: the seq
 * under the store's keyed permutation, idperm.h). An id altered in any one
 * character, or made by another store's key, finds no referral; a v2 store's
 * referrals keep the random ids they were given (inbox, status, ack, and a
 * repeated client_ref answered with the old id), and the permutation's id
 * of such a row's seq does not reach it; new referrals there get ids of the
 * new kind.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "db.h"
#include "store_fixture.h"
#include "db_internal.h"
#include "store_dump.h"

/* 2026-11-28T07:15:02Z */
#define NOW ((time_t)1795850102)

static const struct rg_routing route = {"school-a",         "school",   "care-a",
                                        "care_coordinator", "loverboy", "normal"};

static void put(struct db *s, const char *client_ref, char id[RG_ID_LEN + 1],
                enum put_outcome *outcome)
{
    static char body[] = "a body";
    struct rg_referral r;
    make_referral(&r, "16_17", body, strlen(body));
    snprintf(r.client_ref, sizeof(r.client_ref), "%s", client_ref);
    enum referral_state st;
    assert_int_equal(db_begin(s), 0);
    assert_int_equal(put_digested(s, &r, &route, NOW, id, outcome, &st), 0);
    assert_int_equal(db_commit(s), 0);
}

static bool status_found(struct db *s, const char *id)
{
    struct referral_status st;
    bool found = true;
    assert_int_equal(db_begin(s), 0);
    assert_int_equal(db_status(s, "school-a", id, &st, &found), 0);
    assert_int_equal(db_commit(s), 0);
    return found;
}

static bool ack_found(struct db *s, const char *id)
{
    bool found = true;
    assert_int_equal(db_begin(s), 0);
    assert_int_equal(db_ack(s, "care-a", id, NOW, &found), 0);
    assert_int_equal(db_commit(s), 0);
    return found;
}

/* The ids care-a's inbox holds, in order, each followed by a newline. */
static void inbox_ids(struct db *s, char *out, size_t size)
{
    struct inbox_item *items = NULL;
    size_t count = 0;
    assert_int_equal(db_begin(s), 0);
    assert_int_equal(db_inbox(s, "care-a", 100, 1 << 20, NOW, &items, &count), 0);
    assert_int_equal(db_commit(s), 0);
    out[0] = '\0';
    for (size_t i = 0; i < count; i++)
        snprintf(out + strlen(out), size - strlen(out), "%s\n", items[i].id);
    inbox_items_free(items, count);
}

static const char alphabet[] =
    "-0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz";

static void test_altered_ids_find_nothing(void **state)
{
    struct fixture *f = *state;
    char ids[3][RG_ID_LEN + 1], bad[RG_ID_LEN + 1];
    enum put_outcome out;
    for (int i = 0; i < 3; i++)
        put(f->store, "", ids[i], &out);
    for (int i = 0; i < 3; i++) {
        assert_true(status_found(f->store, ids[i]));
        for (int c = 0; c < RG_ID_LEN; c++)
            for (int k = 0; k < 64; k += 3) {
                memcpy(bad, ids[i], sizeof(bad));
                bad[c] = alphabet[k];
                if (bad[c] == ids[i][c])
                    continue;
                assert_false(status_found(f->store, bad));
                assert_false(ack_found(f->store, bad));
            }
    }
    /* The ids another store's key makes of the same seqs. */
    unsigned char key[RG_IDPERM_KEY_LEN] = {1, 2, 3};
    struct rg_idperm *other = rg_idperm_new(key);
    assert_non_null(other);
    for (uint64_t seq = 1; seq <= 3; seq++) {
        assert_int_equal(rg_idperm_encode(other, seq, bad), 0);
        assert_false(status_found(f->store, bad));
        assert_false(ack_found(f->store, bad));
    }
    rg_idperm_free(other);
    /* Untouched, they still work. */
    for (int i = 0; i < 3; i++)
        assert_true(ack_found(f->store, ids[i]));
}

/* Schema 2's referrals table, as 15afa85's schema.c made it. */
#define V2_REFERRALS                                                                   \
    "CREATE TABLE referrals(seq INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE,"         \
    " sender TEXT NOT NULL, sender_type TEXT NOT NULL, recipient TEXT NOT NULL,"       \
    " recipient_type TEXT NOT NULL, signal TEXT NOT NULL, urgency TEXT NOT NULL,"      \
    " state INTEGER NOT NULL, created_at INTEGER NOT NULL, delivered_at INTEGER,"      \
    " acknowledged_at INTEGER, ended_at INTEGER,"                                      \
    " deliveries INTEGER NOT NULL DEFAULT 0, ref_key BLOB UNIQUE,"                     \
    " digest BLOB NOT NULL, rkey INTEGER);"                                            \
    "CREATE INDEX referrals_pending ON referrals(recipient, state, seq);"              \
    "CREATE INDEX referrals_age ON referrals(state, created_at);"

/* Ids as v2 drew them (24 random characters) and as v1 did (22). */
static const char *const old_ids[] = {
    "Kq3_x9-ZbT0aa8LmWcRv2sNe", "f-0Zz9y_Q1wErTyUiOpAsD", "Bxx7pQ2mN4rT6vW8yZ0cE1gH"};

/* Turns f's store (three referrals, the first with client_ref "old-ref")
 * into a v2 store whose rows have old_ids, and whose client_ref keys are
 * in referrals.ref_key (schema 4 keeps them in refs and ref_log). */
static void make_v2_store(struct fixture *f)
{
    char id[RG_ID_LEN + 1];
    enum put_outcome out;
    put(f->store, "old-ref", id, &out);
    put(f->store, "", id, &out);
    put(f->store, "", id, &out);
    db_close(f->store);
    f->store = NULL;

    char path[128];
    snprintf(path, sizeof(path), "%s/refgw.db", f->dir);
    sqlite3 *db;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    char sql[2048];
    snprintf(sql, sizeof(sql),
             "BEGIN; DROP INDEX referrals_pending; DROP INDEX referrals_age;"
             "DROP INDEX referrals_id; ALTER TABLE referrals RENAME TO v3;" V2_REFERRALS
             "INSERT INTO referrals SELECT seq, CASE seq WHEN 1 THEN '%s' WHEN 2 THEN"
             " '%s' ELSE '%s' END, sender, sender_type, recipient, recipient_type,"
             " signal, urgency, state, created_at, delivered_at, acknowledged_at,"
             " ended_at, deliveries, (SELECT l.ref_key FROM ref_log l WHERE l.seq ="
             " v3.seq), digest, rkey FROM v3;"
             "DROP TABLE v3; DROP TABLE ref_log; DROP TABLE refs;"
             "UPDATE meta SET value = 2 WHERE key = 'schema'; COMMIT;",
             old_ids[0], old_ids[1], old_ids[2]);
    if (sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK)
        fail_msg("making a v2 store: %s", sqlite3_errmsg(db));
    assert_int_equal(scalar(db, "SELECT count(*) FROM referrals WHERE id IS NULL"), 0);
    sqlite3_close(db);
}

static void test_v2_store_keeps_its_ids(void **state)
{
    struct fixture *f = *state;
    make_v2_store(f);
    f->store = open_store(f->dir);
    sqlite3 *db = f->store->db;
    assert_int_equal(scalar(db, "SELECT value FROM meta WHERE key = 'schema'"), 5);
    assert_int_equal(scalar(db, "SELECT count(*) FROM refs"), 1);
    assert_int_equal(scalar(db, "SELECT \"notnull\" FROM pragma_table_info('referrals')"
                                " WHERE name = 'id'"),
                     0);
    assert_int_equal(scalar(db, "SELECT count(*) FROM sqlite_master WHERE"
                                " name IN ('referrals_pending', 'referrals_age',"
                                " 'referrals_id')"),
                     3);

    char want[128], got[128];
    snprintf(want, sizeof(want), "%s\n%s\n%s\n", old_ids[0], old_ids[1], old_ids[2]);
    inbox_ids(f->store, got, sizeof(got));
    assert_string_equal(got, want);
    for (int i = 0; i < 3; i++)
        assert_true(status_found(f->store, old_ids[i]));

    /* A repeat of the old client_ref is the old referral, under its id. */
    char id[RG_ID_LEN + 1];
    enum put_outcome out;
    put(f->store, "old-ref", id, &out);
    assert_int_equal(out, PUT_DUPLICATE);
    assert_string_equal(id, old_ids[0]);

    /* The new kind of id for seq 1 is not the old row's. */
    char made[RG_ID_LEN + 1];
    assert_int_equal(rg_idperm_encode(f->store->ids, 1, made), 0);
    assert_false(status_found(f->store, made));
    assert_false(ack_found(f->store, made));

    /* A new referral: an id of the new kind, nothing stored for it. */
    put(f->store, "new-ref", id, &out);
    assert_int_equal(out, PUT_CREATED);
    uint64_t seq = 0;
    assert_true(rg_idperm_decode(f->store->ids, id, strlen(id), &seq));
    assert_true(seq == 4);
    assert_int_equal(scalar(db, "SELECT count(*) FROM referrals WHERE id IS NULL"), 1);
    char repeat[RG_ID_LEN + 1];
    put(f->store, "new-ref", repeat, &out);
    assert_int_equal(out, PUT_DUPLICATE);
    assert_string_equal(repeat, id);

    for (int i = 0; i < 3; i++)
        assert_true(ack_found(f->store, old_ids[i]));
    assert_true(ack_found(f->store, id));
    inbox_ids(f->store, got, sizeof(got));
    assert_string_equal(got, "");

    /* Reopened: nothing to migrate again, the ids still work. */
    db_close(f->store);
    f->store = open_store(f->dir);
    assert_true(status_found(f->store, old_ids[1]));
    assert_true(status_found(f->store, id));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_altered_ids_find_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_v2_store_keeps_its_ids, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
