/*
 * config_internal.h - what the configuration's own files (config.c, the
 * file and its top-level keys; config_orgs.c, organisations and routes)
 * share. Nothing else includes this.
 */
#ifndef REFGW_CONFIG_INTERNAL_H
#define REFGW_CONFIG_INTERNAL_H

#include <cjson/cJSON.h>

#include "config.h"

/*
 * A top-level key of the file: how to read it and, when the file leaves it
 * out, what it is. One row a key (config_keys below): nothing about a key
 * lives anywhere else.
 */
struct key {
    const char *name;
    bool required;
    int (*parse)(const struct key *k, struct config *c, const cJSON *value,
                 const char *base, char err[RG_ERR_MAX]);
    void (*fallback)(const struct key *k, struct config *c); /* NULL: none */
    /* Integer keys: the field, its bounds and its default. */
    size_t field;
    int min, max, def;
};

/* Fills err and returns -1. */
int failf(char err[RG_ERR_MAX], const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* A path from the file, made absolute against the file's folder (malloc'd). */
char *resolve(const char *base_dir, const char *p);

/* A non-empty string; an integer in [min, max]. 0, or -1 with err naming key. */
int get_string(const cJSON *item, const char *key, char err[RG_ERR_MAX],
               const char **out);
int get_int(const cJSON *item, const char *key, int min, int max, char err[RG_ERR_MAX],
            int *out);

/* config_orgs.c: the "organisations" and "routes" keys. */
int parse_orgs(const struct key *k, struct config *c, const cJSON *arr,
               const char *base, char err[RG_ERR_MAX]);
int parse_routes(const struct key *k, struct config *c, const cJSON *routes,
                 const char *base, char err[RG_ERR_MAX]);
void default_routes(const struct key *k, struct config *c);

/* Frees what an organisation owns (its encryption certificates). */
void config_org_clear(struct org *o);

#endif
