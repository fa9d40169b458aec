/*
 * directory.h - the organisations this caller may send to (GET
 * /v1/directory, SPEC §5): whether a recipient is one of them, the nearest
 * id when it is not ("did you mean"), and the encryption certificates a
 * recipient publishes (SPEC §10).
 */
#ifndef REFGW_CLI_DIRECTORY_H
#define REFGW_CLI_DIRECTORY_H

#include <cjson/cJSON.h>

#include "cli.h"
#include "gateway.h"

struct directory {
    struct gw_answer ans;
    const cJSON *orgs; /* the "organisations" array of ans */
};

/* Asks the gateway (retrying as gw_call_retrying); 0, or -1 with err. */
int directory_fetch(struct cli *c, long retries, struct directory *d,
                    struct cli_error *err);

/* The entry {"id", "name", "type", "encryption_certs"?} with this id, or NULL. */
const cJSON *directory_find(const struct directory *d, const char *id);

/* The listed id nearest to `id` (suggest.h), or NULL. */
const char *directory_suggest(const struct directory *d, const char *id);

/*
 * The recipient is not listed: exit 2 (the gateway's own directory says so)
 * naming it, with the nearest id when there is one. Returns -1.
 */
int directory_refuse(const struct directory *d, const char *id, struct cli_error *err);

void directory_clear(struct directory *d);

#endif
