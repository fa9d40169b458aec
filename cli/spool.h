/*
 * spool.h - durable files in the folder `receive` writes to.
 *
 * spool_write() puts data under its final name only once it is on disk:
 * write to ".NAME.tmp" (mode 0600), fsync, rename to NAME, fsync the folder.
 * After it returns 0 the file survives a crash or power loss; a crash before
 * that leaves at most a ".NAME.tmp", which the next write of NAME replaces.
 */
#ifndef REFGW_CLI_SPOOL_H
#define REFGW_CLI_SPOOL_H

#include <stddef.h>

#include "cli.h"

struct spool {
    int dirfd;
    const char *path; /* for messages */
};

/* Opens the folder, creating it (mode 0700) when it does not exist; 0 or -1 (exit 1).
 */
int spool_open(struct spool *s, const char *path, struct cli_error *err);

/* name: a plain file name (no '/', not starting with '.'). 0 or -1 (exit 1). */
int spool_write(struct spool *s, const char *name, const void *data, size_t len,
                struct cli_error *err);

void spool_close(struct spool *s);

#endif
