/*
 * taxonomy_words.c - the taxonomy of taxonomy.c as people read it, in
 * English and Dutch (declared in i18n.h). Written as a Dutch municipality
 * would write it in a report to its council. test_i18n checks that every code
 * of taxonomy.c, and every dimension of the counts, has words here.
 */
#include <string.h>

#include "i18n.h"

struct words {
    const char *field, *code;
    const char *text[RG_LANG_COUNT]; /* English, Dutch */
};

static const struct words values[] = {
    {"signal", "sexual_exploitation", {"Sexual exploitation", "Seksuele uitbuiting"}},
    {"signal",
     "criminal_exploitation",
     {"Criminal exploitation", "Criminele uitbuiting"}},
    {"signal", "loverboy", {"Loverboy grooming", "Loverboyproblematiek"}},
    {"signal", "dependency", {"Dependency situation", "Afhankelijkheidsrelatie"}},
    {"signal", "other", {"Other", "Overig"}},

    {"urgency", "normal", {"Normal", "Normaal"}},
    {"urgency", "urgent", {"Urgent", "Spoed"}},

    {"type", "school", {"School", "School"}},
    {"type", "police", {"Police", "Politie"}},
    {"type", "expertise_centre", {"Expertise centre", "Expertisecentrum"}},
    {"type", "care_coordinator", {"Care coordinator", "Zorgcoördinator"}},
    {"type", "youth_care", {"Youth care", "Jeugdzorg"}},
    {"type", "prevention", {"Prevention", "Preventie"}},
    {"type", "admin", {"Administrator", "Beheerder"}},
    {"type", "monitor", {"Monitoring", "Monitoring"}},

    {"event", "accepted", {"Sent", "Verstuurd"}},
    {"event", "acknowledged", {"Taken in", "Opgehaald"}},
    {"event", "expired", {"Expired", "Verlopen"}},

    /* The status of a sent referral (SPEC §5), as its sender reads it. */
    {"status", "queued", {"Waiting to be picked up", "Wacht op ophalen"}},
    {"status",
     "delivered",
     {"Picked up, receipt not yet confirmed",
      "Opgehaald, ontvangst nog niet bevestigd"}},
    {"status", "acknowledged", {"Receipt confirmed", "Ontvangst bevestigd"}},
    {"status", "expired", {"Expired, never confirmed", "Verlopen, nooit bevestigd"}},

    {"age_band", "under_12", {"Under 12", "Jonger dan 12 jaar"}},
    {"age_band", "12_15", {"12–15 years", "12–15 jaar"}},
    {"age_band", "16_17", {"16–17 years", "16–17 jaar"}},
    {"age_band", "18_22", {"18–22 years", "18–22 jaar"}},
    {"age_band", "23_plus", {"23 and older", "23 jaar en ouder"}},
    {"age_band", "unknown", {"Unknown", "Onbekend"}},

    {"gender", "male", {"Male", "Man"}},
    {"gender", "female", {"Female", "Vrouw"}},
    {"gender", "other", {"Other", "Anders"}},
    {"gender", "unknown", {"Unknown", "Onbekend"}},

    {"municipality", "unknown", {"Unknown", "Onbekend"}},

    {"origin", "netherlands", {"The Netherlands", "Nederland"}},
    {"origin", "eu", {"Other EU country", "Ander EU-land"}},
    {"origin", "outside_eu", {"Outside the EU", "Buiten de EU"}},
    {"origin", "unknown", {"Unknown", "Onbekend"}},

    {"socioeconomic", "low", {"Low", "Laag"}},
    {"socioeconomic", "middle", {"Middle", "Midden"}},
    {"socioeconomic", "high", {"High", "Hoog"}},
    {"socioeconomic", "unknown", {"Unknown", "Onbekend"}},

    {"education", "primary", {"Primary school", "Basisonderwijs"}},
    {"education", "vmbo", {"Pre-vocational (vmbo)", "Vmbo"}},
    {"education", "havo_vwo", {"Senior general secondary (havo/vwo)", "Havo/vwo"}},
    {"education", "mbo", {"Vocational (mbo)", "Mbo"}},
    {"education", "hbo_wo", {"Higher education (hbo/wo)", "Hbo/wo"}},
    {"education", "none", {"None", "Geen"}},
    {"education", "unknown", {"Unknown", "Onbekend"}},

    {"housing", "with_parents", {"With parents or carers", "Bij ouders of verzorgers"}},
    {"housing", "independent", {"On their own", "Zelfstandig"}},
    {"housing", "supported_living", {"Supported living", "Begeleid wonen"}},
    {"housing", "institution", {"In an institution", "In een instelling"}},
    {"housing", "homeless", {"Homeless", "Dakloos"}},
    {"housing", "unknown", {"Unknown", "Onbekend"}},

    {"addiction", "none", {"None", "Geen"}},
    {"addiction", "alcohol", {"Alcohol", "Alcohol"}},
    {"addiction", "drugs", {"Drugs", "Drugs"}},
    {"addiction", "gambling", {"Gambling", "Gokken"}},
    {"addiction", "multiple", {"More than one", "Meerdere"}},
    {"addiction", "unknown", {"Unknown", "Onbekend"}},
};

static const struct words dimensions[] = {
    {"", "month", {"Month", "Maand"}},
    {"", "signal", {"Kind of signal", "Soort signaal"}},
    {"", "urgency", {"Urgency", "Urgentie"}},
    {"", "sender", {"Sender", "Afzender"}},
    {"", "sender_type", {"Kind of sender", "Soort afzender"}},
    {"", "recipient", {"Recipient", "Ontvanger"}},
    {"", "recipient_type", {"Kind of recipient", "Soort ontvanger"}},
    {"", "event", {"What happened", "Wat er gebeurde"}},
    {"", "age_band", {"Age", "Leeftijd"}},
    {"", "gender", {"Gender", "Geslacht"}},
    {"", "municipality", {"Municipality", "Gemeente"}},
    {"", "origin", {"Origin", "Herkomst"}},
    {"", "socioeconomic", {"Socio-economic situation", "Sociaaleconomische situatie"}},
    {"", "education", {"Education", "Opleiding"}},
    {"", "housing", {"Housing", "Woonsituatie"}},
    {"", "addiction", {"Addiction", "Verslaving"}},
};

static const char *lookup(const struct words *w, size_t n, enum rg_lang lang,
                          const char *field, const char *code)
{
    if ((unsigned)lang >= RG_LANG_COUNT || field == NULL || code == NULL)
        return NULL;
    for (size_t i = 0; i < n; i++)
        if (strcmp(w[i].field, field) == 0 && strcmp(w[i].code, code) == 0)
            return w[i].text[lang];
    return NULL;
}

const char *rg_value_words(enum rg_lang lang, const char *field, const char *value)
{
    return lookup(values, sizeof(values) / sizeof(values[0]), lang, field, value);
}

const char *rg_dimension_words(enum rg_lang lang, const char *dimension)
{
    return lookup(dimensions, sizeof(dimensions) / sizeof(dimensions[0]), lang, "",
                  dimension);
}
