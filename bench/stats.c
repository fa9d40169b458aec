#include "bench.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

const char *const mode_names[MODE_COUNT] = {
    [MODE_SEND] = "send", [MODE_E2E] = "e2e", [MODE_HANDSHAKE] = "handshake",
    [MODE_IDLE] = "idle", [MODE_GET] = "get",
};

const char *const err_names[ERR_COUNT] = {
    [ERR_CONNECT] = "connect",   [ERR_TLS] = "tls",
    [ERR_CLOSED] = "closed",     [ERR_TIMEOUT] = "timeout",
    [ERR_PROTOCOL] = "protocol", [ERR_HTTP_2XX] = "http_2xx",
    [ERR_HTTP_3XX] = "http_3xx", [ERR_HTTP_4XX] = "http_4xx",
    [ERR_HTTP_5XX] = "http_5xx",
};

uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

bool in_window(const struct bench *b, uint64_t t)
{
    return t >= b->t_measure && t < b->t_end;
}

void stats_error(struct worker *w, enum err_kind k, const char *text)
{
    if (!in_window(w->b, now_ns()))
        return;
    w->st.errors[k]++;
    if (!w->st.error_sample[k][0])
        snprintf(w->st.error_sample[k], ERR_SAMPLE_LEN, "%s", text);
}

void stats_init(struct stats *s)
{
    memset(s, 0, sizeof *s);
    hist_init(&s->latency);
    hist_init(&s->connect);
    hist_init(&s->e2e);
}

#define ADD(field) into->field += from->field

void stats_merge(struct stats *into, const struct stats *from)
{
    hist_merge(&into->latency, &from->latency);
    hist_merge(&into->connect, &from->connect);
    hist_merge(&into->e2e, &from->e2e);
    ADD(ok);
    ADD(responses);
    for (size_t i = 0; i < sizeof into->status / sizeof into->status[0]; i++)
        ADD(status[i]);
    for (int k = 0; k < ERR_COUNT; k++) {
        ADD(errors[k]);
        if (!into->error_sample[k][0])
            memcpy(into->error_sample[k], from->error_sample[k], ERR_SAMPLE_LEN);
    }
    ADD(closed_idle);
    ADD(server_close);
    ADD(e2e_accepted);
    ADD(e2e_received);
    ADD(e2e_lost);
    ADD(e2e_foreign);
    ADD(e2e_redelivered);
    ADD(acks_ok);
    ADD(polls);
    ADD(idle_target);
    ADD(idle_established);
    ADD(idle_failed);
    ADD(idle_dropped);
}
