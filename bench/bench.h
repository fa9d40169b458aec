/*
 * bench.h - the state of refgw-bench: options, identities, workers, their
 * connections and statistics.
 *
 * One worker is one thread with its own event loop, connections and
 * statistics; the options, the server address and the TLS contexts (struct
 * bench) are shared and read-only once the workers start. The main thread
 * starts the workers, samples the server's /proc at the edges of the measured
 * window, and merges and reports the statistics at the end.
 */
#ifndef BENCH_BENCH_H
#define BENCH_BENCH_H

#include <stdbool.h>
#include <stdio.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>

#include <openssl/ssl.h>

#include "hist.h"
#include "http.h"

struct event_base;
struct event;
struct bufferevent;

enum bench_mode {
    MODE_SEND,
    MODE_E2E,
    MODE_HANDSHAKE,
    MODE_IDLE,
    MODE_GET,
    MODE_COUNT
};

extern const char *const mode_names[MODE_COUNT];

#define MAX_IDENTS 64
#define MAX_TO 64
#define MAX_PIDS 16
#define MAX_TARGETS 8 /* servers (gateway nodes) one run addresses */
#define ID_MAX 64     /* referral ids are opaque; anything longer is not ours */

/* A client certificate and key, loaded once into a TLS context. */
struct ident {
    const char *org; /* recipients only: the organisation id the CN names */
    const char *cert;
    const char *key;
    SSL_CTX *ctx;
};

/* One server: where to connect, and what its certificate and Host name. */
struct target {
    const char *url;
    char host[256];
    char port[8];
    struct sockaddr_storage addr;
    socklen_t addrlen;
    bool host_is_ip;
    char host_header[300];
};

struct bench_opts {
    enum bench_mode mode;
    /* --url, repeated for several nodes: sending connections go to each in
     * turn; e2e recipients poll and acknowledge at --recipient-url (default
     * the first). */
    struct target targets[MAX_TARGETS];
    size_t ntargets;
    struct target recv;
    bool recv_set;
    const char *path; /* get: what to GET */
    const char *ca;
    struct ident senders[MAX_IDENTS];
    size_t nsenders;
    struct ident recipients[MAX_IDENTS];
    size_t nrecipients;
    const char *to[MAX_TO];
    size_t nto;
    unsigned connections;
    double rate; /* requests/s over all workers; 0: as fast as possible */
    double duration, warmup, hold, timeout, drain;
    unsigned threads;
    unsigned ack_connections; /* e2e: per recipient */
    unsigned inbox_wait, inbox_limit;
    unsigned max_connecting; /* idle: handshakes in progress at once */
    size_t body_size;
    const char *body_cms_file; /* send: this sealed body_cms (SPEC §10) instead */
    pid_t pids[MAX_PIDS];
    size_t npids;
    bool json;
    const char *ids_out; /* send: every id answered 202, one a line */
};

/* Everything the workers share, read-only while they run. */
struct bench {
    struct bench_opts o;
    char run_id[17]; /* random, so client_refs never repeat across runs */
    char *body_text; /* the referral's free text, body_size bytes (or body_cms) */
    bool sealed;     /* body_text is a body_cms */
    FILE *ids_out;   /* --ids-out, or NULL */
    uint64_t t_start, t_measure, t_end; /* monotonic ns: the measured window */
};

/* How a request or a connection went wrong, as the report counts it. */
enum err_kind {
    ERR_CONNECT,  /* TCP connect failed, or the peer left during the handshake */
    ERR_TLS,      /* OpenSSL reported an error: handshake, alert, bad record */
    ERR_CLOSED,   /* the peer closed with a request outstanding */
    ERR_TIMEOUT,  /* no answer within --timeout */
    ERR_PROTOCOL, /* an answer that is not the HTTP/1.1 we expect */
    ERR_HTTP_2XX, /* an unexpected 2xx, e.g. 200 "duplicate" to a send */
    ERR_HTTP_3XX,
    ERR_HTTP_4XX,
    ERR_HTTP_5XX,
    ERR_COUNT
};

extern const char *const err_names[ERR_COUNT];

#define ERR_SAMPLE_LEN 160

struct stats {
    struct hist latency; /* request latency, from the intended start */
    struct hist connect; /* TCP connect + TLS handshake */
    struct hist e2e;     /* send's 202 to the recipient's receipt */
    uint64_t ok;         /* answers with the expected status, in the window */
    uint64_t responses;
    uint64_t status[600];
    uint64_t errors[ERR_COUNT];
    char error_sample[ERR_COUNT][ERR_SAMPLE_LEN];
    uint64_t closed_idle;  /* the server closed an idle keep-alive connection */
    uint64_t server_close; /* answers that said Connection: close */
    /* e2e, counting only sends whose 202 came in the window */
    uint64_t e2e_accepted, e2e_received, e2e_lost, e2e_foreign, e2e_redelivered;
    uint64_t acks_ok, polls;
    /* idle */
    uint64_t idle_target, idle_established, idle_failed, idle_dropped;
};

enum conn_role { ROLE_SENDER, ROLE_POLLER, ROLE_ACKER, ROLE_HANDSHAKE, ROLE_IDLE };
/* CS_CLOSING: the last answer said Connection: close; nothing more is sent. */
enum conn_state { CS_DOWN, CS_CONNECTING, CS_READY, CS_BUSY, CS_CLOSING };

struct recipient;
struct worker;
struct conn;

/* What a role does at each step of a connection's life (modes.c). */
struct conn_ops {
    /* The handshake is done; the connection is CS_READY. */
    void (*up)(struct conn *c);
    /* An answer to the outstanding request; body is its Content-Length bytes.
     * The connection is CS_READY again (or CS_CLOSING) and the role may send
     * the next request or close it. */
    void (*response)(struct conn *c, int status, const char *body, size_t len);
    /* The connection is gone (CS_DOWN); was: its state before. failed: an
     * error already counted; otherwise an orderly close by the server. */
    void (*down)(struct conn *c, enum conn_state was, bool failed);
    /* The role's own timer (worker.c: wk_later()) fired. */
    void (*retry)(struct conn *c);
};

struct conn {
    struct worker *w;
    const struct target *t; /* the server it connects to */
    const struct ident *id;
    struct recipient *rcpt; /* pollers and ackers */
    const struct conn_ops *ops;
    enum conn_role role;
    enum conn_state state;
    bool in_ready;    /* on the worker's ready stack (removal is lazy) */
    bool established; /* idle: counted once */
    struct bufferevent *bev;
    struct event *retry;
    struct http_resp resp;
    uint64_t t_connect;  /* when the connection attempt started */
    uint64_t t_intended; /* when the outstanding request was due */
    unsigned timeout_s;  /* for the outstanding request */
    uint64_t answers;    /* on this connection since it was opened */
};

/* An e2e recipient: one long-polling connection and a few that acknowledge. */
struct recipient {
    const struct ident *id;
    struct conn *poller;
    struct conn *ackers;
    size_t nackers;
    char (*queue)[ID_MAX + 1]; /* ids to acknowledge */
    size_t qhead, qlen, qcap;
    unsigned acks_in_flight;
};

struct idtab;

enum phase { PH_RUN, PH_DRAIN, PH_DONE };

struct worker {
    const struct bench *b;
    unsigned index;
    struct event_base *base;
    enum phase phase;
    struct conn *conns; /* senders, handshake slots or idle connections */
    size_t nconns;
    struct conn **ready; /* stack of connections free for the next request */
    size_t nready;
    struct recipient *rcpts;
    size_t nrcpts;
    double rate; /* this worker's share */
    /* Starts the next scheduled request on a ready connection (or slot). */
    void (*start)(struct conn *c, uint64_t due);
    enum conn_state ready_state; /* what a connection on the ready stack must be */
    uint64_t seq;                /* requests started */
    struct event *tick;          /* the next request's due time */
    struct event *phase_ev;
    size_t next_idle;    /* idle: next connection to open */
    unsigned connecting; /* idle: handshakes in progress */
    struct idtab *ids;   /* e2e */
    char *scratch;       /* request assembly */
    size_t scratch_len;
    struct stats st;
};

/* Monotonic clock in nanoseconds. */
uint64_t now_ns(void);

/* Whether t falls in the measured window. */
bool in_window(const struct bench *b, uint64_t t);

/* Counts an error of kind k (if in the window) and keeps its first text. */
void stats_error(struct worker *w, enum err_kind k, const char *text);

void stats_init(struct stats *s);
void stats_merge(struct stats *into, const struct stats *from);

#endif
