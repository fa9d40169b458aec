/*
 * ui_server.h - the staff page's HTTP server (SPEC §12): libevent's evhttp
 * on a loopback address, answering one request at a time through
 * ui_app_handle(), with the headers every answer carries:
 *   Content-Security-Policy: default-src 'self'; frame-ancestors 'none'
 *   X-Content-Type-Options: nosniff, Cache-Control: no-store,
 *   Referrer-Policy: same-origin, X-Frame-Options: DENY,
 *   Cross-Origin-Opener-Policy and Cross-Origin-Resource-Policy: same-origin.
 * Headers at most 16 KiB, a body at most 512 KiB, idle connections closed
 * after 60 s. libevent allocates through the wiping allocator (wipe.h), so
 * the requests and answers it buffers (forms and pages that hold referrals)
 * are wiped before their memory is freed.
 */
#ifndef REFGW_CLI_UI_SERVER_H
#define REFGW_CLI_UI_SERVER_H

#include "cli.h"
#include "ui_app.h"

/*
 * Listens on addr:port (port 0: a free one), sets up app->guard for the
 * port bound, prints `refgw ui: http://ADDR:PORT/?token=TOKEN` on stdout,
 * and serves until SIGTERM or SIGINT. 0 then, or -1 with err when it cannot
 * listen. Must be called before anything else in the process uses libevent.
 */
int ui_server_run(struct ui_app *app, const char *addr, unsigned port,
                  struct cli_error *err);

#endif
