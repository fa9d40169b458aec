#include "counts.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "taxonomy.h"

/* The dimensions that are columns of their own; subject attributes follow rg_subject.
 */
static const struct stats_dim fixed_dims[] = {
    {"month", "month", -1},
    {"signal", "signal", -1},
    {"urgency", "urgency", -1},
    {"sender", "sender", -1},
    {"sender_type", "sender_type", -1},
    {"recipient", "recipient", -1},
    {"recipient_type", "recipient_type", -1},
};
#define FIXED_DIMS (sizeof(fixed_dims) / sizeof(fixed_dims[0]))

const struct rg_enum stats_events = {
    "event", (const char *const[]){"accepted", "acknowledged", "expired"}, 3};

bool stats_dim_find(const char *name, size_t len, struct stats_dim *out)
{
    for (size_t i = 0; i < FIXED_DIMS; i++) {
        if (strlen(fixed_dims[i].name) == len &&
            memcmp(fixed_dims[i].name, name, len) == 0) {
            *out = fixed_dims[i];
            return true;
        }
    }
    int a = rg_subject_find(name, len);
    if (a < 0)
        return false;
    /* A subject attribute's value is in `value`, on the rows whose attr names it. */
    out->name = rg_subject[a].name;
    out->column = "value";
    out->subject = a;
    return true;
}

struct stats_table *stats_table_new(size_t dims)
{
    if (dims > STATS_DIMS_MAX)
        return NULL;
    struct stats_table *t = calloc(1, sizeof(*t));
    if (t != NULL)
        t->dims = dims;
    return t;
}

void stats_table_free(struct stats_table *t)
{
    if (t == NULL)
        return;
    free(t->rows);
    free(t);
}

int stats_table_add(struct stats_table *t, const char *const *values, long long count)
{
    if (count <= 0)
        return 0;
    if (t->count == t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 16;
        struct stats_row *rows = realloc(t->rows, cap * sizeof(*rows));
        if (rows == NULL)
            return -1;
        t->rows = rows;
        t->cap = cap;
    }
    struct stats_row *r = &t->rows[t->count++];
    memset(r, 0, sizeof(*r));
    for (size_t i = 0; i < t->dims; i++)
        snprintf(r->values[i], sizeof(r->values[i]), "%s", values[i] ? values[i] : "");
    r->count = count;
    t->total += count;
    return 0;
}

void stats_suppress(struct stats_table *t, long long min_count)
{
    size_t suppressed = 0;
    t->total = 0;
    for (size_t i = 0; i < t->count; i++) {
        struct stats_row *r = &t->rows[i];
        r->suppressed = r->count < min_count;
        suppressed += r->suppressed;
        t->total += r->count;
    }
    /* One suppressed cell alone could be recovered as total minus the rest. */
    if (suppressed == 1) {
        struct stats_row *next = NULL;
        for (size_t i = 0; i < t->count; i++)
            if (!t->rows[i].suppressed &&
                (next == NULL || t->rows[i].count < next->count))
                next = &t->rows[i];
        if (next != NULL)
            next->suppressed = true;
    }
    t->total_suppressed = t->total < min_count;
}

void store_metrics_clear(struct store_metrics *m)
{
    if (m == NULL)
        return;
    free(m->series);
    m->series = NULL;
    m->series_count = 0;
}
