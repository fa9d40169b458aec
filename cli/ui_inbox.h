/*
 * ui_inbox.h - one waiting referral, as the inbox pages (ui_inbox.c) and
 * the pages that show or save it (ui_item.c) get it: picked out of an inbox
 * read, and opened when it was sealed end to end (SPEC §10).
 */
#ifndef REFGW_CLI_UI_INBOX_H
#define REFGW_CLI_UI_INBOX_H

#include <stdbool.h>

#include <cjson/cJSON.h>

#include "gateway.h"
#include "sealed.h"
#include "ui.h"

enum ui_item_state {
    UI_ITEM_READABLE,    /* item is the referral, plain or opened */
    UI_ITEM_UNREADABLE,  /* sealed, and cannot be read: why says why */
    UI_ITEM_NOT_WAITING, /* not among the referrals waiting */
};

struct ui_item {
    struct gw_answer ans; /* the inbox read */
    const cJSON *item;    /* readable: the referral, body in plain text */
    cJSON *plain;         /* the opened copy of a sealed one, or NULL */
    char why[SEALED_REASON_MAX];
    enum ui_item_state state;
};

/* Reads the inbox and finds id in it. 0 with it filled (clear it with
 * ui_item_clear, also after a failure), or -1 with err. */
int ui_item_fetch(struct ui *u, const char *id, struct ui_item *it,
                  struct cli_error *err);
void ui_item_clear(struct ui_item *it);

/* When the item is not readable, the page that says so (*shown true);
 * else nothing. 0, or -1 when out of memory. */
int ui_item_problem(struct ui *u, const struct ui_request *rq, struct ui_response *rs,
                    const struct ui_item *it, bool *shown);

#endif
