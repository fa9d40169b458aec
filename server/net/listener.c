#include "listener.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>
#include <event2/listener.h>
#include <event2/util.h>

#include "config.h"
#include "conn.h"
#include "descriptors.h"
#include "handshakes.h"
#include "loop.h"
#include "net_internal.h"

struct listener {
    struct loop *loop; /* the loop that accepts */
    struct net *net;
    struct evconnlistener *evl;
    int spare_fd;         /* held so that a connection can be refused at EMFILE */
    struct event *resume; /* re-enables accepting after a failure */
    unsigned long long accepted; /* connections accepted: the next one's place */
    long fd_others;              /* descriptors not connections': the most seen */
    time_t fd_others_read;       /* when they were last counted */
};

/* At most this many connections over max_connections at a time: evicted ones
 * whose descriptors are not closed yet (within what the limit leaves). */
#define EVICTING_MAX 32

/*
 * At max_connections, a new connection first evicts the oldest connection
 * still in its TLS handshake, on whichever loop it is (handshakes.h), so that
 * connections that never authenticate cannot lock partners out. 0, or -1
 * when every connection has completed its handshake.
 */
static int evict_oldest_handshake(struct listener *l)
{
    struct handshakes *queues[LOOPS_MAX];
    int count = net_loop_count(l->net);
    for (int i = 0; i < count; i++)
        queues[i] = conns_handshakes(loop_conns(net_loop(l->net, i)));
    return handshakes_evict_oldest(queues, count,
                                   conns_handshakes(loop_conns(l->loop)));
}

/* Spare descriptors beyond those counted: for a file opened for a moment. */
#define FD_MARGIN 8

/*
 * How many connections over max the descriptor limit leaves room for: the
 * limit less max, less the descriptors that are not connections' (the
 * loops', the store's, ...). Those are counted when first needed at the
 * limit, and every 10 s while there (a pass over /proc/self/fd), and the
 * most ever seen is kept: a count taken while connections close on another
 * loop (closed, not yet uncounted) comes out low, never high.
 */
static long room_over(struct listener *l, long max)
{
    time_t now = time(NULL);
    if (l->fd_others_read == 0 || now - l->fd_others_read >= 10) {
        long open = descriptors_open();
        long others = open < 0 ? LONG_MAX / 2
                               : open - COUNTER_GET(net_counters(l->net)->connections);
        l->fd_others = others > l->fd_others ? others : l->fd_others;
        l->fd_others_read = now;
    }
    long room = descriptors_limit() - l->fd_others - FD_MARGIN - max;
    return room < 0 ? 0 : room > EVICTING_MAX ? EVICTING_MAX : room;
}

static int max_connections(struct listener *l)
{
    struct config *config = net_config(l->net);
    int max = config->max_connections;
    config_unref(config);
    return max;
}

/* Stops accepting for a moment (a connection waits in the backlog); the
 * loop's next turn at the earliest. */
static void pause_accepting(struct listener *l, long usec)
{
    struct timeval tv = {0, usec};
    evconnlistener_disable(l->evl);
    evtimer_add(l->resume, &tv);
}

/*
 * A connection that makes excess connections over max: 0 once it has evicted
 * one in its handshake, -1 to refuse it. The evicted descriptors close on
 * their loops' next turn: accepting waits for them when they fill what the
 * descriptor limit leaves, rather than run out.
 */
static int make_room(struct listener *l, long max, long excess)
{
    long room = room_over(l, max);
    if (excess > room) {
        if (room > 0)
            pause_accepting(l, 0);
        return -1;
    }
    if (evict_oldest_handshake(l) < 0)
        return -1;
    if (excess == room)
        pause_accepting(l, 0);
    return 0;
}

static void on_accept(struct evconnlistener *evl, evutil_socket_t fd,
                      struct sockaddr *sa, int salen, void *arg)
{
    struct listener *l = arg;
    struct counters *n = net_counters(l->net);
    /* Beyond the limit, evict one still in its handshake, or refuse at once;
     * those authenticated keep being served. */
    int max = max_connections(l);
    long open = COUNTER_ADD(n->connections, 1);
    if (net_stopping(l->net) || (open > max && make_room(l, max, open - max) < 0)) {
        conns_refuse(loop_conns(l->loop), fd);
        return;
    }
    /* Spread connections over the loops in turn; the handshake happens there. */
    unsigned long long seq = l->accepted++;
    struct loop *target = net_next_loop(l->net);
    if (target == l->loop)
        conns_adopt(loop_conns(target), fd, seq);
    else
        loop_adopt(target, fd, seq);
}

static void on_resume(evutil_socket_t fd, short what, void *arg)
{
    struct listener *l = arg;
    if (l->evl == NULL)
        return;
    /* Evicted connections on other loops not closed yet: wait a little more. */
    int max = max_connections(l);
    long room = room_over(l, max);
    if (room > 0 && COUNTER_GET(net_counters(l->net)->connections) - max >= room) {
        pause_accepting(l, 1000);
        return;
    }
    evconnlistener_enable(l->evl);
}

/*
 * Accepting failed: out of descriptors (EMFILE, ENFILE) or kernel memory. The
 * waiting connection keeps the socket readable, so doing nothing would spin
 * the loop. Out of descriptors, the spare one is given up to take the waiting
 * connections and close them at once (refused, as beyond max_connections);
 * in every case accepting pauses for a moment. Open connections are served.
 */
static void on_accept_error(struct evconnlistener *evl, void *arg)
{
    struct listener *l = arg;
    int e = EVUTIL_SOCKET_ERROR();
    if ((e == EMFILE || e == ENFILE) && l->spare_fd >= 0) {
        close(l->spare_fd);
        evutil_socket_t lfd = evconnlistener_get_fd(evl);
        for (int i = 0; i < 1024; i++) {
            evutil_socket_t fd = accept(lfd, NULL, NULL);
            if (fd < 0)
                break;
            close(fd);
        }
        l->spare_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
    }
    pause_accepting(l, 100 * 1000);
}

static int bound_port_of(evutil_socket_t fd)
{
    struct sockaddr_storage ss;
    socklen_t len = sizeof(ss);
    if (getsockname(fd, (struct sockaddr *)&ss, &len) < 0)
        return -1;
    if (ss.ss_family == AF_INET6)
        return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
    return ntohs(((struct sockaddr_in *)&ss)->sin_port);
}

int listener_bind(const char *host, int port, int *bound_port, char err[RG_ERR_MAX])
{
    struct evutil_addrinfo hints = {0}, *res = NULL;
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = EVUTIL_AI_PASSIVE | EVUTIL_AI_ADDRCONFIG;
    char portstr[8];
    snprintf(portstr, sizeof(portstr), "%d", port);
    int rc = evutil_getaddrinfo(host, portstr, &hints, &res);
    if (rc != 0) {
        snprintf(err, RG_ERR_MAX, "listen: cannot resolve %s: %s", host,
                 evutil_gai_strerror(rc));
        return -1;
    }
    evutil_socket_t fd =
        socket(res->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    int one = 1;
    if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
        bind(fd, res->ai_addr, (socklen_t)res->ai_addrlen) < 0 ||
        listen(fd, 1024) < 0) {
        snprintf(err, RG_ERR_MAX, "listen: cannot bind %s:%d: %s", host, port,
                 strerror(errno));
        if (fd >= 0)
            close(fd);
        fd = -1;
    }
    evutil_freeaddrinfo(res);
    if (fd >= 0)
        *bound_port = bound_port_of(fd);
    return fd;
}

struct listener *listener_new(struct loop *loop, int fd, char err[RG_ERR_MAX])
{
    struct listener *l = calloc(1, sizeof(*l));
    if (l == NULL) {
        close(fd);
        snprintf(err, RG_ERR_MAX, "out of memory");
        return NULL;
    }
    l->loop = loop;
    l->net = loop_net(loop);
    l->spare_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
    struct event_base *base = loop_base(loop);
    l->resume = evtimer_new(base, on_resume, l);
    l->evl = l->resume
                 ? evconnlistener_new(base, on_accept, l, LEV_OPT_CLOSE_ON_FREE, -1, fd)
                 : NULL;
    if (l->evl == NULL) {
        close(fd);
        listener_free(l);
        snprintf(err, RG_ERR_MAX, "listen: cannot start accepting");
        return NULL;
    }
    evconnlistener_set_error_cb(l->evl, on_accept_error);
    return l;
}

void listener_stop(struct listener *l)
{
    if (l != NULL && l->evl != NULL) {
        evconnlistener_free(l->evl);
        l->evl = NULL;
    }
}

void listener_free(struct listener *l)
{
    if (l == NULL)
        return;
    listener_stop(l);
    if (l->resume != NULL)
        event_free(l->resume);
    if (l->spare_fd >= 0)
        close(l->spare_fd);
    free(l);
}
