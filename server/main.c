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

#include "alloc.h"
#include "config.h"
#include "datadir_lock.h"
#include "expiry.h"
#include "gateway.h"
#include "log.h"
#include "net.h"
#include "notify.h"
#include "refgw_version.h"
#include "setup.h"
#include "store.h"
#include "tls.h"
#include "json_arena.h"
#include "wipe.h"

#define TICK_SECONDS 1
/* The store erases the WAL's old frames this often: none stays a minute. */
#define CHECKPOINT_SECONDS 30
#define RELEASE_SECONDS 60
#define SHUTDOWN_SECONDS 4
#define STORE_LOG_SECONDS 10

struct daemon {
    const char *config_path;
    struct counters counters;
    struct gateway *gateway;
    struct net *net; /* loop 0 runs in the main thread, with the signals */
    struct store *store;
    struct event *tick, *sigterm, *sigint, *sighup;
    struct counters last_logged;
    time_t last_log, last_sweep, last_checkpoint, last_release;
    time_t last_store_log[STORE_COMMIT + 1]; /* per enum store_stage */
    bool sweep_running;
    int lock_fd; /* holds data_dir's lock; -1 without */
    /* Per certificate: the date last seen and the warning stage last said. */
    long long expiry_seen[CERT_WHICH_COUNT];
    int expiry_said[CERT_WHICH_COUNT];
};

static void usage(FILE *out)
{
    fprintf(out,
            "usage: refgwd --config FILE\n"
            "       refgwd --check-config FILE\n"
            "       refgwd --check-store FILE\n"
            "       refgwd --version\n"
            "\n"
            "Runs the referral gateway with the configuration in FILE (see\n"
            "refgwd.json(5)), or checks FILE and its certificates and exits,\n"
            "or checks the integrity of the store FILE names and exits.\n"
            "Signals: SIGTERM/SIGINT stop cleanly; SIGHUP reloads the configuration,\n"
            "certificates and CRL.\n");
}

static int drop_privileges(const char *user, char err[RG_ERR_MAX])
{
    struct passwd *pw = getpwnam(user);
    if (pw == NULL) {
        snprintf(err, RG_ERR_MAX, "user: no such user");
        return -1;
    }
    if (getuid() == pw->pw_uid && geteuid() == pw->pw_uid)
        return 0;
    if (setgroups(0, NULL) < 0 || setgid(pw->pw_gid) < 0 || setuid(pw->pw_uid) < 0) {
        snprintf(err, RG_ERR_MAX, "user: cannot switch to it: %s", strerror(errno));
        return -1;
    }
    if (setuid(0) == 0) {
        snprintf(err, RG_ERR_MAX, "user: privileges could be regained");
        return -1;
    }
    return 0;
}

/* ---- periodic work (on the main loop) ---- */

static void sweep_done(struct op *op)
{
    struct daemon *d = op->ctx;
    if (!op->failed)
        COUNTER_ADD(d->counters.expired, (unsigned long)op->u.expire.expired);
    d->sweep_running = false;
    op_free(op);
}

static void sweep(struct daemon *d, time_t now, double retention_days)
{
    struct op *op = op_new(OP_EXPIRE, sweep_done, d, NULL);
    if (op == NULL)
        return;
    op->u.expire.cutoff = now - (time_t)(retention_days * 86400.0);
    d->sweep_running = true;
    gateway_submit(d->gateway, op);
}

static void log_counts(struct daemon *d)
{
    struct counters *n = &d->counters, now, *o = &d->last_logged;
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

/* The certificates of the TLS context in use, for /metrics and the warnings. */
static void publish_expiry(struct daemon *d, const long long at[CERT_WHICH_COUNT])
{
    for (int w = 0; w < CERT_WHICH_COUNT; w++)
        COUNTER_SET(d->counters.cert_expiry[w], at[w]);
}

/* Warns 14 and 3 days before a certificate or the CRL runs out, and once a
 * day after; a new date (a reload) starts again. */
static void warn_expiry(struct daemon *d, long long now)
{
    for (int w = 0; w < CERT_WHICH_COUNT; w++) {
        long long at = COUNTER_GET(d->counters.cert_expiry[w]);
        if (at != d->expiry_seen[w]) {
            d->expiry_seen[w] = at;
            d->expiry_said[w] = 0;
        }
        int stage = expiry_stage(at, now);
        if (stage <= d->expiry_said[w])
            continue;
        d->expiry_said[w] = stage;
        char msg[256];
        expiry_describe((enum cert_which)w, at, now, msg, sizeof(msg));
        log_line("warning: %s", msg);
    }
}

/* The store's most serious failure since the last tick, at most once per
 * STORE_LOG_SECONDS for each thing a failure can stop: operators must tell a
 * refused batch from upkeep that failed while its referrals committed. */
static void log_store_error(struct daemon *d, time_t now)
{
    enum store_stage stage;
    const char *error = store_take_error(d->store, &stage);
    if (error == NULL || now - d->last_store_log[stage] < STORE_LOG_SECONDS)
        return;
    d->last_store_log[stage] = now;
    if (stage == STORE_COMMIT)
        log_line("store: commit failed: %s", error);
    else if (stage == STORE_REQUEST)
        log_line("store: a request failed: %s", error);
    else
        log_line("store: upkeep failed: %s (what was accepted stays committed)", error);
}

static void on_tick(evutil_socket_t fd, short what, void *arg)
{
    struct daemon *d = arg;
    time_t now = time(NULL);
    struct config *c = net_config(d->net);

    log_store_error(d, now);
    gateway_flush_rejections(d->gateway);
    /* Expire often enough that a short retention (tests) is honoured closely. */
    double retention = c->retention_days * 86400.0;
    double sweep_every = retention / 10 < 60 ? retention / 10 : 60;
    if (!d->sweep_running &&
        now - d->last_sweep >= (sweep_every < 1 ? 1 : sweep_every)) {
        d->last_sweep = now;
        sweep(d, now, c->retention_days);
    }
    /* Subject periods that have ended are released once, at the first check
     * after their end (and at the first tick: a store may have waited). */
    if (now - d->last_release >= RELEASE_SECONDS) {
        struct op *op = op_new(OP_RELEASE, op_free, d, NULL);
        d->last_release = now;
        if (op != NULL) {
            op->u.release.min_count = c->stats_min_count;
            gateway_submit(d->gateway, op);
        }
    }
    if (now - d->last_checkpoint >= CHECKPOINT_SECONDS) {
        struct op *op = op_new(OP_CHECKPOINT, op_free, d, NULL);
        d->last_checkpoint = now;
        if (op != NULL)
            gateway_submit(d->gateway, op);
    }
    if (now - d->last_log >= c->log_interval_seconds) {
        d->last_log = now;
        log_counts(d);
    }
    warn_expiry(d, (long long)now);
    config_unref(c);
}

/* ---- signals ---- */

static void on_stop(evutil_socket_t sig, short what, void *arg)
{
    struct daemon *d = arg;
    if (!net_stopping(d->net)) {
        log_line("stopping (%s)", sig == SIGINT ? "SIGINT" : "SIGTERM");
        notify_stopping();
    }
    net_stop(d->net, time(NULL) + SHUTDOWN_SECONDS);
}

static void reload(struct daemon *d)
{
    char err[RG_ERR_MAX];
    struct setup next;
    if (setup_load(d->config_path, &next, err) < 0) {
        log_line("reload failed, keeping the old configuration: %s", err);
        return;
    }
    char restart[64];
    struct config *old = net_config(d->net);
    setup_restart_keys(old, next.config, restart, sizeof(restart));
    config_unref(old);
    net_swap(d->net, next.config, next.tls); /* takes both references */
    publish_expiry(d, next.expiry);
    if (restart[0] != '\0')
        log_line("configuration reloaded; changed, applying only after a restart: %s",
                 restart);
    else
        log_line("configuration reloaded");
    warn_expiry(d, (long long)time(NULL));
}

/* systemd waits for READY=1 after RELOADING=1, also when the old config stays. */
static void on_reload(evutil_socket_t sig, short what, void *arg)
{
    notify_reloading();
    reload(arg);
    notify_ready();
}

/* ---- start and stop ---- */

/* --check-config: what start and reload check, and nothing is changed (it
 * runs beside the gateway: no store, no lock, no port). */
static int check_config(const char *path)
{
    char err[RG_ERR_MAX];
    struct setup s;
    if (setup_load(path, &s, err) < 0) {
        fprintf(stderr, "refgwd: %s: %s\n", path, err);
        return 1;
    }
    long long now = (long long)time(NULL);
    for (int w = 0; w < CERT_WHICH_COUNT; w++) {
        if (expiry_stage(s.expiry[w], now) == 0)
            continue;
        char msg[256];
        expiry_describe((enum cert_which)w, s.expiry[w], now, msg, sizeof(msg));
        fprintf(stderr, "refgwd: %s: warning: %s\n", path, msg);
    }
    setup_clear(&s);
    printf("refgwd: %s: configuration OK\n", path);
    return 0;
}

/* The store the configuration names. */
static struct store_options store_options_of(const struct config *c)
{
    return (struct store_options){
        .backend = c->store_backend == STORE_POSTGRESQL ? "postgresql" : "sqlite",
        .data_dir = c->data_dir,
        .conninfo = c->store_conninfo};
}

/* The full check of the store, beside a gateway that may be serving from it:
 * exit 0 if sound, 1 if corrupt or it cannot be checked. What is wrong goes
 * to stdout (pages and b-trees, never content), for the operator. */
static int check_store(const char *path)
{
    char err[RG_ERR_MAX];
    struct config *c = config_load(path, err);
    if (c == NULL) {
        fprintf(stderr, "refgwd: %s: %s\n", path, err);
        return 1;
    }
    struct store_options options = store_options_of(c);
    struct store_check r;
    int rc = store_check(&options, &r, err);
    config_unref(c);
    if (rc < 0) {
        fprintf(stderr, "refgwd: %s: store: %s\n", path, err);
        return 1;
    }
    if (!r.sound) {
        printf("refgwd: %s: store: database corrupt: %ld problems, the first: %s\n",
               path, r.problems, r.first);
        return 1;
    }
    printf("refgwd: %s: store OK (%.1f s)\n", path, r.seconds);
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

static int start(struct daemon *d, const char *path)
{
    char err[RG_ERR_MAX];
    d->config_path = path;
    struct setup s;
    if (setup_load(path, &s, err) < 0) {
        log_line("%s: %s", path, err);
        return -1;
    }
    struct config *config = s.config;
    struct tls_server *tls = s.tls;
    publish_expiry(d, s.expiry);
    raise_descriptor_limit(config->max_connections);
    const char *user = config->user;
    d->gateway = gateway_new(&d->counters);
    if (d->gateway == NULL) {
        log_line("out of memory");
        config_unref(config);
        tls_server_unref(tls);
        return -1;
    }
    struct net_hooks hooks = gateway_net_hooks(d->gateway);
    int port;
    d->net = net_new(config_ref(config), tls, &d->counters, &hooks, &port, err);
    if (d->net == NULL) {
        log_line("%s", err);
        config_unref(config);
        return -1;
    }
    if (user != NULL && drop_privileges(user, err) < 0) {
        log_line("%s", err);
        config_unref(config);
        return -1;
    }
    /* As the user the store belongs to, before the store is opened. Nodes
     * sharing PostgreSQL keep nothing in data_dir: no lock to hold. */
    if (config->store_backend == STORE_SQLITE && config->data_dir != NULL &&
        (d->lock_fd = datadir_lock(config->data_dir, err)) < 0) {
        log_line("%s", err);
        config_unref(config);
        return -1;
    }
    struct store_options options = store_options_of(config);
    struct store_hooks store_hooks = gateway_store_hooks(d->gateway);
    d->store = store_open(&options, &store_hooks, err);
    if (d->store == NULL) {
        log_line("store: %s", err);
        config_unref(config);
        return -1;
    }
    if (gateway_attach(d->gateway, d->net, d->store, err) < 0) {
        log_line("%s", err);
        config_unref(config);
        return -1;
    }
    struct event_base *base = net_base(d->net);
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
        config_unref(config);
        return -1;
    }
    if (net_start(d->net) < 0) {
        log_line("cannot start an event loop thread");
        config_unref(config);
        return -1;
    }
    time_t now = time(NULL);
    d->last_log = d->last_checkpoint = now;
    const char *host = config->listen_host;
    if (strchr(host, ':') != NULL)
        log_line("listening on [%s]:%d", host, port);
    else
        log_line("listening on %s:%d", host, port);
    warn_expiry(d, (long long)now);
    config_unref(config);
    return 0;
}

static void stop(struct daemon *d)
{
    if (d->net != NULL)
        net_join(d->net);
    struct event *events[] = {d->tick, d->sigterm, d->sigint, d->sighup};
    for (size_t i = 0; i < sizeof(events) / sizeof(events[0]); i++)
        if (events[i] != NULL)
            event_free(events[i]);
    if (d->store != NULL) {
        gateway_flush_rejections(d->gateway);
        store_close(d->store); /* runs what is queued, checkpoints, closes */
    }
    /* Completes what the store handed back, then closes every connection. */
    net_free(d->net);
    gateway_free(d->gateway);
    datadir_unlock(d->lock_fd); /* the store is closed */
}

int main(int argc, char **argv)
{
    rg_json_use_wiping_allocator(); /* before any JSON: bodies pass through cJSON */
    static const struct option options[] = {
        {"config", required_argument, NULL, 'c'},
        {"check-config", required_argument, NULL, 'k'},
        {"check-store", required_argument, NULL, 's'},
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},
        {NULL, 0, NULL, 0},
    };
    const char *config = NULL, *check = NULL, *check_store_config = NULL;
    int opt;
    while ((opt = getopt_long(argc, argv, "c:k:h", options, NULL)) != -1) {
        switch (opt) {
        case 'c':
            config = optarg;
            break;
        case 'k':
            check = optarg;
            break;
        case 's':
            check_store_config = optarg;
            break;
        case 'h':
            usage(stdout);
            return 0;
        case 'V':
            printf("refgwd %s\n", REFGW_VERSION);
            return 0;
        default:
            usage(stderr);
            return 2;
        }
    }
    if (optind != argc ||
        (config != NULL) + (check != NULL) + (check_store_config != NULL) != 1) {
        usage(stderr);
        return 2;
    }
    if (check != NULL)
        return check_config(check);
    if (check_store_config != NULL)
        return check_store(check_store_config);

    if (store_configure_process() < 0) {
        log_line("cannot configure SQLite's memory");
        return 1;
    }
    /* Requests and answers (bodies among them) pass through libevent's
     * buffers, which it allocates and frees itself: wiped when freed. */
    event_set_mem_functions(rg_wiping_malloc, rg_wiping_realloc, rg_wiping_free);
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
    d.lock_fd = -1;
    int rc = start(&d, config) < 0 ? 1 : 0;
    if (rc == 0) {
        notify_ready(); /* the port is bound and the start line printed */
        store_check_background(d.store); /* start checked its structure only */
        net_run(d.net);
    }
    stop(&d);
    if (rc == 0)
        log_line("stopped");
    return rc;
}
