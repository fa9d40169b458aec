/*
 * i18n.h - the words people read, in Dutch and English: one catalogue for
 * `refgw report` and the staff page (SPEC §12).
 *
 * Messages are looked up by key, never by their text, and every key has a
 * text in every language (test_i18n checks it). A message may hold the
 * placeholders {0} to {9}; rg_msg_format() puts the given strings there as
 * they are. Nothing that comes from outside is ever used as a template, and
 * there is no printf format in the catalogue.
 *
 * The texts of `refgw report` are in i18n.c, those of the staff page (`refgw
 * ui`) in i18n_ui.c: one catalogue in two files, under one list of keys.
 *
 * The taxonomy's codes (lib/taxonomy.c) have words here too: "16_17" reads
 * "16–17 jaar" or "16–17 years". test_i18n fails when a code of the taxonomy
 * has no words, so a new code cannot reach a page as a bare code.
 */
#ifndef REFGW_I18N_H
#define REFGW_I18N_H

#include <stdbool.h>
#include <stddef.h>

enum rg_lang { RG_LANG_EN, RG_LANG_NL, RG_LANG_COUNT };

/* "en" or "nl": the value of <html lang> and of --lang. */
const char *rg_lang_code(enum rg_lang lang);

/* Parses "nl" or "en"; 0, or -1 for anything else. */
int rg_lang_parse(const char *s, enum rg_lang *out);

/*
 * The language of a locale, as setlocale() chooses the one for messages: the
 * first of LC_ALL, LC_MESSAGES and LANG that is set and not empty; Dutch when
 * it is "nl" or begins with "nl_" or "nl." (nl_NL.UTF-8, nl_BE), else
 * English. Any argument may be NULL.
 */
enum rg_lang rg_lang_from_locale(const char *lc_all, const char *lc_messages,
                                 const char *lang);

/* The same from this process's environment. */
enum rg_lang rg_lang_from_env(void);

enum rg_msg {
    MSG_PAGE_TITLE, /* {0} range */
    MSG_RANGE,      /* {0} first month, {1} last month */
    MSG_GENERATED,  /* {0} date and time */
    MSG_READING_TITLE,
    MSG_READING_VALUES,
    MSG_READING_THRESHOLD, /* {0} threshold */
    MSG_READING_SUMS,
    MSG_READING_RELEASED,
    MSG_READING_EVENTS,
    MSG_PENDING, /* {0} list of periods */
    MSG_NOTHING_ENDED,
    MSG_LIST_AND, /* the word between the last two items of a list */
    MSG_FLOW_TITLE,
    MSG_FLOW_INTRO,
    MSG_TOTALS_TITLE,
    MSG_MONTHS_TITLE,
    MSG_SIGNALS_TITLE,
    MSG_MONTH_SIGNAL_TITLE,
    MSG_SUBJECT_TITLE,
    MSG_SUBJECT_INTRO,
    MSG_COL_EVENT,
    MSG_COL_COUNT,
    MSG_COL_MONTH,
    MSG_TOTAL,
    MSG_NOT_PUBLISHED,        /* {0} threshold */
    MSG_NOT_PUBLISHED_SHORT,  /* in a chart's legend */
    MSG_OTHER_MUNICIPALITIES, /* {0} threshold */
    MSG_MUNICIPALITY,         /* {0} name */
    MSG_AS_IS,                /* {0} alone: a code that has no words */
    MSG_PERIOD_YEAR,          /* {0} year */
    MSG_PERIOD_QUARTER,       /* {0} quarter 1-4, {1} year */
    MSG_PERIOD_MONTH,         /* {0} month's name, {1} year */
    MSG_DATE_TIME,            /* {0} day, {1} month's name, {2} year, {3} hh:mm */
    MSG_JANUARY,              /* the months' names follow in order */
    MSG_FEBRUARY,
    MSG_MARCH,
    MSG_APRIL,
    MSG_MAY,
    MSG_JUNE,
    MSG_JULY,
    MSG_AUGUST,
    MSG_SEPTEMBER,
    MSG_OCTOBER,
    MSG_NOVEMBER,
    MSG_DECEMBER,
    MSG_THOUSANDS_SEPARATOR,
    MSG_UNKNOWN_THRESHOLD, /* shown for the threshold when no answer gave it */
    /* The staff page, refgw ui (texts in i18n_ui.c): */
    MSG_UI_APP_NAME,
    MSG_UI_SKIP_LINK,
    MSG_UI_ORGANISATION, /* {0} organisation id */
    MSG_UI_NAV_LABEL,
    MSG_UI_NAV_SEND,
    MSG_UI_NAV_INBOX,
    MSG_UI_NAV_SENT,
    MSG_UI_NAV_REPORT,
    MSG_UI_FOOTER,
    MSG_UI_DATE_TIME, /* {0} day, {1} month's name, {2} year, {3} hh:mm (local) */
    MSG_UI_SEND_TITLE,
    MSG_UI_SEND_INTRO,
    MSG_UI_REQUIRED,
    MSG_UI_FIELD_TO,
    MSG_UI_CHOOSE,
    MSG_UI_TO_OPTION,     /* {0} name, {1} kind of organisation */
    MSG_UI_TO_OPTION_E2E, /* the same, for a recipient with encryption keys */
    MSG_UI_NO_RECIPIENTS,
    MSG_UI_SUBJECT_LEGEND,
    MSG_UI_SUBJECT_HINT,
    MSG_UI_FIELD_BODY,
    MSG_UI_BODY_HINT,  /* {0} the most bytes */
    MSG_UI_BODY_COUNT, /* {0} bytes used, {1} the most */
    MSG_UI_SEND_BUTTON,
    MSG_UI_ERRORS_TITLE,
    MSG_UI_ERR_REQUIRED,    /* {0} the field's label */
    MSG_UI_ERR_CHOOSE,      /* {0} the field's label */
    MSG_UI_ERR_INVALID,     /* {0} the field's label */
    MSG_UI_ERR_TOO_LARGE,   /* {0} the field's label, {1} the most bytes */
    MSG_UI_ERR_TEXT,        /* {0} the field's label */
    MSG_UI_ERR_RECIPIENT,   /* {0} the field's label */
    MSG_UI_ERR_GATEWAY,     /* {0} what the gateway said */
    MSG_UI_ERR_UNREACHABLE, /* {0} why */
    MSG_UI_ERR_LOCAL,       /* {0} why */
    MSG_UI_DONE_TITLE,
    MSG_UI_DONE_ID, /* {0} the recipient */
    MSG_UI_DONE_DUPLICATE,
    MSG_UI_DONE_E2E,
    MSG_UI_DONE_PLAIN,
    MSG_UI_DONE_NEXT,
    MSG_UI_DONE_NOT_KEPT, /* {0} why */
    MSG_UI_SEND_ANOTHER,
    MSG_UI_INBOX_TITLE,
    MSG_UI_INBOX_INTRO,
    MSG_UI_INBOX_EMPTY,
    MSG_UI_INBOX_MORE, /* {0} how many are shown */
    MSG_UI_COL_RECEIVED,
    MSG_UI_COL_FROM,
    MSG_UI_COL_ACTION,
    MSG_UI_OPEN,
    MSG_UI_OPEN_CONTEXT,   /* {0} sender, {1} when */
    MSG_UI_ACKED,          /* {0} referral id */
    MSG_UI_REFERRAL_TITLE, /* {0} sender */
    MSG_UI_FIELD_REFERENCE,
    MSG_UI_FIELD_DELIVERIES,
    MSG_UI_DELIVERIES, /* {0} how often */
    MSG_UI_FIELD_ENCRYPTION,
    MSG_UI_E2E_SIGNED, /* {0} the signer */
    MSG_UI_E2E_NONE,
    MSG_UI_NEXT_TITLE,
    MSG_UI_SAVE_TEXT,
    MSG_UI_SAVE_JSON,
    MSG_UI_ACK_LINK,
    MSG_UI_UNREADABLE_TITLE,
    MSG_UI_UNREADABLE, /* {0} why */
    MSG_UI_NOT_WAITING_TITLE,
    MSG_UI_NOT_WAITING,
    MSG_UI_BACK_INBOX,
    MSG_UI_ACK_TITLE,
    MSG_UI_ACK_WARNING,
    MSG_UI_ACK_CONFIRM,
    MSG_UI_ACK_CANCEL,
    MSG_UI_SENT_TITLE,
    MSG_UI_SENT_FROM_FILE, /* {0} the file */
    MSG_UI_SENT_IN_MEMORY,
    MSG_UI_SENT_EMPTY,
    MSG_UI_SENT_MORE, /* {0} how many are shown */
    MSG_UI_COL_SENT,
    MSG_UI_COL_TO,
    MSG_UI_COL_STATUS,
    MSG_UI_STATUS_AT, /* {0} status, {1} since when */
    MSG_UI_STATUS_NOT_FOUND,
    MSG_UI_STATUS_UNAVAILABLE,
    MSG_UI_REPORT_TITLE,
    MSG_UI_REPORT_INTRO,
    MSG_UI_REPORT_FROM,
    MSG_UI_REPORT_TO,
    MSG_UI_MONTH_HINT, /* {0} an example month */
    MSG_UI_REPORT_SHOW,
    MSG_UI_REPORT_SAVE,
    MSG_UI_REPORT_RANGE_RULE, /* {0} the most months */
    MSG_UI_FORBIDDEN_TITLE,
    MSG_UI_FORBIDDEN,
    MSG_UI_CSRF_TITLE,
    MSG_UI_CSRF,
    MSG_UI_BAD_HOST_TITLE,
    MSG_UI_BAD_HOST,
    MSG_UI_NOT_FOUND_TITLE,
    MSG_UI_NOT_FOUND,
    MSG_UI_BAD_REQUEST_TITLE,
    MSG_UI_BAD_REQUEST,
    MSG_UI_GATEWAY_TITLE,
    MSG_UI_LOCAL_TITLE,
    MSG_UI_LOCAL,
    MSG_UI_DETAILS, /* {0} the details */
    MSG_UI_TRY_AGAIN,
    MSG_COUNT
};

/* The text of a message; never NULL. */
const char *rg_msg(enum rg_lang lang, enum rg_msg key);

/*
 * The message with {i} replaced by args[i] (i < nargs; a placeholder with no
 * argument stays as it is). 0, or -1 when out (size bytes) is too small: out
 * then holds as much as fits, always NUL-terminated.
 */
int rg_msg_format(char *out, size_t size, enum rg_lang lang, enum rg_msg key,
                  const char *const *args, size_t nargs);

/* The name of month 1-12, or "" outside that range. */
const char *rg_month_name(enum rg_lang lang, int month);

/*
 * The words for a value of a field: field is "signal", "urgency", "type"
 * (organisation types), "event", "status" (of a sent referral, SPEC §5) or a
 * subject attribute's name ("age_band").
 * NULL when there are none (a municipality code: see places.h).
 */
const char *rg_value_words(enum rg_lang lang, const char *field, const char *value);

/* The words for a dimension of the counts ("age_band" -> "Leeftijd"), or NULL. */
const char *rg_dimension_words(enum rg_lang lang, const char *dimension);

#endif
