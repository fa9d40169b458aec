#include "ui_app.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "ids.h"
#include "ui_assets.h"
#include "ui_form.h"
#include "ui_page.h"

#define PATH_MAX_LEN 256
#define FORM_TYPE "application/x-www-form-urlencoded"

/* "/": the first page of this organisation's role. */
static int home(struct ui *u, const struct ui_request *rq, struct ui_response *rs)
{
    return ui_redirect(rs, ui_role(u) == UI_ROLE_ADMIN ? "/report" : "/send");
}

/* "/assets/NAME": the style sheets, script and icon built into refgw. */
static int asset(struct ui *u, const struct ui_request *rq, struct ui_response *rs)
{
    struct ui_asset a;
    if (ui_asset_find(rq->path + strlen("/assets/"), &a)) {
        rs->type = a.type;
        ui_buf_putn(&rs->body, a.data, a.len);
        return rs->body.failed ? -1 : 0;
    }
    return ui_problem(u, rq, rs, 404, UI_NAV_NONE, MSG_UI_NOT_FOUND_TITLE,
                      MSG_UI_NOT_FOUND, NULL);
}

/* The pages. "{id}" is one path segment that is a referral id; "{name}" any
 * one segment (the handler checks it). */
static const struct route {
    const char *pattern;
    ui_handler get, post;
} routes[] = {
    {"/", home, NULL},
    {"/send", ui_send_form, ui_send_post},
    {"/send/done", ui_send_done, NULL},
    {"/inbox", ui_inbox_list, NULL},
    {"/inbox/{id}", ui_inbox_open, NULL},
    {"/inbox/{id}/text", ui_inbox_text, NULL},
    {"/inbox/{id}/json", ui_inbox_json, NULL},
    {"/inbox/{id}/ack", ui_inbox_ack_form, ui_inbox_ack},
    {"/sent", ui_sent_list, NULL},
    {"/report", ui_report_page, NULL},
    {"/report/file", ui_report_file, NULL},
    {"/assets/{name}", asset, NULL},
};

/* Whether path matches pattern; the segment of {id} goes to id. */
static bool match(const char *pattern, const char *path, char id[RG_ID_LEN + 1])
{
    while (*pattern != '\0' && *path != '\0') {
        if (*pattern == '{') {
            bool is_id = strncmp(pattern, "{id}", 4) == 0;
            size_t n = strcspn(path, "/");
            if (n == 0 || (is_id && !rg_id_valid(path, n)))
                return false;
            if (is_id)
                snprintf(id, RG_ID_LEN + 1, "%.*s", (int)n, path);
            pattern = strchr(pattern, '}') + 1;
            path += n;
        } else if (*pattern++ != *path++) {
            return false;
        }
    }
    return *pattern == '\0' && *path == '\0';
}

/* A path of plain segments: [A-Za-z0-9_.-], none empty or beginning with '.'. */
static bool plain_path(const char *path, size_t len)
{
    if (len == 0 || len > PATH_MAX_LEN || path[0] != '/')
        return false;
    for (size_t i = 0; i < len; i++) {
        char ch = path[i];
        bool ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
                  (ch >= '0' && ch <= '9') || ch == '_' || ch == '-' ||
                  (ch == '.' && path[i - 1] != '/') ||
                  (ch == '/' && (i + 1 == len || path[i + 1] != '/'));
        if (!ok)
            return false;
    }
    return true;
}

/* Appends s percent-encoded (all but unreserved characters). */
static void put_encoded(char *out, size_t size, const char *s)
{
    size_t o = strlen(out);
    for (; *s != '\0' && o + 4 < size; s++) {
        unsigned char ch = (unsigned char)*s;
        if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
            (ch >= '0' && ch <= '9') || strchr("-._~", ch) != NULL)
            out[o++] = (char)ch;
        else
            o += (size_t)snprintf(out + o, size - o, "%%%02X", ch);
    }
    out[o] = '\0';
}

/* The token was right: a session, and a 303 to the same page without it. */
static int sign_in(struct ui_app *app, const char *path, const struct ui_params *query,
                   struct ui_response *rs)
{
    if (ui_guard_session_new(&app->guard, rs->cookie, sizeof(rs->cookie)) == NULL)
        return -1;
    char location[UI_LOCATION_MAX];
    snprintf(location, sizeof(location), "%s", path);
    for (size_t i = 0, kept = 0; i < query->n; i++) {
        if (strcmp(query->v[i].name, "token") == 0)
            continue;
        strncat(location, kept++ ? "&" : "?", sizeof(location) - strlen(location) - 1);
        put_encoded(location, sizeof(location), query->v[i].name);
        strncat(location, "=", sizeof(location) - strlen(location) - 1);
        put_encoded(location, sizeof(location), query->v[i].value);
    }
    return ui_redirect(rs, location);
}

static bool form_type(const char *type)
{
    size_t n = sizeof(FORM_TYPE) - 1;
    return type != NULL && strncasecmp(type, FORM_TYPE, n) == 0 &&
           (type[n] == '\0' || type[n] == ';');
}

static const struct route *find_route(const char *path, char id[RG_ID_LEN + 1])
{
    for (size_t i = 0; i < sizeof(routes) / sizeof(routes[0]); i++)
        if (match(routes[i].pattern, path, id))
            return &routes[i];
    return NULL;
}

/* After the Host check: the path, the query, and who is asking. */
static int route_request(struct ui_app *app, const struct ui_in *in,
                         struct ui_request *rq, struct ui_params *query,
                         struct ui_params *form, struct ui_response *rs)
{
    struct ui *u = &app->ui;
    char path[PATH_MAX_LEN + 1], id[RG_ID_LEN + 1] = "";
    size_t path_len = strcspn(in->target, "?");
    const char *q = in->target[path_len] == '?' ? in->target + path_len + 1 : "";
    if (!plain_path(in->target, path_len))
        return ui_problem(u, rq, rs, 404, UI_NAV_HIDDEN, MSG_UI_NOT_FOUND_TITLE,
                          MSG_UI_NOT_FOUND, NULL);
    snprintf(path, sizeof(path), "%.*s", (int)path_len, in->target);
    rq->path = path;
    if (ui_params_parse(query, q, strlen(q)) < 0)
        return ui_problem(u, rq, rs, 400, UI_NAV_HIDDEN, MSG_UI_BAD_REQUEST_TITLE,
                          MSG_UI_BAD_REQUEST, NULL);
    const char *token = ui_param(query, "token");
    if (token != NULL && ui_guard_token_ok(&app->guard, token))
        return sign_in(app, path, query, rs);
    if (token != NULL ||
        (rq->session = ui_guard_session(&app->guard, in->cookie)) == NULL)
        return ui_problem(u, rq, rs, 403, UI_NAV_HIDDEN, MSG_UI_FORBIDDEN_TITLE,
                          MSG_UI_FORBIDDEN, NULL);

    const struct route *r = find_route(path, id);
    if (r == NULL)
        return ui_problem(u, rq, rs, 404, UI_NAV_NONE, MSG_UI_NOT_FOUND_TITLE,
                          MSG_UI_NOT_FOUND, NULL);
    rq->id = id[0] ? id : NULL;
    ui_handler h = rq->post ? r->post : r->get;
    if (h == NULL) {
        rs->allow = r->post ? "GET, POST" : "GET";
        return ui_problem(u, rq, rs, 405, UI_NAV_NONE, MSG_UI_BAD_REQUEST_TITLE,
                          MSG_UI_BAD_REQUEST, NULL);
    }
    if (rq->post) {
        /* A state change: only from a form of this page, in this session.
         * The Origin first: a body from elsewhere is not even decoded. */
        bool origin_ok = ui_guard_origin_ok(in->origin, in->host);
        if (origin_ok && !form_type(in->content_type))
            return ui_problem(u, rq, rs, 415, UI_NAV_NONE, MSG_UI_BAD_REQUEST_TITLE,
                              MSG_UI_BAD_REQUEST, NULL);
        if (origin_ok && ui_params_parse(form, in->body, in->body_len) < 0)
            return ui_problem(u, rq, rs, 400, UI_NAV_NONE, MSG_UI_BAD_REQUEST_TITLE,
                              MSG_UI_BAD_REQUEST, NULL);
        if (!origin_ok || !ui_guard_csrf_ok(rq->session, ui_param(form, "csrf")))
            return ui_problem(u, rq, rs, 403, UI_NAV_NONE, MSG_UI_CSRF_TITLE,
                              MSG_UI_CSRF, NULL);
    }
    return h(u, rq, rs);
}

void ui_app_handle(struct ui_app *app, const struct ui_in *in, struct ui_response *rs)
{
    memset(rs, 0, sizeof(*rs));
    rs->status = 200;
    struct ui_params query = {0}, form = {0};
    struct ui_request rq = {.query = &query, .form = &form, .path = "/"};
    struct ui *u = &app->ui;
    int rc;
    rq.post = strcmp(in->method, "POST") == 0;
    if (!ui_guard_host_ok(&app->guard, in->host)) {
        rc = ui_problem(u, &rq, rs, 400, UI_NAV_HIDDEN, MSG_UI_BAD_HOST_TITLE,
                        MSG_UI_BAD_HOST, NULL);
    } else if (!rq.post && strcmp(in->method, "GET") != 0) {
        rs->allow = "GET, POST";
        rc = ui_problem(u, &rq, rs, 405, UI_NAV_HIDDEN, MSG_UI_BAD_REQUEST_TITLE,
                        MSG_UI_BAD_REQUEST, NULL);
    } else {
        rc = route_request(app, in, &rq, &query, &form, rs);
    }
    if (rc < 0 || rs->body.failed) {
        ui_buf_free(&rs->body);
        memset(rs, 0, sizeof(*rs));
        rs->status = 500;
        rs->type = "text/plain; charset=utf-8";
        ui_buf_put(&rs->body, "out of memory\n");
    }
    ui_params_clear(&query);
    ui_params_clear(&form);
}
