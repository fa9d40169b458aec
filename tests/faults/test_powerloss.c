/*
 * Power loss: the store runs on crashvfs, which at a random sync point drops
 * or scrambles every write not yet synced. After "power returns" the store
 * must open, pass PRAGMA integrity_check, and hold every referral whose
 * transaction committed (a 202 was only sent after that) and every ack that
 * committed.
 *
 *   test_powerloss [ROUNDS] [FULL|NORMAL]
 *
 * With NORMAL (WAL without a sync per commit) the test is expected to fail:
 * ctest runs it that way too, to show that it can.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/wait.h>
#include <unistd.h>

#include "crashvfs.h"
#include "digests.h"
#include "db.h"
#include "db_internal.h"

#define MAX_IDS 4096

struct ledger {
    char ids[MAX_IDS][RG_ID_LEN + 1];
    bool acked[MAX_IDS];
    int count;
};

static int failures;

static void failf(const char *what, const char *detail, int round)
{
    fprintf(stderr, "FAIL round %d: %s: %s\n", round, what, detail);
    failures++;
}

static void make_referral(struct rg_referral *r, int round, int n)
{
    memset(r, 0, sizeof(*r));
    strcpy(r->to, "ecmj");
    snprintf(r->client_ref, sizeof(r->client_ref), "r%d-%d", round, n);
    strcpy(r->signal, "loverboy");
    strcpy(r->urgency, "normal");
    for (int i = 0; i < RG_SUBJECT_ATTRS; i++)
        strcpy(r->subject[i], "unknown");
    r->body_len = 3000 + (size_t)(n % 7) * 1000; /* some rows need overflow pages */
    r->body = malloc(r->body_len + 1);
    memset(r->body, 'a' + n % 26, r->body_len);
    r->body[r->body_len] = '\0';
}

/*
 * The writer: runs in a child process that "loses power" (the VFS drops or
 * scrambles unsynced writes) and dies without closing anything, as a machine
 * would. Every id whose transaction committed goes down the pipe, followed
 * by "+" for an acknowledged one.
 */
static void writer(const char *dir, int round, const char *synchronous, unsigned seed,
                   int out)
{
    if (crashvfs_register() < 0)
        _exit(2);
    char err[RG_ERR_MAX] = "";
    struct db *s = db_open(dir, err);
    if (s == NULL) {
        fprintf(stderr, "cannot open the store: %s\n", err);
        _exit(2);
    }
    struct digester *digester = db_digester_new(s);
    if (digester == NULL)
        _exit(2);
    char pragma[64];
    snprintf(pragma, sizeof(pragma), "PRAGMA synchronous=%s", synchronous);
    sqlite3_exec(s->db, pragma, NULL, NULL, NULL);

    static struct ledger ledger;
    srand(seed);
    long crash_at = 1 + rand() % 120;
    crashvfs_arm(crash_at, round % 2 ? CRASH_SCRAMBLE : CRASH_DROP, seed);
    struct rg_routing p = {"school-1",         "school",   "ecmj",
                           "expertise_centre", "loverboy", "normal"};
    int n = 0;
    for (int batch = 0; batch < 60 && !crashvfs_crashed(); batch++) {
        char ids[8][RG_ID_LEN + 1];
        int put = 0, ack = -1;
        bool ok = db_begin(s) == 0;
        for (int k = 0; ok && k < 1 + rand() % 6; k++) {
            struct rg_referral r;
            enum put_outcome outcome;
            enum referral_state state;
            struct put_digests digests;
            make_referral(&r, round, n++);
            ok = digester_put(digester, p.sender, &r, &digests) == 0 &&
                 db_put(s, &r, &p, &digests, time(NULL), ids[put], &outcome, &state) ==
                     0 &&
                 outcome == PUT_CREATED;
            rg_referral_clear(&r);
            put += ok;
        }
        if (ok && ledger.count > 0 && rand() % 3 == 0) {
            bool found;
            ack = rand() % ledger.count;
            ok = db_ack(s, "ecmj", ledger.ids[ack], time(NULL), &found) == 0 && found;
        }
        if (ok && db_commit(s) == 0) {
            /* Committed: this is when the gateway would answer 202. */
            for (int k = 0; k < put && ledger.count < MAX_IDS; k++) {
                strcpy(ledger.ids[ledger.count++], ids[k]);
                dprintf(out, "%s\n", ids[k]);
            }
            if (ack >= 0)
                dprintf(out, "%s+\n", ledger.ids[ack]);
        } else {
            db_rollback(s);
        }
        if (batch % 9 == 8)
            db_checkpoint(s); /* checkpoints sync the database file too */
    }
    crashvfs_crash_now(); /* if the chosen sync point was never reached */
    _exit(0);
}

/* One round: a writer loses power, then the store must hold what it committed. */
static void round_trip(int round, const char *synchronous, unsigned seed)
{
    char dir[] = "/tmp/refgw-powerloss.XXXXXX";
    int fds[2];
    if (mkdtemp(dir) == NULL || pipe(fds) < 0) {
        perror("setup");
        exit(2);
    }
    pid_t pid = fork();
    if (pid == 0) {
        close(fds[0]);
        writer(dir, round, synchronous, seed, fds[1]);
    }
    close(fds[1]);
    static struct ledger ledger;
    memset(&ledger, 0, sizeof(ledger));
    FILE *in = fdopen(fds[0], "r");
    char line[64];
    while (fgets(line, sizeof(line), in) != NULL) {
        line[strcspn(line, "\n")] = '\0';
        size_t len = strlen(line);
        if (len == RG_ID_LEN + 1 && line[RG_ID_LEN] == '+') {
            line[RG_ID_LEN] = '\0';
            for (int i = 0; i < ledger.count; i++)
                if (strcmp(ledger.ids[i], line) == 0)
                    ledger.acked[i] = true;
        } else if (len == RG_ID_LEN && ledger.count < MAX_IDS) {
            strcpy(ledger.ids[ledger.count++], line);
        }
    }
    fclose(in);
    int status;
    waitpid(pid, &status, 0);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        fprintf(stderr, "round %d: the writer failed\n", round);
        exit(2);
    }

    char err[RG_ERR_MAX] = "";
    struct db *s = db_open(dir, err);
    if (s == NULL) {
        failf("the store does not open after power loss", err, round);
        return;
    }
    sqlite3_stmt *st;
    sqlite3_prepare_v2(s->db, "PRAGMA integrity_check", -1, &st, NULL);
    if (sqlite3_step(st) != SQLITE_ROW ||
        strcmp((const char *)sqlite3_column_text(st, 0), "ok") != 0)
        failf("integrity_check", (const char *)sqlite3_column_text(st, 0), round);
    sqlite3_finalize(st);
    for (int i = 0; i < ledger.count; i++) {
        struct referral_status rs;
        bool found = false;
        db_begin(s);
        db_status(s, "school-1", ledger.ids[i], &rs, &found);
        db_rollback(s);
        if (!found)
            failf("committed referral lost", ledger.ids[i], round);
        else if (ledger.acked[i] && rs.state != STATE_ACKNOWLEDGED)
            failf("committed ack lost", ledger.ids[i], round);
    }
    db_close(s);
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "cannot remove %s\n", dir);
}

int main(int argc, char **argv)
{
    int rounds = argc > 1 ? atoi(argv[1]) : 40;
    const char *synchronous = argc > 2 ? argv[2] : "FULL";
    int failed_rounds = 0;
    int first = getenv("POWERLOSS_ROUND") ? atoi(getenv("POWERLOSS_ROUND")) : 0;
    for (int r = first; r < first + rounds; r++) {
        int before = failures;
        round_trip(r, synchronous, 1000u + (unsigned)r);
        failed_rounds += failures > before;
    }
    printf("%d passed, %d failed\n", rounds - failed_rounds, failed_rounds);
    return failed_rounds == 0 ? 0 : 1;
}
