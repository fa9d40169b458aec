/*
 * test_wal_erase.c - the WAL's old page images erased without truncating it
 * (db_checkpoint, walbuf_wal_erase):
 *
 *   - content acknowledged and so erased is gone from the WAL after two
 *     calls at most, by zeroing the frames past those the WAL holds since it
 *     started again, or all of it after a RESTART checkpoint;
 *   - the WAL keeps its size (a truncation held the writer for a tenth of a
 *     second; bench/notes.md);
 *   - the files as a crash would leave them then still open with every
 *     committed referral;
 *   - a filesystem that refuses to zero (a full disk) gets the WAL
 *     truncated instead (fallocate is wrapped: -Wl,--wrap=fallocate);
 *   - the writer's connection opened again (db_refresh) zeroes nothing it
 *     has not copied.
 */
#define _GNU_SOURCE /* memmem */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "db.h"
#include "store_fixture.h"
#include "db_internal.h"
#include "walbuf.h"

/* 2026-11-28T07:15:02Z */
#define NOW ((time_t)1795850102)
#define CANARY "CANARY-wal-erase-7f3a"

static bool refuse_fallocate;

int __real_fallocate(int fd, int mode, off_t offset, off_t len);
int __wrap_fallocate(int fd, int mode, off_t offset, off_t len);
int __wrap_fallocate(int fd, int mode, off_t offset, off_t len)
{
    if (refuse_fallocate) {
        errno = ENOSPC;
        return -1;
    }
    return __real_fallocate(fd, mode, offset, len);
}

static const struct rg_routing school_to_care = {
    "school-a", "school", "care-a", "care_coordination", "loverboy", "normal"};

/* n sends of 3 KiB bodies, the canary in each unless plain; their ids. */
static void put_batch(struct db *s, int n, bool plain, char (*ids)[RG_ID_LEN + 1])
{
    static char body[3 * 1024 + 1];
    memset(body, 'b', sizeof(body) - 1);
    if (!plain)
        for (size_t at = 0; at + sizeof(CANARY) < sizeof(body); at += 512)
            memcpy(body + at, CANARY, sizeof(CANARY) - 1);
    assert_int_equal(db_begin(s), 0);
    for (int i = 0; i < n; i++) {
        struct rg_referral r;
        make_referral(&r, "unknown", body, sizeof(body) - 1);
        enum put_outcome outcome;
        enum referral_state state;
        char id[RG_ID_LEN + 1];
        assert_int_equal(put_digested(s, &r, &school_to_care, NOW, ids ? ids[i] : id,
                                      &outcome, &state),
                         0);
        assert_int_equal(outcome, PUT_CREATED);
    }
    assert_int_equal(db_commit(s), 0);
}

/* n sends with the canary, then acknowledged: their content erased. */
static void plant_and_erase(struct db *s, int n)
{
    char(*ids)[RG_ID_LEN + 1] = calloc((size_t)n, sizeof(*ids));
    assert_non_null(ids);
    put_batch(s, n, false, ids);
    ack_all(s, NOW + 60, n, ids);
    free(ids);
}

/* The whole of dir/name; *len its size. */
static char *slurp(const char *dir, const char *name, size_t *len)
{
    char path[128];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    FILE *fp = fopen(path, "rb");
    assert_non_null(fp);
    struct stat st;
    assert_int_equal(fstat(fileno(fp), &st), 0);
    char *buf = malloc((size_t)st.st_size + 1);
    assert_non_null(buf);
    assert_int_equal(fread(buf, 1, (size_t)st.st_size, fp), (size_t)st.st_size);
    fclose(fp);
    *len = (size_t)st.st_size;
    return buf;
}

static bool holds_canary(const char *dir, const char *name)
{
    size_t len;
    char *buf = slurp(dir, name, &len);
    bool found = memmem(buf, len, CANARY, sizeof(CANARY) - 1) != NULL;
    free(buf);
    return found;
}

static long long size_of(const char *dir, const char *name)
{
    char path[128];
    struct stat st;
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    return stat(path, &st) == 0 ? (long long)st.st_size : -1;
}

/* Opens a copy of the store's files as a crash leaves them (no shared-memory
 * index), and counts its referrals. */
static long long referrals_after_crash(const char *dir)
{
    char copy[] = "/tmp/refgw-test-crash.XXXXXX";
    assert_non_null(mkdtemp(copy));
    const char *files[] = {"refgw.db", "refgw.db-wal"};
    for (int i = 0; i < 2; i++) {
        size_t len;
        char *buf = slurp(dir, files[i], &len), path[128];
        snprintf(path, sizeof(path), "%s/%s", copy, files[i]);
        FILE *fp = fopen(path, "wb");
        assert_non_null(fp);
        assert_int_equal(fwrite(buf, 1, len, fp), len);
        assert_int_equal(fclose(fp), 0);
        free(buf);
    }
    struct db *s = open_store(copy);
    long long n = referrals_in(s);
    db_close(s);
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", copy);
    assert_int_equal(system(cmd), 0);
    return n;
}

/* No new start of the WAL between two calls: the second copies it back in
 * full and zeroes all of it. */
static void test_erase_whole(void **state)
{
    struct fixture *f = *state;
    enum { N = 40 };
    plant_and_erase(f->store, N);
    long long wal = size_of(f->dir, "refgw.db-wal");
    assert_true(wal > N * 3 * 1024);
    assert_true(holds_canary(f->dir, "refgw.db-wal"));

    assert_int_equal(db_checkpoint(f->store), 0);
    assert_int_equal(db_checkpoint(f->store), 0);
    assert_false(holds_canary(f->dir, "refgw.db-wal"));
    assert_false(holds_canary(f->dir, "refgw.db"));
    assert_int_equal(size_of(f->dir, "refgw.db-wal"), wal);
    assert_int_equal(referrals_after_crash(f->dir), N);

    /* The zeroed WAL starts again at the next commit. */
    put_batch(f->store, 1, true, NULL);
    assert_int_equal(size_of(f->dir, "refgw.db-wal"), wal);
    assert_int_equal(referrals_after_crash(f->dir), N + 1);
}

/* The WAL started again since the last call: what lies past its new frames
 * is zeroed, and those frames stay. */
static void test_erase_past_new_frames(void **state)
{
    struct fixture *f = *state;
    enum { N = 200 };
    plant_and_erase(f->store, N);
    long long wal = size_of(f->dir, "refgw.db-wal");
    assert_int_equal(db_checkpoint_restart(f->store), 0);
    assert_int_equal(db_wal_frames(f->store), 0);
    long long starts = walbuf_wal_starts(f->store->db);

    put_batch(f->store, 1, true, NULL);
    assert_int_equal(walbuf_wal_starts(f->store->db), starts + 1);
    assert_true(holds_canary(f->dir, "refgw.db-wal"));
    assert_int_equal(db_checkpoint(f->store), 0);
    assert_false(holds_canary(f->dir, "refgw.db-wal"));
    assert_int_equal(size_of(f->dir, "refgw.db-wal"), wal);
    assert_true(db_wal_frames(f->store) > 0); /* the new frames were not copied */
    assert_int_equal(referrals_after_crash(f->dir), N + 1);
}

/* Zeroing refused: the WAL is truncated, as it was before zeroing. */
static void test_erase_falls_back_to_truncation(void **state)
{
    struct fixture *f = *state;
    enum { N = 40 };
    plant_and_erase(f->store, N);
    refuse_fallocate = true;
    assert_int_equal(db_checkpoint(f->store), 0);
    assert_int_equal(db_checkpoint(f->store), 0);
    refuse_fallocate = false;
    assert_false(holds_canary(f->dir, "refgw.db-wal"));
    assert_int_equal(size_of(f->dir, "refgw.db-wal"), 0);
    assert_int_equal(referrals_after_crash(f->dir), N);
}

/* The writer's connection opened again (db_refresh, when it idles after an
 * erasure) with frames the WAL holds and has not copied: the new connection
 * knows nothing of the old one's WAL starts, and its first erasure must copy
 * before it zeroes, never zero what is not yet in the database. */
static void test_refresh_keeps_uncopied_frames(void **state)
{
    struct fixture *f = *state;
    enum { N = 40 };
    plant_and_erase(f->store, N);
    assert_true(db_erased_since_refresh(f->store));
    assert_int_equal(db_checkpoint(f->store), 0);
    put_batch(f->store, 1, true, NULL);
    assert_true(db_wal_frames(f->store) > 0);

    assert_int_equal(db_refresh(f->store), 0);
    assert_false(db_erased_since_refresh(f->store));
    assert_int_equal(db_checkpoint(f->store), 0);
    assert_int_equal(referrals_after_crash(f->dir), N + 1);
    assert_int_equal(db_checkpoint(f->store), 0);
    assert_false(holds_canary(f->dir, "refgw.db-wal"));
    assert_false(holds_canary(f->dir, "refgw.db"));

    /* The new connection writes, erases and counts as the old one did. */
    plant_and_erase(f->store, 2);
    assert_true(db_erased_since_refresh(f->store));
    put_batch(f->store, 1, true, NULL);
    assert_int_equal(referrals_after_crash(f->dir), N + 4);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_erase_whole, setup, teardown),
        cmocka_unit_test_setup_teardown(test_erase_past_new_frames, setup, teardown),
        cmocka_unit_test_setup_teardown(test_erase_falls_back_to_truncation, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_refresh_keeps_uncopied_frames, setup,
                                        teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
