/*
 * parse-bench - times a send's parse path as refgwd runs it: the referral
 * refgw-bench sends (bench/worker.c: every subject attribute, a client_ref,
 * a 2 KiB body), decoded and validated from a buffer with a NUL after it
 * (net/http1.c's), then cleared, with cJSON on the wiping allocator (as
 * server/main.c installs it). Also the 202 answer of a send, built as a
 * cJSON tree and printed (as it was) and printed directly (call.c).
 *
 *   parse-bench [N [RUNS [parse|reply]]]   N referrals a run (20000), RUNS
 *                                          runs (9), one part only
 *
 * Prints the median ns per referral of the runs, and each run's figure. Run
 * by hand (taskset -c 1); it prints, it does not judge. Built with
 * -DPARSE_BENCH_BEFORE it times the commit before the in-place parse (which
 * had only rg_referral_parse), for A/B runs against a tree of then.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "call.h"
#include "ids.h"
#include "referral.h"
#include "taxonomy.h"
#include "json_arena.h"
#include "wipe.h"

#ifdef PARSE_BENCH_BEFORE
#define server_parse rg_referral_parse
#else
#define server_parse rg_referral_parse_terminated
#endif

#define DOCS 16 /* referrals told apart as refgw-bench's are, taken in turn */
#define BODY_SIZE 2048

static double now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e9 + ts.tv_nsec;
}

/* The document refgw-bench sends as its seq'th (bench/worker.c). */
static char *make_doc(unsigned seq, size_t *len)
{
    static const char text[] =
        "Observed after school near the station: a pupil picked up by an older man "
        "in a new car, expensive gifts, withdrawn in class, often absent on Mondays. "
        "Contact the mentor before calling the family. ";
    size_t cap = BODY_SIZE + 2048;
    char *out = malloc(cap);
    if (out == NULL)
        return NULL;
    size_t n = (size_t)snprintf(
        out, cap,
        "{\"to\":\"ecmj\",\"client_ref\":\"0123456789abcdef-0-%u\",\"signal\":\"%s\","
        "\"urgency\":\"%s\",\"subject\":{",
        seq, rg_signals.values[seq % rg_signals.count],
        rg_urgencies.values[seq % 10 == 0 ? 1 : 0]);
    for (size_t i = 0; i < RG_SUBJECT_ATTRS; i++) {
        const struct rg_attr *a = &rg_subject[i];
        const char *v = a->values.values[(seq * (2 * i + 1) + i) % a->values.count];
        if (a->pattern && seq % 2 == 0)
            v = "GM0935";
        n += (size_t)snprintf(out + n, cap - n, "%s\"%s\":\"%s\"", i ? "," : "",
                              a->name, v);
    }
    n += (size_t)snprintf(out + n, cap - n, "},\"body\":\"");
    for (size_t i = 0; i < BODY_SIZE; i++)
        out[n++] = text[i % (sizeof(text) - 1)];
    memcpy(out + n, "\"}", 3); /* with the NUL after it, as a request's body */
    *len = n + 2;
    return out;
}

static int compare_doubles(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Runs fn n times a run, runs times; prints and returns the median ns per call. */
static double time_runs(const char *what, void (*fn)(unsigned i), unsigned n,
                        unsigned runs)
{
    double ns[64];
    for (unsigned i = 0; i < n / 10; i++) /* warm the caches and the allocator */
        fn(i);
    printf("%-14s", what);
    for (unsigned r = 0; r < runs; r++) {
        double t0 = now_ns();
        for (unsigned i = 0; i < n; i++)
            fn(i);
        ns[r] = (now_ns() - t0) / n;
        printf(" %7.1f", ns[r]);
    }
    qsort(ns, runs, sizeof(ns[0]), compare_doubles);
    printf("  median %.1f ns\n", ns[runs / 2]);
    return ns[runs / 2];
}

static char *docs[DOCS];
static size_t doc_lens[DOCS];
static volatile size_t sink; /* keeps the work from being optimised away */

static void parse_one(unsigned i)
{
    struct rg_referral r;
    struct rg_error err;
    if (server_parse(docs[i % DOCS], doc_lens[i % DOCS], &r, &err) < 0) {
        fprintf(stderr, "parse-bench: refused: %s\n", err.message);
        exit(1);
    }
    sink += r.body_len;
    rg_referral_clear(&r);
}

static char ids[DOCS][RG_ID_LEN + 1];

/* send_done's 202 as it was: a tree, printed, wiped and freed (call.c). */
static void reply_tree(unsigned i)
{
    cJSON *doc = cJSON_CreateObject();
    cJSON_AddStringToObject(doc, "id", ids[i % DOCS]);
    cJSON_AddStringToObject(doc, "status", "queued");
    char *text = cJSON_PrintUnformatted(doc);
    cJSON_Delete(doc);
    size_t len = strlen(text);
    sink += len;
    rg_wipe(text, len);
    cJSON_free(text);
}

#ifndef PARSE_BENCH_BEFORE
static void reply_direct(unsigned i)
{
    char text[128];
    sink += (size_t)call_format_send_answer(text, sizeof(text), ids[i % DOCS], "queued",
                                            false);
}
#endif

int main(int argc, char **argv)
{
    unsigned n = argc > 1 ? (unsigned)strtoul(argv[1], NULL, 10) : 20000;
    unsigned runs = argc > 2 ? (unsigned)strtoul(argv[2], NULL, 10) : 9;
    if (n == 0 || runs == 0 || runs > 64) {
        fprintf(stderr, "usage: parse-bench [N [RUNS (1-64)]]\n");
        return 2;
    }
    rg_json_use_wiping_allocator(); /* as refgwd, before any JSON */
    for (unsigned i = 0; i < DOCS; i++) {
        if ((docs[i] = make_doc(i, &doc_lens[i])) == NULL || rg_id_new(ids[i]) < 0) {
            fprintf(stderr, "parse-bench: out of memory or randomness\n");
            return 1;
        }
    }
    const char *only = argc > 3 ? argv[3] : "";
    printf("%zu-byte referrals, %u a run, ns each:\n", doc_lens[0], n);
    if (strcmp(only, "reply") != 0)
        time_runs("parse", parse_one, n, runs);
    if (strcmp(only, "parse") != 0) {
        time_runs("reply tree", reply_tree, n, runs);
#ifndef PARSE_BENCH_BEFORE
        time_runs("reply direct", reply_direct, n, runs);
#endif
    }
    for (unsigned i = 0; i < DOCS; i++)
        free(docs[i]);
    return 0;
}
