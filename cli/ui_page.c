#include "ui_page.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "gateway.h"
#include "places.h"
#include "svg.h"
#include "wipe.h"

void ui_buf_putn(struct ui_buf *b, const char *s, size_t n)
{
    if (b->failed || n == 0)
        return;
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 8192;
        while (cap < b->len + n + 1)
            cap *= 2;
        char *grown = rg_wiping_realloc(b->data, cap); /* the old block is wiped */
        if (grown == NULL) {
            b->failed = true;
            return;
        }
        b->data = grown;
        b->cap = cap;
    }
    memcpy(b->data + b->len, s, n);
    b->len += n;
    b->data[b->len] = '\0';
}

void ui_buf_put(struct ui_buf *b, const char *s)
{
    ui_buf_putn(b, s, strlen(s));
}

void ui_buf_num(struct ui_buf *b, long long v)
{
    char n[24];
    snprintf(n, sizeof(n), "%lld", v);
    ui_buf_put(b, n);
}

void ui_buf_esc(struct ui_buf *b, const char *s)
{
    while (s != NULL && *s != '\0') {
        size_t plain = strcspn(s, "&<>\"'\x01\x02\x03\x04\x05\x06\x07\x08\x0b\x0c\r"
                                  "\x0e\x0f\x10\x11\x12\x13\x14\x15\x16\x17\x18\x19"
                                  "\x1a\x1b\x1c\x1d\x1e\x1f\x7f");
        ui_buf_putn(b, s, plain);
        s += plain;
        switch (*s) {
        case '\0':
            return;
        case '&':
            ui_buf_put(b, "&amp;");
            break;
        case '<':
            ui_buf_put(b, "&lt;");
            break;
        case '>':
            ui_buf_put(b, "&gt;");
            break;
        case '"':
            ui_buf_put(b, "&quot;");
            break;
        case '\'':
            ui_buf_put(b, "&#39;");
            break;
        default: /* a control character: dropped */
            break;
        }
        s++;
    }
}

void ui_buf_free(struct ui_buf *b)
{
    rg_wiping_free(b->data);
    memset(b, 0, sizeof(*b));
}

int ui_redirect(struct ui_response *rs, const char *location)
{
    rs->status = 303;
    snprintf(rs->location, sizeof(rs->location), "%s", location);
    return 0;
}

void ui_msg_text(const struct ui *u, enum rg_msg key, const char *const *args,
                 size_t nargs, char *out, size_t size)
{
    rg_msg_format(out, size, u->lang, key, args, nargs);
}

void ui_msg(struct ui_page *p, enum rg_msg key, const char *const *args, size_t nargs)
{
    char text[4096];
    ui_msg_text(p->u, key, args, nargs, text, sizeof(text));
    ui_esc(p, text);
}

void ui_para(struct ui_page *p, enum rg_msg key, const char *const *args, size_t nargs)
{
    ui_put(p, "<p>");
    ui_msg(p, key, args, nargs);
    ui_put(p, "</p>\n");
}

void ui_csrf_field(struct ui_page *p)
{
    ui_put(p, "<input type=\"hidden\" name=\"csrf\" value=\"");
    ui_esc(p, p->rq->session ? p->rq->session->csrf : "");
    ui_put(p, "\">");
}

/* 0 with *t, or -1 when s is not "YYYY-MM-DDTHH:MM:SSZ". */
static int parse_time(const char *s, time_t *t)
{
    struct tm tm = {0};
    int n = 0;
    if (strlen(s) != RG_TIME_LEN - 1 ||
        sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2dZ%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
               &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &n) != 6 ||
        n != RG_TIME_LEN - 1)
        return -1;
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    *t = timegm(&tm);
    return *t == (time_t)-1 ? -1 : 0;
}

void ui_time_text(const struct ui *u, const char *rfc3339, char *out, size_t size)
{
    time_t t;
    struct tm tm;
    if (parse_time(rfc3339, &t) < 0 || localtime_r(&t, &tm) == NULL) {
        snprintf(out, size, "%s", rfc3339);
        return;
    }
    char day[8], year[16], hm[8];
    snprintf(day, sizeof(day), "%d", tm.tm_mday);
    snprintf(year, sizeof(year), "%04d", (tm.tm_year + 1900) % 10000);
    snprintf(hm, sizeof(hm), "%02d:%02d", tm.tm_hour % 100, tm.tm_min % 100);
    const char *args[] = {day, rg_month_name(u->lang, tm.tm_mon + 1), year, hm};
    ui_msg_text(u, MSG_UI_DATE_TIME, args, 4, out, size);
}

void ui_time(struct ui_page *p, const char *rfc3339)
{
    char words[160];
    ui_time_text(p->u, rfc3339, words, sizeof(words));
    ui_put(p, "<time datetime=\"");
    ui_esc(p, rfc3339);
    ui_put(p, "\">");
    ui_esc(p, words);
    ui_put(p, "</time>");
}

void ui_words(const struct ui *u, const char *field, const char *code, char *out,
              size_t size)
{
    const char *words = rg_value_words(u->lang, field, code);
    if (words == NULL && strcmp(field, "municipality") == 0)
        rg_place_label(u->lang, code, out, size);
    else
        snprintf(out, size, "%s", words ? words : code);
}

void ui_count_text(const struct ui *u, long long v, char *out, size_t size)
{
    svg_count(out, size, v, rg_msg(u->lang, MSG_THOUSANDS_SEPARATOR));
}

enum ui_role ui_role(struct ui *u)
{
    if (u->role != UI_ROLE_UNKNOWN)
        return u->role;
    struct gw_answer ans;
    struct cli_error err = {0};
    if (gw_call(u->c, "GET", "/v1/directory", NULL, 0, false, &ans, &err) == 0)
        u->role = UI_ROLE_PARTNER;
    else if (strcmp(err.code, "forbidden_role") == 0)
        u->role = UI_ROLE_ADMIN;
    gw_answer_clear(&ans);
    return u->role;
}

void ui_page_head_links(struct ui_buf *b)
{
    ui_buf_put(b,
               "<link rel=\"stylesheet\" href=\"/assets/ui.css\">\n"
               "<link rel=\"icon\" href=\"/assets/icon.svg\" type=\"image/svg+xml\">\n"
               "<script src=\"/assets/ui.js\" defer></script>\n");
}

/* The menu: what this organisation's role may do (all of it while unknown). */
static void menu(struct ui_page *p, enum ui_nav current)
{
    static const struct {
        enum ui_nav nav;
        const char *href;
        enum rg_msg label;
        bool partner, admin;
    } items[] = {
        {UI_NAV_SEND, "/send", MSG_UI_NAV_SEND, true, false},
        {UI_NAV_INBOX, "/inbox", MSG_UI_NAV_INBOX, true, false},
        {UI_NAV_SENT, "/sent", MSG_UI_NAV_SENT, true, false},
        {UI_NAV_REPORT, "/report", MSG_UI_NAV_REPORT, false, true},
    };
    enum ui_role role = ui_role(p->u);
    ui_put(p, "<nav aria-label=\"");
    ui_msg(p, MSG_UI_NAV_LABEL, NULL, 0);
    ui_put(p, "\"><ul>");
    for (size_t i = 0; i < sizeof(items) / sizeof(items[0]); i++) {
        if ((role == UI_ROLE_PARTNER && !items[i].partner) ||
            (role == UI_ROLE_ADMIN && !items[i].admin))
            continue;
        ui_put(p, "<li><a href=\"");
        ui_put(p, items[i].href);
        ui_put(p, items[i].nav == current ? "\" aria-current=\"page\">" : "\">");
        ui_msg(p, items[i].label, NULL, 0);
        ui_put(p, "</a></li>");
    }
    ui_put(p, "</ul></nav>\n");
}

void ui_page_top(struct ui_page *p, enum ui_nav nav)
{
    ui_put(p, "<a class=\"skip\" href=\"#main\">");
    ui_msg(p, MSG_UI_SKIP_LINK, NULL, 0);
    ui_put(p, "</a>\n<header class=\"top\"><div class=\"bar\"><p class=\"brand\">");
    ui_msg(p, MSG_UI_APP_NAME, NULL, 0);
    ui_put(p, "</p>");
    if (nav != UI_NAV_HIDDEN) {
        const char *args[] = {p->u->org};
        ui_put(p, "<p class=\"org\">");
        ui_msg(p, MSG_UI_ORGANISATION, args, 1);
        ui_put(p, "</p>");
    }
    ui_put(p, "</div>\n");
    if (nav != UI_NAV_HIDDEN)
        menu(p, nav);
    ui_put(p, "</header>\n<main id=\"main\" tabindex=\"-1\">\n");
}

void ui_page_bottom(struct ui_page *p)
{
    ui_put(p, "</main>\n<footer><p>");
    ui_msg(p, MSG_UI_FOOTER, NULL, 0);
    ui_put(p, "</p></footer>\n");
}

void ui_page_begin(struct ui_page *p, struct ui *u, const struct ui_request *rq,
                   struct ui_response *rs, enum ui_nav nav, enum rg_msg title,
                   const char *const *args, size_t nargs)
{
    char heading[512];
    ui_msg_text(u, title, args, nargs, heading, sizeof(heading));
    *p = (struct ui_page){.b = &rs->body, .u = u, .rq = rq};
    rs->type = "text/html; charset=utf-8";
    ui_put(p, "<!DOCTYPE html>\n<html lang=\"");
    ui_put(p, rg_lang_code(u->lang));
    ui_put(p, "\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" "
              "content=\"width=device-width, initial-scale=1\">\n<title>");
    ui_esc(p, heading);
    ui_put(p, " – ");
    ui_msg(p, MSG_UI_APP_NAME, NULL, 0);
    ui_put(p, "</title>\n");
    ui_page_head_links(p->b);
    ui_put(p, "</head>\n<body>\n");
    ui_page_top(p, nav);
    ui_put(p, "<h1>");
    ui_esc(p, heading);
    ui_put(p, "</h1>\n");
}

int ui_page_end(struct ui_page *p, struct ui_response *rs, int status)
{
    ui_page_bottom(p);
    ui_put(p, "</body>\n</html>\n");
    rs->status = status;
    return rs->body.failed ? -1 : 0;
}

int ui_problem(struct ui *u, const struct ui_request *rq, struct ui_response *rs,
               int status, enum ui_nav nav, enum rg_msg title, enum rg_msg text,
               const char *details)
{
    struct ui_page p;
    ui_buf_free(&rs->body); /* whatever a handler had begun */
    ui_page_begin(&p, u, rq, rs, nav, title, NULL, 0);
    ui_para(&p, text, NULL, 0);
    if (details != NULL) {
        const char *args[] = {details};
        ui_put(&p, "<p class=\"details\">");
        ui_msg(&p, MSG_UI_DETAILS, args, 1);
        ui_put(&p, "</p>\n");
    }
    return ui_page_end(&p, rs, status);
}

int ui_gateway_problem(struct ui *u, const struct ui_request *rq,
                       struct ui_response *rs, enum ui_nav nav,
                       const struct cli_error *err)
{
    if (err->exit == CLI_USAGE) /* ours: a key file, memory */
        return ui_problem(u, rq, rs, 500, nav, MSG_UI_LOCAL_TITLE, MSG_UI_LOCAL,
                          err->message);
    return ui_problem(u, rq, rs, 502, nav, MSG_UI_GATEWAY_TITLE, MSG_UI_TRY_AGAIN,
                      err->message);
}
