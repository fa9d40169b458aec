#include "tally.h"

#include <stdlib.h>
#include <string.h>

struct slot {
    struct count_key key;
    long n;
    bool used;
};

struct tally {
    struct slot *slots;
    size_t capacity, used;
};

static unsigned long hash_key(const struct count_key *k)
{
    /* FNV-1a over the whole struct: unused bytes are zero (keys are built zeroed). */
    const unsigned char *p = (const unsigned char *)k;
    unsigned long h = 1469598103934665603ul;
    for (size_t i = 0; i < sizeof(*k); i++)
        h = (h ^ p[i]) * 1099511628211ul;
    return h;
}

struct tally *tally_new(void)
{
    return calloc(1, sizeof(struct tally));
}

void tally_free(struct tally *t)
{
    if (t == NULL)
        return;
    free(t->slots);
    free(t);
}

static struct slot *find(struct slot *slots, size_t capacity, const struct count_key *k)
{
    size_t i = hash_key(k) & (capacity - 1);
    while (slots[i].used && memcmp(&slots[i].key, k, sizeof(*k)) != 0)
        i = (i + 1) & (capacity - 1);
    return &slots[i];
}

static int grow(struct tally *t)
{
    size_t capacity = t->capacity ? t->capacity * 2 : 64;
    struct slot *slots = calloc(capacity, sizeof(*slots));
    if (slots == NULL)
        return -1;
    for (size_t i = 0; i < t->capacity; i++)
        if (t->slots[i].used)
            *find(slots, capacity, &t->slots[i].key) = t->slots[i];
    free(t->slots);
    t->slots = slots;
    t->capacity = capacity;
    return 0;
}

int tally_add(struct tally *t, const struct count_key *key, long n)
{
    if ((t->used + 1) * 2 > t->capacity && grow(t) < 0)
        return -1;
    struct slot *s = find(t->slots, t->capacity, key);
    if (!s->used) {
        s->used = true;
        s->key = *key;
        t->used++;
    }
    s->n += n;
    return 0;
}

int tally_merge(struct tally *into, struct tally *from)
{
    for (size_t i = 0; i < from->capacity; i++)
        if (from->slots[i].used &&
            tally_add(into, &from->slots[i].key, from->slots[i].n) < 0)
            return -1;
    tally_clear(from);
    return 0;
}

void tally_clear(struct tally *t)
{
    if (t->used > 0)
        memset(t->slots, 0, t->capacity * sizeof(*t->slots));
    t->used = 0;
}

int tally_each(const struct tally *t,
               int (*fn)(void *arg, const struct count_key *key, long n), void *arg)
{
    for (size_t i = 0; i < t->capacity; i++) {
        if (!t->slots[i].used)
            continue;
        int rc = fn(arg, &t->slots[i].key, t->slots[i].n);
        if (rc != 0)
            return rc;
    }
    return 0;
}
