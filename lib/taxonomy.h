/*
 * taxonomy.h - the referral vocabulary, kept as data in this one place.
 *
 * Signals, urgencies, the eight subject attributes with their allowed values,
 * the organisation types and the default route table. Validation, counting,
 * the client's flags and the documentation are all driven by these tables.
 */
#ifndef REFGW_TAXONOMY_H
#define REFGW_TAXONOMY_H

#include <stdbool.h>
#include <stddef.h>

/* A closed list of words. */
struct rg_enum {
    const char *name; /* the field or dimension it belongs to */
    const char *const *values;
    size_t count;
};

/* One subject attribute: a closed list, or (municipality) a pattern as well. */
struct rg_attr {
    const char *name; /* "age_band": the JSON field and the stats dimension */
    const char *flag; /* "age-band": the client's option */
    struct rg_enum values;
    /* When set, values matching this predicate are allowed as well. */
    bool (*pattern)(const char *value, size_t len);
    const char *pattern_text; /* how the pattern reads in docs and errors */
};

enum { RG_SUBJECT_ATTRS = 8 };

#define RG_VALUE_MAX 24 /* longest taxonomy word plus NUL, with room */
#define RG_UNKNOWN "unknown"

extern const struct rg_enum rg_signals;
extern const struct rg_enum rg_urgencies;
extern const struct rg_enum rg_org_types;
extern const struct rg_attr rg_subject[RG_SUBJECT_ATTRS];

/* The default routes of SPEC §2: per sender type, the recipient types. */
struct rg_route {
    const char *sender_type;
    const char *const *recipient_types; /* NULL-terminated */
};
extern const struct rg_route rg_default_routes[];
extern const size_t rg_default_route_count;

/* Index of value in e, or -1. Exact, case-sensitive, length-checked. */
int rg_enum_find(const struct rg_enum *e, const char *value, size_t len);

/* Index of the subject attribute with this name, or -1. */
int rg_subject_find(const char *name, size_t len);

/* Whether value is allowed for attribute a. */
bool rg_attr_allows(const struct rg_attr *a, const char *value, size_t len);

/* True for a CBS municipality code: "GM" followed by four digits. */
bool rg_is_municipality_code(const char *value, size_t len);

#endif
