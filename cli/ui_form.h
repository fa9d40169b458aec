/*
 * ui_form.h - the name=value pairs of a query string or of a form posted as
 * application/x-www-form-urlencoded, decoded strictly: a malformed %XX, a
 * NUL, bytes that are not UTF-8, a name given twice or more than
 * UI_PARAMS_MAX pairs refuse the whole text. '+' is a space. The decoded
 * text may hold a referral: it is wiped when cleared.
 */
#ifndef REFGW_CLI_UI_FORM_H
#define REFGW_CLI_UI_FORM_H

#include <stddef.h>

#define UI_PARAMS_MAX 32

struct ui_param {
    const char *name, *value; /* NUL-terminated, in the params' own copy */
    size_t value_len;
};

struct ui_params {
    struct ui_param v[UI_PARAMS_MAX];
    size_t n;
    char *store; /* the decoded copy */
    size_t store_len;
};

/* Parses s[0..n); 0, or -1 (nothing kept) when malformed or out of memory. */
int ui_params_parse(struct ui_params *p, const char *s, size_t n);

/* The value of name, or NULL when absent. */
const char *ui_param(const struct ui_params *p, const char *name);

/* Wipes and frees; the params are then empty (safe to clear twice). */
void ui_params_clear(struct ui_params *p);

#endif
