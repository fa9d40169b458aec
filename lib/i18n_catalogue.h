/*
 * i18n_catalogue.h - the two halves of the catalogue of i18n.h, internal to
 * lib/: the texts of `refgw report` (i18n.c, keys before MSG_UI_APP_NAME)
 * and those of the staff page (i18n_ui.c, from MSG_UI_APP_NAME on).
 * rg_msg() is the only reader.
 */
#ifndef REFGW_I18N_CATALOGUE_H
#define REFGW_I18N_CATALOGUE_H

#include "i18n.h"

/* [key - MSG_UI_APP_NAME] = {English, Dutch}. Plain text: whoever shows it
 * escapes it. */
extern const char *const rg_ui_messages[MSG_COUNT - MSG_UI_APP_NAME][RG_LANG_COUNT];

#endif
