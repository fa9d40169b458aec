/*
 * doc_rows - the rows of the documentation's tables that lib/taxonomy.c
 * decides, as they must read there: `doc_rows api` the value lists of the
 * referral (docs/api.md), `doc_rows routes` the default route table
 * (docs/configuration.md). check_doc_rows.sh checks each row is in its page,
 * so that the documentation cannot drift from the taxonomy.
 */
#include <stdio.h>
#include <string.h>

#include "taxonomy.h"

static void values(const struct rg_enum *e)
{
    for (size_t i = 0; i < e->count; i++)
        printf("%s`%s`", i ? ", " : "", e->values[i]);
}

static void api_rows(void)
{
    printf("| `signal` | required: ");
    values(&rg_signals);
    printf(" |\n| `urgency` | optional, default `%s`: ", rg_urgencies.values[0]);
    values(&rg_urgencies);
    printf(" |\n");
    for (int a = 0; a < RG_SUBJECT_ATTRS; a++) {
        const struct rg_attr *attr = &rg_subject[a];
        printf("| `subject.%s` | ", attr->name);
        if (attr->pattern_text != NULL)
            printf("%s, or ", attr->pattern_text);
        values(&attr->values);
        printf(" |\n");
    }
}

static void route_rows(void)
{
    for (size_t i = 0; i < rg_default_route_count; i++) {
        printf("| %s | ", rg_default_routes[i].sender_type);
        for (const char *const *t = rg_default_routes[i].recipient_types; *t; t++)
            printf("%s%s", t == rg_default_routes[i].recipient_types ? "" : ", ", *t);
        printf(" |\n");
    }
}

int main(int argc, char **argv)
{
    if (argc == 2 && strcmp(argv[1], "api") == 0)
        api_rows();
    else if (argc == 2 && strcmp(argv[1], "routes") == 0)
        route_rows();
    else {
        fprintf(stderr, "usage: doc_rows api|routes\n");
        return 2;
    }
    return 0;
}
