#include "directory.h"

#include <stdlib.h>
#include <string.h>

#include "suggest.h"

int directory_fetch(struct cli *c, long retries, struct directory *d,
                    struct cli_error *err)
{
    memset(d, 0, sizeof(*d));
    if (gw_call_retrying(c, "GET", "/v1/directory", NULL, retries, &d->ans, err) < 0)
        return -1;
    d->orgs = cJSON_GetObjectItemCaseSensitive(d->ans.doc, "organisations");
    if (!cJSON_IsArray(d->orgs)) {
        directory_clear(d);
        return cli_fail(err, CLI_REFUSED,
                        "the gateway's directory holds no organisations list");
    }
    return 0;
}

const cJSON *directory_find(const struct directory *d, const char *id)
{
    const cJSON *o;
    cJSON_ArrayForEach(o, d->orgs)
    {
        if (strcmp(gw_string(o, "id"), id) == 0)
            return o;
    }
    return NULL;
}

const char *directory_suggest(const struct directory *d, const char *id)
{
    int n = cJSON_GetArraySize(d->orgs);
    if (n <= 0)
        return NULL;
    const char **ids = calloc((size_t)n, sizeof(*ids));
    if (ids == NULL)
        return NULL;
    size_t k = 0;
    const cJSON *o;
    cJSON_ArrayForEach(o, d->orgs)
    {
        if ((int)k < n)
            ids[k++] = gw_string(o, "id");
    }
    const char *best = suggest_nearest(id, ids, k);
    free(ids);
    return best;
}

int directory_refuse(const struct directory *d, const char *id, struct cli_error *err)
{
    char shown[SUGGEST_WORD_MAX + 1], near[SUGGEST_WORD_MAX + 32];
    gw_printable(id, shown, sizeof(shown));
    const char *best = directory_suggest(d, id);
    if (best != NULL) {
        char nb[SUGGEST_WORD_MAX + 1];
        gw_printable(best, nb, sizeof(nb));
        snprintf(near, sizeof(near), " Did you mean '%s'?", nb);
    } else {
        snprintf(near, sizeof(near), " 'refgw directory' lists them.");
    }
    return cli_fail(err, CLI_REFUSED,
                    "'%s' is not among the organisations you may send to (the "
                    "gateway's directory: unknown_recipient or route_forbidden); "
                    "nothing was sent.%s",
                    shown, near);
}

void directory_clear(struct directory *d)
{
    gw_answer_clear(&d->ans);
    d->orgs = NULL;
}
