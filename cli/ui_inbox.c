/*
 * ui_inbox.c - the inbox pages (SPEC §12): the referrals waiting, one
 * opened in full (decrypted and verified per SPEC §10 where it was sealed),
 * saved as a file, and acknowledged only after a page that says the content
 * will then be gone from the gateway and a POST from that page.
 *
 * The API has no call for one inbox item, so a referral is picked out of an
 * inbox read (as `refgw show` does): each read counts as a delivery of what
 * it returns. A sealed referral that cannot be read is shown with the
 * reason, and is never offered for, nor given, an acknowledgement.
 */
#include <string.h>

#include "gateway.h"
#include "json.h"
#include "sealed.h"
#include "ui_inbox.h"
#include "ui_page.h"

#define LIST_LIMIT 100
#define FIND_LIMIT 500

int ui_item_fetch(struct ui *u, const char *id, struct ui_item *it,
                  struct cli_error *err)
{
    memset(it, 0, sizeof(*it));
    char path[64];
    snprintf(path, sizeof(path), "/v1/inbox?wait=0&limit=%d", FIND_LIMIT);
    if (gw_call(u->c, "GET", path, NULL, 0, false, &it->ans, err) < 0)
        return -1;
    const cJSON *item;
    cJSON_ArrayForEach(item, cJSON_GetObjectItemCaseSensitive(it->ans.doc, "referrals"))
    {
        if (strcmp(gw_string(item, "id"), id) == 0)
            break;
    }
    if (item == NULL) {
        it->state = UI_ITEM_NOT_WAITING;
        return 0;
    }
    it->item = item;
    it->state = UI_ITEM_READABLE;
    if (!sealed_item_encrypted(item))
        return 0;
    int r = sealed_item_open(u->reader, item, &it->plain, it->why, err);
    if (r < 0)
        return -1;
    if (r > 0)
        it->state = UI_ITEM_UNREADABLE;
    else
        it->item = it->plain;
    return 0;
}

void ui_item_clear(struct ui_item *it)
{
    sealed_doc_free(it->plain);
    gw_answer_clear(&it->ans);
    memset(it, 0, sizeof(*it));
}

/* The page for an item that is not there, or cannot be read; else 0 and
 * nothing written (*shown false). */
int ui_item_problem(struct ui *u, const struct ui_request *rq, struct ui_response *rs,
                    const struct ui_item *it, bool *shown)
{
    *shown = it->state != UI_ITEM_READABLE;
    if (it->state == UI_ITEM_NOT_WAITING)
        return ui_problem(u, rq, rs, 404, UI_NAV_INBOX, MSG_UI_NOT_WAITING_TITLE,
                          MSG_UI_NOT_WAITING, NULL);
    if (it->state != UI_ITEM_UNREADABLE)
        return 0;

    struct ui_page p;
    const char *why[] = {it->why};
    ui_page_begin(&p, u, rq, rs, UI_NAV_INBOX, MSG_UI_UNREADABLE_TITLE, NULL, 0);
    ui_put(&p, "<div class=\"warning\" id=\"unreadable\"><p>");
    ui_msg(&p, MSG_UI_UNREADABLE, why, 1);
    ui_put(&p, "</p></div>\n<p><a href=\"/inbox\">");
    ui_msg(&p, MSG_UI_BACK_INBOX, NULL, 0);
    ui_put(&p, "</a></p>\n");
    return ui_page_end(&p, rs, 409);
}

static void header_cell(struct ui_page *p, enum rg_msg key)
{
    ui_put(p, "<th scope=\"col\">");
    ui_msg(p, key, NULL, 0);
    ui_put(p, "</th>");
}

/* One row: when, from whom, what, how urgent, and the link to open it. */
static void row(struct ui_page *p, const cJSON *item)
{
    char words[160], when[160];
    const char *id = gw_string(item, "id"), *from = gw_string(item, "from");
    const char *urgency = gw_string(item, "urgency");
    ui_put(p, "<tr data-id=\"");
    ui_esc(p, id);
    ui_put(p, "\"><td class=\"when\">");
    ui_time(p, gw_string(item, "created_at"));
    ui_put(p, "</td><td class=\"who\">");
    ui_esc(p, from);
    ui_put(p, "</td><td>");
    ui_words(p->u, "signal", gw_string(item, "signal"), words, sizeof(words));
    ui_esc(p, words);
    ui_put(p,
           strcmp(urgency, "urgent") == 0 ? "</td><td class=\"urgent\">" : "</td><td>");
    ui_words(p->u, "urgency", urgency, words, sizeof(words));
    ui_esc(p, words);
    ui_put(p, "</td><td>");
    if (rg_id_valid(id, strlen(id))) { /* an id goes into a link only when it is one */
        ui_time_text(p->u, gw_string(item, "created_at"), when, sizeof(when));
        const char *args[] = {from, when};
        ui_put(p, "<a href=\"/inbox/");
        ui_put(p, id);
        ui_put(p, "\">");
        ui_msg(p, MSG_UI_OPEN, NULL, 0);
        ui_put(p, "<span class=\"vh\"> ");
        ui_msg(p, MSG_UI_OPEN_CONTEXT, args, 2);
        ui_put(p, "</span></a>");
    }
    ui_put(p, "</td></tr>\n");
}

/* "Receipt of referral X is confirmed", once, after an acknowledgement. */
static void acked_notice(struct ui_page *p, struct ui_session *s)
{
    if (s->flash.kind != UI_FLASH_ACKED)
        return;
    const char *args[] = {s->flash.id};
    ui_put(p, "<div class=\"notice\" role=\"status\" tabindex=\"-1\" data-focus "
              "id=\"acked\"><p>");
    ui_msg(p, MSG_UI_ACKED, args, 1);
    ui_put(p, "</p></div>\n");
    s->flash.kind = UI_FLASH_NONE;
}

int ui_inbox_list(struct ui *u, const struct ui_request *rq, struct ui_response *rs)
{
    char path[64];
    struct gw_answer ans;
    struct cli_error err = {0};
    snprintf(path, sizeof(path), "/v1/inbox?wait=0&limit=%d", LIST_LIMIT);
    if (gw_call(u->c, "GET", path, NULL, 0, false, &ans, &err) < 0)
        return ui_gateway_problem(u, rq, rs, UI_NAV_INBOX, &err);
    const cJSON *items = cJSON_GetObjectItemCaseSensitive(ans.doc, "referrals");
    struct ui_page p;
    ui_page_begin(&p, u, rq, rs, UI_NAV_INBOX, MSG_UI_INBOX_TITLE, NULL, 0);
    acked_notice(&p, rq->session);
    ui_put(&p, "<p class=\"intro\">");
    ui_msg(&p, MSG_UI_INBOX_INTRO, NULL, 0);
    ui_put(&p, "</p>\n");
    if (cJSON_GetArraySize(items) == 0) {
        ui_put(&p, "<p id=\"empty\">");
        ui_msg(&p, MSG_UI_INBOX_EMPTY, NULL, 0);
        ui_put(&p, "</p>\n");
    } else {
        ui_put(&p, "<table id=\"inbox\"><thead><tr>");
        static const enum rg_msg heads[] = {MSG_UI_COL_RECEIVED, MSG_UI_COL_FROM};
        for (size_t i = 0; i < 2; i++)
            header_cell(&p, heads[i]);
        ui_put(&p, "<th scope=\"col\">");
        ui_esc(&p, rg_dimension_words(u->lang, "signal"));
        ui_put(&p, "</th><th scope=\"col\">");
        ui_esc(&p, rg_dimension_words(u->lang, "urgency"));
        ui_put(&p, "</th>");
        header_cell(&p, MSG_UI_COL_ACTION);
        ui_put(&p, "</tr></thead>\n<tbody>\n");
        const cJSON *item;
        cJSON_ArrayForEach(item, items) row(&p, item);
        ui_put(&p, "</tbody></table>\n");
        if (cJSON_GetArraySize(items) >= LIST_LIMIT) {
            char shown[16];
            snprintf(shown, sizeof(shown), "%d", LIST_LIMIT);
            const char *args[] = {shown};
            ui_para(&p, MSG_UI_INBOX_MORE, args, 1);
        }
    }
    gw_answer_clear(&ans);
    return ui_page_end(&p, rs, 200);
}

int ui_inbox_ack_form(struct ui *u, const struct ui_request *rq, struct ui_response *rs)
{
    struct ui_item it;
    struct cli_error err = {0};
    bool shown;
    if (ui_item_fetch(u, rq->id, &it, &err) < 0) {
        ui_item_clear(&it);
        return ui_gateway_problem(u, rq, rs, UI_NAV_INBOX, &err);
    }
    int rc = ui_item_problem(u, rq, rs, &it, &shown);
    if (!shown) {
        char when[160];
        struct ui_page p;
        ui_page_begin(&p, u, rq, rs, UI_NAV_INBOX, MSG_UI_ACK_TITLE, NULL, 0);
        ui_put(&p, "<div class=\"warning\"><p>");
        ui_msg(&p, MSG_UI_ACK_WARNING, NULL, 0);
        ui_put(&p, "</p></div>\n<p>");
        ui_time_text(u, gw_string(it.item, "created_at"), when, sizeof(when));
        const char *args[] = {gw_string(it.item, "from"), when};
        ui_msg(&p, MSG_UI_OPEN_CONTEXT, args, 2);
        ui_put(&p, ": <code class=\"ref\">");
        ui_esc(&p, rq->id);
        ui_put(&p, "</code></p>\n<form method=\"post\" action=\"/inbox/");
        ui_put(&p, rq->id);
        ui_put(&p, "/ack\">");
        ui_csrf_field(&p);
        ui_put(&p,
               "<ul class=\"actions\"><li><button type=\"submit\" class=\"danger\">");
        ui_msg(&p, MSG_UI_ACK_CONFIRM, NULL, 0);
        ui_put(&p, "</button></li><li><a href=\"/inbox/");
        ui_put(&p, rq->id);
        ui_put(&p, "\">");
        ui_msg(&p, MSG_UI_ACK_CANCEL, NULL, 0);
        ui_put(&p, "</a></li></ul></form>\n");
        rc = ui_page_end(&p, rs, 200);
    }
    ui_item_clear(&it);
    return rc;
}

int ui_inbox_ack(struct ui *u, const struct ui_request *rq, struct ui_response *rs)
{
    /* Held to what the page offered: only a referral waiting and readable. */
    struct ui_item it;
    struct cli_error err = {0};
    bool shown;
    int rc;
    if (ui_item_fetch(u, rq->id, &it, &err) < 0) {
        rc = ui_gateway_problem(u, rq, rs, UI_NAV_INBOX, &err);
    } else if ((rc = ui_item_problem(u, rq, rs, &it, &shown)) < 0 || shown) {
        /* said */
    } else {
        char path[RG_ID_LEN + 32];
        struct gw_answer ans;
        snprintf(path, sizeof(path), "/v1/inbox/%s/ack", rq->id);
        if (gw_call(u->c, "POST", path, NULL, 0, false, &ans, &err) < 0) {
            rc = ui_gateway_problem(u, rq, rs, UI_NAV_INBOX, &err);
        } else {
            gw_answer_clear(&ans);
            rq->session->flash = (struct ui_flash){.kind = UI_FLASH_ACKED};
            snprintf(rq->session->flash.id, sizeof(rq->session->flash.id), "%s",
                     rq->id);
            rc = ui_redirect(rs, "/inbox");
        }
    }
    ui_item_clear(&it);
    return rc;
}
