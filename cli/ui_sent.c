/*
 * ui_sent.c - the sent page (SPEC §12): the referrals sent from this page
 * (ui_sentlog.h), newest first, each with its status as the gateway tells
 * its sender (GET /v1/referrals/ID): waiting, picked up, receipt confirmed
 * or expired, and since when. When the gateway cannot be reached the rest
 * are not asked: they read "could not be asked".
 */
#include <string.h>

#include "gateway.h"
#include "ui_page.h"
#include "ui_sentlog.h"

#define SHOWN_MAX 50

/* The status cell of one referral; false once the gateway cannot be reached. */
static bool status_cell(struct ui_page *p, const struct ui_sent *s, bool ask)
{
    char path[RG_ID_LEN + 32], words[160], when[160];
    struct gw_answer ans = {0};
    struct cli_error err = {0};
    snprintf(path, sizeof(path), "/v1/referrals/%s", s->id);
    ui_put(p, "<td class=\"status\">");
    if (!ask || gw_call(p->u->c, "GET", path, NULL, 0, false, &ans, &err) < 0) {
        bool gone = ask && strcmp(err.code, "not_found") == 0;
        ui_msg(p, gone ? MSG_UI_STATUS_NOT_FOUND : MSG_UI_STATUS_UNAVAILABLE, NULL, 0);
        ui_put(p, "</td>");
        return ask && err.exit != CLI_UNREACHABLE;
    }
    const char *status = gw_string(ans.doc, "status");
    /* The latest step that happened. */
    static const char *const steps[] = {"acknowledged_at", "delivered_at",
                                        "created_at"};
    const char *at = "";
    for (size_t i = 0; i < 3 && at[0] == '\0'; i++)
        at = gw_string(ans.doc, steps[i]);
    ui_words(p->u, "status", status, words, sizeof(words));
    ui_put(p, "<span data-status=\"");
    ui_esc(p, status);
    ui_put(p, "\">");
    if (at[0] != '\0' && strcmp(status, "expired") != 0) {
        ui_time_text(p->u, at, when, sizeof(when));
        const char *args[] = {words, when};
        ui_msg(p, MSG_UI_STATUS_AT, args, 2);
    } else {
        ui_esc(p, words);
    }
    ui_put(p, "</span></td>");
    gw_answer_clear(&ans);
    return true;
}

static void header_cell(struct ui_page *p, enum rg_msg key)
{
    ui_put(p, "<th scope=\"col\">");
    ui_msg(p, key, NULL, 0);
    ui_put(p, "</th>");
}

int ui_sent_list(struct ui *u, const struct ui_request *rq, struct ui_response *rs)
{
    char shown[16];
    struct ui_page p;
    ui_page_begin(&p, u, rq, rs, UI_NAV_SENT, MSG_UI_SENT_TITLE, NULL, 0);
    const char *file[] = {ui_sentlog_path(u->sent)};
    ui_put(&p, "<p class=\"intro\">");
    ui_msg(&p, file[0] ? MSG_UI_SENT_FROM_FILE : MSG_UI_SENT_IN_MEMORY, file, 1);
    ui_put(&p, "</p>\n");
    size_t n = ui_sentlog_count(u->sent);
    if (n == 0) {
        ui_para(&p, MSG_UI_SENT_EMPTY, NULL, 0);
        return ui_page_end(&p, rs, 200);
    }
    ui_put(&p, "<table id=\"sent\"><thead><tr>");
    header_cell(&p, MSG_UI_COL_SENT);
    header_cell(&p, MSG_UI_COL_TO);
    header_cell(&p, MSG_UI_COL_STATUS);
    header_cell(&p, MSG_UI_FIELD_REFERENCE);
    ui_put(&p, "</tr></thead>\n<tbody>\n");
    bool ask = true;
    for (size_t i = 0; i < n && i < SHOWN_MAX; i++) {
        const struct ui_sent *s = ui_sentlog_newest(u->sent, i);
        ui_put(&p, "<tr data-id=\"");
        ui_esc(&p, s->id);
        ui_put(&p, "\"><td class=\"when\">");
        ui_time(&p, s->at);
        ui_put(&p, "</td><td class=\"who\">");
        ui_esc(&p, s->to);
        ui_put(&p, "</td>");
        ask = status_cell(&p, s, ask);
        ui_put(&p, "<td><code class=\"ref\">");
        ui_esc(&p, s->id);
        ui_put(&p, "</code></td></tr>\n");
    }
    ui_put(&p, "</tbody></table>\n");
    if (n > SHOWN_MAX) {
        snprintf(shown, sizeof(shown), "%d", SHOWN_MAX);
        const char *args[] = {shown};
        ui_para(&p, MSG_UI_SENT_MORE, args, 1);
    }
    return ui_page_end(&p, rs, 200);
}
