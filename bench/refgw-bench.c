/*
 * refgw-bench - a load generator for refgwd, or any HTTPS server.
 *
 * It holds the client certificates of several organisations at once, sends
 * referrals at a fixed rate or as fast as it can, and measures what the
 * common tools cannot: the time from a send's 202 to the recipient's receipt.
 * See opts_usage() (opts.c) and bench/README.md.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <pthread.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "bench.h"
#include "conn.h"
#include "ids.h"
#include "opts.h"
#include "procstat.h"
#include "report.h"
#include "worker.h"

/* ---- setup ----------------------------------------------------------------- */

/* Idle mode holds thousands of sockets: take all the kernel allows. */
static void raise_nofile(const struct bench_opts *o)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
        return;
    rl.rlim_cur = rl.rlim_max;
    setrlimit(RLIMIT_NOFILE, &rl);
    rlim_t need = o->connections + o->nrecipients * (1 + o->ack_connections) + 64;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < need)
        fprintf(stderr, "refgw-bench: warning: only %llu file descriptors for %llu\n",
                (unsigned long long)rl.rlim_cur, (unsigned long long)need);
}

static int resolve_target(struct target *t, char *err, size_t errlen)
{
    struct addrinfo hints = {.ai_socktype = SOCK_STREAM, .ai_flags = AI_NUMERICSERV};
    struct addrinfo *res;
    int rc = getaddrinfo(t->host, t->port, &hints, &res);
    if (rc != 0) {
        snprintf(err, errlen, "%s: %s", t->host, gai_strerror(rc));
        return -1;
    }
    memcpy(&t->addr, res->ai_addr, res->ai_addrlen);
    t->addrlen = res->ai_addrlen;
    freeaddrinfo(res);
    unsigned char buf[sizeof(struct in6_addr)];
    t->host_is_ip =
        inet_pton(AF_INET, t->host, buf) == 1 || inet_pton(AF_INET6, t->host, buf) == 1;
    snprintf(t->host_header, sizeof t->host_header, "%s%s%s:%s",
             strchr(t->host, ':') ? "[" : "", t->host, strchr(t->host, ':') ? "]" : "",
             t->port);
    return 0;
}

static int resolve(struct bench *b, char *err, size_t errlen)
{
    for (size_t i = 0; i < b->o.ntargets; i++)
        if (resolve_target(&b->o.targets[i], err, errlen) < 0)
            return -1;
    return resolve_target(&b->o.recv, err, errlen);
}

/* Free text of the wanted size, plain ASCII so it needs no JSON escaping. */
/* --body-cms: the whole file, a trailing newline dropped. */
static int read_body_cms(struct bench *b, char *err, size_t errlen)
{
    FILE *f = fopen(b->o.body_cms_file, "rb");
    char *text = f ? malloc(128 * 1024) : NULL;
    size_t n = text ? fread(text, 1, 128 * 1024 - 1, f) : 0;
    if (f)
        fclose(f);
    while (n > 0 && (text[n - 1] == '\n' || text[n - 1] == '\r'))
        n--;
    if (text == NULL || n == 0) {
        free(text);
        snprintf(err, errlen, "--body-cms: cannot read %s", b->o.body_cms_file);
        return -1;
    }
    text[n] = '\0';
    b->body_text = text;
    b->o.body_size = n;
    b->sealed = true;
    return 0;
}

static char *make_body(size_t size)
{
    static const char text[] =
        "Observed after school near the station: a pupil picked up by an older man "
        "in a new car, expensive gifts, withdrawn in class, often absent on Mondays. "
        "Contact the mentor before calling the family. ";
    char *body = malloc(size + 1);
    if (!body)
        return NULL;
    for (size_t i = 0; i < size; i++)
        body[i] = text[i % (sizeof text - 1)];
    body[size] = '\0';
    return body;
}

static int prepare(struct bench *b, char *err, size_t errlen)
{
    if (resolve(b, err, errlen) < 0)
        return -1;
    unsigned char raw[8];
    if (rg_random_bytes(raw, sizeof raw) < 0) {
        snprintf(err, errlen, "no random bytes from the kernel");
        return -1;
    }
    for (size_t i = 0; i < sizeof raw; i++)
        snprintf(b->run_id + 2 * i, 3, "%02x", raw[i]);
    if (b->o.body_cms_file != NULL) {
        if (read_body_cms(b, err, errlen) < 0)
            return -1;
    } else if ((b->body_text = make_body(b->o.body_size)) == NULL) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    if (b->o.ids_out && !(b->ids_out = fopen(b->o.ids_out, "w"))) {
        snprintf(err, errlen, "%s: %s", b->o.ids_out, strerror(errno));
        return -1;
    }
    /* Idle connections release OpenSSL's buffers, so that 5,000 of them do not
     * cost the load generator 170 MB. */
    bool lean = b->o.mode == MODE_IDLE;
    for (size_t i = 0; i < b->o.nsenders; i++)
        if (tls_ctx_load(&b->o.senders[i], b->o.ca, lean, err, errlen) < 0)
            return -1;
    for (size_t i = 0; i < b->o.nrecipients; i++)
        if (tls_ctx_load(&b->o.recipients[i], b->o.ca, lean, err, errlen) < 0)
            return -1;
    return 0;
}

static void cleanup(struct bench *b)
{
    for (size_t i = 0; i < b->o.nsenders; i++)
        tls_ctx_free(&b->o.senders[i]);
    for (size_t i = 0; i < b->o.nrecipients; i++)
        tls_ctx_free(&b->o.recipients[i]);
    free(b->body_text);
    if (b->ids_out)
        fclose(b->ids_out);
}

/* ---- the run ---------------------------------------------------------------- */

static void sleep_until(uint64_t t)
{
    struct timespec ts = {.tv_sec = (time_t)(t / 1000000000u),
                          .tv_nsec = (long)(t % 1000000000u)};
    while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
        ;
}

static double client_cpu(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
           (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

static void *worker_main(void *arg)
{
    worker_run(arg);
    return NULL;
}

/* Samples the server and the client at one edge of the window. */
static void sample(const struct bench *b, struct run_result *r, struct proc_sample *srv,
                   struct machine_sample *mach, double *cpu)
{
    machine_sample(mach);
    if (b->o.npids) {
        proc_sample(b->o.pids, b->o.npids, srv);
        r->have_server = srv->ok;
    }
    *cpu = client_cpu();
}

static int run(struct bench *b)
{
    const struct bench_opts *o = &b->o;
    unsigned n = o->threads;
    char err[256];
    struct worker *ws = calloc(n, sizeof *ws);
    pthread_t *th = calloc(n, sizeof *th);
    struct stats *total = malloc(sizeof *total);
    struct run_result r = {0};
    double cpu0 = 0, cpu1 = 0;
    unsigned started = 0, ready = 0;
    int rc = 1;
    if (!ws || !th || !total) {
        fprintf(stderr, "refgw-bench: out of memory\n");
        goto out;
    }
    for (; ready < n; ready++)
        if (worker_init(&ws[ready], b, ready, n, err, sizeof err) < 0) {
            fprintf(stderr, "refgw-bench: %s\n", err);
            ready++; /* worker_free copes with a half-made worker */
            goto out;
        }
    if (o->mode == MODE_IDLE)
        sample(b, &r, &r.srv_before, &r.mach_before, &cpu0);
    b->t_start = now_ns();
    b->t_measure = b->t_start + (uint64_t)(o->warmup * 1e9);
    b->t_end = b->t_measure + (uint64_t)(o->duration * 1e9);
    if (o->mode == MODE_IDLE) {
        b->t_measure = b->t_start;
        b->t_end = UINT64_MAX;
    }
    for (; started < n; started++)
        if (pthread_create(&th[started], NULL, worker_main, &ws[started]) != 0) {
            fprintf(stderr, "refgw-bench: cannot start a thread\n");
            break;
        }
    if (o->mode != MODE_IDLE) {
        sleep_until(b->t_measure);
        sample(b, &r, &r.srv_before, &r.mach_before, &cpu0);
        sleep_until(b->t_end);
        sample(b, &r, &r.srv_after, &r.mach_after, &cpu1);
    }
    for (unsigned i = 0; i < started; i++)
        pthread_join(th[i], NULL);
    if (started < n)
        goto out;
    if (o->mode == MODE_IDLE) {
        r.window_s = (double)(now_ns() - b->t_start) / 1e9;
        /* Let the server settle (allocator, deferred frees) before reading it. */
        sleep_until(now_ns() + 1000000000u);
        sample(b, &r, &r.srv_after, &r.mach_after, &cpu1);
    } else {
        r.window_s = o->duration;
    }
    r.client_cpu_s = cpu1 - cpu0;
    stats_init(total);
    for (unsigned i = 0; i < n; i++) {
        worker_finish(&ws[i]);
        stats_merge(total, &ws[i].st);
    }
    if (o->json)
        rc = report_json(stdout, b, total, &r) < 0;
    else
        rc = (report_text(stdout, b, total, &r), 0);
    fflush(stdout);
    if (o->mode == MODE_IDLE && o->hold > 0)
        sleep_until(now_ns() + (uint64_t)(o->hold * 1e9));
out:
    for (unsigned i = 0; ws && i < ready; i++)
        worker_free(&ws[i]);
    free(ws);
    free(th);
    free(total);
    return rc;
}

int main(int argc, char **argv)
{
    struct bench *b = calloc(1, sizeof *b);
    char err[512];
    if (!b) {
        fprintf(stderr, "refgw-bench: out of memory\n");
        return 1;
    }
    if (opts_parse(argc, argv, &b->o, err, sizeof err) < 0) {
        fprintf(stderr, "refgw-bench: %s\n", err);
        free(b);
        return 2;
    }
    signal(SIGPIPE, SIG_IGN);
    raise_nofile(&b->o);
    int rc = 1;
    if (prepare(b, err, sizeof err) < 0)
        fprintf(stderr, "refgw-bench: %s\n", err);
    else
        rc = run(b);
    cleanup(b);
    free(b);
    return rc;
}
