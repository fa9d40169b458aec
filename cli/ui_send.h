/*
 * ui_send.h - the send page's form, shared by the module that checks and
 * sends it (ui_send.c) and the one that writes it (ui_send_form.c).
 *
 * The form is built from the taxonomy (lib/taxonomy.c, in words from
 * i18n.h) and the gateway's directory: only organisations this one may send
 * to are offered. What was typed is kept when the form comes back with
 * errors, each error next to its field and all of them in a summary first.
 */
#ifndef REFGW_CLI_UI_SEND_H
#define REFGW_CLI_UI_SEND_H

#include <cjson/cJSON.h>

#include "cli.h"
#include "taxonomy.h"
#include "ui.h"

#define UI_SEND_ERRORS_MAX 16

struct ui_send_error {
    char field[RG_FIELD_MAX]; /* "to", "signal", "body", "subject.age_band" ... */
    char text[512];           /* in words, for people */
};

/* The form's values (NULL: not given) and what is wrong with them. */
struct ui_send_form {
    const char *to, *signal, *urgency, *client_ref, *body;
    const char *subject[RG_SUBJECT_ATTRS];
    struct ui_send_error errors[UI_SEND_ERRORS_MAX];
    size_t nerrors;
    char alert[CLI_MESSAGE_MAX + 512]; /* about the whole form (the gateway), or "" */
};

/*
 * Writes the page with the form into rs with this status (200; 400 when it
 * comes back with errors). orgs: the directory's "organisations" array, or
 * NULL when it cannot be had (the recipient chosen is then the only one).
 */
int ui_send_write_form(struct ui *u, const struct ui_request *rq,
                       struct ui_response *rs, const cJSON *orgs,
                       const struct ui_send_form *f, int status);

/* "Org ecmj (Expertise centre)": how the form names a directory entry. */
void ui_send_recipient_label(const struct ui *u, const cJSON *org, char *out,
                             size_t size);

#endif
