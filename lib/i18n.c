#include "i18n.h"

#include <stdlib.h>
#include <string.h>

#include "i18n_catalogue.h"

/* [key] = {English, Dutch}, for the keys of `refgw report`; the staff page's
 * are in i18n_ui.c. Plain text: whoever shows it escapes it. */
static const char *const messages[MSG_UI_APP_NAME][RG_LANG_COUNT] = {
    [MSG_PAGE_TITLE] = {"Signals about the exploitation of young people, {0}",
                        "Signalen over uitbuiting van jongeren, {0}"},
    [MSG_RANGE] = {"{0} to {1}", "{0} t/m {1}"},
    [MSG_GENERATED] = {"Made on {0} by refgw report, from the counts of the referral "
                       "gateway.",
                       "Gemaakt op {0} met refgw report, uit de tellingen van de "
                       "verwijsgateway."},
    [MSG_READING_TITLE] = {"How to read these figures", "Zo leest u deze cijfers"},
    [MSG_READING_VALUES] =
        {"Every number on this page is a published value, not an exact count. So "
         "that no one can recognise a young person in the figures, each number "
         "differs a little from the true count on purpose: by at most 2, up or "
         "down. The same question always gets the same number.",
         "Elk getal in dit overzicht is een gepubliceerde waarde, geen exacte "
         "telling. Om te voorkomen dat iemand een jongere in de cijfers herkent, "
         "wijkt elk getal bewust een klein beetje af van de echte telling: "
         "hoogstens 2 meer of 2 minder. Dezelfde vraag geeft altijd hetzelfde "
         "getal."},
    [MSG_READING_THRESHOLD] =
        {"Counts below {0} are not published: such a number reads “not published "
         "(fewer than {0})” and is never drawn as a bar. It may be none at all or a "
         "few: “none” and “a few” are deliberately not told apart. A published "
         "number is never below {0}.",
         "Aantallen onder de {0} worden niet gepubliceerd: zo’n getal staat hier als "
         "‘niet gepubliceerd (minder dan {0})’ en wordt nooit als staaf getekend. "
         "Het kan om geen enkele jongere gaan of om een paar: ‘geen’ en ‘enkele’ "
         "zijn bewust niet van elkaar te onderscheiden. Een gepubliceerd getal is "
         "nooit lager dan {0}."},
    [MSG_READING_SUMS] =
        {"Because each number is changed on its own and small numbers are left "
         "out, the rows of a table need not add up to its total. The total is a "
         "published value of its own.",
         "Omdat elk getal apart wordt aangepast en kleine aantallen wegvallen, "
         "hoeven de rijen van een tabel niet op te tellen tot het totaal. Het "
         "totaal is zelf ook een gepubliceerde waarde."},
    [MSG_READING_RELEASED] =
        {"Figures about the young people (age, housing and so on) are fixed once "
         "for each month, quarter and year after it has ended, and never change "
         "after that. Each characteristic is counted on its own: there are no "
         "figures that combine two of them.",
         "Cijfers over de jongeren (leeftijd, woonsituatie enzovoort) worden per "
         "maand, kwartaal en jaar één keer vastgesteld, nadat die periode is "
         "afgelopen, en veranderen daarna nooit meer. Elk kenmerk wordt apart "
         "geteld: cijfers die twee kenmerken combineren bestaan niet."},
    [MSG_READING_EVENTS] =
        {"Sent: a partner sent a signal through the gateway. Taken in: the "
         "recipient took the signal into its own records. Expired: the recipient "
         "did not take it in within the retention period; worth a phone call.",
         "Verstuurd: een partner heeft via de gateway een signaal verstuurd. "
         "Opgehaald: de ontvanger heeft het signaal in de eigen administratie "
         "opgenomen. Verlopen: de ontvanger heeft het signaal niet binnen de "
         "bewaartermijn opgehaald; reden om contact op te nemen."},
    [MSG_PENDING] = {"Not ended yet, so without figures about the young people for "
                     "now: {0}.",
                     "Nog niet afgelopen, dus voorlopig zonder cijfers over de "
                     "jongeren: {0}."},
    [MSG_NOTHING_ENDED] = {"No month of this range has ended yet.",
                           "Nog geen enkele maand van deze periode is afgelopen."},
    [MSG_LIST_AND] = {"and", "en"},
    [MSG_FLOW_TITLE] = {"Signals in the period", "Signalen in de periode"},
    [MSG_FLOW_INTRO] =
        {"How many signals partners sent, and what became of them. Months are "
         "calendar months in UTC.",
         "Hoeveel signalen partners verstuurden, en wat ermee gebeurde. Maanden "
         "zijn kalendermaanden in UTC."},
    [MSG_TOTALS_TITLE] = {"Totals", "Totalen"},
    [MSG_MONTHS_TITLE] = {"Per month", "Per maand"},
    [MSG_SIGNALS_TITLE] = {"Signals sent, by kind of signal",
                           "Verstuurde signalen per soort signaal"},
    [MSG_MONTH_SIGNAL_TITLE] = {"Signals sent, by month and kind of signal",
                                "Verstuurde signalen per maand en soort signaal"},
    [MSG_SUBJECT_TITLE] = {"About the young people", "Over de jongeren"},
    [MSG_SUBJECT_INTRO] =
        {"Signals sent in each ended period, by one characteristic of the young "
         "person at a time. What the sender did not fill in counts as "
         "“Unknown”.",
         "Verstuurde signalen per afgelopen periode, telkens naar één kenmerk van "
         "de jongere. Wat de afzender niet invulde, telt als ‘Onbekend’."},
    [MSG_COL_EVENT] = {"What happened", "Wat er gebeurde"},
    [MSG_COL_COUNT] = {"Number", "Aantal"},
    [MSG_COL_MONTH] = {"Month", "Maand"},
    [MSG_TOTAL] = {"Total", "Totaal"},
    [MSG_NOT_PUBLISHED] = {"not published (fewer than {0})",
                           "niet gepubliceerd (minder dan {0})"},
    [MSG_NOT_PUBLISHED_SHORT] = {"not published", "niet gepubliceerd"},
    [MSG_OTHER_MUNICIPALITIES] = {"Municipalities not listed: not published (fewer "
                                  "than {0}).",
                                  "Gemeenten die hier niet staan: niet gepubliceerd "
                                  "(minder dan {0})."},
    [MSG_MUNICIPALITY] = {"{0}", "Gemeente {0}"},
    [MSG_AS_IS] = {"{0}", "{0}"},
    [MSG_PERIOD_YEAR] = {"{0}", "{0}"},
    [MSG_PERIOD_QUARTER] = {"Q{0} {1}", "{0}e kwartaal {1}"},
    [MSG_PERIOD_MONTH] = {"{0} {1}", "{0} {1}"},
    [MSG_DATE_TIME] = {"{0} {1} {2} at {3} UTC", "{0} {1} {2} om {3} uur UTC"},
    [MSG_JANUARY] = {"January", "januari"},
    [MSG_FEBRUARY] = {"February", "februari"},
    [MSG_MARCH] = {"March", "maart"},
    [MSG_APRIL] = {"April", "april"},
    [MSG_MAY] = {"May", "mei"},
    [MSG_JUNE] = {"June", "juni"},
    [MSG_JULY] = {"July", "juli"},
    [MSG_AUGUST] = {"August", "augustus"},
    [MSG_SEPTEMBER] = {"September", "september"},
    [MSG_OCTOBER] = {"October", "oktober"},
    [MSG_NOVEMBER] = {"November", "november"},
    [MSG_DECEMBER] = {"December", "december"},
    [MSG_THOUSANDS_SEPARATOR] = {",", "."},
    [MSG_UNKNOWN_THRESHOLD] = {"the threshold", "de drempel"},
};

const char *rg_lang_code(enum rg_lang lang)
{
    return lang == RG_LANG_NL ? "nl" : "en";
}

int rg_lang_parse(const char *s, enum rg_lang *out)
{
    for (int l = 0; l < RG_LANG_COUNT; l++)
        if (strcmp(s, rg_lang_code((enum rg_lang)l)) == 0) {
            *out = (enum rg_lang)l;
            return 0;
        }
    return -1;
}

static bool set(const char *v)
{
    return v != NULL && v[0] != '\0';
}

enum rg_lang rg_lang_from_locale(const char *lc_all, const char *lc_messages,
                                 const char *lang)
{
    const char *v = set(lc_all) ? lc_all : set(lc_messages) ? lc_messages : lang;
    if (v != NULL && strncmp(v, "nl", 2) == 0 &&
        (v[2] == '\0' || v[2] == '_' || v[2] == '.'))
        return RG_LANG_NL;
    return RG_LANG_EN;
}

enum rg_lang rg_lang_from_env(void)
{
    return rg_lang_from_locale(getenv("LC_ALL"), getenv("LC_MESSAGES"), getenv("LANG"));
}

const char *rg_msg(enum rg_lang lang, enum rg_msg key)
{
    if ((unsigned)lang >= RG_LANG_COUNT || (unsigned)key >= MSG_COUNT)
        return "";
    const char *t = key < MSG_UI_APP_NAME ? messages[key][lang]
                                          : rg_ui_messages[key - MSG_UI_APP_NAME][lang];
    return t ? t : "";
}

/* The length of s[0..n) without a UTF-8 sequence that a cut left unfinished. */
static size_t whole_chars(const char *s, size_t n)
{
    size_t start = n;
    while (start > 0 && ((unsigned char)s[start - 1] & 0xC0) == 0x80)
        start--;
    if (start == 0)
        return n;
    unsigned char lead = (unsigned char)s[start - 1];
    size_t want = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 1;
    return n - (start - 1) < want ? start - 1 : n;
}

int rg_msg_format(char *out, size_t size, enum rg_lang lang, enum rg_msg key,
                  const char *const *args, size_t nargs)
{
    const char *t = rg_msg(lang, key);
    size_t n = 0;
    int rc = 0;
    if (size == 0)
        return -1;
    while (*t != '\0') {
        const char *piece = t;
        size_t len = 1;
        if (t[0] == '{' && t[1] >= '0' && t[1] <= '9' && t[2] == '}' &&
            (size_t)(t[1] - '0') < nargs) {
            piece = args[t[1] - '0'] ? args[t[1] - '0'] : "";
            len = strlen(piece);
            t += 3;
        } else {
            t++;
        }
        if (n + len >= size) {
            len = size - 1 - n;
            rc = -1;
        }
        memcpy(out + n, piece, len);
        n += len;
        if (rc < 0)
            break;
    }
    if (rc < 0)
        n = whole_chars(out, n);
    out[n] = '\0';
    return rc;
}

const char *rg_month_name(enum rg_lang lang, int month)
{
    if (month < 1 || month > 12)
        return "";
    return rg_msg(lang, (enum rg_msg)(MSG_JANUARY + month - 1));
}
