#include "loop.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "digests.h"
#include "ops.h"
#include "priority.h"
#include "referral.h"
#include "waiters.h"

struct wake {
    char org[RG_ORG_ID_MAX + 1];
    struct wake *next;
};

struct loop {
    struct app *app;
    struct event_base *base;
    struct listener *listener;
    struct waiters *waiters;
    struct digester *digester; /* for the sends this loop parses */
    pthread_t thread;
    bool threaded;

    long longpolls; /* atomic */

    pthread_mutex_t lock; /* guards the mailbox */
    struct op *done, **done_tail;
    struct wake *wakes;
    int *fds; /* accepted sockets handed to this loop */
    size_t fd_count, fd_cap;
    bool recheck, stop;
    time_t deadline;
    struct event *mail;

    struct event *drain; /* once stopping: checks whether the loop may end */
};

/* Runs what the mailbox holds, on the loop's thread. */
static void read_mail(struct loop *l)
{
    pthread_mutex_lock(&l->lock);
    struct op *done = l->done;
    struct wake *wakes = l->wakes;
    bool recheck = l->recheck;
    int *fds = l->fds;
    size_t fd_count = l->fd_count;
    l->fds = NULL;
    l->fd_count = l->fd_cap = 0;
    l->done = NULL;
    l->done_tail = &l->done;
    l->wakes = NULL;
    l->recheck = false;
    pthread_mutex_unlock(&l->lock);

    while (done != NULL) {
        struct op *op = done;
        done = op->next;
        op->next = NULL;
        op->done(op);
    }
    while (wakes != NULL) {
        struct wake *w = wakes;
        wakes = w->next;
        waiters_wake(l->waiters, w->org);
        free(w);
    }
    if (recheck && l->listener != NULL)
        listener_recheck(l->listener);
    for (size_t i = 0; i < fd_count; i++)
        listener_adopt(l->listener, fds[i]);
    free(fds);
}

static void on_drain(evutil_socket_t fd, short what, void *arg)
{
    struct loop *l = arg;
    if (l->listener == NULL || listener_busy(l->listener) == 0 ||
        time(NULL) >= l->deadline)
        event_base_loopexit(l->base, NULL);
}

static void begin_stop(struct loop *l)
{
    if (l->drain != NULL)
        return;
    if (l->listener != NULL)
        listener_stop_accepting(l->listener);
    waiters_wake_all(l->waiters); /* long-polls answer now, with what they have */
    l->drain = event_new(l->base, -1, EV_PERSIST, on_drain, l);
    struct timeval tv = {0, 20000};
    if (l->drain == NULL || event_add(l->drain, &tv) < 0)
        event_base_loopexit(l->base, NULL);
}

static void on_mail(evutil_socket_t fd, short what, void *arg)
{
    struct loop *l = arg;
    read_mail(l);
    pthread_mutex_lock(&l->lock);
    bool stop = l->stop;
    pthread_mutex_unlock(&l->lock);
    if (stop)
        begin_stop(l);
}

static void loop_free(struct loop *l);

static void post(struct loop *l)
{
    event_active(l->mail, EV_READ, 0);
}

struct loop *loop_new(struct app *app)
{
    struct loop *l = calloc(1, sizeof(*l));
    if (l == NULL)
        return NULL;
    l->app = app;
    l->done_tail = &l->done;
    pthread_mutex_init(&l->lock, NULL);
    /* With the changelist, arming an event and disarming it in the same
     * iteration cost no epoll_ctl (conn.c writes answers that way). Sockets
     * are never dup()ed, the case the changelist gets wrong. */
    struct event_config *cfg = event_config_new();
    if (cfg != NULL) {
        event_config_set_flag(cfg, EVENT_BASE_FLAG_EPOLL_USE_CHANGELIST);
        l->base = event_base_new_with_config(cfg);
        event_config_free(cfg);
    }
    l->waiters = l->base ? waiters_new(l->base) : NULL;
    l->mail = l->base ? event_new(l->base, -1, EV_PERSIST, on_mail, l) : NULL;
    if (l->mail == NULL || l->waiters == NULL) {
        loop_free(l);
        return NULL;
    }
    return l;
}

int loop_listen(struct loop *l, int fd, char err[LISTEN_ERR_MAX])
{
    l->listener = listener_new(l->app, l, fd, err);
    return l->listener ? 0 : -1;
}

static void *thread_main(void *arg)
{
    thread_role("loop", 0);
    loop_run(arg);
    return NULL;
}

int loop_start_thread(struct loop *l)
{
    if (pthread_create(&l->thread, NULL, thread_main, l) != 0)
        return -1;
    l->threaded = true;
    return 0;
}

void loop_run(struct loop *l)
{
    /* A loop that only adopts has no event of its own until mail comes. */
    event_base_loop(l->base, EVLOOP_NO_EXIT_ON_EMPTY);
}

void loop_join(struct loop *l)
{
    if (l->threaded) {
        pthread_join(l->thread, NULL);
        l->threaded = false;
    }
}

/* Drops the wakes posted to a loop whose mail has already run: no one
 * waits any more. (Sockets are handed over only by a running loop 0, so
 * none arrive once the loops have ended.) */
static void drop_wakes(struct loop *l)
{
    while (l->wakes != NULL) {
        struct wake *w = l->wakes;
        l->wakes = w->next;
        free(w);
    }
}

static void loop_free(struct loop *l)
{
    if (l == NULL)
        return;
    drop_wakes(l);
    digester_free(l->digester);
    listener_free(l->listener);
    waiters_free(l->waiters);
    if (l->drain != NULL)
        event_free(l->drain);
    if (l->mail != NULL)
        event_free(l->mail);
    if (l->base != NULL)
        event_base_free(l->base);
    pthread_mutex_destroy(&l->lock);
    free(l);
}

void loop_free_all(struct loop **loops, int count)
{
    for (int i = 0; i < count; i++)
        if (loops[i] != NULL && loops[i]->base != NULL)
            read_mail(loops[i]);
    for (int i = 0; i < count; i++)
        loop_free(loops[i]);
}

struct event_base *loop_base(struct loop *l)
{
    return l->base;
}

void loop_set_digester(struct loop *l, struct digester *d)
{
    digester_free(l->digester);
    l->digester = d;
}

struct digester *loop_digester(struct loop *l)
{
    return l->digester;
}

struct waiters *loop_waiters(struct loop *l)
{
    return l->waiters;
}

void loop_deliver(struct loop *l, struct op *ops)
{
    struct op **last = &ops;
    while ((*last)->next != NULL)
        last = &(*last)->next;
    pthread_mutex_lock(&l->lock);
    *l->done_tail = ops;
    l->done_tail = &(*last)->next;
    pthread_mutex_unlock(&l->lock);
    post(l);
}

void loop_wake(struct loop *l, const char *org_id)
{
    struct wake *w = calloc(1, sizeof(*w));
    if (w == NULL)
        return; /* the parked call still ends at its deadline */
    strncpy(w->org, org_id, RG_ORG_ID_MAX);
    pthread_mutex_lock(&l->lock);
    w->next = l->wakes;
    l->wakes = w;
    pthread_mutex_unlock(&l->lock);
    post(l);
}

void loop_longpolls_add(struct loop *l, long n)
{
    __atomic_add_fetch(&l->longpolls, n, __ATOMIC_RELAXED);
}

bool loop_has_longpolls(struct loop *l)
{
    return __atomic_load_n(&l->longpolls, __ATOMIC_RELAXED) > 0;
}

void loop_adopt(struct loop *l, int fd)
{
    pthread_mutex_lock(&l->lock);
    if (l->fd_count == l->fd_cap) {
        size_t cap = l->fd_cap ? l->fd_cap * 2 : 16;
        int *grown = realloc(l->fds, cap * sizeof(*grown));
        if (grown == NULL) {
            pthread_mutex_unlock(&l->lock);
            COUNTER_ADD(l->app->counters.connections, -1);
            close(fd); /* refused, as beyond max_connections */
            return;
        }
        l->fds = grown;
        l->fd_cap = cap;
    }
    l->fds[l->fd_count++] = fd;
    pthread_mutex_unlock(&l->lock);
    post(l);
}

void loop_recheck(struct loop *l)
{
    pthread_mutex_lock(&l->lock);
    l->recheck = true;
    pthread_mutex_unlock(&l->lock);
    post(l);
}

void loop_stop(struct loop *l, time_t deadline)
{
    pthread_mutex_lock(&l->lock);
    l->stop = true;
    l->deadline = deadline;
    pthread_mutex_unlock(&l->lock);
    post(l);
}
