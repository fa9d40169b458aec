#include "pg_watch.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "pg_internal.h"
#include "priority.h"

#define RETRY_MS 1000 /* between attempts to connect */
#define POLL_MS 2000  /* between looks at the pending referrals */
/* A look reaches back to the last one that worked (or the start) and this
 * much further: commits that take long, clocks of nodes a little apart. */
#define LOOK_BACK_SECONDS 10
/* The watch's attempts and statements are short whatever the connection
 * string says: stopping the gateway waits for them. */
#define CONNECT_TIMEOUT "2"
#define VACUUM_MS (600 * 1000)

struct pg_watch {
    char *conninfo;
    const int *writer_pid;
    void (*fn)(void *arg, const char *org);
    void *arg;
    pthread_t thread;
    int stop[2]; /* a pipe: a byte in it stops the thread */
    PGconn *listen, *vacuum;
    long long retry_at, poll_at, vacuum_at; /* CLOCK_MONOTONIC ms */
    time_t looked_at;                       /* the last look that worked */
};

static long long now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (long long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

static void drop(PGconn **c)
{
    PQfinish(*c);
    *c = NULL;
}

static bool notified(struct pg_watch *w);

/* Recipients of pending referrals created lately: each to fn. */
static void look(struct pg_watch *w)
{
    char since[24];
    time_t now = time(NULL);
    snprintf(since, sizeof(since), "%lld",
             (long long)(w->looked_at ? w->looked_at : now) - LOOK_BACK_SECONDS);
    const char *values[1] = {since};
    PGresult *r = PQexecParams(w->listen,
                               "SELECT DISTINCT recipient FROM content"
                               " WHERE created_at >= $1::bigint",
                               1, NULL, values, NULL, NULL, 0);
    if (PQresultStatus(r) != PGRES_TUPLES_OK) {
        PQclear(r);
        drop(&w->listen);
        return;
    }
    for (int i = 0; i < PQntuples(r); i++)
        w->fn(w->arg, PQgetvalue(r, i, 0));
    PQclear(r);
    w->looked_at = now;
    w->poll_at = now_ms() + POLL_MS;
    notified(w); /* those that came meanwhile; a look was just made */
}

/* The notifications received: each recipient named to fn, this gateway's
 * own commits aside. Whether one asks for a look at the table. */
static bool notified(struct pg_watch *w)
{
    bool look_all = false;
    PGnotify *n;
    int mine = __atomic_load_n(w->writer_pid, __ATOMIC_RELAXED);
    while ((n = PQnotifies(w->listen)) != NULL) {
        if (n->be_pid != mine && strcmp(n->extra, PG_PAYLOAD_ALL) == 0) {
            look_all = true;
        } else if (n->be_pid != mine) {
            char *save = NULL;
            for (char *org = strtok_r(n->extra, " ", &save); org != NULL;
                 org = strtok_r(NULL, " ", &save))
                w->fn(w->arg, org);
        }
        PQfreemem(n);
    }
    return look_all;
}

static void connect_listen(struct pg_watch *w)
{
    char err[RG_ERR_MAX];
    w->retry_at = now_ms() + RETRY_MS;
    w->listen = pg_connect(w->conninfo, "refgwd-watch", CONNECT_TIMEOUT, err);
    if (w->listen == NULL)
        return; /* the writer's failures are what the log reports */
    PGresult *r = PQexec(w->listen, "SET statement_timeout = '5s'; LISTEN " PG_CHANNEL);
    bool ok = PQresultStatus(r) == PGRES_COMMAND_OK;
    PQclear(r);
    if (!ok) {
        drop(&w->listen);
        return;
    }
    look(w); /* whatever was committed while it was not listening */
}

/* Starts a VACUUM of the content table on a connection of its own, if no
 * other gateway runs one; vacuum_progress reads its end. */
static void start_vacuum(struct pg_watch *w)
{
    char err[RG_ERR_MAX], lock[96];
    w->vacuum_at = now_ms() + VACUUM_MS;
    w->vacuum = pg_connect(w->conninfo, "refgwd-vacuum", CONNECT_TIMEOUT, err);
    if (w->vacuum == NULL)
        return;
    snprintf(lock, sizeof(lock), "SELECT pg_try_advisory_lock(%d, %d)", PG_LOCK_SPACE,
             PG_LOCK_VACUUM);
    PGresult *r = PQexec(w->vacuum, lock);
    bool mine = PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1 &&
                strcmp(PQgetvalue(r, 0, 0), "t") == 0;
    PQclear(r);
    r = mine ? PQexec(w->vacuum, "SET statement_timeout = 0") : NULL;
    mine = mine && PQresultStatus(r) == PGRES_COMMAND_OK;
    PQclear(r);
    if (!mine || !PQsendQuery(w->vacuum, "VACUUM content"))
        drop(&w->vacuum); /* closing releases the lock */
}

static void vacuum_progress(struct pg_watch *w)
{
    if (!PQconsumeInput(w->vacuum)) {
        drop(&w->vacuum);
        return;
    }
    while (!PQisBusy(w->vacuum)) {
        PGresult *r = PQgetResult(w->vacuum);
        if (r == NULL) {
            drop(&w->vacuum); /* done */
            return;
        }
        PQclear(r);
    }
}

static void cancel(PGconn *c)
{
    char ignored[64];
    PGcancel *k = c != NULL ? PQgetCancel(c) : NULL;
    if (k != NULL) {
        PQcancel(k, ignored, sizeof(ignored));
        PQfreeCancel(k);
    }
}

/* Waits for the first of: a stop, input on a connection, the next due time. */
static bool wait_once(struct pg_watch *w)
{
    struct pollfd fds[3] = {{.fd = w->stop[0], .events = POLLIN}};
    int n = 1, li = -1, vi = -1;
    if (w->listen != NULL) {
        li = n;
        fds[n++] = (struct pollfd){.fd = PQsocket(w->listen), .events = POLLIN};
    }
    if (w->vacuum != NULL) {
        vi = n;
        fds[n++] = (struct pollfd){.fd = PQsocket(w->vacuum), .events = POLLIN};
    }
    long long now = now_ms(), next = w->listen ? w->poll_at : w->retry_at;
    if (w->vacuum == NULL && w->listen != NULL && w->vacuum_at < next)
        next = w->vacuum_at;
    int timeout = next > now ? (int)(next - now) : 0;
    if (poll(fds, (nfds_t)n, timeout) < 0)
        return true;
    if (fds[0].revents != 0)
        return false;
    if (li > 0 && fds[li].revents != 0) {
        if (!PQconsumeInput(w->listen))
            drop(&w->listen);
        else if (notified(w))
            look(w);
    }
    if (vi > 0 && fds[vi].revents != 0)
        vacuum_progress(w);
    return true;
}

static void *watch_main(void *arg)
{
    struct pg_watch *w = arg;
    thread_role("pgwatch", 0);
    do {
        long long now = now_ms();
        if (w->listen == NULL && now >= w->retry_at)
            connect_listen(w);
        if (w->listen != NULL && now >= w->poll_at)
            look(w);
        if (w->listen != NULL && w->vacuum == NULL && now >= w->vacuum_at)
            start_vacuum(w);
    } while (wait_once(w));
    cancel(w->vacuum);
    drop(&w->vacuum);
    drop(&w->listen);
    return NULL;
}

static void free_watch(struct pg_watch *w)
{
    if (w->conninfo != NULL)
        OPENSSL_cleanse(w->conninfo, strlen(w->conninfo));
    free(w->conninfo);
    free(w);
}

struct pg_watch *pg_watch_start(const char *conninfo, const int *writer_pid,
                                void (*fn)(void *arg, const char *org), void *arg,
                                char err[RG_ERR_MAX])
{
    struct pg_watch *w = calloc(1, sizeof(*w));
    if (w == NULL || (w->conninfo = strdup(conninfo)) == NULL) {
        free(w);
        snprintf(err, RG_ERR_MAX, "out of memory");
        return NULL;
    }
    w->writer_pid = writer_pid;
    w->fn = fn;
    w->arg = arg;
    if (pipe(w->stop) < 0) {
        snprintf(err, RG_ERR_MAX, "store: cannot make a pipe for the watch thread");
        free_watch(w);
        return NULL;
    }
    fcntl(w->stop[0], F_SETFD, FD_CLOEXEC);
    fcntl(w->stop[1], F_SETFD, FD_CLOEXEC);
    if (pthread_create(&w->thread, NULL, watch_main, w) != 0) {
        snprintf(err, RG_ERR_MAX, "store: cannot start the watch thread");
        close(w->stop[0]);
        close(w->stop[1]);
        free_watch(w);
        return NULL;
    }
    return w;
}

void pg_watch_stop(struct pg_watch *w)
{
    if (w == NULL)
        return;
    char byte = 0;
    while (write(w->stop[1], &byte, 1) < 0 && errno == EINTR)
        ;
    pthread_join(w->thread, NULL);
    close(w->stop[0]);
    close(w->stop[1]);
    free_watch(w);
}
