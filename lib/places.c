#include "places.h"

#include <stdlib.h>
#include <string.h>

static int by_code(const void *key, const void *member)
{
    return strcmp(key, ((const struct rg_place *)member)->code);
}

const char *rg_place_name(const char *code)
{
    if (code == NULL)
        return NULL;
    const struct rg_place *p =
        bsearch(code, rg_places, rg_place_count, sizeof(rg_places[0]), by_code);
    return p ? p->name : NULL;
}

int rg_place_label(enum rg_lang lang, const char *code, char *out, size_t size)
{
    const char *name = rg_place_name(code);
    const char *args[] = {name ? name : code ? code : ""};
    return rg_msg_format(out, size, lang, name ? MSG_MUNICIPALITY : MSG_AS_IS, args, 1);
}
