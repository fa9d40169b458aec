#include "idtab.h"

#include <stdlib.h>
#include <string.h>

struct idtab {
    struct id_entry **slots;
    size_t nslots; /* a power of two */
    size_t count;
};

struct idtab *idtab_new(void)
{
    struct idtab *t = calloc(1, sizeof *t);
    if (!t)
        return NULL;
    t->nslots = 1024;
    t->slots = calloc(t->nslots, sizeof *t->slots);
    if (!t->slots) {
        free(t);
        return NULL;
    }
    return t;
}

void idtab_free(struct idtab *t)
{
    if (!t)
        return;
    for (size_t i = 0; i < t->nslots; i++) {
        struct id_entry *e = t->slots[i];
        while (e) {
            struct id_entry *next = e->next;
            free(e);
            e = next;
        }
    }
    free(t->slots);
    free(t);
}

/* FNV-1a over the whole id: ids share their leading time characters, their
 * random tail spreads them. */
static size_t hash(const char *s, size_t len)
{
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < len; i++) {
        h ^= (unsigned char)s[i];
        h *= 1099511628211ull;
    }
    return (size_t)h;
}

/* Doubles the slots once the chains average one entry; on failure the table
 * simply stays smaller. */
static void grow(struct idtab *t)
{
    size_t n = t->nslots * 2;
    struct id_entry **slots = calloc(n, sizeof *slots);
    if (!slots)
        return;
    for (size_t i = 0; i < t->nslots; i++) {
        struct id_entry *e = t->slots[i];
        while (e) {
            struct id_entry *next = e->next;
            size_t h = hash(e->id, strlen(e->id)) & (n - 1);
            e->next = slots[h];
            slots[h] = e;
            e = next;
        }
    }
    free(t->slots);
    t->slots = slots;
    t->nslots = n;
}

struct id_entry *idtab_get(struct idtab *t, const char *id, size_t len)
{
    if (len > ID_MAX)
        return NULL;
    size_t h = hash(id, len) & (t->nslots - 1);
    for (struct id_entry *e = t->slots[h]; e; e = e->next)
        if (strncmp(e->id, id, len) == 0 && e->id[len] == '\0')
            return e;
    if (t->count >= t->nslots) {
        grow(t);
        h = hash(id, len) & (t->nslots - 1);
    }
    struct id_entry *e = calloc(1, sizeof *e);
    if (!e)
        return NULL;
    memcpy(e->id, id, len);
    e->next = t->slots[h];
    t->slots[h] = e;
    t->count++;
    return e;
}

void idtab_walk(const struct idtab *t, void (*fn)(const struct id_entry *, void *),
                void *arg)
{
    for (size_t i = 0; i < t->nslots; i++)
        for (const struct id_entry *e = t->slots[i]; e; e = e->next)
            fn(e, arg);
}
