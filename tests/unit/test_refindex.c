/*
 * test_refindex.c - the client_ref keys (refmap.h, keyfilter.h,
 * refindex.c): the map finds every key after removals, takes back what an
 * op or a rollback undid; the filter says "maybe" for every key added and
 * "no" for nearly all others; and a sender's client_ref names its referral
 * before, during and after a merge into the refs table, across a reopening
 * in the middle, while a new one is answered without asking refs.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "db.h"
#include "keyfilter.h"
#include "refmap.h"
#include "store_fixture.h"

/* 2026-11-28T07:15:02Z */
#define NOW ((time_t)1795850102)

/* Key number i: its first bytes (which choose its slot) mixed as a
 * digest's are (splitmix64's finaliser); at a third to half load, keys
 * collide and probe past each other. */
static void spread_key(unsigned char key[DIGEST_LEN], unsigned i)
{
    memset(key, 0, DIGEST_LEN);
    uint64_t h = i + 0x9E3779B97F4A7C15u;
    h = (h ^ (h >> 30)) * 0xBF58476D1CE4E5B9u;
    h = (h ^ (h >> 27)) * 0x94D049BB133111EBu;
    h ^= h >> 31;
    memcpy(key, &h, sizeof(h));
    memcpy(key + 8, &i, sizeof(i));
}

/* Adds the keys first..last, each with its number as seq. */
static void add_keys(struct refmap *m, unsigned first, unsigned last)
{
    unsigned char key[DIGEST_LEN];
    for (unsigned i = first; i <= last; i++) {
        spread_key(key, i);
        assert_int_equal(refmap_add(m, key, i), 0);
    }
}

/* Exactly the keys 1..present of 1..upto are found, each with its seq. */
static void assert_present(const struct refmap *m, unsigned present, unsigned upto)
{
    unsigned char key[DIGEST_LEN];
    long long seq;
    assert_int_equal(refmap_size(m), present);
    for (unsigned i = 1; i <= upto; i++) {
        spread_key(key, i);
        bool found = refmap_find(m, key, &seq);
        assert_int_equal(found, i <= present);
        if (found)
            assert_int_equal(seq, i);
    }
}

/* Undone keys leave, the others stay reachable: also when the table grew
 * (and was laid out again) after the keys taken back were added. */
static void test_map_finds_every_key_after_undo(void **state)
{
    (void)state;
    struct refmap *m = refmap_new();
    assert_non_null(m);
    add_keys(m, 1, 1000);
    refmap_commit(m);
    assert_int_equal(refmap_mark(m), 0);
    add_keys(m, 1001, 1500);
    size_t mark = refmap_mark(m);
    add_keys(m, 1501, 2600); /* grows at 2,048 keys */
    refmap_undo_to(m, mark); /* an op undone */
    assert_present(m, 1500, 2600);
    add_keys(m, 1501, 30000); /* grows three more times */
    refmap_undo_to(m, 0);     /* the transaction rolled back */
    assert_present(m, 1000, 30000);
    refmap_free(m);
}

static void test_map_sorts_and_drops(void **state)
{
    (void)state;
    struct refmap *m = refmap_new();
    assert_non_null(m);
    unsigned char key[DIGEST_LEN];
    for (unsigned i = 1; i <= 2000; i++) {
        spread_key(key, i * 2654435761u);
        assert_int_equal(refmap_add(m, key, i), 0);
    }
    refmap_commit(m);
    struct refmap_entry *sorted;
    size_t n;
    assert_int_equal(refmap_sorted(m, 1500, &sorted, &n), 0);
    assert_int_equal(n, 1500);
    for (size_t i = 0; i < n; i++) {
        assert_true(sorted[i].seq <= 1500);
        if (i > 0)
            assert_true(memcmp(sorted[i - 1].key, sorted[i].key, DIGEST_LEN) < 0);
    }
    free(sorted);
    assert_int_equal(refmap_drop_upto(m, 1500), 0);
    assert_int_equal(refmap_size(m), 500);
    long long seq;
    for (unsigned i = 1; i <= 2000; i++) {
        spread_key(key, i * 2654435761u);
        assert_int_equal(refmap_find(m, key, &seq), i > 1500);
    }
    refmap_free(m);
}

/* Key number i with every byte mixed, as a keyed digest's are. */
static void random_key(unsigned char key[DIGEST_LEN], uint64_t i)
{
    for (int w = 0; w < DIGEST_LEN / 8; w++) {
        uint64_t h = i * 4 + (uint64_t)w + 0x9E3779B97F4A7C15u;
        h = (h ^ (h >> 30)) * 0xBF58476D1CE4E5B9u;
        h = (h ^ (h >> 27)) * 0x94D049BB133111EBu;
        h ^= h >> 31;
        memcpy(key + 8 * w, &h, sizeof(h));
    }
}

#define FILTER_KEYS 400000 /* past the first layer's 131,072 and the second's */
#define OTHER_KEYS 200000

/* No key added is ever missed, through three layers; of keys never added,
 * few answer "maybe". */
static void test_filter_misses_no_key(void **state)
{
    (void)state;
    struct keyfilter *f = keyfilter_new();
    assert_non_null(f);
    unsigned char key[DIGEST_LEN];
    random_key(key, 1);
    assert_false(keyfilter_may_hold(f, key));
    for (uint64_t i = 1; i <= FILTER_KEYS; i++) {
        random_key(key, i);
        assert_int_equal(keyfilter_add(f, key), 0);
    }
    assert_int_equal(keyfilter_count(f), FILTER_KEYS);
    /* 256 + 512 + 1,024 KiB: about 4.7 bytes a key at this count. */
    assert_int_equal(keyfilter_bytes(f), (size_t)(256 + 512 + 1024) * 1024);
    for (uint64_t i = 1; i <= FILTER_KEYS; i++) {
        random_key(key, i);
        assert_true(keyfilter_may_hold(f, key));
    }
    unsigned maybe = 0;
    for (uint64_t i = 0; i < OTHER_KEYS; i++) {
        random_key(key, FILTER_KEYS + 1 + i);
        maybe += keyfilter_may_hold(f, key);
    }
    /* About 1 in 600 at this fill (keyfilter.c); 1 in 100 is the bound. */
    assert_true(maybe < OTHER_KEYS / 100);
    keyfilter_free(f);
}

static const struct rg_routing school = {"school-a",          "school",   "care-a",
                                         "care_coordination", "loverboy", "normal"};

struct put_result {
    enum put_outcome outcome;
    char id[RG_ID_LEN + 1];
};

/* A send of "text" with client_ref ref-N, in the current transaction. */
static struct put_result put_ref(struct db *s, unsigned n)
{
    static char body[] = "text";
    struct rg_referral r;
    make_referral(&r, "16_17", body, strlen(body));
    snprintf(r.client_ref, sizeof(r.client_ref), "ref-%u", n);
    struct put_result res;
    enum referral_state st;
    assert_int_equal(put_digested(s, &r, &school, NOW, res.id, &res.outcome, &st), 0);
    return res;
}

/* Sends ref-first .. ref-(first+n-1), 100 to a batch; their ids in ids. */
static void send_refs(struct db *s, unsigned first, unsigned n,
                      char (*ids)[RG_ID_LEN + 1])
{
    for (unsigned i = 0; i < n; i++) {
        if (i % 100 == 0)
            assert_int_equal(db_begin(s), 0);
        struct put_result r = put_ref(s, first + i);
        assert_int_equal(r.outcome, PUT_CREATED);
        memcpy(ids[i], r.id, sizeof(ids[i]));
        if (i % 100 == 99 || i == n - 1)
            assert_int_equal(db_commit(s), 0);
    }
}

/* Every one of them again: the same referral, under the same id. */
static void assert_repeats(struct db *s, unsigned first, unsigned n,
                           char (*ids)[RG_ID_LEN + 1])
{
    assert_int_equal(db_begin(s), 0);
    for (unsigned i = 0; i < n; i++) {
        struct put_result r = put_ref(s, first + i);
        assert_int_equal(r.outcome, PUT_DUPLICATE);
        assert_string_equal(r.id, ids[i]);
    }
    assert_int_equal(db_commit(s), 0);
}

static void empty_batches(struct db *s, int n)
{
    for (int i = 0; i < n; i++) {
        assert_int_equal(db_begin(s), 0);
        assert_int_equal(db_commit(s), 0);
    }
}

#define SENT (DB_REFS_MERGE_AT + 300)

static void test_keys_found_through_a_merge(void **state)
{
    struct fixture *f = *state;
    char(*ids)[RG_ID_LEN + 1] = calloc(SENT, sizeof(*ids));
    assert_non_null(ids);
    send_refs(f->store, 1, SENT, ids);
    /* The merge has begun, a step per batch, and is not done. */
    long long merged = store_scalar(f->store, "SELECT count(*) FROM refs");
    assert_true(merged > 0 && merged < DB_REFS_MERGE_AT);
    assert_int_equal(store_scalar(f->store, "SELECT count(*) FROM ref_log"), SENT);

    /* Stopped in the middle: the keys are read back from ref_log. */
    db_close(f->store);
    f->store = open_store(f->dir);
    assert_repeats(f->store, 1, SENT, ids);

    empty_batches(f->store, SENT / DB_REFS_MERGE_STEP + 2);
    merged = store_scalar(f->store, "SELECT count(*) FROM refs");
    assert_true(merged >= DB_REFS_MERGE_AT);
    assert_int_equal(store_scalar(f->store, "SELECT count(*) FROM ref_log"),
                     SENT - merged);
    assert_int_equal(store_scalar(f->store,
                                  "SELECT count(*) FROM refs f JOIN referrals r"
                                  " ON r.seq = f.seq"),
                     merged);
    assert_repeats(f->store, 1, SENT, ids);
    db_close(f->store);
    f->store = open_store(f->dir);
    assert_repeats(f->store, 1, SENT, ids);
    free(ids);
}

static unsigned ref_lookups;

/* Counts the runs of the lookup in refs (SQLITE_TRACE_STMT). */
static int count_lookups(unsigned type, void *ctx, void *stmt, void *sql)
{
    (void)type;
    (void)sql;
    if (stmt == ctx)
        ref_lookups++;
    return 0;
}

static void trace_lookups(struct db *s)
{
    ref_lookups = 0;
    assert_int_equal(
        sqlite3_trace_v2(s->db, SQLITE_TRACE_STMT, count_lookups, s->stmt[S_REF_SEQ]),
        SQLITE_OK);
}

#define NEW_REFS 1000

/* A new client_ref is answered without asking refs once the filter holds
 * the keys refs had at opening; until then, and for every key it holds,
 * refs is asked and every earlier client_ref is still found. */
static void test_new_refs_skip_the_table(void **state)
{
    struct fixture *f = *state;
    char(*ids)[RG_ID_LEN + 1] = calloc(SENT + NEW_REFS, sizeof(*ids));
    assert_non_null(ids);
    send_refs(f->store, 1, SENT, ids);
    empty_batches(f->store, SENT / DB_REFS_MERGE_STEP + 2);
    long long merged = store_scalar(f->store, "SELECT count(*) FROM refs");
    assert_true(merged >= DB_REFS_MERGE_AT);

    /* Reopened, the filter reads refs a step at a time: at first every
     * key not in memory is looked for in the table, and found. */
    db_close(f->store);
    f->store = open_store(f->dir);
    assert_true(merged > DB_REFS_FILTER_STEP);
    trace_lookups(f->store);
    assert_repeats(f->store, 1, SENT, ids);
    assert_int_equal(ref_lookups, merged);

    empty_batches(f->store, (int)(merged / DB_REFS_FILTER_STEP) + 1);
    trace_lookups(f->store);
    send_refs(f->store, SENT + 1, NEW_REFS, ids + SENT);
    assert_true(ref_lookups < NEW_REFS / 50); /* the filter's few "maybe"s */
    trace_lookups(f->store);
    assert_repeats(f->store, 1, SENT + NEW_REFS, ids);
    assert_int_equal(ref_lookups, merged); /* the new keys are in memory */
    sqlite3_trace_v2(f->store->db, 0, NULL, NULL);
    free(ids);
}

static void exec_ok(struct db *s, const char *sql)
{
    assert_int_equal(sqlite3_exec(s->db, sql, NULL, NULL, NULL), SQLITE_OK);
}

/* A merge step that fails is undone alone: the batch's sends commit, the
 * failure is said once, the keys stay findable, and a later batch merges. */
static void test_failed_step_leaves_the_batch(void **state)
{
    struct fixture *f = *state;
    char(*ids)[RG_ID_LEN + 1] = calloc(SENT, sizeof(*ids));
    assert_non_null(ids);
    exec_ok(f->store, "CREATE TEMP TRIGGER refuse BEFORE INSERT ON main.refs"
                      " BEGIN SELECT RAISE(ABORT, 'refused'); END");
    send_refs(f->store, 1, SENT, ids);
    assert_true(db_refs_take_failure(f->store));
    assert_false(db_refs_take_failure(f->store));
    assert_int_equal(referrals_in(f->store), SENT);
    assert_int_equal(store_scalar(f->store, "SELECT count(*) FROM refs"), 0);
    assert_int_equal(store_scalar(f->store, "SELECT count(*) FROM ref_log"), SENT);
    assert_repeats(f->store, 1, SENT, ids);

    exec_ok(f->store, "DROP TRIGGER refuse");
    (void)db_refs_take_failure(f->store); /* the repeats' batch tried too */
    empty_batches(f->store, SENT / DB_REFS_MERGE_STEP + 2);
    assert_false(db_refs_take_failure(f->store));
    /* Merged: what was committed when the merge began (8,200 keys). */
    long long merged = store_scalar(f->store, "SELECT count(*) FROM refs");
    assert_true(merged > SENT - DB_REFS_MERGE_AT);
    assert_int_equal(store_scalar(f->store, "SELECT count(*) FROM ref_log"),
                     SENT - merged);
    assert_repeats(f->store, 1, SENT, ids);
    free(ids);
}

/* A send undone (its op, or its whole batch) leaves no key behind: the
 * same client_ref is then a new referral, not a repeat of nothing. */
static void test_undone_send_leaves_no_key(void **state)
{
    struct fixture *f = *state;
    assert_int_equal(db_begin(f->store), 0);
    assert_int_equal(db_savepoint(f->store), 0);
    assert_int_equal(put_ref(f->store, 1).outcome, PUT_CREATED);
    db_rollback_to(f->store);
    assert_int_equal(db_savepoint(f->store), 0);
    assert_int_equal(put_ref(f->store, 1).outcome, PUT_CREATED);
    assert_int_equal(put_ref(f->store, 2).outcome, PUT_CREATED);
    assert_int_equal(db_release(f->store), 0);
    db_rollback(f->store);

    assert_int_equal(db_begin(f->store), 0);
    assert_int_equal(put_ref(f->store, 1).outcome, PUT_CREATED);
    assert_int_equal(put_ref(f->store, 2).outcome, PUT_CREATED);
    assert_int_equal(put_ref(f->store, 2).outcome, PUT_DUPLICATE);
    assert_int_equal(db_commit(f->store), 0);
    assert_int_equal(referrals_in(f->store), 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_map_finds_every_key_after_undo),
        cmocka_unit_test(test_map_sorts_and_drops),
        cmocka_unit_test(test_filter_misses_no_key),
        cmocka_unit_test_setup_teardown(test_keys_found_through_a_merge, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_new_refs_skip_the_table, setup, teardown),
        cmocka_unit_test_setup_teardown(test_failed_step_leaves_the_batch, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_undone_send_leaves_no_key, setup,
                                        teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
