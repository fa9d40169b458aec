/*
 * fuzz_config - the configuration file (server/config.c), as refgwd reads
 * it at start and on SIGHUP. A bad file must be refused with a message,
 * never crash or leak: on SIGHUP a refusal keeps the old configuration.
 *
 * Checks: an accepted configuration has a listen host, the required paths
 * made absolute against the base folder, organisations with valid distinct
 * ids, known types and bounded names, and limits inside their ranges; a
 * refusal always says why.
 */
#include <stdint.h>
#include <string.h>

#include "config.h"
#include "fuzz.h"

#define BASE "/fuzz-base"

static void check_path(const char *p, bool required)
{
    if (p == NULL) {
        FUZZ_CHECK(!required);
        return;
    }
    FUZZ_CHECK(p[0] == '/');
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char err[RG_ERR_MAX];
    memset(err, 0x55,
           sizeof(err)); /* prove that a refusal writes a terminated message */
    struct config *c = config_parse((const char *)data, size, BASE, err);
    if (c == NULL) {
        FUZZ_CHECK(memchr(err, '\0', sizeof(err)) != NULL);
        FUZZ_CHECK(err[0] != '\0');
        return 0;
    }
    FUZZ_CHECK(c->refs == 1);
    FUZZ_CHECK(c->listen_host != NULL);
    FUZZ_CHECK(c->listen_port >= 0 && c->listen_port <= 65535);
    check_path(c->tls_cert, true);
    check_path(c->tls_key, true);
    check_path(c->tls_client_ca, true);
    check_path(c->tls_crl, false);
    check_path(c->data_dir, true);
    FUZZ_CHECK(c->retention_days > 0);
    FUZZ_CHECK(c->stats_min_count >= 1);
    FUZZ_CHECK(c->rate_limit_per_minute >= 1);
    FUZZ_CHECK(c->log_interval_seconds >= 1);
    FUZZ_CHECK(c->max_connections >= 1);
    for (size_t i = 0; i < c->org_count; i++) {
        const struct org *o = &c->orgs[i];
        FUZZ_CHECK(rg_org_id_valid(o->id, strlen(o->id)));
        FUZZ_CHECK(strlen(o->name) <= ORG_NAME_MAX && o->name[0] != '\0');
        FUZZ_CHECK(o->type >= 0 && (size_t)o->type < rg_org_types.count);
        FUZZ_CHECK(config_find_org(c, o->id) == o); /* ids are distinct */
    }
    for (int s = 0; s < 16; s++)
        for (int r = 0; r < 16; r++)
            if (config_route_allows(c, s, r))
                FUZZ_CHECK((size_t)s < rg_org_types.count &&
                           (size_t)r < rg_org_types.count);
    config_ref(c);
    config_unref(c);
    config_unref(c);
    return 0;
}
