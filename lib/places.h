/*
 * places.h - Dutch municipalities by their CBS code, for people to read:
 * "GM0935" is "Gemeente Maastricht".
 *
 * The list is data (lib/data/municipalities.tsv, with its source), turned
 * into lib/places_data.c by lib/data/gen_places.py. A code the list does not
 * know is shown as the code: the taxonomy allows any "GM" + four digits.
 */
#ifndef REFGW_PLACES_H
#define REFGW_PLACES_H

#include <stddef.h>

#include "i18n.h"

struct rg_place {
    const char *code; /* "GM0935" */
    const char *name; /* "Maastricht", as CBS writes it */
};

/* Sorted by code (places_data.c, generated). */
extern const struct rg_place rg_places[];
extern const size_t rg_place_count;

/* The name of the municipality with this code, or NULL when unknown. */
const char *rg_place_name(const char *code);

/*
 * How a page names the municipality: "Gemeente Maastricht" (nl) or
 * "Maastricht" (en) for a known code, else the code itself. 0, or -1 when
 * out (size bytes) is too small (out then holds what fits, NUL-terminated).
 */
int rg_place_label(enum rg_lang lang, const char *code, char *out, size_t size);

#endif
