#include "tally.h"

#include <stdlib.h>
#include <string.h>

struct slot {
    struct count_key key;
    unsigned long hash; /* of key: computed once, compared before the key */
    long n;
    uint32_t k;
    bool used;
};

/*
 * Open addressing; `order` lists the used slots, so that clearing, merging
 * and writing cost what is used, not the table's capacity (the writer
 * clears a tally for every op).
 */
struct tally {
    struct slot *slots;
    size_t capacity, used;
    size_t *order;
};

static unsigned long hash_str(unsigned long h, const char *s)
{
    for (; *s != '\0'; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ul;
    return (h ^ 0xff) *
           1099511628211ul; /* a separator, so fields cannot run together */
}

/* The fields every key of one event shares, then the attribute and value:
 * an event's keys hash their shared part once (tally_add_event). */
static unsigned long hash_shared(const struct count_key *k)
{
    unsigned long h = 1469598103934665603ul; /* FNV-1a */
    const struct rg_routing *r = &k->route;
    const char *fields[] = {k->month,     k->event,          r->sender, r->sender_type,
                            r->recipient, r->recipient_type, r->signal, r->urgency};
    for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
        h = hash_str(h, fields[i]);
    return h;
}

static unsigned long hash_rest(unsigned long shared, const struct count_key *k)
{
    return hash_str(hash_str(shared, k->attr), k->value);
}

static unsigned long hash_key(const struct count_key *k)
{
    return hash_rest(hash_shared(k), k);
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
    free(t->order);
    free(t);
}

/* Keys are built zeroed, so comparing the whole struct compares the fields. */
static size_t find(const struct slot *slots, size_t capacity, const struct count_key *k,
                   unsigned long hash)
{
    size_t i = hash & (capacity - 1);
    while (slots[i].used &&
           (slots[i].hash != hash || memcmp(&slots[i].key, k, sizeof(*k)) != 0))
        i = (i + 1) & (capacity - 1);
    return i;
}

static int grow(struct tally *t)
{
    size_t capacity = t->capacity ? t->capacity * 2 : 64;
    struct slot *slots = calloc(capacity, sizeof(*slots));
    size_t *order = malloc(capacity / 2 * sizeof(*order));
    if (slots == NULL || order == NULL) {
        free(slots);
        free(order);
        return -1;
    }
    for (size_t u = 0; u < t->used; u++) {
        const struct slot *old = &t->slots[t->order[u]];
        size_t i = find(slots, capacity, &old->key, old->hash);
        slots[i] = *old;
        order[u] = i;
    }
    free(t->slots);
    free(t->order);
    t->slots = slots;
    t->order = order;
    t->capacity = capacity;
    return 0;
}

static int add_hashed(struct tally *t, const struct count_key *key, unsigned long hash,
                      long n, uint32_t k)
{
    if ((t->used + 1) * 2 > t->capacity && grow(t) < 0)
        return -1;
    size_t i = find(t->slots, t->capacity, key, hash);
    struct slot *s = &t->slots[i];
    if (!s->used) {
        s->used = true;
        s->key = *key;
        s->hash = hash;
        s->n = 0;
        s->k = 0;
        t->order[t->used++] = i;
    }
    s->n += n;
    s->k += k; /* mod 2^32 */
    return 0;
}

int tally_add(struct tally *t, const struct count_key *key, long n, uint32_t k)
{
    return add_hashed(t, key, hash_key(key), n, k);
}

int tally_add_event(struct tally *t, const struct count_key *base,
                    const char subject[RG_SUBJECT_ATTRS][RG_VALUE_MAX], uint32_t r)
{
    struct count_key k = *base;
    memset(k.attr, 0, sizeof(k.attr));
    memset(k.value, 0, sizeof(k.value));
    if (add_hashed(t, &k, hash_key(&k), 1, r) < 0)
        return -1;
    /* The subject keys share month and event, and no routing at all. */
    memset(&k.route, 0, sizeof(k.route));
    unsigned long shared = hash_shared(&k);
    for (int i = 0; i < RG_SUBJECT_ATTRS; i++) {
        /* Zeroed to the end: keys compare as whole structs. */
        memset(k.attr, 0, sizeof(k.attr));
        memset(k.value, 0, sizeof(k.value));
        memcpy(k.attr, rg_subject[i].name,
               strnlen(rg_subject[i].name, sizeof(k.attr) - 1));
        memcpy(k.value, subject[i], strnlen(subject[i], sizeof(k.value) - 1));
        if (add_hashed(t, &k, hash_rest(shared, &k), 1, r) < 0)
            return -1;
    }
    return 0;
}

int tally_merge(struct tally *into, struct tally *from)
{
    for (size_t u = 0; u < from->used; u++) {
        const struct slot *s = &from->slots[from->order[u]];
        if (add_hashed(into, &s->key, s->hash, s->n, s->k) < 0)
            return -1;
    }
    tally_clear(from);
    return 0;
}

/* A slot's key and count are written anew when it is next used. */
void tally_clear(struct tally *t)
{
    for (size_t u = 0; u < t->used; u++)
        t->slots[t->order[u]].used = false;
    t->used = 0;
}

size_t tally_size(const struct tally *t)
{
    return t->used;
}

int tally_each(const struct tally *t,
               int (*fn)(void *arg, const struct count_key *key, long n, uint32_t k),
               void *arg)
{
    for (size_t u = 0; u < t->used; u++) {
        const struct slot *s = &t->slots[t->order[u]];
        int rc = fn(arg, &s->key, s->n, s->k);
        if (rc != 0)
            return rc;
    }
    return 0;
}
