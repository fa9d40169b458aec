/*
 * test_room.c - the disk reserve's costs (server/store/sqlite/room.h) are
 * upper bounds of what the store writes: every kind of transaction is run
 * alone on a store with deep b-trees, in the patterns that write the most
 * (the largest content, counter keys new to the store, a month never seen),
 * and what it wrote (WAL frames, read from the WAL hook, and the growth of
 * the database file once checkpointed) must not exceed its cost.
 *
 *   test_room [ROUNDS]
 *
 * Prints, per kind, the largest share of its bound a transaction used.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "api_limits.h"
#include "db.h"
#include "db_internal.h"
#include "digests.h"

#define MONTH (31 * 86400)
#define FILLER_REFERRALS 3000

static int failures;
static struct db *s;
static struct digester *digester;
static char dir[] = "/tmp/refgw-room-XXXXXX";
static time_t base;
static long serial;

struct kind {
    const char *name;
    double worst; /* the largest share of the bound used */
    long runs;
};

static struct kind k_put = {.name = "send"}, k_count = {.name = "counting"},
                   k_ack = {.name = "ack"}, k_inbox = {.name = "delivery"},
                   k_expire = {.name = "expiry"};

static const char *values[RG_SUBJECT_ATTRS][4] = {
    {"under_12", "12_15", "16_17", "18_22"},
    {"male", "female", "other", "unknown"},
    {"GM0001", "GM0002", "GM0003", "GM0004"},
    {"netherlands", "eu", "outside_eu", "unknown"},
    {"low", "middle", "high", "unknown"},
    {"primary", "vmbo", "havo_vwo", "mbo"},
    {"with_parents", "independent", "institution", "homeless"},
    {"none", "alcohol", "drugs", "gambling"},
};

static long long file_size(const char *name)
{
    char path[128];
    struct stat st;
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    return stat(path, &st) == 0 ? (long long)st.st_size : 0;
}

static void make(struct rg_referral *r, size_t len, int variant)
{
    memset(r, 0, sizeof(*r));
    strcpy(r->to, "ecmj");
    snprintf(r->client_ref, sizeof(r->client_ref), "ref-%ld", serial++);
    strcpy(r->signal, "loverboy");
    strcpy(r->urgency, "normal");
    for (int i = 0; i < RG_SUBJECT_ATTRS; i++)
        strcpy(r->subject[i], values[i][(variant + i) % 4]);
    /* A municipality of its own: a counter key new to the store. */
    snprintf(r->subject[2], RG_VALUE_MAX, "GM%04d", (int)(serial % 10000));
    r->body_len = len;
    r->body = malloc(len + 1);
    for (size_t i = 0; i < len; i++)
        r->body[i] = (char)('a' + rand() % 26);
    r->body[len] = '\0';
}

static int put(size_t len, time_t now, char id[RG_ID_LEN + 1])
{
    struct rg_routing p = {"school-1",         "school",   "ecmj",
                           "expertise_centre", "loverboy", "normal"};
    snprintf(p.sender, sizeof(p.sender), "school-%ld", serial % 50); /* new flow keys */
    struct rg_referral r;
    struct put_digests d;
    enum put_outcome outcome;
    enum referral_state state;
    make(&r, len, (int)serial);
    int rc = digester_put(digester, p.sender, &r, &d) == 0 &&
                     db_put(s, &r, &p, &d, now, id, &outcome, &state) == 0 &&
                     outcome == PUT_CREATED
                 ? 0
                 : -1;
    rg_referral_clear(&r);
    return rc;
}

/* Runs one transaction from an empty WAL, and compares what it wrote with
 * bound (computed by the caller after the transaction: a send's bound
 * depends on the keys it added). */
struct measure {
    long long frames, growth, file_before;
};

static void before(struct measure *m)
{
    if (db_checkpoint_restart(s) < 0 || db_begin(s) < 0) {
        fprintf(stderr, "cannot begin: %s\n", db_error_class(s));
        exit(2);
    }
    m->file_before = file_size("refgw.db");
}

static void after(struct measure *m, struct kind *k, struct room_cost bound)
{
    if (db_commit(s) < 0) {
        fprintf(stderr, "%s: cannot commit: %s\n", k->name, db_error_class(s));
        exit(2);
    }
    m->frames = s->wal_frames;
    db_checkpoint_restart(s); /* the database file grows to its logical size */
    m->growth = file_size("refgw.db") - m->file_before;
    long long page = s->page_size;
    /* What the cost counts for a frame: the page, its header, its index share. */
    long long wal = m->frames * (page + 24 + 8);
    double share = (double)wal / (double)bound.wal;
    if (bound.fresh > 0 && (double)m->growth / (double)bound.fresh > share)
        share = (double)m->growth / (double)bound.fresh;
    if (share > k->worst)
        k->worst = share;
    k->runs++;
    if (wal > bound.wal || m->growth > bound.fresh) {
        fprintf(stderr,
                "FAIL %s: wrote %lld frames (%lld bytes) and grew the file by %lld "
                "bytes; its bound is %lld and %lld\n",
                k->name, m->frames, wal, m->growth, bound.wal, bound.fresh);
        failures++;
    }
}

static struct room_cost plus(struct room_cost a, struct room_cost b)
{
    struct room_cost c = {a.wal + b.wal, a.fresh + b.fresh};
    return c;
}

static struct room_cost times(struct room_cost a, long long n)
{
    struct room_cost c = {a.wal * n, a.fresh * n};
    return c;
}

int main(int argc, char **argv)
{
    int rounds = argc > 1 ? atoi(argv[1]) : 30;
    srand(7);
    base = time(NULL);
    char err[RG_ERR_MAX] = "";
    if (mkdtemp(dir) == NULL || (s = db_open(dir, err)) == NULL ||
        (digester = db_digester_new(s)) == NULL) {
        fprintf(stderr, "cannot open a store: %s\n", err);
        return 2;
    }
    struct room *r = db_room(s);

    /* Deep b-trees: thousands of referrals, and counters of many keys. */
    char id[RG_ID_LEN + 1];
    static char ids[FILLER_REFERRALS][RG_ID_LEN + 1];
    for (int i = 0; i < FILLER_REFERRALS; i += 100) {
        db_begin(s);
        for (int j = i; j < i + 100; j++)
            if (put(1500, base, ids[j]) < 0)
                return 2;
        db_count_accepted(s);
        db_commit(s);
    }

    struct measure m;
    char big[64][RG_ID_LEN + 1];
    int nbig = 0;
    for (int round = 0; round < rounds; round++) {
        /* A month of its own: every counter key of the round is new. */
        time_t now = base + (time_t)(round + 1) * MONTH;

        /* Sends of the largest body, counted in the same transaction. */
        before(&m);
        size_t keys = tally_size(s->batch_accepted);
        if (put(RG_REQUEST_MAX - 4096, now, id) < 0)
            return 2;
        long long rows = 3 * (long long)(tally_size(s->batch_accepted) - keys);
        after(&m, &k_put,
              plus(room_cost_tx(r), plus(room_cost_put(r, RG_REQUEST_MAX - 4096),
                                         room_cost_rows(r, rows))));
        if (nbig < 64)
            strcpy(big[nbig++], id);

        /* Counting sends that waited: a few, each with keys of their own. */
        before(&m);
        for (int i = 0; i < 5; i++)
            if (put(2000, now, id) < 0)
                return 2;
        size_t waiting = tally_size(s->batch_accepted);
        db_commit(s);
        db_begin(s);
        db_count_accepted(s);
        after(&m, &k_count,
              plus(times(room_cost_put(r, 2000), 5),
                   plus(times(room_cost_tx(r), 2),
                        room_cost_rows(r, 3 * (long long)waiting))));

        /* Deliveries: everything pending, the filler included. */
        before(&m);
        struct inbox_item *items;
        size_t count;
        if (db_inbox(s, "ecmj", 50, 1u << 30, now, &items, &count) < 0)
            return 2;
        inbox_items_free(items, count);
        after(&m, &k_inbox,
              plus(room_cost_tx(r), times(room_cost_delivery(r), (long long)count)));

        /* The acknowledgement of a largest referral, in a month of its own. */
        if (nbig > 0) {
            bool found;
            before(&m);
            if (db_ack(s, "ecmj", big[--nbig], now + 3600, &found) < 0 || !found)
                return 2;
            after(&m, &k_ack, plus(room_cost_tx(r), room_cost_end(r)));
        }

        /* Expiry of a few of the oldest. */
        int expired = 0;
        before(&m);
        if (db_expire(s, base + 1, now + 7200, 3, &expired) < 0)
            return 2;
        after(
            &m, &k_expire,
            plus(room_cost_tx(r), times(room_cost_end(r), expired > 0 ? expired : 1)));
    }

    struct kind *kinds[] = {&k_put, &k_count, &k_inbox, &k_ack, &k_expire};
    for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
        printf("%-9s %4ld transactions, at most %3.0f%% of the bound\n", kinds[i]->name,
               kinds[i]->runs, 100.0 * kinds[i]->worst);
    printf("reserve file: %lld bytes\n", room_reserve(r));
    db_close(s);
    char cmd[64];
    snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "cannot remove %s\n", dir);
    return failures == 0 ? 0 : 1;
}
