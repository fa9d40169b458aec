/*
 * config.h - the gateway's configuration file (SPEC §3), loaded and checked.
 *
 * A struct config is immutable once loaded. A reload (SIGHUP) loads a new one
 * and swaps it in; requests in flight keep the one they started with through
 * an atomic reference count.
 * Relative paths are resolved against the file's own folder.
 */
#ifndef REFGW_CONFIG_H
#define REFGW_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

#include "referral.h"
#include "taxonomy.h"

#define ORG_NAME_MAX 200

struct enc_certs;

/* What an organisation may do, from its type (SPEC §2). */
enum org_kind {
    ORG_PARTNER, /* sends and receives referrals */
    ORG_ADMIN,   /* reads counts and metrics */
    ORG_MONITOR, /* reads metrics and health (a Prometheus scraper) */
};

struct org {
    char id[RG_ORG_ID_MAX + 1];
    char name[ORG_NAME_MAX + 1];
    int type; /* index into rg_org_types */
    enum org_kind kind;
    bool disabled;
    /* SPEC §10: its encryption certificates, each the PEM text of the file
     * (absolute path in encryption_cert_paths); checked by the TLS module. */
    char **encryption_certs, **encryption_cert_paths;
    size_t encryption_cert_count;
    struct enc_certs *encryption; /* the same, parsed and checked; NULL if none */
};

enum store_backend_kind { STORE_SQLITE, STORE_POSTGRESQL };

struct config {
    char *listen_host;
    int listen_port;                                    /* 0: any free port */
    char *tls_cert, *tls_key, *tls_client_ca, *tls_crl; /* absolute; crl may be NULL */
    char *data_dir; /* NULL only with the PostgreSQL store */
    char *user;     /* NULL: keep the current user */
    enum store_backend_kind store_backend;
    char *store_conninfo; /* PostgreSQL: a libpq connection string; never logged */
    bool require_e2e;     /* plaintext bodies refused (SPEC §10) */
    struct org *orgs;
    size_t org_count;
    unsigned routes[16]; /* per sender type, a bit per allowed recipient type */
    double retention_days;
    int stats_min_count;
    int rate_limit_per_minute;
    int log_interval_seconds;
    int max_connections;
    int refs;
};

/* Loads path; on failure returns NULL and err names the key at fault. */
struct config *config_load(const char *path, char err[RG_ERR_MAX]);

/* Parses a configuration document held in memory; relative paths against base_dir. */
struct config *config_parse(const char *text, size_t len, const char *base_dir,
                            char err[RG_ERR_MAX]);

struct config *config_ref(struct config *c);
void config_unref(struct config *c);

/* The organisation with this id, or NULL (disabled ones are returned too). */
const struct org *config_find_org(const struct config *c, const char *id);

bool config_route_allows(const struct config *c, int sender_type, int recipient_type);

/* What an organisation of this type (an rg_org_types index) may do. */
enum org_kind org_kind_of(int type);

#endif
