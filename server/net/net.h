/*
 * net.h - the network layer as the layers above see it: event loop threads,
 * mutual-TLS connections, HTTP/1.1 requests.
 *
 * It knows nothing of handlers or the store. Each complete request goes up
 * through the request hook as a struct request of plain strings; its answer
 * comes back through net_reply(). A request refused here (malformed, too
 * large, too slow) goes up the same way with `refused` set, so that one
 * writer above words every error answer and counts it.
 *
 * Threads: every request belongs to one loop and is handed up and answered
 * on that loop's thread. Other threads reach a loop only through
 * loop_post(). Everything else in this header is for the thread that made
 * the net (start-up, signals, shutdown), which runs loop 0.
 */
#ifndef REFGW_NET_H
#define REFGW_NET_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "counters.h"
#include "errors.h"
#include "referral.h"
#include "task.h"

struct config;
struct event_base;
struct tls_server;
struct net;
struct loop;

/* One complete request. The net owns it until net_reply() or the
 * abandoned hook; the strings live as long as it. */
struct request {
    struct loop *loop;              /* the loop that owns it: answer there */
    struct config *config;          /* the configuration when it arrived */
    char org_id[RG_ORG_ID_MAX + 1]; /* the client certificate's CN */
    const char *method;             /* "GET", "POST", ... */
    char *path;                     /* raw, without the query */
    char *query;                    /* raw, NULL without '?' */
    char *content_type;             /* NULL when absent */
    char *body;                     /* wiped when the request ends; NUL at body_len */
    size_t body_len;
    enum rg_code refused; /* RG_OK, or why the net refuses it */
    const char *refusal;  /* then: the message for the client */
    void *upper;          /* the layer above's object for it */
    void *conn;           /* the net's own */
};

struct net_hooks {
    void *ctx;
    /* A request to answer, exactly once, with net_reply() (now or later, on
     * req->loop's thread). */
    void (*request)(void *ctx, struct request *req);
    /* Its connection went before the answer: req is freed once this returns. */
    void (*abandoned)(void *ctx, struct request *req);
    /* The loop is stopping (on its thread): answer what is parked now, for
     * the loop ends once no request is in flight. */
    void (*stopping)(void *ctx, struct loop *loop);
};

/* Binds config's listen address (*port: the port bound) and makes one loop
 * per processor; takes the references to config and tls. NULL with err. */
struct net *net_new(struct config *config, struct tls_server *tls,
                    struct counters *counters, const struct net_hooks *hooks, int *port,
                    char err[RG_ERR_MAX]);

/* Starts every loop but loop 0 in a thread of its own; 0 or -1. */
int net_start(struct net *n);

/* Runs loop 0 in the calling thread until the net has stopped. */
void net_run(struct net *n);

/* Loop 0's event base, for the caller's signals and timers. */
struct event_base *net_base(struct net *n);

/* Stop accepting, let requests in flight end (at most until deadline),
 * then end every loop. Loop 0's thread only. */
void net_stop(struct net *n, time_t deadline);
bool net_stopping(struct net *n);

/* Waits for the loop threads to end (after net_stop). */
void net_join(struct net *n);

/* Once nothing will post to the loops any more (the store is closed): runs
 * what their mailboxes still hold, then closes every connection and frees. */
void net_free(struct net *n);

/* The current configuration (a reference the caller drops). */
struct config *net_config(struct net *n);

/* Swaps in a new configuration and TLS context (taking the references) and
 * closes the connections they no longer admit: a certificate the new CRL
 * revokes, an organisation removed or disabled. */
void net_swap(struct net *n, struct config *config, struct tls_server *tls);

/* Sends the answer and frees req. extra_headers: NULL or lines ending in
 * "\r\n". On req->loop's thread, never after the abandoned hook. */
void net_reply(struct request *req, int status, const char *content_type,
               const char *body, size_t len, const char *extra_headers);

/* The loops, and a slot on each for the layer above's own per-loop data. */
int net_loop_count(const struct net *n);
struct loop *net_loop(struct net *n, int i);
void loop_set_data(struct loop *l, void *data);
void *loop_data(const struct loop *l);

/* Runs task->run(task) on l's thread, soon, after what was posted before.
 * From any thread; the task must not be posted again before it has run. */
void loop_post(struct loop *l, struct task *task);

/* A one-shot timer on l's thread: fn(arg) runs when it expires. */
struct loop_timer;
struct loop_timer *loop_timer_new(struct loop *l, void (*fn)(void *arg), void *arg);
void loop_timer_start(struct loop_timer *t, double seconds);
void loop_timer_free(struct loop_timer *t); /* NULL is fine; a pending run is dropped */

#endif
