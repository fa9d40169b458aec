/*
 * ui.h - `refgw ui` (SPEC §12), the staff page: what its modules share.
 *
 * The layers, one way: ui_server.c (libevent's evhttp on loopback) turns
 * each HTTP request into a struct ui_in of plain strings and hands it to
 * ui_app.c, which checks it (Host, token or session cookie, and on a POST
 * Origin and CSRF token: ui_guard.c), parses its query and form
 * (ui_form.c), and calls the page's handler from its route table. A handler
 * (ui_send.c, ui_inbox.c, ui_sent.c, ui_report.c) takes the request and
 * fills a struct ui_response; it includes neither libevent nor a socket, and
 * talks to the gateway through the client's own modules (gateway.h,
 * sealed.h), so the organisation's certificate and keys stay in this
 * process. Pages are written by ui_page.c into memory that is wiped before
 * it is freed, as it may hold a referral.
 *
 * One person, one browser: requests are answered one at a time, each in the
 * loop's thread, with the gateway's answers awaited in place.
 */
#ifndef REFGW_CLI_UI_H
#define REFGW_CLI_UI_H

#include <stdbool.h>
#include <stddef.h>

#include "cli.h"
#include "e2e.h"
#include "i18n.h"
#include "ids.h"
#include "referral.h"

/* Text built in memory that is wiped before it is freed (ui_page.c). */
struct ui_buf {
    char *data; /* NUL-terminated while not failed */
    size_t len, cap;
    bool failed; /* out of memory: the text is incomplete */
};

void ui_buf_put(struct ui_buf *b, const char *s);
void ui_buf_putn(struct ui_buf *b, const char *s, size_t n);
void ui_buf_num(struct ui_buf *b, long long v);
/* Text for HTML (element content and quoted attributes): & < > " ' escaped;
 * newline and tab kept, other control characters dropped. */
void ui_buf_esc(struct ui_buf *b, const char *s);
void ui_buf_free(struct ui_buf *b);

/* The decoded name=value pairs of a query string or a form (ui_form.h). */
struct ui_params;

/* What the next page of a session says about the last thing done in it. */
enum ui_flash_kind { UI_FLASH_NONE, UI_FLASH_SENT, UI_FLASH_ACKED };
struct ui_flash {
    enum ui_flash_kind kind;
    char id[RG_ID_LEN + 1];
    char to[160];               /* the recipient, as the form named it */
    bool e2e, duplicate;        /* sent: encrypted end to end; a repeat */
    char note[CLI_MESSAGE_MAX]; /* sent: why it is not in the list of sent ones */
};

/* The secrets of SPEC §12: 32 random bytes in base64url. */
#define UI_SECRET_LEN 43

/* One browser that presented the token (ui_guard.c keeps them). */
struct ui_session {
    char id[UI_SECRET_LEN + 1];   /* the cookie's value */
    char csrf[UI_SECRET_LEN + 1]; /* the hidden field of every form */
    unsigned long long used;      /* when last seen, for eviction */
    struct ui_flash flash;
};

enum ui_role { UI_ROLE_UNKNOWN, UI_ROLE_PARTNER, UI_ROLE_ADMIN };

struct ui_sentlog;
struct report_cache;

/* The run: read-only after start but for role, which is learnt once. */
struct ui {
    struct cli *c;
    enum rg_lang lang;
    char org[E2E_CN_MAX + 1]; /* this organisation: the CN of --cert */
    enum ui_role role;        /* learnt from the gateway's directory */
    struct sealed_reader *reader;
    struct ui_sentlog *sent;
    struct report_cache *reports; /* released subject tables, asked once */
};

/* One request, checked and parsed, as a handler sees it. */
struct ui_request {
    bool post;
    const char *path;
    const char *id; /* the referral id of the route's {id}, or NULL */
    const struct ui_params *query, *form;
    struct ui_session *session;
};

#define UI_LOCATION_MAX 512

/* The answer. Every answer also gets the headers of SPEC §12 (ui_server.c). */
struct ui_response {
    int status;
    const char *type; /* Content-Type */
    struct ui_buf body;
    char location[UI_LOCATION_MAX]; /* a redirect's Location, or "" */
    char disposition[128];          /* Content-Disposition, or "" */
    char cookie[160];               /* Set-Cookie, or "" */
    const char *allow;              /* Allow (405), or NULL */
};

/* A page: fills rs; 0, or -1 when out of memory (the answer is then 500). */
typedef int (*ui_handler)(struct ui *u, const struct ui_request *rq,
                          struct ui_response *rs);

/* A 303 to location. 0. */
int ui_redirect(struct ui_response *rs, const char *location);

/* The handlers (routes in ui_app.c). */
int ui_send_form(struct ui *u, const struct ui_request *rq, struct ui_response *rs);
int ui_send_post(struct ui *u, const struct ui_request *rq, struct ui_response *rs);
int ui_send_done(struct ui *u, const struct ui_request *rq, struct ui_response *rs);
int ui_inbox_list(struct ui *u, const struct ui_request *rq, struct ui_response *rs);
int ui_inbox_open(struct ui *u, const struct ui_request *rq, struct ui_response *rs);
int ui_inbox_text(struct ui *u, const struct ui_request *rq, struct ui_response *rs);
int ui_inbox_json(struct ui *u, const struct ui_request *rq, struct ui_response *rs);
int ui_inbox_ack_form(struct ui *u, const struct ui_request *rq,
                      struct ui_response *rs);
int ui_inbox_ack(struct ui *u, const struct ui_request *rq, struct ui_response *rs);
int ui_sent_list(struct ui *u, const struct ui_request *rq, struct ui_response *rs);
int ui_report_page(struct ui *u, const struct ui_request *rq, struct ui_response *rs);
int ui_report_file(struct ui *u, const struct ui_request *rq, struct ui_response *rs);

#endif
