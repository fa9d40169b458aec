#include "taxonomy.h"

#include <string.h>

#define ENUM(field, ...)                                                               \
    {                                                                                  \
        field, (const char *const[]){__VA_ARGS__},                                     \
            sizeof((const char *const[]){__VA_ARGS__}) / sizeof(const char *)          \
    }

const struct rg_enum rg_signals =
    ENUM("signal", "sexual_exploitation", "criminal_exploitation", "loverboy",
         "dependency", "other");

const struct rg_enum rg_urgencies = ENUM("urgency", "normal", "urgent");

const struct rg_enum rg_org_types =
    ENUM("type", "school", "police", "expertise_centre", "care_coordinator",
         "youth_care", "prevention", "admin", "monitor");

bool rg_is_municipality_code(const char *value, size_t len)
{
    if (len != 6 || value[0] != 'G' || value[1] != 'M')
        return false;
    for (size_t i = 2; i < 6; i++)
        if (value[i] < '0' || value[i] > '9')
            return false;
    return true;
}

const struct rg_attr rg_subject[RG_SUBJECT_ATTRS] = {
    {"age_band", "age-band",
     ENUM("age_band", "under_12", "12_15", "16_17", "18_22", "23_plus", "unknown"),
     NULL, NULL},
    {"gender", "gender", ENUM("gender", "male", "female", "other", "unknown"), NULL,
     NULL},
    {"municipality", "municipality", ENUM("municipality", "unknown"),
     rg_is_municipality_code, "GM followed by four digits"},
    {"origin", "origin", ENUM("origin", "netherlands", "eu", "outside_eu", "unknown"),
     NULL, NULL},
    {"socioeconomic", "socioeconomic",
     ENUM("socioeconomic", "low", "middle", "high", "unknown"), NULL, NULL},
    {"education", "education",
     ENUM("education", "primary", "vmbo", "havo_vwo", "mbo", "hbo_wo", "none",
          "unknown"),
     NULL, NULL},
    {"housing", "housing",
     ENUM("housing", "with_parents", "independent", "supported_living", "institution",
          "homeless", "unknown"),
     NULL, NULL},
    {"addiction", "addiction",
     ENUM("addiction", "none", "alcohol", "drugs", "gambling", "multiple", "unknown"),
     NULL, NULL},
};

#define TYPES(...) ((const char *const[]){__VA_ARGS__, NULL})

const struct rg_route rg_default_routes[] = {
    {"school", TYPES("expertise_centre", "care_coordinator", "police", "youth_care")},
    {"police", TYPES("expertise_centre", "care_coordinator", "youth_care")},
    {"youth_care", TYPES("expertise_centre", "care_coordinator", "police")},
    {"prevention", TYPES("expertise_centre", "care_coordinator")},
    {"expertise_centre", TYPES("care_coordinator", "police", "youth_care")},
    {"care_coordinator", TYPES("expertise_centre", "police", "youth_care")},
};
const size_t rg_default_route_count =
    sizeof(rg_default_routes) / sizeof(rg_default_routes[0]);

int rg_enum_find(const struct rg_enum *e, const char *value, size_t len)
{
    for (size_t i = 0; i < e->count; i++)
        if (strlen(e->values[i]) == len && memcmp(e->values[i], value, len) == 0)
            return (int)i;
    return -1;
}

int rg_subject_find(const char *name, size_t len)
{
    for (int i = 0; i < RG_SUBJECT_ATTRS; i++)
        if (strlen(rg_subject[i].name) == len &&
            memcmp(rg_subject[i].name, name, len) == 0)
            return i;
    return -1;
}

bool rg_attr_allows(const struct rg_attr *a, const char *value, size_t len)
{
    if (rg_enum_find(&a->values, value, len) >= 0)
        return true;
    return a->pattern != NULL && a->pattern(value, len);
}
