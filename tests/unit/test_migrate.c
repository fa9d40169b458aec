/*
 * test_migrate.c - a store written by v1 (counts joined with routing, a
 * content digest kept forever, no record keys; schema of 6cf68fe's
 * server/store.c) opened by today's db_open (migrate.c): flow counts kept,
 * the joined subject rows gone, subject counters summed per month, quarter
 * and year, digests of ended referrals emptied, record keys for pending
 * ones, schema version 3; a store of a newer version refused. And what the
 * migration leaves for the first release: a small v1 cell of an ended year
 * is nowhere in the file once that release ran and the store closed.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "db.h"
#include "store_fixture.h"
#include "db_internal.h"
#include "db_stats.h"
#include "store_dump.h"

/* v1's tables, as its server/store.c created them. */
static const char v1_schema[] =
    "CREATE TABLE meta(key TEXT PRIMARY KEY, value BLOB NOT NULL);"
    "CREATE TABLE referrals(seq INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE,"
    "  sender TEXT NOT NULL, sender_type TEXT NOT NULL,"
    "  recipient TEXT NOT NULL, recipient_type TEXT NOT NULL,"
    "  signal TEXT NOT NULL, urgency TEXT NOT NULL, state INTEGER NOT NULL,"
    "  created_at INTEGER NOT NULL, delivered_at INTEGER, acknowledged_at INTEGER,"
    "  ended_at INTEGER, deliveries INTEGER NOT NULL DEFAULT 0,"
    "  ref_key BLOB UNIQUE, digest BLOB NOT NULL);"
    "CREATE INDEX referrals_pending ON referrals(recipient, state, seq);"
    "CREATE INDEX referrals_age ON referrals(state, created_at);"
    "CREATE TABLE content(seq INTEGER PRIMARY KEY,"
    "  age_band TEXT, gender TEXT, municipality TEXT, origin TEXT,"
    "  socioeconomic TEXT, education TEXT, housing TEXT, addiction TEXT,"
    "  body BLOB NOT NULL);"
    "CREATE TABLE counts(month TEXT NOT NULL, event TEXT NOT NULL,"
    "  sender TEXT NOT NULL, sender_type TEXT NOT NULL,"
    "  recipient TEXT NOT NULL, recipient_type TEXT NOT NULL,"
    "  signal TEXT NOT NULL, urgency TEXT NOT NULL,"
    "  attr TEXT NOT NULL, value TEXT NOT NULL, n INTEGER NOT NULL,"
    "  PRIMARY KEY(month, event, attr, value, sender, recipient, signal, urgency)"
    ") WITHOUT ROWID;"
    "CREATE TABLE rejections(month TEXT NOT NULL, code TEXT NOT NULL,"
    "  n INTEGER NOT NULL, PRIMARY KEY(month, code)) WITHOUT ROWID;";

/* v1's counting: one row without an attribute, one per attribute. */
static const char v1_count[] =
    "INSERT INTO counts VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, 1)"
    " ON CONFLICT DO UPDATE SET n = n + 1";

/* A municipality that only one referral of 2025 had: a small cell. */
#define RARE "GM0042"

struct v1_referral {
    const char *month, *sender, *sender_type, *recipient, *recipient_type, *signal;
    const char *subject[RG_SUBJECT_ATTRS];
    int state; /* 0 queued, 1 delivered, 2 acknowledged, 3 expired */
    int copies;
};

/* clang-format off */
static const struct v1_referral v1_referrals[] = {
    {"2025-06", "school-a", "school", "ecmj", "expertise_centre", "loverboy",
     {"16_17", "female", "GM0935", "netherlands", "low", "vmbo", "with_parents", "none"},
     2, 7},
    {"2025-06", "youth-a", "youth_care", "ecmj", "expertise_centre", "dependency",
     {"under_12", "other", RARE, "outside_eu", "high", "primary", "institution", "gambling"},
     2, 1},
    {"2025-11", "police-a", "police", "care-a", "care_coordinator", "sexual_exploitation",
     {"18_22", "male", "GM0917", "eu", "middle", "mbo", "homeless", "drugs"},
     3, 6},
    {"2026-10", "school-a", "school", "ecmj", "expertise_centre", "loverboy",
     {"16_17", "male", "GM0935", "netherlands", "middle", "havo_vwo", "with_parents", "none"},
     2, 5},
    {"2026-12", "school-a", "school", "police-a", "police", "criminal_exploitation",
     {"12_15", "male", "GM0935", "unknown", "unknown", "unknown", "unknown", "unknown"},
     1, 3},
    {"2026-12", "prev-a", "prevention", "care-a", "care_coordinator", "other",
     {"unknown", "unknown", "unknown", "unknown", "unknown", "unknown", "unknown", "unknown"},
     0, 2},
};
/* clang-format on */
#define V1_REFERRALS (sizeof(v1_referrals) / sizeof(v1_referrals[0]))

static void exec_ok(sqlite3 *db, const char *sql)
{
    char *msg = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK)
        fail_msg("%s: %s", sql, msg);
}

static void v1_count_event(sqlite3_stmt *st, const struct v1_referral *r,
                           const char *event)
{
    const char *key[8] = {r->month,          r->sender, r->sender_type, r->recipient,
                          r->recipient_type, r->signal, "normal"};
    for (int a = -1; a < RG_SUBJECT_ATTRS; a++) {
        for (int i = 0; i < 7; i++)
            sqlite3_bind_text(st, i == 0 ? 1 : i + 2, key[i], -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, event, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 9, a < 0 ? "" : rg_subject[a].name, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 10, a < 0 ? "" : r->subject[a], -1, SQLITE_STATIC);
        assert_int_equal(sqlite3_step(st), SQLITE_DONE);
        sqlite3_reset(st);
    }
}

/* One v1 referral row (content too while it is pending), counted as v1
 * counted it: accepted, and acknowledged or expired when it ended. */
static void v1_store(sqlite3 *db, sqlite3_stmt *count, const struct v1_referral *r,
                     int seq)
{
    char sql[1024];
    snprintf(sql, sizeof(sql),
             "INSERT INTO referrals(seq, id, sender, sender_type, recipient,"
             " recipient_type, signal, urgency, state, created_at, ref_key, digest)"
             " VALUES(%d, 'id%d', '%s', '%s', '%s', '%s', '%s', 'normal', %d,"
             " strftime('%%s', '%s-15'), randomblob(32), randomblob(32))",
             seq, seq, r->sender, r->sender_type, r->recipient, r->recipient_type,
             r->signal, r->state, r->month);
    exec_ok(db, sql);
    if (r->state < 2) {
        const char *const *v = r->subject;
        snprintf(sql, sizeof(sql),
                 "INSERT INTO content VALUES(%d, '%s', '%s', '%s', '%s', '%s', '%s',"
                 " '%s', '%s', 'a body')",
                 seq, v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7]);
        exec_ok(db, sql);
    }
    v1_count_event(count, r, "accepted");
    if (r->state >= 2)
        v1_count_event(count, r, r->state == 2 ? "acknowledged" : "expired");
}

/* The flow counts v1 kept, and its subject counts summed over everything
 * but (period, event, attribute, value) for each month, quarter and year:
 * what the migrated store must hold. */
#define V1_FLOW                                                                        \
    "SELECT month, event, sender, sender_type, recipient, recipient_type, signal,"     \
    " urgency, sum(n) FROM counts WHERE attr = '' GROUP BY 1, 2, 3, 4, 5, 6, 7, 8"     \
    " ORDER BY 1, 2, 3, 4, 5, 6, 7, 8"
#define V2_FLOW                                                                        \
    "SELECT month, event, sender, sender_type, recipient, recipient_type, signal,"     \
    " urgency, n FROM flow_counts ORDER BY 1, 2, 3, 4, 5, 6, 7, 8"
#define V1_SUBJECT                                                                     \
    "SELECT p, event, attr, value, sum(n) FROM ("                                      \
    " SELECT month AS p, event, attr, value, n FROM counts WHERE attr != ''"           \
    " UNION ALL SELECT substr(month, 1, 4) || '-Q' ||"                                 \
    "  ((CAST(substr(month, 6, 2) AS INTEGER) + 2) / 3), event, attr, value, n"        \
    "  FROM counts WHERE attr != ''"                                                   \
    " UNION ALL SELECT substr(month, 1, 4), event, attr, value, n FROM counts"         \
    "  WHERE attr != '') GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4"
#define V2_SUBJECT                                                                     \
    "SELECT period, event, attr, value, n FROM subject_counts ORDER BY 1, 2, 3, 4"
#define PENDING_DIGESTS                                                                \
    "SELECT seq, hex(digest) FROM referrals WHERE state < 2 ORDER BY 1"

struct v1_store {
    char *flow, *subject, *pending_digests, *secret;
};

/* Writes a v1 store in dir; what the migration must keep, in *keep. */
static void make_v1_store(const char *dir, struct v1_store *keep)
{
    char path[128];
    snprintf(path, sizeof(path), "%s/refgw.db", dir);
    sqlite3 *db;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    exec_ok(db, "PRAGMA journal_mode=WAL");
    exec_ok(db, v1_schema);
    exec_ok(db, "BEGIN");
    sqlite3_stmt *count;
    assert_int_equal(sqlite3_prepare_v2(db, v1_count, -1, &count, NULL), SQLITE_OK);
    int seq = 0;
    for (size_t i = 0; i < V1_REFERRALS; i++)
        for (int c = 0; c < v1_referrals[i].copies; c++)
            v1_store(db, count, &v1_referrals[i], ++seq);
    sqlite3_finalize(count);
    exec_ok(db, "INSERT INTO meta VALUES('secret', randomblob(32));"
                "INSERT INTO meta SELECT 'counted_seq', max(seq) FROM referrals;"
                "INSERT INTO rejections VALUES('2026-11', 'invalid_json', 4);"
                "COMMIT");
    keep->flow = dump(db, V1_FLOW);
    keep->subject = dump(db, V1_SUBJECT);
    keep->pending_digests = dump(db, PENDING_DIGESTS);
    keep->secret = dump(db, "SELECT hex(value) FROM meta WHERE key = 'secret'");
    assert_non_null(strstr(keep->subject, "2025|accepted|age_band|under_12|1\n"));
    assert_int_equal(sqlite3_close(db), SQLITE_OK);
}

static void free_v1_store(struct v1_store *keep)
{
    free(keep->flow);
    free(keep->subject);
    free(keep->pending_digests);
    free(keep->secret);
}

/* A fixture with a v1 store in its folder and nothing opened yet. */
static int setup_v1(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));
    assert_non_null(f);
    snprintf(f->dir, sizeof(f->dir), "/tmp/refgw-test-migrate.XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    *state = f;
    return 0;
}

/* The indexes of the referrals table: those its reads use, and no other
 * (each costs every send an insert). */
#define REFERRALS_INDEXES                                                              \
    "SELECT name FROM pragma_index_list('referrals') ORDER BY name"
static const char referrals_indexes[] =
    "referrals_age\nreferrals_id\nreferrals_pending\n";

static void test_v1_store_is_migrated(void **state)
{
    struct fixture *f = *state;
    struct v1_store keep;
    make_v1_store(f->dir, &keep);
    f->store = open_store(f->dir);
    sqlite3 *db = f->store->db;

    assert_int_equal(scalar(db, "SELECT value FROM meta WHERE key = 'schema'"), 5);
    assert_int_equal(
        scalar(db, "SELECT count(*) FROM sqlite_master WHERE name = 'counts'"), 0);
    assert_rows(db, REFERRALS_INDEXES, referrals_indexes);
    /* Every client_ref key is in refs (schema 4), naming its referral. */
    assert_int_equal(scalar(db, "SELECT count(*) FROM referrals r JOIN refs f"
                                " ON f.ref_key = r.ref_key AND f.seq = r.seq"),
                     scalar(db, "SELECT count(*) FROM referrals"));
    assert_rows(db, V2_FLOW, keep.flow);
    assert_rows(db, V2_SUBJECT, keep.subject);
    /* Ended referrals: no digest, no record key. Pending ones: their digest
     * (a resend is still compared) and a record key each. */
    assert_int_equal(scalar(db, "SELECT count(*) FROM referrals WHERE state >= 2"), 19);
    assert_int_equal(scalar(db, "SELECT count(*) FROM referrals WHERE state >= 2 AND"
                                " (length(digest) != 0 OR rkey IS NOT NULL)"),
                     0);
    assert_rows(db, PENDING_DIGESTS, keep.pending_digests);
    assert_int_equal(scalar(db, "SELECT count(DISTINCT rkey) FROM referrals WHERE"
                                " state < 2 AND rkey IS NOT NULL"),
                     5);
    /* What the migration leaves alone. */
    assert_rows(db, "SELECT hex(value) FROM meta WHERE key = 'secret'", keep.secret);
    assert_int_equal(scalar(db, "SELECT n FROM rejections WHERE code = 'invalid_json'"),
                     4);
    assert_int_equal(scalar(db, "SELECT count(*) FROM content"), 5);
    assert_int_equal(scalar(db, "SELECT count(*) FROM released"), 0);
    free_v1_store(&keep);

    /* Opening again migrates nothing again. */
    char *flow = dump(db, "SELECT * FROM flow_counts ORDER BY 1, 2, 3, 4, 5, 6, 7, 8");
    char *subject = dump(db, "SELECT * FROM subject_counts ORDER BY 1, 2, 3, 4");
    db_close(f->store);
    f->store = open_store(f->dir);
    assert_rows(f->store->db,
                "SELECT * FROM flow_counts ORDER BY 1, 2, 3, 4, 5, 6, 7, 8", flow);
    assert_rows(f->store->db, "SELECT * FROM subject_counts ORDER BY 1, 2, 3, 4",
                subject);
    free(flow);
    free(subject);
}

/* Whether any file of dir holds the bytes s. */
static bool on_disk(const char *dir, const char *s)
{
    char cmd[256];
    snprintf(cmd, sizeof(cmd), "grep -qraF -- '%s' '%s'", s, dir);
    return system(cmd) == 0;
}

/* The first release after the migration (the gateway's first tick) takes
 * the ended periods' migrated counters as its own: published by the rule,
 * then erased; a cell of one referral of 2025 leaves no byte behind. */
static void test_first_release_after_migration(void **state)
{
    struct fixture *f = *state;
    struct v1_store keep;
    make_v1_store(f->dir, &keep);
    free_v1_store(&keep);
    assert_true(on_disk(f->dir, RARE));
    f->store = open_store(f->dir);
    struct db *s = f->store;
    char *want_2025 = expected_release(s->db, "2025", 5);
    char *want_oct = expected_release(s->db, "2026-10", 5);
    struct tm dec = {.tm_year = 126, .tm_mon = 11, .tm_mday = 2, .tm_hour = 9};
    int released = 0;
    assert_int_equal(db_begin(s), 0);
    assert_int_equal(db_release_due(s, timegm(&dec), 5, &released), 0);
    assert_int_equal(db_commit(s), 0);
    /* 2025-06, -11, -Q2, -Q4, 2025, 2026-10: all but December 2026's. */
    assert_int_equal(released, 6);
    char *got = released_of(s->db, "2025");
    assert_string_equal(got, want_2025);
    free(got);
    got = released_of(s->db, "2026-10");
    assert_string_equal(got, want_oct);
    free(got);
    free(want_2025);
    free(want_oct);
    assert_rows(s->db, "SELECT DISTINCT period FROM subject_counts ORDER BY 1",
                "2026\n2026-12\n2026-Q4\n");

    db_close(f->store); /* checkpoints and truncates the WAL */
    f->store = NULL;
    assert_false(on_disk(f->dir, RARE));
    assert_false(on_disk(f->dir, "gambling")); /* that referral's alone too */
    f->store = open_store(f->dir);
}

/* RAND_bytes as the code under test calls it (this program is linked with
 * -Wl,--wrap=RAND_bytes): failing while rand_fails is set. */
static bool rand_fails;
int __real_RAND_bytes(unsigned char *buf, int num);
int __wrap_RAND_bytes(unsigned char *buf, int num);
int __wrap_RAND_bytes(unsigned char *buf, int num)
{
    return rand_fails ? 0 : __real_RAND_bytes(buf, num);
}

/* Without random cell keys there is no conversion (a key of 0 for every
 * migrated cell would publish each one 2 below its count): refgwd does not
 * start, says why, and the v1 store is as it was. */
static void test_no_conversion_without_random_keys(void **state)
{
    struct fixture *f = *state;
    struct v1_store keep;
    make_v1_store(f->dir, &keep);
    char err[RG_ERR_MAX] = "";
    rand_fails = true;
    f->store = db_open(f->dir, err);
    rand_fails = false;
    assert_null(f->store);
    assert_non_null(strstr(err, "random"));
    char path[128];
    snprintf(path, sizeof(path), "%s/refgw.db", f->dir);
    sqlite3 *db;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    assert_rows(db, V1_FLOW, keep.flow);
    assert_rows(db, PENDING_DIGESTS, keep.pending_digests);
    assert_int_equal(scalar(db, "SELECT count(*) FROM meta WHERE key = 'schema'"), 0);
    assert_int_equal(
        scalar(db, "SELECT count(*) FROM referrals WHERE length(digest) = 0"), 0);
    sqlite3_close(db);
    free_v1_store(&keep);
}

/* A store a newer refgwd wrote is refused, and left as it was. */
static void test_newer_store_is_refused(void **state)
{
    struct fixture *f = *state;
    db_close(f->store);
    f->store = NULL;
    char path[128];
    snprintf(path, sizeof(path), "%s/refgw.db", f->dir);
    sqlite3 *db;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    exec_ok(db, "UPDATE meta SET value = 6 WHERE key = 'schema'");
    sqlite3_close(db);

    char err[RG_ERR_MAX] = "";
    assert_null(db_open(f->dir, err));
    assert_non_null(strstr(err, "schema version 6, newer than this refgwd's 5"));
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    assert_int_equal(scalar(db, "SELECT value FROM meta WHERE key = 'schema'"), 6);
    sqlite3_close(db);

    /* The teardown closes a store: a fresh one in its place. */
    snprintf(path, sizeof(path), "rm -f '%s'/refgw.db*", f->dir);
    assert_int_equal(system(path), 0);
    f->store = open_store(f->dir);
}

/* A store made by this refgwd is at version 5 from the start, with no
 * index on the referrals' old ref_key column. */
static void test_new_store_is_version_5(void **state)
{
    struct fixture *f = *state;
    assert_int_equal(
        scalar(f->store->db, "SELECT value FROM meta WHERE key = 'schema'"), 5);
    assert_rows(f->store->db, REFERRALS_INDEXES, referrals_indexes);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_v1_store_is_migrated, setup_v1, teardown),
        cmocka_unit_test_setup_teardown(test_first_release_after_migration, setup_v1,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_no_conversion_without_random_keys,
                                        setup_v1, teardown),
        cmocka_unit_test_setup_teardown(test_newer_store_is_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_new_store_is_version_5, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
