/*
 * ui_page.h - the pages of `refgw ui` as HTML: the frame every page shares
 * (language, title, the links to the built-in style sheet and script, the
 * skip link, the organisation, the menu for its role, <main>, the footer),
 * escaped text and messages of the catalogue (i18n.h), times and taxonomy
 * codes as words, and the pages that say something went wrong.
 *
 * Nothing is loaded from anywhere but this server's /assets/; no inline
 * style or script (the Content-Security-Policy would refuse them).
 */
#ifndef REFGW_CLI_UI_PAGE_H
#define REFGW_CLI_UI_PAGE_H

#include "ui.h"

/* The menu entry a page belongs to; UI_NAV_HIDDEN: no menu at all (the
 * pages shown to a browser that is not signed in). */
enum ui_nav {
    UI_NAV_NONE,
    UI_NAV_SEND,
    UI_NAV_INBOX,
    UI_NAV_SENT,
    UI_NAV_REPORT,
    UI_NAV_HIDDEN
};

struct ui_page {
    struct ui_buf *b; /* the response's body */
    struct ui *u;
    const struct ui_request *rq;
};

/* Starts rs as an HTML page: head, frame, and <h1> with the message title
 * (with its arguments) that is also the page's <title>. */
void ui_page_begin(struct ui_page *p, struct ui *u, const struct ui_request *rq,
                   struct ui_response *rs, enum ui_nav nav, enum rg_msg title,
                   const char *const *args, size_t nargs);

/* Ends the page (main, footer) with this status. 0, or -1 when out of memory. */
int ui_page_end(struct ui_page *p, struct ui_response *rs, int status);

/* The parts of the frame, for a page that writes its own document (the
 * report): the links in <head>; from the skip link to <main>; from </main>
 * to the footer. */
void ui_page_head_links(struct ui_buf *b);
void ui_page_top(struct ui_page *p, enum ui_nav nav);
void ui_page_bottom(struct ui_page *p);

static inline void ui_put(struct ui_page *p, const char *markup)
{
    ui_buf_put(p->b, markup);
}
static inline void ui_esc(struct ui_page *p, const char *text)
{
    ui_buf_esc(p->b, text);
}

/* A message of the catalogue with its arguments, escaped; ui_para: as a
 * paragraph of its own. */
void ui_msg(struct ui_page *p, enum rg_msg key, const char *const *args, size_t nargs);
void ui_para(struct ui_page *p, enum rg_msg key, const char *const *args, size_t nargs);
/* The same into out (size bytes), not escaped. */
void ui_msg_text(const struct ui *u, enum rg_msg key, const char *const *args,
                 size_t nargs, char *out, size_t size);

/* <input type="hidden" name="csrf" value="..."> of the session. */
void ui_csrf_field(struct ui_page *p);

/* An API time "2026-11-28T09:15:02Z" in local words, into out (not
 * escaped); the time as it came when it is not one. */
void ui_time_text(const struct ui *u, const char *rfc3339, char *out, size_t size);
/* <time datetime="...">words</time> */
void ui_time(struct ui_page *p, const char *rfc3339);

/* A taxonomy code (field "signal", "urgency", "type", "status" or a
 * subject attribute) as words, a municipality by name, or else the code;
 * into out, not escaped. */
void ui_words(const struct ui *u, const char *field, const char *code, char *out,
              size_t size);

/* A number with the language's thousands separator ("65.536"). */
void ui_count_text(const struct ui *u, long long v, char *out, size_t size);

/* This organisation's role, asked of the gateway once (its directory
 * answers a partner, and refuses an administrator with forbidden_role). */
enum ui_role ui_role(struct ui *u);

/*
 * A page that says what went wrong: title, text and, when details is not
 * NULL, a line with them (escaped). nav UI_NAV_HIDDEN for a browser that is
 * not signed in. 0, or -1 when out of memory.
 */
int ui_problem(struct ui *u, const struct ui_request *rq, struct ui_response *rs,
               int status, enum ui_nav nav, enum rg_msg title, enum rg_msg text,
               const char *details);

/* What a failed call of the client's modules says: the gateway could not
 * answer or refused (502), or, for exit 1, something of this computer's
 * (500); err's message as details. */
int ui_gateway_problem(struct ui *u, const struct ui_request *rq,
                       struct ui_response *rs, enum ui_nav nav,
                       const struct cli_error *err);

#endif
