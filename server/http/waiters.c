#include "waiters.h"

#include <stdlib.h>
#include <string.h>

#include "net.h"

#define BUCKETS 256

struct parked {
    struct waiters *owner;
    struct call *call;
    struct loop_timer *timer;
    waiter_fn wake;
    struct parked *prev, *next; /* the bucket's list */
    unsigned bucket;
};

struct waiters {
    struct loop *loop;
    struct parked *buckets[BUCKETS];
};

static unsigned hash(const char *s)
{
    unsigned h = 2166136261u; /* FNV-1a */
    for (; *s != '\0'; s++)
        h = (h ^ (unsigned char)*s) * 16777619u;
    return h % BUCKETS;
}

static void unlink_parked(struct parked *p)
{
    struct waiters *w = p->owner;
    if (p->prev != NULL)
        p->prev->next = p->next;
    else
        w->buckets[p->bucket] = p->next;
    if (p->next != NULL)
        p->next->prev = p->prev;
    loop_timer_free(p->timer);
    p->call->cancel = NULL;
    p->call->park = NULL;
}

static void fire(struct parked *p, bool timed_out)
{
    struct call *call = p->call;
    waiter_fn wake = p->wake;
    unlink_parked(p);
    free(p);
    wake(call, timed_out);
}

static void on_timeout(void *arg)
{
    fire(arg, true);
}

static void cancel(struct call *call)
{
    struct parked *p = call->park;
    unlink_parked(p);
    free(p);
}

struct waiters *waiters_new(struct loop *loop)
{
    struct waiters *w = calloc(1, sizeof(*w));
    if (w != NULL)
        w->loop = loop;
    return w;
}

void waiters_free(struct waiters *w)
{
    if (w == NULL)
        return;
    waiters_wake_all(w);
    free(w);
}

int waiters_park(struct waiters *w, struct call *call, double seconds, waiter_fn wake)
{
    struct parked *p = calloc(1, sizeof(*p));
    if (p == NULL)
        return -1;
    p->timer = loop_timer_new(w->loop, on_timeout, p);
    if (p->timer == NULL) {
        free(p);
        return -1;
    }
    loop_timer_start(p->timer, seconds);
    p->owner = w;
    p->call = call;
    p->wake = wake;
    p->bucket = hash(call->org_id);
    p->next = w->buckets[p->bucket];
    if (p->next != NULL)
        p->next->prev = p;
    w->buckets[p->bucket] = p;
    call->park = p;
    call->cancel = cancel;
    return 0;
}

void waiters_wake(struct waiters *w, const char *org_id)
{
    /* A woken call only queues a store op; it never touches other parked calls. */
    struct parked *p = w->buckets[hash(org_id)];
    while (p != NULL) {
        struct parked *next = p->next;
        if (strcmp(p->call->org_id, org_id) == 0)
            fire(p, false);
        p = next;
    }
}

void waiters_wake_all(struct waiters *w)
{
    for (unsigned b = 0; b < BUCKETS; b++)
        while (w->buckets[b] != NULL)
            fire(w->buckets[b], true);
}
