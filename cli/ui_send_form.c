/*
 * ui_send_form.c - writes the send page's form (ui_send.h): recipient,
 * signal and urgency, the eight subject attributes, the description. Labels
 * are tied to their fields, radio groups are fieldsets with a legend, every
 * error is named in a summary that links to its field and again at the
 * field (aria-invalid, aria-describedby). Works without script; ui.js only
 * counts the description's bytes.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "api_limits.h"
#include "gateway.h"
#include "places.h"
#include "ui_page.h"
#include "ui_send.h"

void ui_send_recipient_label(const struct ui *u, const cJSON *org, char *out,
                             size_t size)
{
    char type[128];
    const char *name = gw_string(org, "name");
    ui_words(u, "type", gw_string(org, "type"), type, sizeof(type));
    const cJSON *certs = cJSON_GetObjectItemCaseSensitive(org, "encryption_certs");
    const char *args[] = {name[0] ? name : gw_string(org, "id"), type};
    ui_msg_text(u,
                cJSON_GetArraySize(certs) > 0 ? MSG_UI_TO_OPTION_E2E : MSG_UI_TO_OPTION,
                args, 2, out, size);
}

static const struct ui_send_error *error_for(const struct ui_send_form *f,
                                             const char *field)
{
    for (size_t i = 0; i < f->nerrors; i++)
        if (strcmp(f->errors[i].field, field) == 0)
            return &f->errors[i];
    return NULL;
}

/* The id of a field's control: "f-to", "f-age_band" (subject.age_band). */
static void field_id(const char *field, char *out, size_t size)
{
    const char *dot = strchr(field, '.');
    snprintf(out, size, "f-%s", dot ? dot + 1 : field);
}

/* The label's words, "(required)" when it is, and the field's error. */
static void label(struct ui_page *p, const char *id, const char *text, bool required,
                  bool legend)
{
    if (legend) {
        ui_put(p, "<legend>");
    } else {
        ui_put(p, "<label for=\"");
        ui_put(p, id);
        ui_put(p, "\">");
    }
    ui_esc(p, text);
    if (required) {
        ui_put(p, " <span class=\"req\">(");
        ui_msg(p, MSG_UI_REQUIRED, NULL, 0);
        ui_put(p, ")</span>");
    }
    ui_put(p, legend ? "</legend>\n" : "</label>\n");
}

/* The field's error above it, and the attributes that tie it to the control. */
static void error_text(struct ui_page *p, const struct ui_send_error *e, const char *id)
{
    if (e == NULL)
        return;
    ui_put(p, "<p class=\"error-text\" id=\"");
    ui_esc(p, id);
    ui_put(p, "-error\">");
    ui_esc(p, e->text);
    ui_put(p, "</p>\n");
}

static void invalid_attrs(struct ui_page *p, const struct ui_send_error *e,
                          const char *id, const char *hint)
{
    if (e != NULL) {
        ui_put(p, " aria-invalid=\"true\"");
    }
    if (e != NULL || hint != NULL) {
        ui_put(p, " aria-describedby=\"");
        if (e != NULL) {
            ui_put(p, id);
            ui_put(p, "-error");
        }
        if (hint != NULL) {
            ui_put(p, e != NULL ? " " : "");
            ui_put(p, hint);
        }
        ui_put(p, "\"");
    }
}

static void option(struct ui_page *p, const char *value, const char *text,
                   bool selected)
{
    ui_put(p, "<option value=\"");
    ui_esc(p, value);
    ui_put(p, selected ? "\" selected>" : "\">");
    ui_esc(p, text);
    ui_put(p, "</option>");
}

static void recipient(struct ui_page *p, const cJSON *orgs,
                      const struct ui_send_form *f)
{
    const struct ui_send_error *e = error_for(f, "to");
    char text[256];
    ui_put(p, e ? "<div class=\"field error\">" : "<div class=\"field\">");
    ui_msg_text(p->u, MSG_UI_FIELD_TO, NULL, 0, text, sizeof(text));
    label(p, "f-to", text, true, false);
    error_text(p, e, "f-to");
    ui_put(p, "<select id=\"f-to\" name=\"to\" required");
    invalid_attrs(p, e, "f-to", NULL);
    ui_put(p, ">");
    ui_msg_text(p->u, MSG_UI_CHOOSE, NULL, 0, text, sizeof(text));
    option(p, "", text, f->to == NULL || f->to[0] == '\0');
    const cJSON *org;
    cJSON_ArrayForEach(org, orgs)
    {
        const char *id = gw_string(org, "id");
        ui_send_recipient_label(p->u, org, text, sizeof(text));
        option(p, id, text, f->to != NULL && strcmp(f->to, id) == 0);
    }
    if (orgs == NULL && f->to != NULL && f->to[0] != '\0') /* no directory now */
        option(p, f->to, f->to, true);
    ui_put(p, "</select></div>\n");
}

/* Radio buttons for a closed list (signal, urgency). */
static void choices(struct ui_page *p, const struct rg_enum *e, const char *value,
                    bool required, const struct ui_send_form *f)
{
    const struct ui_send_error *err = error_for(f, e->name);
    char id[RG_FIELD_MAX + 8], text[128];
    field_id(e->name, id, sizeof(id));
    ui_put(p, err ? "<fieldset class=\"field error\"" : "<fieldset class=\"field\"");
    if (err != NULL) {
        ui_put(p, " aria-describedby=\"");
        ui_put(p, id);
        ui_put(p, "-error\"");
    }
    ui_put(p, ">");
    label(p, id, rg_dimension_words(p->u->lang, e->name), required, true);
    error_text(p, err, id);
    ui_put(p, "<div class=\"choices\">");
    for (size_t i = 0; i < e->count; i++) {
        ui_put(p, "<label><input type=\"radio\" name=\"");
        ui_put(p, e->name);
        ui_put(p, "\" value=\"");
        ui_esc(p, e->values[i]);
        ui_put(p, "\"");
        if (i == 0) {
            ui_put(p, " id=\"");
            ui_put(p, id);
            ui_put(p, "\"");
            if (required)
                ui_put(p, " required");
        }
        if (value != NULL && strcmp(value, e->values[i]) == 0)
            ui_put(p, " checked");
        if (err != NULL)
            ui_put(p, " aria-invalid=\"true\"");
        ui_put(p, "> ");
        ui_words(p->u, e->name, e->values[i], text, sizeof(text));
        ui_esc(p, text);
        ui_put(p, "</label>");
    }
    ui_put(p, "</div></fieldset>\n");
}

/* A name as a Dutch list sorts it: "'s-Hertogenbosch" under H. */
static const char *sort_key(const char *name)
{
    if (name[0] == '\'') {
        const char *after = strpbrk(name, "- ");
        if (after != NULL)
            return after + 1;
    }
    return name;
}

static int by_name(const void *a, const void *b)
{
    const struct rg_place *x = *(const struct rg_place *const *)a;
    const struct rg_place *y = *(const struct rg_place *const *)b;
    return strcasecmp(sort_key(x->name), sort_key(y->name));
}

/* The municipalities by name; a valid code the list does not know, as is. */
static void places(struct ui_page *p, const char *value)
{
    const struct rg_place **sorted = calloc(rg_place_count, sizeof(*sorted));
    if (sorted == NULL) {
        p->b->failed = true;
        return;
    }
    bool listed = false;
    for (size_t i = 0; i < rg_place_count; i++) {
        sorted[i] = &rg_places[i];
        listed = listed || strcmp(rg_places[i].code, value) == 0;
    }
    qsort(sorted, rg_place_count, sizeof(*sorted), by_name);
    if (!listed && strcmp(value, RG_UNKNOWN) != 0)
        option(p, value, value, true);
    for (size_t i = 0; i < rg_place_count; i++)
        option(p, sorted[i]->code, sorted[i]->name,
               strcmp(value, sorted[i]->code) == 0);
    free(sorted);
}

/* One subject attribute: "Unknown" first and chosen unless another value is. */
static void attribute(struct ui_page *p, int a, const char *value,
                      const struct ui_send_form *f)
{
    const struct rg_attr *attr = &rg_subject[a];
    char field[64], id[RG_FIELD_MAX + 8], text[128];
    snprintf(field, sizeof(field), "subject.%s", attr->name);
    field_id(field, id, sizeof(id));
    const struct ui_send_error *e = error_for(f, field);
    if (value == NULL || value[0] == '\0')
        value = RG_UNKNOWN;
    ui_put(p, e ? "<div class=\"field error\">" : "<div class=\"field\">");
    label(p, id, rg_dimension_words(p->u->lang, attr->name), false, false);
    error_text(p, e, id);
    ui_put(p, "<select id=\"");
    ui_put(p, id);
    ui_put(p, "\" name=\"");
    ui_put(p, attr->name);
    ui_put(p, "\"");
    invalid_attrs(p, e, id, NULL);
    ui_put(p, ">");
    ui_words(p->u, attr->name, RG_UNKNOWN, text, sizeof(text));
    option(p, RG_UNKNOWN, text, strcmp(value, RG_UNKNOWN) == 0);
    if (attr->pattern != NULL) {
        places(p, value);
    } else {
        for (size_t i = 0; i < attr->values.count; i++) {
            const char *v = attr->values.values[i];
            if (strcmp(v, RG_UNKNOWN) == 0)
                continue;
            ui_words(p->u, attr->name, v, text, sizeof(text));
            option(p, v, text, strcmp(value, v) == 0);
        }
    }
    ui_put(p, "</select></div>\n");
}

static void subject(struct ui_page *p, const struct ui_send_form *f)
{
    ui_put(p, "<fieldset class=\"subject\" aria-describedby=\"subject-hint\"><legend>");
    ui_msg(p, MSG_UI_SUBJECT_LEGEND, NULL, 0);
    ui_put(p, "</legend>\n<p class=\"hint\" id=\"subject-hint\">");
    ui_msg(p, MSG_UI_SUBJECT_HINT, NULL, 0);
    ui_put(p, "</p>\n<div class=\"grid\">\n");
    for (int a = 0; a < RG_SUBJECT_ATTRS; a++)
        attribute(p, a, f->subject[a], f);
    ui_put(p, "</div></fieldset>\n");
}

static void body(struct ui_page *p, const struct ui_send_form *f)
{
    const struct ui_send_error *e = error_for(f, "body");
    char text[256], max[32];
    ui_count_text(p->u, RG_BODY_MAX, max, sizeof(max));
    const char *args[] = {max};
    ui_put(p, e ? "<div class=\"field error\">" : "<div class=\"field\">");
    ui_msg_text(p->u, MSG_UI_FIELD_BODY, NULL, 0, text, sizeof(text));
    label(p, "f-body", text, true, false);
    ui_put(p, "<p class=\"hint\" id=\"f-body-hint\">");
    ui_msg(p, MSG_UI_BODY_HINT, args, 1);
    ui_put(p, "</p>\n");
    error_text(p, e, "f-body");
    ui_put(p, "<textarea id=\"f-body\" name=\"body\" rows=\"10\" required");
    invalid_attrs(p, e, "f-body", "f-body-hint f-body-count");
    ui_put(p, ">");
    ui_esc(p, f->body ? f->body : "");
    ui_put(p, "</textarea>\n<p class=\"count\" id=\"f-body-count\" data-max=\"");
    ui_buf_num(p->b, RG_BODY_MAX);
    ui_put(p, "\" data-thousands=\"");
    ui_esc(p, rg_msg(p->u->lang, MSG_THOUSANDS_SEPARATOR));
    ui_put(p, "\" data-template=\"");
    ui_msg(p, MSG_UI_BODY_COUNT, NULL, 0);
    ui_put(p, "\"></p></div>\n");
}

/* The summary of every error, each a link to its field; focused by ui.js. */
static void summary(struct ui_page *p, const struct ui_send_form *f)
{
    if (f->nerrors == 0 && f->alert[0] == '\0')
        return;
    ui_put(p, "<div class=\"error-summary\" role=\"alert\" tabindex=\"-1\" "
              "data-focus>\n<h2>");
    ui_msg(p, MSG_UI_ERRORS_TITLE, NULL, 0);
    ui_put(p, "</h2>\n");
    if (f->alert[0] != '\0') {
        ui_put(p, "<p>");
        ui_esc(p, f->alert);
        ui_put(p, "</p>\n");
    }
    if (f->nerrors > 0) {
        ui_put(p, "<ul>");
        for (size_t i = 0; i < f->nerrors; i++) {
            char id[RG_FIELD_MAX + 8];
            field_id(f->errors[i].field, id, sizeof(id));
            ui_put(p, "<li><a href=\"#");
            ui_esc(p, id);
            ui_put(p, "\">");
            ui_esc(p, f->errors[i].text);
            ui_put(p, "</a></li>");
        }
        ui_put(p, "</ul>\n");
    }
    ui_put(p, "</div>\n");
}

int ui_send_write_form(struct ui *u, const struct ui_request *rq,
                       struct ui_response *rs, const cJSON *orgs,
                       const struct ui_send_form *f, int status)
{

    struct ui_page p;
    ui_page_begin(&p, u, rq, rs, UI_NAV_SEND, MSG_UI_SEND_TITLE, NULL, 0);
    summary(&p, f);
    if (orgs != NULL && cJSON_GetArraySize(orgs) == 0) {
        ui_para(&p, MSG_UI_NO_RECIPIENTS, NULL, 0);
        return ui_page_end(&p, rs, status);
    }
    ui_put(&p, "<p class=\"intro\">");
    ui_msg(&p, MSG_UI_SEND_INTRO, NULL, 0);
    ui_put(&p, "</p>\n<form method=\"post\" action=\"/send\" novalidate>\n");
    ui_csrf_field(&p);
    ui_put(&p, "<input type=\"hidden\" name=\"client_ref\" value=\"");
    ui_esc(&p, f->client_ref ? f->client_ref : "");
    ui_put(&p, "\">\n");
    recipient(&p, orgs, f);
    choices(&p, &rg_signals, f->signal, true, f);
    choices(&p, &rg_urgencies, f->urgency ? f->urgency : "normal", false, f);
    subject(&p, f);
    body(&p, f);
    ui_put(&p, "<button type=\"submit\">");
    ui_msg(&p, MSG_UI_SEND_BUTTON, NULL, 0);
    ui_put(&p, "</button>\n</form>\n");
    return ui_page_end(&p, rs, status);
}
