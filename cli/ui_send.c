/*
 * ui_send.c - the send page (SPEC §12): the form (ui_send_form.c), checked
 * with the gateway's own rules (rg_referral_from_json) before anything is
 * sent, every error found at once; the recipient held to the directory;
 * the body sealed end to end when the recipient publishes encryption
 * certificates (sealed.h); posted with the client_ref the form was made
 * with, so that sending the same form twice keeps one referral. Then the
 * page with the referral's id, and the id in the list of sent ones.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api_limits.h"
#include "directory.h"
#include "gateway.h"
#include "json.h"
#include "referral.h"
#include "sealed.h"
#include "ui_form.h"
#include "ui_page.h"
#include "ui_send.h"
#include "ui_sentlog.h"
#include "wipe.h"

int ui_send_form(struct ui *u, const struct ui_request *rq, struct ui_response *rs)
{
    struct directory dir;
    struct cli_error err = {0};
    if (directory_fetch(u->c, 0, &dir, &err) < 0)
        return ui_gateway_problem(u, rq, rs, UI_NAV_SEND, &err);
    char ref[RG_ID_LEN + 1];
    struct ui_send_form f = {.client_ref = ref};
    int rc = rg_id_new(ref) < 0 ? -1 : ui_send_write_form(u, rq, rs, dir.orgs, &f, 200);
    directory_clear(&dir);
    return rc;
}

/* A new error at field, its text still to write (a spare slot when full). */
static struct ui_send_error *new_error(struct ui_send_form *f, const char *field)
{
    static const size_t last = UI_SEND_ERRORS_MAX - 1;
    struct ui_send_error *out = &f->errors[f->nerrors < last ? f->nerrors++ : last];
    snprintf(out->field, sizeof(out->field), "%s", field);
    return out;
}

/* The words for an error of rg_referral_from_json, at its field. */
static void add_error(const struct ui *u, struct ui_send_form *f,
                      const struct rg_error *e)
{
    struct ui_send_error *out = new_error(f, e->field);
    const char *dot = strchr(e->field, '.');
    const char *name = dot ? dot + 1 : e->field;
    char label[128], max[32];
    if (strcmp(name, "to") == 0 || strcmp(name, "body") == 0)
        ui_msg_text(u, name[0] == 't' ? MSG_UI_FIELD_TO : MSG_UI_FIELD_BODY, NULL, 0,
                    label, sizeof(label));
    else
        snprintf(label, sizeof(label), "%s",
                 rg_dimension_words(u->lang, name) ? rg_dimension_words(u->lang, name)
                                                   : e->field);
    ui_count_text(u, RG_BODY_MAX, max, sizeof(max));
    const char *args[] = {label, max};
    enum rg_msg key = MSG_UI_ERR_INVALID;
    if (e->code == RG_MISSING_FIELD)
        key = strcmp(name, "body") == 0 ? MSG_UI_ERR_REQUIRED : MSG_UI_ERR_CHOOSE;
    else if (e->code == RG_TOO_LARGE)
        key = MSG_UI_ERR_TOO_LARGE;
    else if (strcmp(name, "body") == 0)
        key = MSG_UI_ERR_TEXT;
    ui_msg_text(u, key, args, 2, out->text, sizeof(out->text));
}

/* Puts a valid stand-in where the error was, so that checking again finds
 * the next one; -1 when there is nothing to mend. */
static int mend(cJSON *doc, const char *field)
{
    static const struct {
        const char *field, *stand_in;
    } stand_ins[] = {{"to", "x"},
                     {"signal", "other"},
                     {"urgency", "normal"},
                     {"body", "x"},
                     {"client_ref", NULL}};
    cJSON *where = doc;
    const char *name = field, *value = RG_UNKNOWN;
    if (strncmp(field, "subject.", 8) == 0) {
        where = cJSON_GetObjectItemCaseSensitive(doc, "subject");
        name = field + 8;
    } else {
        size_t i = 0, n = sizeof(stand_ins) / sizeof(stand_ins[0]);
        while (i < n && strcmp(stand_ins[i].field, field) != 0)
            i++;
        if (i == n)
            return -1;
        value = stand_ins[i].stand_in;
    }
    cJSON_DeleteItemFromObjectCaseSensitive(where, name);
    return value == NULL || cJSON_AddStringToObject(where, name, value) ? 0 : -1;
}

static int put(cJSON *obj, const char *name, const char *value)
{
    if (value == NULL || value[0] == '\0')
        return 0;
    return cJSON_AddStringToObject(obj, name, value) ? 0 : -1;
}

/*
 * The form as the referral document, checked as the gateway checks it: 0
 * with r filled, 1 with every error in f (no r), -1 out of memory. An empty
 * choice is a missing field; so is a description of nothing but spaces.
 */
static int check(const struct ui *u, struct ui_send_form *f, struct rg_referral *r)
{
    cJSON *doc = cJSON_CreateObject(), *subject = cJSON_CreateObject();
    bool blank = f->body == NULL || f->body[strspn(f->body, " \t\n")] == '\0';
    int rc = -1;
    if (doc == NULL || subject == NULL || put(doc, "to", f->to) < 0 ||
        put(doc, "signal", f->signal) < 0 || put(doc, "urgency", f->urgency) < 0 ||
        put(doc, "client_ref", f->client_ref) < 0 ||
        put(doc, "body", blank ? NULL : f->body) < 0)
        goto done;
    for (int i = 0; i < RG_SUBJECT_ATTRS; i++)
        if (put(subject, rg_subject[i].name, f->subject[i]) < 0)
            goto done;
    cJSON_AddItemToObject(doc, "subject", subject);
    subject = NULL;
    for (int round = 0; round <= UI_SEND_ERRORS_MAX; round++) {
        struct rg_error e;
        memset(r, 0, sizeof(*r));
        if (rg_referral_from_json(doc, r, &e) == 0) {
            rc = f->nerrors > 0 ? 1 : 0;
            break;
        }
        if (e.code == RG_UNAVAILABLE) /* out of memory */
            break;
        add_error(u, f, &e);
        if (mend(doc, e.field) < 0) {
            rc = 1;
            break;
        }
    }
    if (rc != 0)
        rg_referral_clear(r);
done:
    cJSON_Delete(subject);
    cJSON_Delete(doc);
    return rc;
}

/* Posts the referral, sealed when the recipient publishes certificates. */
static int post(struct ui *u, const struct rg_referral *r, const cJSON *recipient,
                struct ui_flash *done, struct cli_error *err)
{
    cJSON *wire = rg_referral_to_json(r);
    if (wire == NULL)
        return cli_fail(err, CLI_USAGE, "out of memory");
    struct gw_answer ans = {0};
    char *text = NULL;
    int rc = sealed_wire(u->c, recipient, wire, &done->e2e, err);
    if (rc == 0 && (text = rg_json_print(wire)) == NULL)
        rc = cli_fail(err, CLI_USAGE, "out of memory");
    if (rc == 0)
        rc = gw_call(u->c, "POST", "/v1/referrals", text, 0, false, &ans, err);
    const char *id = rc == 0 ? gw_string(ans.doc, "id") : "";
    if (rc == 0 && !rg_id_valid(id, strlen(id)))
        rc = cli_fail(err, CLI_REFUSED, "the gateway's answer holds no referral id");
    if (rc == 0) {
        snprintf(done->id, sizeof(done->id), "%s", id);
        done->duplicate =
            cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(ans.doc, "duplicate"));
    }
    gw_answer_clear(&ans);
    gw_wipe_free(text);
    sealed_doc_free(wire);
    return rc;
}

/* The form's values; the description with the browser's CRLF made LF. */
static char *read_form(const struct ui_params *form, struct ui_send_form *f)
{
    f->to = ui_param(form, "to");
    f->signal = ui_param(form, "signal");
    f->urgency = ui_param(form, "urgency");
    f->client_ref = ui_param(form, "client_ref");
    for (int i = 0; i < RG_SUBJECT_ATTRS; i++)
        f->subject[i] = ui_param(form, rg_subject[i].name);
    const char *body = ui_param(form, "body");
    if (body == NULL)
        return NULL;
    char *copy = rg_wiping_malloc(strlen(body) + 1);
    if (copy == NULL)
        return NULL;
    size_t n = 0;
    for (const char *s = body; *s != '\0'; s++)
        if (!(s[0] == '\r' && s[1] == '\n'))
            copy[n++] = *s;
    copy[n] = '\0';
    f->body = copy;
    return copy;
}

/* Why the referral was not sent, above the form: the gateway's refusal (it
 * has a code), no gateway, or (a seal that cannot be made) this computer's. */
static void alert(const struct ui *u, struct ui_send_form *f,
                  const struct cli_error *err)
{
    const char *args[] = {err->message};
    enum rg_msg key = err->code[0] != '\0'           ? MSG_UI_ERR_GATEWAY
                      : err->exit == CLI_UNREACHABLE ? MSG_UI_ERR_UNREACHABLE
                                                     : MSG_UI_ERR_LOCAL;
    ui_msg_text(u, key, args, 1, f->alert, sizeof(f->alert));
}

/* The form again, what was typed kept: with the directory when it can be
 * had, else with the chosen recipient alone and why (502). */
static int again(struct ui *u, const struct ui_request *rq, struct ui_response *rs,
                 struct ui_send_form *f, struct directory *dir)
{
    struct cli_error err = {0};
    /* Asked once: an alert already says why there is none. */
    if (dir->orgs == NULL && f->alert[0] == '\0' &&
        directory_fetch(u->c, 0, dir, &err) < 0)
        alert(u, f, &err);
    return ui_send_write_form(u, rq, rs, dir->orgs, f, dir->orgs ? 400 : 502);
}

/* The referral is sent: remember it, and say so on the next page. */
static int sent(struct ui *u, const struct ui_request *rq, struct ui_response *rs,
                struct ui_flash *done, const cJSON *recipient)
{
    struct cli_error err = {0};
    ui_send_recipient_label(u, recipient, done->to, sizeof(done->to));
    if (ui_sentlog_add(u->sent, done->id, gw_string(recipient, "id"), time(NULL),
                       &err) < 0)
        snprintf(done->note, sizeof(done->note), "%s", err.message);
    done->kind = UI_FLASH_SENT;
    rq->session->flash = *done;
    return ui_redirect(rs, "/send/done");
}

int ui_send_post(struct ui *u, const struct ui_request *rq, struct ui_response *rs)
{
    struct ui_send_form f = {0};
    struct rg_referral r;
    memset(&r, 0, sizeof(r));
    struct directory dir = {0};
    struct cli_error err = {0};
    struct ui_flash done = {0};
    char *body = read_form(rq->form, &f);
    int rc = check(u, &f, &r);
    const cJSON *recipient = NULL;
    if (rc == 0 && directory_fetch(u->c, 0, &dir, &err) < 0)
        alert(u, &f, &err);
    else if (rc == 0 && (recipient = directory_find(&dir, r.to)) == NULL) {
        char label[128];
        ui_msg_text(u, MSG_UI_FIELD_TO, NULL, 0, label, sizeof(label));
        const char *args[] = {label};
        struct ui_send_error *e = new_error(&f, "to");
        ui_msg_text(u, MSG_UI_ERR_RECIPIENT, args, 1, e->text, sizeof(e->text));
    } else if (rc == 0 && post(u, &r, recipient, &done, &err) < 0)
        alert(u, &f, &err);
    if (rc >= 0)
        rc = recipient != NULL && done.id[0] != '\0' ? sent(u, rq, rs, &done, recipient)
                                                     : again(u, rq, rs, &f, &dir);
    directory_clear(&dir);
    rg_referral_clear(&r);
    if (body != NULL)
        rg_wiping_free(body);
    return rc;
}

int ui_send_done(struct ui *u, const struct ui_request *rq, struct ui_response *rs)
{
    const struct ui_flash *done = &rq->session->flash;
    if (done->kind != UI_FLASH_SENT)
        return ui_redirect(rs, "/send");

    struct ui_page p;
    ui_page_begin(&p, u, rq, rs, UI_NAV_SEND, MSG_UI_DONE_TITLE, NULL, 0);
    const char *args[] = {done->to};
    ui_put(&p, "<div class=\"notice\" role=\"status\" tabindex=\"-1\" data-focus><p>");
    ui_msg(&p, MSG_UI_DONE_ID, args, 1);
    ui_put(&p, "</p>\n<p class=\"big\"><code class=\"ref\" id=\"referral-id\">");
    ui_esc(&p, done->id);
    ui_put(&p, "</code></p></div>\n");
    if (done->duplicate) {
        ui_para(&p, MSG_UI_DONE_DUPLICATE, NULL, 0);
    }
    ui_put(&p, done->e2e ? "<p id=\"e2e\" data-e2e=\"yes\">"
                         : "<p id=\"e2e\" data-e2e=\"no\">");
    ui_msg(&p, done->e2e ? MSG_UI_DONE_E2E : MSG_UI_DONE_PLAIN, NULL, 0);
    ui_put(&p, "</p>\n");
    if (done->note[0] != '\0') {
        const char *why[] = {done->note};
        ui_put(&p, "<div class=\"warning\"><p>");
        ui_msg(&p, MSG_UI_DONE_NOT_KEPT, why, 1);
        ui_put(&p, "</p></div>\n");
    }
    ui_put(&p, "<p>");
    ui_msg(&p, MSG_UI_DONE_NEXT, NULL, 0);
    ui_put(&p, "</p>\n<ul class=\"actions\"><li><a class=\"button\" href=\"/send\">");
    ui_msg(&p, MSG_UI_SEND_ANOTHER, NULL, 0);
    ui_put(&p, "</a></li><li><a href=\"/sent\">");
    ui_msg(&p, MSG_UI_NAV_SENT, NULL, 0);
    ui_put(&p, "</a></li></ul>\n");
    return ui_page_end(&p, rs, 200);
}
