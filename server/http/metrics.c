#include "metrics.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "refgw_version.h"
#include "taxonomy.h"
#include "textbuf.h"

static void family(FILE *f, const char *name, const char *type, const char *help)
{
    fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static const char *const handshake_classes[HANDSHAKE_FAILURE_CLASSES] = {
    [HANDSHAKE_REFUSED] = "refused",
    [HANDSHAKE_TIMEOUT] = "timeout",
    [HANDSHAKE_CLOSED] = "closed",
    [HANDSHAKE_CRL_EXPIRED] = "crl_expired",
};

char *metrics_render(const struct metrics_snapshot *m, size_t *len)
{
    char *buf = NULL;
    FILE *f = open_memstream(&buf, len);
    if (f == NULL)
        return NULL;

    /* Operational series only (SPEC §6): no signal, organisation or subject
     * label, nothing /v1/stats would withhold. */
    family(f, "refgw_events_total", "counter",
           "Referral events (accepted, acknowledged, expired) since the store was"
           " created.");
    for (size_t e = 0; e < stats_events.count; e++)
        fprintf(f, "refgw_events_total{event=\"%s\"} %lld\n", stats_events.values[e],
                m->store->events[e]);

    family(f, "refgw_rejections_total", "counter",
           "Requests refused, by error code, since the store was created.");
    for (int code = RG_OK + 1; code < RG_CODE_COUNT; code++)
        fprintf(f, "refgw_rejections_total{code=\"%s\"} %lld\n",
                rg_code_name((enum rg_code)code),
                m->store->rejections[code] + (long long)m->unflushed_rejections[code]);

    family(f, "refgw_handshakes_total", "counter",
           "TLS handshakes that completed with an admissible client certificate, since"
           " refgwd started.");
    fprintf(f, "refgw_handshakes_total %lu\n", m->handshakes);

    family(
        f, "refgw_handshake_failures_total", "counter",
        "TLS handshakes that failed since refgwd started, by class: refused (no,"
        " foreign, revoked or expired certificate, or a protocol the gateway does not"
        " speak), timeout, closed (the client went away), crl_expired (the gateway's"
        " CRL is past its nextUpdate: every client is refused).");
    for (int c = 0; c < HANDSHAKE_FAILURE_CLASSES; c++)
        fprintf(f, "refgw_handshake_failures_total{class=\"%s\"} %lu\n",
                handshake_classes[c], m->handshake_failures[c]);

    family(f, "refgw_connections_open", "gauge", "Client connections open now.");
    fprintf(f, "refgw_connections_open %ld\n", m->connections);

    family(f, "refgw_store_commits_total", "counter",
           "Store transactions committed (each a batch of requests) since refgwd "
           "started.");
    fprintf(f, "refgw_store_commits_total %llu\n", m->commits);
    family(f, "refgw_store_commit_seconds_total", "counter",
           "Time spent committing them, fsync included; divided by the commits, the"
           " mean store latency.");
    fprintf(f, "refgw_store_commit_seconds_total %.6f\n", m->commit_seconds);

    family(f, "refgw_cert_expiry_seconds", "gauge",
           "Seconds until the server certificate's notAfter (server), the client CA's"
           " notAfter (ca) and the CRL's nextUpdate (crl); negative once past.");
    for (int w = 0; w < CERT_WHICH_COUNT; w++)
        if (m->cert_expiry[w] != EXPIRY_NONE)
            fprintf(f, "refgw_cert_expiry_seconds{which=\"%s\"} %lld\n",
                    cert_label((enum cert_which)w), m->cert_expiry[w] - m->now);

    family(f, "refgw_build_info", "gauge", "The version of refgwd running; always 1.");
    fprintf(f, "refgw_build_info{version=\"%s\"} 1\n", REFGW_VERSION);

    return rg_text_finish(f, &buf);
}
