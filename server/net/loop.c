#include "loop.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#include <event2/event.h>

#include "conn.h"
#include "net_internal.h"
#include "priority.h"

/* An accepted socket on its way to the loop that serves it. */
struct adoption {
    struct task task;
    struct loop *loop;
    int fd;
    unsigned long long seq; /* its place in accept order */
};

struct loop {
    struct net *net;
    struct event_base *base;
    struct conns *conns;
    void *data; /* the layer above's */
    pthread_t thread;
    bool threaded;

    pthread_mutex_t lock; /* guards the mailbox and the two flags */
    struct task *mail, **mail_tail;
    bool recheck, stop;
    time_t deadline;
    struct event *wake;

    struct event *drain; /* once stopping: checks whether the loop may end */
};

static void loop_free(struct loop *l);

static void post_wake(struct loop *l)
{
    event_active(l->wake, EV_READ, 0);
}

void loop_post(struct loop *l, struct task *task)
{
    task->next = NULL;
    pthread_mutex_lock(&l->lock);
    *l->mail_tail = task;
    l->mail_tail = &task->next;
    pthread_mutex_unlock(&l->lock);
    post_wake(l);
}

bool loop_run_mail(struct loop *l)
{
    pthread_mutex_lock(&l->lock);
    struct task *mail = l->mail;
    bool recheck = l->recheck;
    l->mail = NULL;
    l->mail_tail = &l->mail;
    l->recheck = false;
    pthread_mutex_unlock(&l->lock);

    bool any = mail != NULL || recheck;
    while (mail != NULL) {
        struct task *t = mail;
        mail = t->next;
        t->next = NULL;
        t->run(t);
    }
    if (recheck)
        conns_recheck(l->conns);
    return any;
}

static void on_drain(evutil_socket_t fd, short what, void *arg)
{
    struct loop *l = arg;
    if (conns_busy(l->conns) == 0 || time(NULL) >= l->deadline)
        event_base_loopexit(l->base, NULL);
}

static void begin_stop(struct loop *l)
{
    if (l->drain != NULL)
        return;
    net_loop_stopping(l->net, l);
    l->drain = event_new(l->base, -1, EV_PERSIST, on_drain, l);
    struct timeval tv = {0, 20000};
    if (l->drain == NULL || event_add(l->drain, &tv) < 0)
        event_base_loopexit(l->base, NULL);
}

static void on_wake(evutil_socket_t fd, short what, void *arg)
{
    struct loop *l = arg;
    loop_run_mail(l);
    pthread_mutex_lock(&l->lock);
    bool stop = l->stop;
    pthread_mutex_unlock(&l->lock);
    if (stop)
        begin_stop(l);
}

struct loop *loop_new(struct net *n)
{
    struct loop *l = calloc(1, sizeof(*l));
    if (l == NULL)
        return NULL;
    l->net = n;
    l->mail_tail = &l->mail;
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
    l->conns = l->base ? conns_new(l) : NULL;
    l->wake = l->base ? event_new(l->base, -1, EV_PERSIST, on_wake, l) : NULL;
    if (l->wake == NULL || l->conns == NULL) {
        loop_free(l);
        return NULL;
    }
    return l;
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

static void loop_free(struct loop *l)
{
    if (l == NULL)
        return;
    conns_free(l->conns);
    if (l->drain != NULL)
        event_free(l->drain);
    if (l->wake != NULL)
        event_free(l->wake);
    if (l->base != NULL)
        event_base_free(l->base);
    pthread_mutex_destroy(&l->lock);
    free(l);
}

void loop_free_all(struct loop **loops, int count)
{
    bool any = true;
    while (any) {
        any = false;
        for (int i = 0; i < count; i++)
            any |= loop_run_mail(loops[i]);
    }
    for (int i = 0; i < count; i++)
        loop_free(loops[i]);
}

struct event_base *loop_base(struct loop *l)
{
    return l->base;
}

struct conns *loop_conns(struct loop *l)
{
    return l->conns;
}

struct net *loop_net(struct loop *l)
{
    return l->net;
}

void loop_set_data(struct loop *l, void *data)
{
    l->data = data;
}

void *loop_data(const struct loop *l)
{
    return l->data;
}

static void run_adoption(struct task *t)
{
    struct adoption *a = TASK_OWNER(t, struct adoption, task);
    conns_adopt(loop_conns(a->loop), a->fd, a->seq);
    free(a);
}

void loop_adopt(struct loop *l, int fd, unsigned long long seq)
{
    struct adoption *a = malloc(sizeof(*a));
    if (a == NULL) {
        conns_refuse(l->conns, fd); /* as beyond max_connections */
        return;
    }
    a->task.run = run_adoption;
    a->loop = l;
    a->fd = fd;
    a->seq = seq;
    loop_post(l, &a->task);
}

void loop_recheck(struct loop *l)
{
    pthread_mutex_lock(&l->lock);
    l->recheck = true;
    pthread_mutex_unlock(&l->lock);
    post_wake(l);
}

void loop_stop(struct loop *l, time_t deadline)
{
    pthread_mutex_lock(&l->lock);
    l->stop = true;
    l->deadline = deadline;
    pthread_mutex_unlock(&l->lock);
    post_wake(l);
}

struct loop_timer {
    struct event *event;
    void (*fn)(void *arg);
    void *arg;
};

static void on_timer(evutil_socket_t fd, short what, void *arg)
{
    struct loop_timer *t = arg;
    t->fn(t->arg);
}

struct loop_timer *loop_timer_new(struct loop *l, void (*fn)(void *arg), void *arg)
{
    struct loop_timer *t = malloc(sizeof(*t));
    if (t == NULL)
        return NULL;
    t->fn = fn;
    t->arg = arg;
    t->event = evtimer_new(l->base, on_timer, t);
    if (t->event == NULL) {
        free(t);
        return NULL;
    }
    return t;
}

void loop_timer_start(struct loop_timer *t, double seconds)
{
    if (seconds < 0)
        seconds = 0;
    struct timeval tv = {(time_t)seconds,
                         (suseconds_t)((seconds - (time_t)seconds) * 1e6)};
    evtimer_add(t->event, &tv);
}

void loop_timer_free(struct loop_timer *t)
{
    if (t == NULL)
        return;
    event_free(t->event);
    free(t);
}
