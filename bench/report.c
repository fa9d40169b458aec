#include "report.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>

/* The quantiles every latency line shows, with their JSON names. */
static const struct {
    const char *name;
    double q;
} quantiles[] = {{"p50", 0.50}, {"p90", 0.90}, {"p99", 0.99}, {"p999", 0.999}};

static double ms(uint64_t ns)
{
    return (double)ns / 1e6;
}

static double rate_of(const struct stats *s, const struct run_result *r)
{
    return r->window_s > 0 ? (double)s->ok / r->window_s : 0;
}

static double machine_busy(const struct run_result *r)
{
    return r->mach_after.busy_s - r->mach_before.busy_s;
}

/* CPU time of everything else on the machine: other load, or noise. */
static double machine_other(const struct run_result *r)
{
    double server = r->have_server ? r->srv_after.cpu_s - r->srv_before.cpu_s : 0;
    double other = machine_busy(r) - server - r->client_cpu_s;
    return other > 0 ? other : 0;
}

static void text_hist(FILE *f, const char *label, const struct hist *h)
{
    if (h->count == 0) {
        fprintf(f, "%-10s none\n", label);
        return;
    }
    fprintf(f, "%-10s", label);
    for (size_t i = 0; i < sizeof quantiles / sizeof quantiles[0]; i++)
        fprintf(f, " %s %.3f", quantiles[i].name, ms(hist_quantile(h, quantiles[i].q)));
    fprintf(f, " max %.3f mean %.3f ms (n=%llu)\n", ms(h->max), hist_mean(h) / 1e6,
            (unsigned long long)h->count);
}

static void text_server(FILE *f, const struct stats *s, const struct run_result *r)
{
    if (!r->have_server)
        return;
    double cpu = r->srv_after.cpu_s - r->srv_before.cpu_s;
    fprintf(f, "server    cpu %.2f s (%.0f%% of one core)", cpu,
            r->window_s > 0 ? 100 * cpu / r->window_s : 0);
    if (s->ok)
        fprintf(f, ", %.1f us per request", 1e6 * cpu / (double)s->ok);
    fprintf(f, "; rss %ld kB, peak %ld kB (%zu processes)\n", r->srv_after.rss_kb,
            r->srv_after.hwm_kb, r->srv_after.nproc);
    /* How the work spread over the server's threads: the busy ones only. */
    fprintf(f, "threads  ");
    for (size_t i = 0; i < r->srv_after.nthreads; i++) {
        const struct thread_cpu *t = &r->srv_after.threads[i];
        double d = proc_thread_delta(&r->srv_before, t);
        if (d >= 0.01 * r->window_s)
            fprintf(f, " %s/%d %.2f s", t->name, (int)t->tid, d);
    }
    fprintf(f, " (of %zu)\n", r->srv_after.nthreads);
}

void report_text(FILE *f, const struct bench *b, const struct stats *s,
                 const struct run_result *r)
{
    const struct bench_opts *o = &b->o;
    fprintf(f, "refgw-bench %s %s", mode_names[o->mode], o->targets[0].url);
    for (size_t i = 1; i < o->ntargets; i++)
        fprintf(f, " %s", o->targets[i].url);
    if (o->mode == MODE_E2E && strcmp(o->recv.url, o->targets[0].url) != 0)
        fprintf(f, " (recipients at %s)", o->recv.url);
    fprintf(f, ": %u connections, ", o->connections);
    if (o->rate > 0)
        fprintf(f, "%.0f requests/s, ", o->rate);
    else
        fprintf(f, "as fast as possible, ");
    fprintf(f, "%.1f s measured, %u thread%s\n", r->window_s, o->threads,
            o->threads == 1 ? "" : "s");
    if (o->mode == MODE_IDLE) {
        fprintf(f, "idle      %llu of %llu connections open (%llu failed)\n",
                (unsigned long long)s->idle_established,
                (unsigned long long)s->idle_target, (unsigned long long)s->idle_failed);
        if (r->have_server && s->idle_established)
            fprintf(f, "memory    rss %ld kB -> %ld kB: %.2f kB per connection\n",
                    r->srv_before.rss_kb, r->srv_after.rss_kb,
                    (double)(r->srv_after.rss_kb - r->srv_before.rss_kb) /
                        (double)s->idle_established);
    }
    fprintf(f, "requests  %llu ok, %.1f/s (%llu answers)\n", (unsigned long long)s->ok,
            rate_of(s, r), (unsigned long long)s->responses);
    text_hist(f, "latency", &s->latency);
    text_hist(f, "connect", &s->connect);
    if (o->mode == MODE_E2E) {
        text_hist(f, "e2e", &s->e2e);
        fprintf(f,
                "e2e       %llu accepted, %llu received, %llu lost, %llu redelivered, "
                "%llu foreign; %llu acks, %llu polls\n",
                (unsigned long long)s->e2e_accepted,
                (unsigned long long)s->e2e_received, (unsigned long long)s->e2e_lost,
                (unsigned long long)s->e2e_redelivered,
                (unsigned long long)s->e2e_foreign, (unsigned long long)s->acks_ok,
                (unsigned long long)s->polls);
    }
    fprintf(f, "status   ");
    for (int code = 0; code < 600; code++)
        if (s->status[code])
            fprintf(f, " %d:%llu", code, (unsigned long long)s->status[code]);
    fprintf(f, "\nerrors   ");
    bool any = false;
    for (int k = 0; k < ERR_COUNT; k++)
        if (s->errors[k]) {
            fprintf(f, " %s:%llu", err_names[k], (unsigned long long)s->errors[k]);
            any = true;
        }
    fprintf(f, "%s\n", any ? "" : " none");
    for (int k = 0; k < ERR_COUNT; k++)
        if (s->errors[k])
            fprintf(f, "  %-9s e.g. %s\n", err_names[k], s->error_sample[k]);
    if (s->closed_idle || s->server_close)
        fprintf(f,
                "closes    %llu idle connections closed by the server, %llu answers "
                "with Connection: close\n",
                (unsigned long long)s->closed_idle,
                (unsigned long long)s->server_close);
    text_server(f, s, r);
    fprintf(f, "client    cpu %.2f s\n", r->client_cpu_s);
    if (r->mach_before.ok && r->mach_after.ok)
        fprintf(f,
                "machine   %ld cpus busy %.2f s, of which %.2f s neither server nor "
                "client; %.2f s stolen\n",
                sysconf(_SC_NPROCESSORS_ONLN), machine_busy(r), machine_other(r),
                r->mach_after.steal_s - r->mach_before.steal_s);
}

static cJSON *json_hist(const struct hist *h)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "count", (double)h->count);
    cJSON_AddNumberToObject(o, "mean", hist_mean(h) / 1e6);
    for (size_t i = 0; i < sizeof quantiles / sizeof quantiles[0]; i++)
        cJSON_AddNumberToObject(o, quantiles[i].name,
                                ms(hist_quantile(h, quantiles[i].q)));
    cJSON_AddNumberToObject(o, "max", ms(h->max));
    return o;
}

static cJSON *json_errors(const struct stats *s)
{
    cJSON *o = cJSON_CreateObject();
    for (int k = 0; k < ERR_COUNT; k++)
        cJSON_AddNumberToObject(o, err_names[k], (double)s->errors[k]);
    cJSON *samples = cJSON_AddObjectToObject(o, "samples");
    for (int k = 0; k < ERR_COUNT; k++)
        if (s->errors[k])
            cJSON_AddStringToObject(samples, err_names[k], s->error_sample[k]);
    return o;
}

static cJSON *json_server(const struct bench *b, const struct stats *s,
                          const struct run_result *r)
{
    cJSON *o = cJSON_CreateObject();
    cJSON *pids = cJSON_AddArrayToObject(o, "pids");
    for (size_t i = 0; i < b->o.npids; i++)
        cJSON_AddItemToArray(pids, cJSON_CreateNumber(b->o.pids[i]));
    double cpu = r->srv_after.cpu_s - r->srv_before.cpu_s;
    cJSON_AddNumberToObject(o, "processes", (double)r->srv_after.nproc);
    cJSON_AddNumberToObject(o, "cpu_s", cpu);
    cJSON_AddNumberToObject(o, "cpu_pct",
                            r->window_s > 0 ? 100 * cpu / r->window_s : 0);
    cJSON_AddNumberToObject(o, "cpu_us_per_request",
                            s->ok ? 1e6 * cpu / (double)s->ok : 0);
    cJSON_AddNumberToObject(o, "rss_before_kb", (double)r->srv_before.rss_kb);
    cJSON_AddNumberToObject(o, "rss_kb", (double)r->srv_after.rss_kb);
    cJSON_AddNumberToObject(o, "hwm_kb", (double)r->srv_after.hwm_kb);
    cJSON *threads = cJSON_AddArrayToObject(o, "threads");
    for (size_t i = 0; i < r->srv_after.nthreads; i++) {
        const struct thread_cpu *t = &r->srv_after.threads[i];
        cJSON *j = cJSON_CreateObject();
        cJSON_AddNumberToObject(j, "tid", t->tid);
        cJSON_AddStringToObject(j, "name", t->name);
        cJSON_AddNumberToObject(j, "cpu_s", proc_thread_delta(&r->srv_before, t));
        cJSON_AddItemToArray(threads, j);
    }
    return o;
}

static cJSON *json_idle(const struct stats *s, const struct run_result *r)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "target", (double)s->idle_target);
    cJSON_AddNumberToObject(o, "established", (double)s->idle_established);
    cJSON_AddNumberToObject(o, "failed", (double)s->idle_failed);
    cJSON_AddNumberToObject(o, "open_s", r->window_s);
    if (r->have_server && s->idle_established) {
        long delta = r->srv_after.rss_kb - r->srv_before.rss_kb;
        cJSON_AddNumberToObject(o, "rss_before_kb", (double)r->srv_before.rss_kb);
        cJSON_AddNumberToObject(o, "rss_after_kb", (double)r->srv_after.rss_kb);
        cJSON_AddNumberToObject(o, "rss_delta_kb", (double)delta);
        cJSON_AddNumberToObject(o, "kb_per_conn",
                                (double)delta / (double)s->idle_established);
    }
    return o;
}

static cJSON *json_e2e(const struct stats *s)
{
    cJSON *o = json_hist(&s->e2e);
    cJSON_AddNumberToObject(o, "accepted", (double)s->e2e_accepted);
    cJSON_AddNumberToObject(o, "received", (double)s->e2e_received);
    cJSON_AddNumberToObject(o, "lost", (double)s->e2e_lost);
    cJSON_AddNumberToObject(o, "redelivered", (double)s->e2e_redelivered);
    cJSON_AddNumberToObject(o, "foreign", (double)s->e2e_foreign);
    cJSON_AddNumberToObject(o, "acks", (double)s->acks_ok);
    cJSON_AddNumberToObject(o, "polls", (double)s->polls);
    return o;
}

int report_json(FILE *f, const struct bench *b, const struct stats *s,
                const struct run_result *r)
{
    const struct bench_opts *o = &b->o;
    cJSON *root = cJSON_CreateObject();
    cJSON_AddStringToObject(root, "mode", mode_names[o->mode]);
    cJSON_AddStringToObject(root, "url", o->targets[0].url);
    cJSON *urls = cJSON_AddArrayToObject(root, "urls");
    for (size_t i = 0; i < o->ntargets; i++)
        cJSON_AddItemToArray(urls, cJSON_CreateString(o->targets[i].url));
    cJSON_AddStringToObject(root, "recipient_url", o->recv.url);
    cJSON_AddNumberToObject(root, "connections", o->connections);
    cJSON_AddNumberToObject(root, "rate", o->rate);
    cJSON_AddNumberToObject(root, "threads", o->threads);
    cJSON_AddNumberToObject(root, "window_s", r->window_s);
    cJSON_AddNumberToObject(root, "requests", (double)s->ok);
    cJSON_AddNumberToObject(root, "rps", rate_of(s, r));
    cJSON_AddNumberToObject(root, "responses", (double)s->responses);
    cJSON_AddItemToObject(root, "latency_ms", json_hist(&s->latency));
    cJSON_AddItemToObject(root, "connect_ms", json_hist(&s->connect));
    if (o->mode == MODE_E2E)
        cJSON_AddItemToObject(root, "e2e_ms", json_e2e(s));
    if (o->mode == MODE_IDLE)
        cJSON_AddItemToObject(root, "idle", json_idle(s, r));
    cJSON *status = cJSON_AddObjectToObject(root, "status");
    for (int code = 0; code < 600; code++)
        if (s->status[code]) {
            char key[8];
            snprintf(key, sizeof key, "%d", code);
            cJSON_AddNumberToObject(status, key, (double)s->status[code]);
        }
    cJSON_AddItemToObject(root, "errors", json_errors(s));
    cJSON_AddNumberToObject(root, "closed_idle", (double)s->closed_idle);
    cJSON_AddNumberToObject(root, "server_close", (double)s->server_close);
    if (r->have_server)
        cJSON_AddItemToObject(root, "server", json_server(b, s, r));
    cJSON *client = cJSON_AddObjectToObject(root, "client");
    cJSON_AddNumberToObject(client, "cpu_s", r->client_cpu_s);
    if (r->mach_before.ok && r->mach_after.ok) {
        cJSON *m = cJSON_AddObjectToObject(root, "machine");
        cJSON_AddNumberToObject(m, "cpus", (double)sysconf(_SC_NPROCESSORS_ONLN));
        cJSON_AddNumberToObject(m, "busy_s", machine_busy(r));
        cJSON_AddNumberToObject(m, "other_s", machine_other(r));
        cJSON_AddNumberToObject(m, "steal_s",
                                r->mach_after.steal_s - r->mach_before.steal_s);
    }
    char *text = cJSON_PrintUnformatted(root);
    cJSON_Delete(root);
    if (!text)
        return -1;
    fprintf(f, "%s\n", text);
    cJSON_free(text);
    return 0;
}
