/*
 * pg_watch.h - the thread that notices what other gateways sharing the
 * database commit (SPEC §11), and keeps the content table vacuumed.
 *
 * - LISTEN on a connection of its own: each batch that stored referrals
 *   NOTIFYs their recipients once; fn(arg, org) is called for each, but not
 *   for this gateway's own commits (its writer's server process is known).
 * - A dropped connection loses notifications: it is made again (every
 *   second while the server cannot be reached) and LISTENs again, and
 *   every few seconds, connected or not before, the pending referrals
 *   created lately are looked up and their recipients passed to fn too.
 *   So a long-poll that a notification missed still wakes within seconds,
 *   also behind a pooler where LISTEN does not work.
 * - VACUUM of the content table at start and every ten minutes (one
 *   gateway at a time), on a third connection, without holding the rest up:
 *   deleted content does not linger in dead rows until autovacuum comes by.
 */
#ifndef REFGW_PG_WATCH_H
#define REFGW_PG_WATCH_H

#include "errors.h"

struct pg_watch;

/* writer_pid: where the writer keeps its server process id (read
 * atomically). NULL with err if the thread cannot start; a server that
 * cannot be reached is no error (the thread tries again). */
struct pg_watch *pg_watch_start(const char *conninfo, const int *writer_pid,
                                void (*fn)(void *arg, const char *org), void *arg,
                                char err[RG_ERR_MAX]);

/* Stops the thread and closes its connections; NULL is fine. */
void pg_watch_stop(struct pg_watch *w);

#endif
