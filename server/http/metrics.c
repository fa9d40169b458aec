#include "metrics.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "taxonomy.h"
#include "textbuf.h"

static void family(FILE *f, const char *name, const char *type, const char *help)
{
    fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/*
 * Label values are taxonomy words and error codes, which need no escaping;
 * anything else read back from the store is written as "invalid" rather than
 * trusted, so a damaged row cannot break the exposition.
 */
static const char *label(const char *v)
{
    if (v[0] == '\0')
        return "invalid";
    for (const char *p = v; *p != '\0'; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_'))
            return "invalid";
    return v;
}

char *metrics_render(const struct metrics_snapshot *m, size_t *len)
{
    char *buf = NULL;
    FILE *f = open_memstream(&buf, len);
    if (f == NULL)
        return NULL;

    family(
        f, "refgw_referrals_total", "counter",
        "Referrals accepted, acknowledged and expired, by sender type, recipient type"
        " and signal, since the store was created.");
    for (size_t i = 0; i < m->store->series_count; i++) {
        const struct metrics_series *x = &m->store->series[i];
        fprintf(f,
                "refgw_referrals_total{event=\"%s\",sender_type=\"%s\","
                "recipient_type=\"%s\",signal=\"%s\"} %lld\n",
                label(x->event), label(x->sender_type), label(x->recipient_type),
                label(x->signal), x->n);
    }

    family(f, "refgw_rejections_total", "counter",
           "Requests refused, by error code, since the store was created.");
    for (int code = RG_OK + 1; code < RG_CODE_COUNT; code++)
        fprintf(f, "refgw_rejections_total{code=\"%s\"} %lld\n",
                rg_code_name((enum rg_code)code),
                m->store->rejections[code] + (long long)m->unflushed_rejections[code]);

    family(
        f, "refgw_tls_handshake_failures_total", "counter",
        "TLS handshakes that failed (no, foreign or revoked certificate) since refgwd"
        " started.");
    fprintf(f, "refgw_tls_handshake_failures_total %lu\n", m->handshake_failures);

    family(f, "refgw_connections_open", "gauge", "Client connections open now.");
    fprintf(f, "refgw_connections_open %ld\n", m->connections);

    /* Every partner type, zeros included, so an alert sees a type go quiet. */
    family(f, "refgw_referrals_pending", "gauge",
           "Referrals neither acknowledged nor expired, by recipient type.");
    for (size_t t = 0; t < rg_org_types.count && t < METRICS_TYPES_MAX; t++)
        if (!org_type_is_admin((int)t))
            fprintf(f, "refgw_referrals_pending{recipient_type=\"%s\"} %lld\n",
                    rg_org_types.values[t], m->store->pending[t]);

    family(
        f, "refgw_oldest_pending_age_seconds", "gauge",
        "Age of the oldest pending referral, by recipient type; 0 when none is pending."
        " A growing age means a recipient stopped reading its inbox.");
    for (size_t t = 0; t < rg_org_types.count && t < METRICS_TYPES_MAX; t++)
        if (!org_type_is_admin((int)t))
            fprintf(f, "refgw_oldest_pending_age_seconds{recipient_type=\"%s\"} %lld\n",
                    rg_org_types.values[t], m->store->oldest_age[t]);

    return rg_text_finish(f, &buf);
}
