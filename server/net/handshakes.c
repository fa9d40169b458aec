#include "handshakes.h"

#include <pthread.h>
#include <stdlib.h>

#include "net.h"

struct handshakes {
    struct loop *loop;
    void (*close_evicted)(struct hs_entry *e);
    pthread_mutex_t lock;         /* guards the lists, pending and posted */
    struct hs_entry *head, *tail; /* waiting, in accept order */
    struct hs_entry *evicted;     /* chosen, for the loop to close */
    int pending;                  /* how many are on evicted */
    bool posted;                  /* task is in the loop's mailbox */
    struct task task;
};

static void unlink_entry(struct hs_entry **head, struct hs_entry **tail,
                         struct hs_entry *e)
{
    if (e->prev != NULL)
        e->prev->next = e->next;
    else
        *head = e->next;
    if (e->next != NULL)
        e->next->prev = e->prev;
    else if (tail != NULL)
        *tail = e->prev;
    e->prev = e->next = NULL;
}

/* Takes e out of whichever list holds it; q locked. */
static void leave(struct handshakes *q, struct hs_entry *e)
{
    if (e->where == HS_WAITING) {
        unlink_entry(&q->head, &q->tail, e);
    } else if (e->where == HS_EVICTED) {
        unlink_entry(&q->evicted, NULL, e);
        q->pending--;
    }
    e->where = HS_NONE;
}

/* On the queue's loop: closes what the listener chose there. */
static void run_evictions(struct task *t)
{
    struct handshakes *q = TASK_OWNER(t, struct handshakes, task);
    pthread_mutex_lock(&q->lock);
    q->posted = false;
    pthread_mutex_unlock(&q->lock);
    for (;;) {
        pthread_mutex_lock(&q->lock);
        struct hs_entry *e = q->evicted;
        pthread_mutex_unlock(&q->lock);
        if (e == NULL)
            break;
        q->close_evicted(e); /* which takes it off the list */
    }
}

struct handshakes *handshakes_new(struct loop *loop,
                                  void (*close_evicted)(struct hs_entry *e))
{
    struct handshakes *q = calloc(1, sizeof(*q));
    if (q == NULL)
        return NULL;
    q->loop = loop;
    q->close_evicted = close_evicted;
    q->task.run = run_evictions;
    pthread_mutex_init(&q->lock, NULL);
    return q;
}

void handshakes_free(struct handshakes *q)
{
    if (q == NULL)
        return;
    pthread_mutex_destroy(&q->lock);
    free(q);
}

void handshakes_add(struct handshakes *q, struct hs_entry *e, unsigned long long seq)
{
    e->seq = seq;
    e->next = NULL;
    pthread_mutex_lock(&q->lock);
    e->prev = q->tail;
    if (q->tail != NULL)
        q->tail->next = e;
    else
        q->head = e;
    q->tail = e;
    e->where = HS_WAITING;
    pthread_mutex_unlock(&q->lock);
}

bool handshakes_done(struct handshakes *q, struct hs_entry *e)
{
    pthread_mutex_lock(&q->lock);
    bool evicted = e->where == HS_EVICTED;
    if (!evicted)
        leave(q, e);
    pthread_mutex_unlock(&q->lock);
    return !evicted;
}

void handshakes_remove(struct handshakes *q, struct hs_entry *e)
{
    pthread_mutex_lock(&q->lock);
    leave(q, e);
    pthread_mutex_unlock(&q->lock);
}

int handshakes_evict_oldest(struct handshakes *const *queues, int count,
                            struct handshakes *here)
{
    for (int i = 0; i < count; i++)
        pthread_mutex_lock(&queues[i]->lock);
    int pending = 0;
    for (int i = 0; i < count; i++)
        pending += queues[i]->pending;
    struct handshakes *from = NULL;
    for (int i = 0; i < count; i++) {
        struct handshakes *q = queues[i];
        bool may = q == here || pending < HANDSHAKES_IN_FLIGHT;
        if (may && q->head != NULL && (from == NULL || q->head->seq < from->head->seq))
            from = q;
    }
    struct hs_entry *victim = from ? from->head : NULL;
    bool post = false;
    if (victim != NULL) {
        leave(from, victim);
        if (from != here) { /* its own loop closes it */
            victim->where = HS_EVICTED;
            victim->next = from->evicted;
            if (from->evicted != NULL)
                from->evicted->prev = victim;
            from->evicted = victim;
            from->pending++;
            post = !from->posted;
            from->posted = true;
        }
    }
    for (int i = count - 1; i >= 0; i--)
        pthread_mutex_unlock(&queues[i]->lock);
    if (victim == NULL)
        return -1;
    if (from == here)
        here->close_evicted(victim);
    else if (post)
        loop_post(from->loop, &from->task);
    return 0;
}
