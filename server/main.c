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
#include <sys/stat.h>
#include <unistd.h>

#include <event2/event.h>
#include <event2/thread.h>

#include "app.h"
#include "committer.h"
#include "config.h"
#include "conn.h"
#include "log.h"
#include "ratelimit.h"
#include "tls.h"
#include "waiters.h"

#define TICK_SECONDS 1
#define CHECKPOINT_SECONDS 60
#define SHUTDOWN_SECONDS 4
#define STORE_LOG_SECONDS 10

struct daemon {
    struct app app;
    struct event *tick, *sigterm, *sigint, *sighup, *drain;
    struct counters last_logged;
    time_t last_log, last_sweep, last_checkpoint, last_store_log, stop_deadline;
    bool sweep_running;
};

static void usage(FILE *out)
{
    fprintf(out, "usage: refgwd --config FILE\n"
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

/* ---- periodic work ---- */

static void op_done_free(struct op *op)
{
    op_free(op);
}

static void submit_simple(struct app *app, enum op_kind kind)
{
    struct op *op = calloc(1, sizeof(*op));
    if (op == NULL)
        return;
    op->kind = kind;
    op->now = time(NULL);
    op->done = op_done_free;
    committer_submit(app->committer, op);
}

static void flush_rejections(struct app *app)
{
    struct op *op = NULL;
    for (int i = 0; i < RG_CODE_COUNT; i++) {
        if (app->counters.pending_rejections[i] == 0)
            continue;
        if (op == NULL && (op = calloc(1, sizeof(*op))) == NULL)
            return;
        op->u.rejections.counts[i] = app->counters.pending_rejections[i];
        app->counters.pending_rejections[i] = 0;
    }
    if (op == NULL)
        return;
    op->kind = OP_REJECTIONS;
    op->now = time(NULL);
    op->done = op_done_free;
    committer_submit(app->committer, op);
}

static void sweep_done(struct op *op)
{
    struct daemon *d = op->ctx;
    if (!op->failed) {
        d->app.counters.expired += (unsigned long)op->u.expire.expired;
        d->app.pending = op->u.expire.pending;
    }
    d->sweep_running = false;
    op_free(op);
}

static void sweep(struct daemon *d, time_t now)
{
    struct op *op = calloc(1, sizeof(*op));
    if (op == NULL)
        return;
    op->kind = OP_EXPIRE;
    op->now = now;
    op->u.expire.cutoff = now - (time_t)(d->app.config->retention_days * 86400.0);
    op->done = sweep_done;
    op->ctx = d;
    d->sweep_running = true;
    committer_submit(d->app.committer, op);
}

static void log_counts(struct daemon *d)
{
    struct counters *n = &d->app.counters;
    n->connections = listener_connections(d->app.listener);
    struct counters *o = &d->last_logged;
    if (n->accepted == o->accepted && n->delivered == o->delivered &&
        n->acknowledged == o->acknowledged && n->expired == o->expired &&
        n->rejected == o->rejected && n->connections == o->connections &&
        n->handshake_failures == o->handshake_failures)
        return;
    log_line("counts accepted=%lu delivered=%lu acknowledged=%lu expired=%lu rejected=%lu "
             "connections=%ld handshake_failures=%lu",
             n->accepted, n->delivered, n->acknowledged, n->expired, n->rejected,
             n->connections, n->handshake_failures);
    *o = *n;
}

static void on_tick(evutil_socket_t fd, short what, void *arg)
{
    struct daemon *d = arg;
    struct app *app = &d->app;
    time_t now = time(NULL);
    const struct config *c = app->config;

    const char *error = committer_take_error(app->committer);
    if (error != NULL && now - d->last_store_log >= STORE_LOG_SECONDS) {
        log_line("store: commit failed: %s", error);
        d->last_store_log = now;
    }
    flush_rejections(app);
    /* Expire often enough that a short retention (tests) is honoured closely. */
    double retention = c->retention_days * 86400.0;
    double sweep_every = retention / 10 < 60 ? retention / 10 : 60;
    if (!d->sweep_running && now - d->last_sweep >= (sweep_every < 1 ? 1 : sweep_every)) {
        d->last_sweep = now;
        sweep(d, now);
    }
    if (now - d->last_checkpoint >= CHECKPOINT_SECONDS) {
        d->last_checkpoint = now;
        submit_simple(app, OP_CHECKPOINT);
    }
    if (now - d->last_log >= c->log_interval_seconds) {
        d->last_log = now;
        log_counts(d);
    }
}

/* ---- signals ---- */

static void on_drain(evutil_socket_t fd, short what, void *arg)
{
    struct daemon *d = arg;
    struct app *app = &d->app;
    bool idle = listener_busy(app->listener) == 0 && committer_in_flight(app->committer) == 0;
    if (idle || time(NULL) >= d->stop_deadline)
        event_base_loopexit(app->base, NULL);
}

static void on_stop(evutil_socket_t sig, short what, void *arg)
{
    struct daemon *d = arg;
    struct app *app = &d->app;
    if (app->stopping)
        return;
    app->stopping = true;
    listener_stop_accepting(app->listener);
    waiters_wake_all(app->waiters); /* long-polls answer now, with what they have */
    d->stop_deadline = time(NULL) + SHUTDOWN_SECONDS;
    d->drain = event_new(app->base, -1, EV_PERSIST, on_drain, d);
    struct timeval tv = {0, 20000};
    event_add(d->drain, &tv);
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
    config_unref(app->config);
    tls_server_unref(app->tls);
    app->config = c;
    app->tls = t;
    listener_recheck(app->listener);
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

static int start(struct daemon *d, const char *path)
{
    struct app *app = &d->app;
    char err[CONFIG_ERR_MAX > STORE_ERR_MAX ? CONFIG_ERR_MAX : STORE_ERR_MAX];
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
    app->base = event_base_new();
    app->waiters = app->base ? waiters_new(app->base) : NULL;
    app->ratelimit = ratelimit_new();
    if (app->waiters == NULL || app->ratelimit == NULL) {
        log_line("out of memory");
        return -1;
    }
    int port;
    app->listener = listener_new(app, app->config->listen_host, app->config->listen_port,
                                 &port, err);
    if (app->listener == NULL) {
        log_line("%s", err);
        return -1;
    }
    if (app->config->user != NULL && drop_privileges(app->config->user, err) < 0) {
        log_line("%s", err);
        return -1;
    }
    struct store *store = store_open(app->config->data_dir, err);
    if (store == NULL) {
        log_line("store: %s", err);
        return -1;
    }
    app->committer = committer_new(store, app->base);
    if (app->committer == NULL) {
        store_close(store);
        log_line("store: cannot start the committer");
        return -1;
    }
    d->tick = event_new(app->base, -1, EV_PERSIST, on_tick, d);
    d->sigterm = evsignal_new(app->base, SIGTERM, on_stop, d);
    d->sigint = evsignal_new(app->base, SIGINT, on_stop, d);
    d->sighup = evsignal_new(app->base, SIGHUP, on_reload, d);
    struct timeval tick = {TICK_SECONDS, 0};
    if (d->tick == NULL || d->sigterm == NULL || d->sigint == NULL || d->sighup == NULL ||
        event_add(d->tick, &tick) < 0 || event_add(d->sigterm, NULL) < 0 ||
        event_add(d->sigint, NULL) < 0 || event_add(d->sighup, NULL) < 0) {
        log_line("cannot set up signals and timers");
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
    listener_free(app->listener);
    if (app->committer != NULL) {
        flush_rejections(app);
        committer_free(app->committer); /* runs what is queued, checkpoints, closes */
    }
    waiters_free(app->waiters);
    ratelimit_free(app->ratelimit);
    struct event *events[] = {d->tick, d->sigterm, d->sigint, d->sighup, d->drain};
    for (size_t i = 0; i < sizeof(events) / sizeof(events[0]); i++)
        if (events[i] != NULL)
            event_free(events[i]);
    if (app->base != NULL)
        event_base_free(app->base);
    tls_server_unref(app->tls);
    config_unref(app->config);
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
        event_base_dispatch(d.app.base);
    stop(&d);
    return rc;
}
