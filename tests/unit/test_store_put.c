/*
 * test_store_put.c - store_put's answers to a client_ref used again (SPEC §5):
 * the same content is the earlier referral, other content a conflict, and
 * neither stores anything; another sender's client_ref is its own. And how
 * a send's body is stored: whole, in rows that share pages.
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
#include "room.h"
#include "store_fixture.h"

/* 2026-11-28T07:15:02Z */
#define NOW ((time_t)1795850102)

static const struct rg_routing school_a = {"school-a",          "school",   "care-a",
                                           "care_coordination", "loverboy", "normal"};
static const struct rg_routing school_b = {"school-b",          "school",   "care-a",
                                           "care_coordination", "loverboy", "normal"};

struct put_result {
    int rc;
    enum put_outcome outcome;
    enum referral_state state;
    char id[RG_ID_LEN + 1];
};

static struct put_result put_ref(struct db *s, const struct rg_routing *p,
                                 const char *client_ref, const char *body_text)
{
    static char body[64];
    snprintf(body, sizeof(body), "%s", body_text);
    struct rg_referral r;
    make_referral(&r, "16_17", body, strlen(body));
    snprintf(r.client_ref, sizeof(r.client_ref), "%s", client_ref);
    struct put_result res;
    memset(&res, 0, sizeof(res));
    res.rc = put_digested(s, &r, p, NOW, res.id, &res.outcome, &res.state);
    return res;
}

/* How many referrals wait for care-a. */
static size_t pending(struct db *s)
{
    struct inbox_item *items = NULL;
    size_t count = 0;
    assert_int_equal(db_begin(s), 0);
    assert_int_equal(db_inbox(s, "care-a", 100, 1 << 20, NOW, &items, &count), 0);
    assert_int_equal(db_commit(s), 0);
    inbox_items_free(items, count);
    return count;
}

static void test_repeat_across_batches(void **state)
{
    struct fixture *f = *state;
    assert_int_equal(db_begin(f->store), 0);
    struct put_result first = put_ref(f->store, &school_a, "2026-000123", "first");
    assert_int_equal(db_commit(f->store), 0);
    assert_int_equal(first.rc, 0);
    assert_int_equal(first.outcome, PUT_CREATED);

    assert_int_equal(db_begin(f->store), 0);
    struct put_result again = put_ref(f->store, &school_a, "2026-000123", "first");
    struct put_result other = put_ref(f->store, &school_a, "2026-000123", "changed");
    struct put_result theirs = put_ref(f->store, &school_b, "2026-000123", "first");
    assert_int_equal(db_commit(f->store), 0);

    assert_int_equal(again.rc, 0);
    assert_int_equal(again.outcome, PUT_DUPLICATE);
    assert_string_equal(again.id, first.id);
    assert_int_equal(again.state, STATE_QUEUED);
    assert_int_equal(other.rc, 0);
    assert_int_equal(other.outcome, PUT_CONFLICT);
    assert_string_equal(other.id, first.id);
    assert_int_equal(theirs.rc, 0);
    assert_int_equal(theirs.outcome, PUT_CREATED);
    assert_string_not_equal(theirs.id, first.id);
    assert_int_equal(pending(f->store), 2); /* and delivers them */

    assert_int_equal(db_begin(f->store), 0);
    again = put_ref(f->store, &school_a, "2026-000123", "first");
    assert_int_equal(db_commit(f->store), 0);
    assert_int_equal(again.outcome, PUT_DUPLICATE);
    assert_int_equal(again.state, STATE_DELIVERED);
}

/* Within one transaction, as the committer batches concurrent sends. */
static void test_repeat_within_a_batch(void **state)
{
    struct fixture *f = *state;
    assert_int_equal(db_begin(f->store), 0);
    struct put_result first = put_ref(f->store, &school_a, "ref-1", "text");
    struct put_result again = put_ref(f->store, &school_a, "ref-1", "text");
    struct put_result other = put_ref(f->store, &school_a, "ref-1", "other text");
    struct put_result next = put_ref(f->store, &school_a, "ref-2", "text");
    assert_int_equal(db_commit(f->store), 0);
    assert_int_equal(first.outcome, PUT_CREATED);
    assert_int_equal(again.outcome, PUT_DUPLICATE);
    assert_string_equal(again.id, first.id);
    assert_int_equal(other.outcome, PUT_CONFLICT);
    assert_int_equal(next.rc, 0);
    assert_int_equal(next.outcome, PUT_CREATED);
    assert_int_equal(pending(f->store), 2);
}

/* The digests' key is the store's, kept in it: a repeat is still one after
 * refgwd restarts. */
static void test_repeat_after_reopening(void **state)
{
    struct fixture *f = *state;
    assert_int_equal(db_begin(f->store), 0);
    struct put_result first = put_ref(f->store, &school_a, "ref-1", "text");
    assert_int_equal(db_commit(f->store), 0);
    assert_int_equal(first.outcome, PUT_CREATED);
    db_close(f->store);
    f->store = open_store(f->dir);

    assert_int_equal(db_begin(f->store), 0);
    struct put_result again = put_ref(f->store, &school_a, "ref-1", "text");
    struct put_result other = put_ref(f->store, &school_a, "ref-1", "other text");
    assert_int_equal(db_commit(f->store), 0);
    assert_int_equal(again.outcome, PUT_DUPLICATE);
    assert_string_equal(again.id, first.id);
    assert_int_equal(other.outcome, PUT_CONFLICT);
    assert_int_equal(pending(f->store), 1);
}

/* Without a client_ref, every send is a new referral. */
static void test_no_client_ref_is_never_a_repeat(void **state)
{
    struct fixture *f = *state;
    assert_int_equal(db_begin(f->store), 0);
    struct put_result a = put_ref(f->store, &school_a, "", "text");
    struct put_result b = put_ref(f->store, &school_a, "", "text");
    assert_int_equal(db_commit(f->store), 0);
    assert_int_equal(a.outcome, PUT_CREATED);
    assert_int_equal(b.outcome, PUT_CREATED);
    assert_string_not_equal(a.id, b.id);
    assert_int_equal(pending(f->store), 2);
}

/* The writer runs a batch's sends in one savepoint and, when one fails,
 * undoes them and runs each again alone (batch.c): a send undone runs again
 * as if new, with the same id, its disk charge given back, its client_ref
 * forgotten until it is stored again. */
static void test_sends_undone_run_again_as_new(void **state)
{
    struct fixture *f = *state;
    assert_true(db_space_prepare(f->store, 0, false) > 0); /* a survey: room counts */
    assert_int_equal(db_begin(f->store), 0);
    long long spendable = room_spendable(db_room(f->store));
    assert_int_equal(db_savepoint(f->store), 0);
    struct put_result a = put_ref(f->store, &school_a, "ref-a", "text a");
    struct put_result b = put_ref(f->store, &school_a, "ref-b", "text b");
    assert_true(room_spendable(db_room(f->store)) < spendable);
    db_rollback_to(f->store);
    assert_int_equal(room_spendable(db_room(f->store)), spendable);

    struct put_result again[2];
    const char *refs[2] = {"ref-a", "ref-b"}, *texts[2] = {"text a", "text b"};
    for (int i = 0; i < 2; i++) {
        assert_int_equal(db_savepoint(f->store), 0);
        again[i] = put_ref(f->store, &school_a, refs[i], texts[i]);
        assert_int_equal(db_release(f->store), 0);
        assert_int_equal(again[i].outcome, PUT_CREATED); /* not a repeat of itself */
    }
    assert_int_equal(db_commit(f->store), 0);
    assert_string_equal(again[0].id, a.id);
    assert_string_equal(again[1].id, b.id);
    assert_int_equal(pending(f->store), 2);

    assert_int_equal(db_begin(f->store), 0);
    struct put_result repeat = put_ref(f->store, &school_a, "ref-b", "text b");
    assert_int_equal(db_commit(f->store), 0);
    assert_int_equal(repeat.outcome, PUT_DUPLICATE);
    assert_string_equal(repeat.id, b.id);
}

/* Bodies of lengths around where a content row would pass half a page:
 * each is read back whole and in order; rows share pages; and an
 * acknowledgement erases a body's tail with its row. */
#define LONG_BODIES 10

static void test_long_bodies_share_pages_and_come_back_whole(void **state)
{
    struct fixture *f = *state;
    static const size_t lens[LONG_BODIES] = {0,    1,    1700, 1800, 1900,
                                             2000, 2100, 2340, 4000, 20000};
    static char bodies[LONG_BODIES][20001];
    char ids[LONG_BODIES][RG_ID_LEN + 1];
    assert_int_equal(db_begin(f->store), 0);
    for (int i = 0; i < LONG_BODIES; i++) {
        for (size_t b = 0; b < lens[i]; b++)
            bodies[i][b] = (char)('a' + (b * 7 + (size_t)i) % 26);
        struct rg_referral r;
        make_referral(&r, "16_17", bodies[i], lens[i]);
        enum put_outcome outcome;
        enum referral_state st;
        assert_int_equal(
            put_digested(f->store, &r, &school_a, NOW, ids[i], &outcome, &st), 0);
    }
    assert_int_equal(db_commit(f->store), 0);
    /* Those over half a page (from about 1,850 bytes) keep their rest apart. */
    assert_int_equal(store_scalar(f->store, "SELECT count(*) FROM content_tail"), 6);
    /* 2,000-2,340 bytes: two content rows to a leaf, not one each. */
    assert_true(store_scalar(f->store, "SELECT count(*) FROM dbstat WHERE name = "
                                       "'content' AND pagetype = 'leaf'") <= 7);

    struct inbox_item *items = NULL;
    size_t count = 0;
    assert_int_equal(db_begin(f->store), 0);
    assert_int_equal(
        db_inbox(f->store, "care-a", LONG_BODIES, 1 << 20, NOW, &items, &count), 0);
    assert_int_equal(db_commit(f->store), 0);
    assert_int_equal(count, LONG_BODIES);
    for (int i = 0; i < LONG_BODIES; i++) {
        assert_string_equal(items[i].id, ids[i]);
        assert_int_equal(items[i].body_len, lens[i]);
        assert_memory_equal(items[i].body, bodies[i], lens[i] + 1); /* and its NUL */
    }
    inbox_items_free(items, count);

    ack_all(f->store, NOW + 1, LONG_BODIES, ids);
    assert_int_equal(store_scalar(f->store, "SELECT count(*) FROM content"), 0);
    assert_int_equal(store_scalar(f->store, "SELECT count(*) FROM content_tail"), 0);
}

/* An inbox answer's cap counts whole bodies, tails included: three bodies
 * of 2,100 bytes (1,834 in their rows) in 5,600 bytes are two. */
static void test_inbox_cap_counts_the_tails(void **state)
{
    struct fixture *f = *state;
    static char body[2100];
    memset(body, 'q', sizeof(body));
    assert_int_equal(db_begin(f->store), 0);
    for (int i = 0; i < 3; i++) {
        struct rg_referral r;
        make_referral(&r, "16_17", body, sizeof(body));
        char id[RG_ID_LEN + 1];
        enum put_outcome outcome;
        enum referral_state st;
        assert_int_equal(put_digested(f->store, &r, &school_a, NOW, id, &outcome, &st),
                         0);
    }
    assert_int_equal(db_commit(f->store), 0);
    struct inbox_item *items = NULL;
    size_t count = 0;
    assert_int_equal(db_begin(f->store), 0);
    assert_int_equal(db_inbox(f->store, "care-a", 10, 5600, NOW, &items, &count), 0);
    assert_int_equal(db_commit(f->store), 0);
    assert_int_equal(count, 2);
    inbox_items_free(items, count);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_repeat_across_batches, setup, teardown),
        cmocka_unit_test_setup_teardown(test_repeat_within_a_batch, setup, teardown),
        cmocka_unit_test_setup_teardown(test_repeat_after_reopening, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sends_undone_run_again_as_new, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_no_client_ref_is_never_a_repeat, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(
            test_long_bodies_share_pages_and_come_back_whole, setup, teardown),
        cmocka_unit_test_setup_teardown(test_inbox_cap_counts_the_tails, setup,
                                        teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
