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
 * (organisation types), "event" or a subject attribute's name ("age_band").
 * NULL when there are none (a municipality code: see places.h).
 */
const char *rg_value_words(enum rg_lang lang, const char *field, const char *value);

/* The words for a dimension of the counts ("age_band" -> "Leeftijd"), or NULL. */
const char *rg_dimension_words(enum rg_lang lang, const char *dimension);

#endif
