/*
 * ui_guard.h - who may use the staff page, and how (SPEC §12).
 *
 * Each start makes a fresh token (32 random bytes, base64url). A browser
 * that presents it gets a session of its own: a random cookie value
 * (HttpOnly, SameSite=Strict, named after the port so that two pages on one
 * computer do not mix) and a random CSRF token that every form carries.
 * Requests are held to:
 *   - Host: exactly one of the loopback names served ("127.0.0.1:PORT",
 *     "localhost:PORT"), against DNS rebinding;
 *   - the token, or the cookie of a live session;
 *   - on a POST, Origin "http://" + that Host, and the session's CSRF token.
 * Secrets are compared in constant time and wiped when the guard is cleared.
 * At most UI_SESSIONS_MAX sessions live; a new one replaces the one used
 * least recently.
 */
#ifndef REFGW_CLI_UI_GUARD_H
#define REFGW_CLI_UI_GUARD_H

#include <stdbool.h>
#include <stddef.h>

#include "ui.h"

#define UI_SESSIONS_MAX 16
#define UI_HOSTS_MAX 2

struct ui_guard {
    char token[UI_SECRET_LEN + 1];
    char cookie_name[32];
    char hosts[UI_HOSTS_MAX][64];
    struct ui_session sessions[UI_SESSIONS_MAX];
    unsigned long long clock;
};

/* A guard for a page served at addr:port (addr a 127.x.y.z literal). 0, or
 * -1 when the random generator fails. */
int ui_guard_init(struct ui_guard *g, const char *addr, unsigned port);

/* Wipes every secret. */
void ui_guard_clear(struct ui_guard *g);

/* Whether host (the one Host header) names this page. */
bool ui_guard_host_ok(const struct ui_guard *g, const char *host);

/* Whether token is this start's. */
bool ui_guard_token_ok(const struct ui_guard *g, const char *token);

/* A new session (NULL when the random generator fails), and the value of the
 * Set-Cookie header that gives it to the browser. */
struct ui_session *ui_guard_session_new(struct ui_guard *g, char *set_cookie,
                                        size_t size);

/* The live session whose cookie the Cookie header carries, or NULL. */
struct ui_session *ui_guard_session(struct ui_guard *g, const char *cookie_header);

/* Whether a POST's Origin is this page as the browser named it (host). */
bool ui_guard_origin_ok(const char *origin, const char *host);

/* Whether csrf is the session's. */
bool ui_guard_csrf_ok(const struct ui_session *s, const char *csrf);

#endif
