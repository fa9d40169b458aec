/*
 * refgwd - the referral gateway: start-up, signals and periodic work.
 */
#include <errno.h>
#include <getopt.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <event2/event.h>
#include <event2/thread.h>
#include <sqlite3.h>

#include "alloc.h"
#include "app.h"
#include "committer.h"
#include "config.h"
#include "conn.h"
#include "loop.h"
#include "log.h"
#include "ratelimit.h"
#include "tls.h"

#define TICK_SECONDS 1
#define CHECKPOINT_SECONDS 60
#define SHUTDOWN_SECONDS 4
#define STORE_LOG_SECONDS 10

struct daemon {
    struct app app;
    struct loop *main_loop; /* loops[0], run by the main thread with the signals */
    struct event *tick, *sigterm, *sigint, *sighup;
    struct counters last_logged;
    time_t last_log, last_sweep, last_checkpoint, last_store_log;
    bool sweep_running;
};

static void usage(FILE *out)
{
    fprintf(out,
            "usage: refgwd --config FILE\n"
            "       refgwd --check-config FILE\n"
            "\n"
            "Runs the referral gateway with the configuration in FILE (see\n"
            "docs/configuration.md), or checks FILE and its certificates and exits.\n"
            "Signals: SIGTERM/SIGINT stop cleanly; SIGHUP reloads the configuration,\n"
            "certificates and CRL.\n");
}

static int drop_privileges(const char *user, char err[CONFIG_ERR_MAX])
{
    struct passwd *pw = getpwnam(user);
    if (pw == NULL) {
        snprintf(err, CONFIG_ERR_MAX, "user: no such user");
        return -1;
    }
    if (getuid() == pw->pw_uid && geteuid() == pw->pw_uid)
        return 0;
    if (setgroups(0, NULL) < 0 || setgid(pw->pw_gid) < 0 || setuid(pw->pw_uid) < 0) {
        snprintf(err, CONFIG_ERR_MAX, "user: cannot switch to it: %s", strerror(errno));
        return -1;
    }
    if (setuid(0) == 0) {
        snprintf(err, CONFIG_ERR_MAX, "user: privileges could be regained");
        return -1;
    }
    return 0;
}

/* ---- periodic work (on the main loop) ---- */

static void op_done_free(struct op *op)
{
    op_free(op);
}

static struct op *daemon_op(struct daemon *d, enum op_kind kind,
                            void (*done)(struct op *))
{
    struct op *op = calloc(1, sizeof(*op));
    if (op == NULL)
        return NULL;
    op->kind = kind;
    op->now = time(NULL);
    op->done = done;
    op->ctx = d;
    op->loop = d->main_loop;
    return op;
}

static void flush_rejections(struct daemon *d)
{
    struct app *app = &d->app;
    struct op *op = daemon_op(d, OP_REJECTIONS, op_done_free);
    if (op == NULL)
        return;
    bool any = false;
    pthread_mutex_lock(&app->lock); /* ordered against /metrics snapshots */
    for (int i = 0; i < RG_CODE_COUNT; i++) {
        unsigned long n = __atomic_exchange_n(&app->counters.pending_rejections[i], 0,
                                              __ATOMIC_RELAXED);
        op->u.rejections.counts[i] = (unsigned)n;
        any |= n > 0;
    }
    if (any)
        committer_submit(app->committer, op);
    pthread_mutex_unlock(&app->lock);
    if (!any)
        op_free(op);
}

static void sweep_done(struct op *op)
{
    struct daemon *d = op->ctx;
    if (!op->failed)
        COUNTER_ADD(d->app.counters.expired, (unsigned long)op->u.expire.expired);
    d->sweep_running = false;
    op_free(op);
}

static void sweep(struct daemon *d, time_t now, double retention_days)
{
    struct op *op = daemon_op(d, OP_EXPIRE, sweep_done);
    if (op == NULL)
        return;
    op->u.expire.cutoff = now - (time_t)(retention_days * 86400.0);
    d->sweep_running = true;
    committer_submit(d->app.committer, op);
}

static void log_counts(struct daemon *d)
{
    struct counters *n = &d->app.counters, now, *o = &d->last_logged;
    now.accepted = COUNTER_GET(n->accepted);
    now.delivered = COUNTER_GET(n->delivered);
    now.acknowledged = COUNTER_GET(n->acknowledged);
    now.expired = COUNTER_GET(n->expired);
    now.rejected = COUNTER_GET(n->rejected);
    now.connections = COUNTER_GET(n->connections);
    now.handshake_failures = COUNTER_GET(n->handshake_failures);
    if (now.accepted == o->accepted && now.delivered == o->delivered &&
        now.acknowledged == o->acknowledged && now.expired == o->expired &&
        now.rejected == o->rejected && now.connections == o->connections &&
        now.handshake_failures == o->handshake_failures)
        return;
    log_line(
        "counts accepted=%lu delivered=%lu acknowledged=%lu expired=%lu rejected=%lu "
        "connections=%ld handshake_failures=%lu",
        now.accepted, now.delivered, now.acknowledged, now.expired, now.rejected,
        now.connections, now.handshake_failures);
    *o = now;
}

static void on_tick(evutil_socket_t fd, short what, void *arg)
{
    struct daemon *d = arg;
    struct app *app = &d->app;
    time_t now = time(NULL);
    struct config *c = app_config(app);

    const char *error = committer_take_error(app->committer);
    if (error != NULL && now - d->last_store_log >= STORE_LOG_SECONDS) {
        log_line("store: commit failed: %s", error);
        d->last_store_log = now;
    }
    flush_rejections(d);
    /* Expire often enough that a short retention (tests) is honoured closely. */
    double retention = c->retention_days * 86400.0;
    double sweep_every = retention / 10 < 60 ? retention / 10 : 60;
    if (!d->sweep_running &&
        now - d->last_sweep >= (sweep_every < 1 ? 1 : sweep_every)) {
        d->last_sweep = now;
        sweep(d, now, c->retention_days);
    }
    if (now - d->last_checkpoint >= CHECKPOINT_SECONDS) {
        struct op *op = daemon_op(d, OP_CHECKPOINT, op_done_free);
        d->last_checkpoint = now;
        if (op != NULL)
            committer_submit(app->committer, op);
    }
    if (now - d->last_log >= c->log_interval_seconds) {
        d->last_log = now;
        log_counts(d);
    }
    config_unref(c);
}

/* ---- signals ---- */

static void on_stop(evutil_socket_t sig, short what, void *arg)
{
    struct daemon *d = arg;
    struct app *app = &d->app;
    if (app_stopping(app))
        return;
    __atomic_store_n(&app->stopping, true, __ATOMIC_RELAXED);
    time_t deadline = time(NULL) + SHUTDOWN_SECONDS;
    for (int i = 0; i < app->loop_count; i++)
        loop_stop(app->loops[i], deadline);
}

static void on_reload(evutil_socket_t sig, short what, void *arg)
{
    struct daemon *d = arg;
    struct app *app = &d->app;
    char err[CONFIG_ERR_MAX];
    struct config *c = config_load(app->config_path, err);
    if (c == NULL) {
        log_line("reload failed, keeping the old configuration: %s", err);
        return;
    }
    char tls_err[TLS_ERR_MAX];
    struct tls_server *t = tls_server_new(c, tls_err);
    if (t == NULL) {
        log_line("reload failed, keeping the old configuration: %s", tls_err);
        config_unref(c);
        return;
    }
    app_swap(app, c, t);
    for (int i = 0; i < app->loop_count; i++)
        loop_recheck(app->loops[i]);
    log_line("configuration reloaded");
}

/* ---- start and stop ---- */

static int check_config(const char *path)
{
    char err[CONFIG_ERR_MAX];
    struct config *c = config_load(path, err);
    if (c == NULL) {
        fprintf(stderr, "refgwd: %s: %s\n", path, err);
        return 1;
    }
    char tls_err[TLS_ERR_MAX];
    struct tls_server *t = tls_server_new(c, tls_err);
    config_unref(c);
    if (t == NULL) {
        fprintf(stderr, "refgwd: %s: %s\n", path, tls_err);
        return 1;
    }
    tls_server_unref(t);
    printf("refgwd: %s: configuration OK\n", path);
    return 0;
}

/* Enough descriptors for max_connections, the listening socket and the store. */
static void raise_descriptor_limit(int max_connections)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
        return;
    rlim_t want = (rlim_t)max_connections + 64;
    if (rl.rlim_cur >= want)
        return;
    rl.rlim_cur =
        rl.rlim_max == RLIM_INFINITY || rl.rlim_max >= want ? want : rl.rlim_max;
    setrlimit(RLIMIT_NOFILE, &rl);
    if (rl.rlim_cur < want)
        log_line("max_connections: the descriptor limit is %lu; connections beyond it "
                 "are refused",
                 (unsigned long)rl.rlim_cur);
}

/* One loop per processor: TLS and HTTP scale with cores, the store has its own thread.
 */
static int loop_count(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n < 1 ? 1 : n > MAX_LOOPS ? MAX_LOOPS : (int)n;
}

static int start_loops(struct app *app, int *port, char err[LISTEN_ERR_MAX])
{
    int fd =
        listener_bind(app->config->listen_host, app->config->listen_port, port, err);
    if (fd < 0)
        return -1;
    int want = loop_count();
    for (int i = 0; i < want; i++) {
        struct loop *l = loop_new(app);
        if (l == NULL) {
            snprintf(err, LISTEN_ERR_MAX, "cannot set up event loop %d", i);
            if (i == 0)
                close(fd);
            return -1;
        }
        app->loops[app->loop_count++] = l;
        /* Loop 0 accepts (taking fd); the others are handed connections. */
        if (loop_listen(l, i == 0 ? fd : -1, err) < 0)
            return -1;
    }
    return 0;
}

static int start(struct daemon *d, const char *path)
{
    struct app *app = &d->app;
    char err[CONFIG_ERR_MAX > STORE_ERR_MAX ? CONFIG_ERR_MAX : STORE_ERR_MAX];
    pthread_mutex_init(&app->lock, NULL);
    app->config_path = path;
    app->config = config_load(path, err);
    if (app->config == NULL) {
        log_line("%s: %s", path, err);
        return -1;
    }
    if ((app->tls = tls_server_new(app->config, err)) == NULL) {
        log_line("%s", err);
        return -1;
    }
    raise_descriptor_limit(app->config->max_connections);
    if ((app->ratelimit = ratelimit_new()) == NULL) {
        log_line("out of memory");
        return -1;
    }
    int port;
    if (start_loops(app, &port, err) < 0) {
        log_line("%s", err);
        return -1;
    }
    d->main_loop = app->loops[0];
    if (app->config->user != NULL && drop_privileges(app->config->user, err) < 0) {
        log_line("%s", err);
        return -1;
    }
    struct store *store = store_open(app->config->data_dir, err);
    if (store == NULL) {
        log_line("store: %s", err);
        return -1;
    }
    for (int i = 0; i < app->loop_count; i++) {
        struct digester *dg = store_digester_new(store);
        if (dg == NULL) {
            store_close(store);
            log_line("store: cannot use HMAC-SHA256 from OpenSSL");
            return -1;
        }
        loop_set_digester(app->loops[i], dg);
    }
    app->committer = committer_new(store);
    if (app->committer == NULL) {
        store_close(store);
        log_line("store: cannot start the committer");
        return -1;
    }
    struct event_base *base = loop_base(d->main_loop);
    d->tick = event_new(base, -1, EV_PERSIST, on_tick, d);
    d->sigterm = evsignal_new(base, SIGTERM, on_stop, d);
    d->sigint = evsignal_new(base, SIGINT, on_stop, d);
    d->sighup = evsignal_new(base, SIGHUP, on_reload, d);
    struct timeval tick = {TICK_SECONDS, 0};
    if (d->tick == NULL || d->sigterm == NULL || d->sigint == NULL ||
        d->sighup == NULL || event_add(d->tick, &tick) < 0 ||
        event_add(d->sigterm, NULL) < 0 || event_add(d->sigint, NULL) < 0 ||
        event_add(d->sighup, NULL) < 0) {
        log_line("cannot set up signals and timers");
        return -1;
    }
    for (int i = 1; i < app->loop_count; i++)
        if (loop_start_thread(app->loops[i]) < 0) {
            log_line("cannot start an event loop thread");
            return -1;
        }
    time_t now = time(NULL);
    d->last_log = d->last_checkpoint = now;
    const char *host = app->config->listen_host;
    if (strchr(host, ':') != NULL)
        log_line("listening on [%s]:%d", host, port);
    else
        log_line("listening on %s:%d", host, port);
    return 0;
}

static void stop(struct daemon *d)
{
    struct app *app = &d->app;
    for (int i = 1; i < app->loop_count; i++) {
        loop_stop(app->loops[i], time(NULL)); /* if start-up failed half way */
        loop_join(app->loops[i]);
    }
    struct event *events[] = {d->tick, d->sigterm, d->sigint, d->sighup};
    for (size_t i = 0; i < sizeof(events) / sizeof(events[0]); i++)
        if (events[i] != NULL)
            event_free(events[i]);
    if (app->committer != NULL) {
        flush_rejections(d);
        committer_free(app->committer); /* runs what is queued, checkpoints, closes */
    }
    /* Completes what the committer handed back, then frees the loops. */
    loop_free_all(app->loops, app->loop_count);
    ratelimit_free(app->ratelimit);
    tls_server_unref(app->tls);
    config_unref(app->config);
    pthread_mutex_destroy(&app->lock);
}

int main(int argc, char **argv)
{
    static const struct option options[] = {
        {"config", required_argument, NULL, 'c'},
        {"check-config", required_argument, NULL, 'k'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *config = NULL, *check = NULL;
    int opt;
    while ((opt = getopt_long(argc, argv, "c:k:h", options, NULL)) != -1) {
        switch (opt) {
        case 'c':
            config = optarg;
            break;
        case 'k':
            check = optarg;
            break;
        case 'h':
            usage(stdout);
            return 0;
        default:
            usage(stderr);
            return 2;
        }
    }
    if (optind != argc || (config == NULL) == (check == NULL)) {
        usage(stderr);
        return 2;
    }
    if (check != NULL)
        return check_config(check);

    /* Each SQLite connection has one owner thread: no global memory
     * statistics (a mutex on every allocation) are needed. */
    sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
    char alloc_err[128];
    if (alloc_tune(alloc_err) < 0) /* the gateway works; bursts stay in RSS longer */
        log_line("%s", alloc_err);
    signal(SIGPIPE, SIG_IGN);
    umask(077); /* the store and its WAL are for refgwd alone */
    if (evthread_use_pthreads() < 0) {
        log_line("cannot enable libevent threads");
        return 1;
    }
    struct daemon d;
    memset(&d, 0, sizeof(d));
    int rc = start(&d, config) < 0 ? 1 : 0;
    if (rc == 0)
        loop_run(d.main_loop);
    stop(&d);
    return rc;
}
