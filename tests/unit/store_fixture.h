/*
 * store_fixture.h - a store in a fresh temporary folder for each cmocka test
 * of the store's modules, removed afterwards. Include after <cmocka.h>.
 */
#ifndef REFGW_STORE_FIXTURE_H
#define REFGW_STORE_FIXTURE_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "digests.h"
#include "db.h"
#include "db_internal.h"

struct fixture {
    char dir[64];
    struct db *store;
};

/* A referral to care-a (loverboy, normal): every subject attribute "unknown"
 * but the age band; body is used as it is, not copied. */
static inline void make_referral(struct rg_referral *r, const char *age_band,
                                 char *body, size_t body_len)
{
    memset(r, 0, sizeof(*r));
    snprintf(r->to, sizeof(r->to), "care-a");
    snprintf(r->signal, sizeof(r->signal), "loverboy");
    snprintf(r->urgency, sizeof(r->urgency), "normal");
    for (int i = 0; i < RG_SUBJECT_ATTRS; i++)
        snprintf(r->subject[i], sizeof(r->subject[i]), "unknown");
    snprintf(r->subject[0], sizeof(r->subject[0]), "%s", age_band);
    r->body = body;
    r->body_len = body_len;
}

static inline struct db *open_store(const char *dir)
{
    char err[RG_ERR_MAX] = "";
    struct db *s = db_open(dir, err);
    if (s == NULL)
        fail_msg("store_open: %s", err);
    return s;
}

/* store_put as refgwd calls it, with the digests made by a digester of the
 * store (an event loop's): a fresh one each time, as each loop has its own. */
static inline int put_digested(struct db *s, const struct rg_referral *r,
                               const struct rg_routing *p, time_t now,
                               char id[RG_ID_LEN + 1], enum put_outcome *outcome,
                               enum referral_state *state)
{
    struct digester *d = db_digester_new(s);
    assert_non_null(d);
    struct put_digests digests;
    assert_int_equal(digester_put(d, p->sender, r, &digests), 0);
    digester_free(d);
    return db_put(s, r, p, &digests, now, id, outcome, state);
}

/* The one number sql answers, read on the store's own connection. */
static inline long long store_scalar(struct db *s, const char *sql)
{
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_prepare_v2(s->db, sql, -1, &st, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    long long v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return v;
}

/* How many referrals the store holds, ended ones included. */
static inline long long referrals_in(struct db *s)
{
    return store_scalar(s, "SELECT count(*) FROM referrals");
}

/* One batch acknowledging ids[0..n) at `when`, each a referral to care-a. */
static inline void ack_all(struct db *s, time_t when, int n, char (*ids)[RG_ID_LEN + 1])
{
    assert_int_equal(db_begin(s), 0);
    for (int i = 0; i < n; i++) {
        bool found = false;
        assert_int_equal(db_ack(s, "care-a", ids[i], when, &found), 0);
        assert_true(found);
    }
    assert_int_equal(db_commit(s), 0);
}

static inline int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));
    assert_non_null(f);
    snprintf(f->dir, sizeof(f->dir), "/tmp/refgw-test-store.XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    f->store = open_store(f->dir);
    *state = f;
    return 0;
}

static inline int teardown(void **state)
{
    struct fixture *f = *state;
    db_close(f->store);
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
    assert_int_equal(system(cmd), 0);
    free(f);
    return 0;
}

#endif
