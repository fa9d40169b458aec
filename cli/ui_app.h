/*
 * ui_app.h - one request to the staff page, from the bytes a browser sent to
 * the answer: the checks of ui_guard.h in order (method, Host, path, token
 * or session; on a POST Origin, form and CSRF token), then the page of the
 * route table. Knows no socket: ui_server.c hands each request in as plain
 * strings and writes the answer out.
 */
#ifndef REFGW_CLI_UI_APP_H
#define REFGW_CLI_UI_APP_H

#include <stddef.h>

#include "ui.h"
#include "ui_guard.h"

/* A request as it came. Headers: the one value, or NULL when absent; host
 * is NULL also when there were several. */
struct ui_in {
    const char *method;
    const char *target; /* the request-target: "/inbox?x=1" */
    const char *host, *cookie, *origin, *content_type;
    const char *body;
    size_t body_len;
};

struct ui_app {
    struct ui ui;
    struct ui_guard guard;
};

/* Answers one request into rs (zeroed here; the caller frees rs->body). */
void ui_app_handle(struct ui_app *app, const struct ui_in *in, struct ui_response *rs);

#endif
