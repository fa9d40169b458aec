/*
 * setup.h - a configuration file and everything it names, loaded and
 * checked as one: the file itself (config.h), what it asks of this machine
 * (the user, data_dir: preflight.h) and its TLS files (tls.h).
 *
 * --check-config, the start and every reload go through setup_load, so
 * the three refuse the same things in the same words, each naming its key.
 * Nothing here changes anything on disk.
 */
#ifndef REFGW_SETUP_H
#define REFGW_SETUP_H

#include <stddef.h>

#include "config.h"
#include "expiry.h"

struct tls_server;

struct setup {
    struct config *config;
    struct tls_server *tls;
    long long expiry[CERT_WHICH_COUNT]; /* when each runs out (expiry.h) */
};

/* 0 and a setup the caller owns, or -1 with err. */
int setup_load(const char *path, struct setup *s, char err[RG_ERR_MAX]);

/* Drops the references a setup holds. */
void setup_clear(struct setup *s);

/*
 * The keys that changed from old to next and apply only after a restart
 * (listen, data_dir, store, user), as "listen, user" in out; "" if none.
 */
void setup_restart_keys(const struct config *old, const struct config *next, char *out,
                        size_t size);

#endif
