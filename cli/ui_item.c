/*
 * ui_item.c - one waiting referral in full (SPEC §12): a page for a person
 * to read (who sent it and when, signal and urgency, how often it was handed
 * out, whether it was sealed end to end and by whom, every subject
 * attribute in words, the description), and the same saved as a text file
 * in the page's language, or as the JSON item (what `refgw receive` writes).
 * Reading never acknowledges: the page leads to the confirmation page.
 */
#include <string.h>

#include "json.h"
#include "taxonomy.h"
#include "ui_inbox.h"
#include "ui_page.h"

#define FACTS_MAX 8

struct fact {
    char label[128];
    char value[384];
};

static void fact_msg(const struct ui *u, struct fact *f, enum rg_msg label,
                     const char *value)
{
    ui_msg_text(u, label, NULL, 0, f->label, sizeof(f->label));
    snprintf(f->value, sizeof(f->value), "%s", value);
}

static void fact_words(const struct ui *u, struct fact *f, const cJSON *obj,
                       const char *field)
{
    const char *code = gw_string(obj, field);
    snprintf(f->label, sizeof(f->label), "%s", rg_dimension_words(u->lang, field));
    ui_words(u, field, code[0] ? code : RG_UNKNOWN, f->value, sizeof(f->value));
}

/* Who, when, what, how often, how it was protected. */
static size_t item_facts(const struct ui *u, const cJSON *item, struct fact *f)
{
    char type[128], text[256];
    size_t n = 0;
    fact_msg(u, &f[n++], MSG_UI_FIELD_REFERENCE, gw_string(item, "id"));
    ui_words(u, "type", gw_string(item, "from_type"), type, sizeof(type));
    snprintf(text, sizeof(text), "%s (%s)", gw_string(item, "from"), type);
    fact_msg(u, &f[n++], MSG_UI_COL_FROM, text);
    ui_time_text(u, gw_string(item, "created_at"), text, sizeof(text));
    fact_msg(u, &f[n++], MSG_UI_COL_RECEIVED, text);
    fact_words(u, &f[n++], item, "signal");
    fact_words(u, &f[n++], item, "urgency");
    char count[24];
    const cJSON *d = cJSON_GetObjectItemCaseSensitive(item, "deliveries");
    snprintf(count, sizeof(count), "%lld", cJSON_IsNumber(d) ? rg_json_count(d) : 0);
    const char *args[] = {count};
    ui_msg_text(u, MSG_UI_DELIVERIES, args, 1, text, sizeof(text));
    fact_msg(u, &f[n++], MSG_UI_FIELD_DELIVERIES, text);
    const cJSON *e2e = cJSON_GetObjectItemCaseSensitive(item, "e2e");
    const char *signer[] = {gw_string(e2e, "signer")};
    ui_msg_text(u, e2e ? MSG_UI_E2E_SIGNED : MSG_UI_E2E_NONE, signer, 1, text,
                sizeof(text));
    fact_msg(u, &f[n++], MSG_UI_FIELD_ENCRYPTION, text);
    return n;
}

static void write_facts(struct ui_page *p, const char *id, const struct fact *f,
                        size_t n)
{
    ui_put(p, "<dl class=\"facts\" id=\"");
    ui_put(p, id);
    ui_put(p, "\">\n");
    for (size_t i = 0; i < n; i++) {
        ui_put(p, "<dt>");
        ui_esc(p, f[i].label);
        ui_put(p, "</dt><dd>");
        ui_esc(p, f[i].value);
        ui_put(p, "</dd>\n");
    }
    ui_put(p, "</dl>\n");
}

static void subject_facts(const struct ui *u, const cJSON *item, struct fact *f)
{
    const cJSON *subject = cJSON_GetObjectItemCaseSensitive(item, "subject");
    for (int i = 0; i < RG_SUBJECT_ATTRS; i++)
        fact_words(u, &f[i], subject, rg_subject[i].name);
}

/* The item's page, or the page that says why there is none. */
static int fetch(struct ui *u, const struct ui_request *rq, struct ui_response *rs,
                 struct ui_item *it, bool *shown)
{
    struct cli_error err = {0};
    if (ui_item_fetch(u, rq->id, it, &err) < 0) {
        *shown = true;
        return ui_gateway_problem(u, rq, rs, UI_NAV_INBOX, &err);
    }
    return ui_item_problem(u, rq, rs, it, shown);
}

static void action_link(struct ui_page *p, const char *id, const char *what,
                        enum rg_msg text, const char *attrs)
{
    ui_put(p, "<li><a href=\"/inbox/");
    ui_put(p, id);
    ui_put(p, what);
    ui_put(p, "\"");
    ui_put(p, attrs);
    ui_put(p, ">");
    ui_msg(p, text, NULL, 0);
    ui_put(p, "</a></li>");
}

int ui_inbox_open(struct ui *u, const struct ui_request *rq, struct ui_response *rs)
{
    struct ui_item it;
    bool shown;
    int rc = fetch(u, rq, rs, &it, &shown);
    if (!shown) {
        struct fact facts[FACTS_MAX], subject[RG_SUBJECT_ATTRS];

        const char *from[] = {gw_string(it.item, "from")};
        struct ui_page p;
        ui_page_begin(&p, u, rq, rs, UI_NAV_INBOX, MSG_UI_REFERRAL_TITLE, from, 1);
        write_facts(&p, "facts", facts, item_facts(u, it.item, facts));
        ui_put(&p, "<h2>");
        ui_msg(&p, MSG_UI_FIELD_BODY, NULL, 0);
        ui_put(&p, "</h2>\n<div class=\"body-text\" id=\"body\">");
        ui_esc(&p, gw_string(it.item, "body"));
        ui_put(&p, "</div>\n<h2>");
        ui_msg(&p, MSG_UI_SUBJECT_LEGEND, NULL, 0);
        ui_put(&p, "</h2>\n");
        subject_facts(u, it.item, subject);
        write_facts(&p, "subject", subject, RG_SUBJECT_ATTRS);
        ui_put(&p, "<h2>");
        ui_msg(&p, MSG_UI_NEXT_TITLE, NULL, 0);
        ui_put(&p, "</h2>\n<ul class=\"actions\">");
        action_link(&p, rq->id, "/text", MSG_UI_SAVE_TEXT, " download");
        action_link(&p, rq->id, "/json", MSG_UI_SAVE_JSON, " download");
        action_link(&p, rq->id, "/ack", MSG_UI_ACK_LINK,
                    " class=\"button\" id=\"ack\"");
        ui_put(&p, "</ul>\n<p class=\"back\"><a href=\"/inbox\">");
        ui_msg(&p, MSG_UI_BACK_INBOX, NULL, 0);
        ui_put(&p, "</a></p>\n");
        rc = ui_page_end(&p, rs, 200);
    }
    ui_item_clear(&it);
    return rc;
}

static void attachment(struct ui_response *rs, const char *type, const char *id,
                       const char *ext)
{
    rs->status = 200;
    rs->type = type;
    snprintf(rs->disposition, sizeof(rs->disposition),
             "attachment; filename=\"referral-%s.%s\"", id, ext);
}

static void text_facts(struct ui_buf *b, const struct fact *f, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        ui_buf_put(b, f[i].label);
        ui_buf_put(b, ": ");
        ui_buf_put(b, f[i].value);
        ui_buf_put(b, "\n");
    }
}

int ui_inbox_text(struct ui *u, const struct ui_request *rq, struct ui_response *rs)
{
    struct ui_item it;
    bool shown;
    int rc = fetch(u, rq, rs, &it, &shown);
    if (!shown) {
        struct fact facts[FACTS_MAX], subject[RG_SUBJECT_ATTRS];
        char line[256];
        const char *from[] = {gw_string(it.item, "from")};
        attachment(rs, "text/plain; charset=utf-8", rq->id, "txt");
        ui_msg_text(u, MSG_UI_REFERRAL_TITLE, from, 1, line, sizeof(line));
        ui_buf_put(&rs->body, line);
        ui_buf_put(&rs->body, "\n\n");
        text_facts(&rs->body, facts, item_facts(u, it.item, facts));
        ui_msg_text(u, MSG_UI_SUBJECT_LEGEND, NULL, 0, line, sizeof(line));
        ui_buf_put(&rs->body, "\n");
        ui_buf_put(&rs->body, line);
        ui_buf_put(&rs->body, "\n");
        subject_facts(u, it.item, subject);
        text_facts(&rs->body, subject, RG_SUBJECT_ATTRS);
        ui_msg_text(u, MSG_UI_FIELD_BODY, NULL, 0, line, sizeof(line));
        ui_buf_put(&rs->body, "\n");
        ui_buf_put(&rs->body, line);
        ui_buf_put(&rs->body, "\n");
        ui_buf_put(&rs->body, gw_string(it.item, "body"));
        ui_buf_put(&rs->body, "\n");
        rc = rs->body.failed ? -1 : 0;
    }
    ui_item_clear(&it);
    return rc;
}

int ui_inbox_json(struct ui *u, const struct ui_request *rq, struct ui_response *rs)
{
    struct ui_item it;
    bool shown;
    int rc = fetch(u, rq, rs, &it, &shown);
    if (!shown) {
        char *text = cJSON_Print(it.item);
        attachment(rs, "application/json", rq->id, "json");
        ui_buf_put(&rs->body, text ? text : "");
        ui_buf_put(&rs->body, "\n");
        rc = text == NULL || rs->body.failed ? -1 : 0;
        gw_wipe_free(text);
    }
    ui_item_clear(&it);
    return rc;
}
