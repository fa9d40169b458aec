#include "refmap.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define MIN_SLOTS 1024 /* a power of two */

/* Open addressing with linear probing, at most half full; a slot is empty
 * when its seq is 0. */
struct refmap {
    struct refmap_entry *slots;
    size_t cap, used;
    /* The keys the current transaction added, in order, to take back. */
    unsigned char (*added)[DIGEST_LEN];
    size_t n_added, cap_added;
};

static size_t home(const struct refmap *m, const unsigned char key[DIGEST_LEN])
{
    uint64_t h;
    memcpy(&h, key, sizeof(h)); /* a keyed digest: its bytes are uniform */
    return (size_t)h & (m->cap - 1);
}

/* The slot holding key, or the empty slot where it would go. */
static size_t probe(const struct refmap *m, const unsigned char key[DIGEST_LEN])
{
    size_t i = home(m, key);
    while (m->slots[i].seq != 0 && memcmp(m->slots[i].key, key, DIGEST_LEN) != 0)
        i = (i + 1) & (m->cap - 1);
    return i;
}

static int resize(struct refmap *m, size_t cap)
{
    struct refmap_entry *old = m->slots;
    size_t old_cap = m->cap;
    m->slots = calloc(cap, sizeof(*m->slots));
    if (m->slots == NULL) {
        m->slots = old;
        return -1;
    }
    m->cap = cap;
    for (size_t i = 0; i < old_cap; i++)
        if (old[i].seq != 0)
            m->slots[probe(m, old[i].key)] = old[i];
    free(old);
    return 0;
}

struct refmap *refmap_new(void)
{
    struct refmap *m = calloc(1, sizeof(*m));
    if (m == NULL)
        return NULL;
    m->slots = calloc(MIN_SLOTS, sizeof(*m->slots));
    if (m->slots == NULL) {
        free(m);
        return NULL;
    }
    m->cap = MIN_SLOTS;
    return m;
}

void refmap_free(struct refmap *m)
{
    if (m == NULL)
        return;
    free(m->slots);
    free(m->added);
    free(m);
}

bool refmap_find(const struct refmap *m, const unsigned char key[DIGEST_LEN],
                 long long *seq)
{
    const struct refmap_entry *e = &m->slots[probe(m, key)];
    if (e->seq == 0)
        return false;
    *seq = e->seq;
    return true;
}

int refmap_add(struct refmap *m, const unsigned char key[DIGEST_LEN], long long seq)
{
    if (m->n_added == m->cap_added) {
        size_t cap = m->cap_added ? 2 * m->cap_added : 64;
        void *more = realloc(m->added, cap * sizeof(*m->added));
        if (more == NULL)
            return -1;
        m->added = more;
        m->cap_added = cap;
    }
    if (2 * (m->used + 1) > m->cap && resize(m, 2 * m->cap) < 0)
        return -1;
    struct refmap_entry *e = &m->slots[probe(m, key)];
    memcpy(e->key, key, DIGEST_LEN);
    e->seq = seq;
    m->used++;
    memcpy(m->added[m->n_added++], key, DIGEST_LEN);
    return 0;
}

/* Empties slot i and moves back the entries after it that probed past it,
 * so that every key stays reachable from its home without tombstones. */
static void remove_at(struct refmap *m, size_t i)
{
    size_t mask = m->cap - 1;
    for (size_t j = (i + 1) & mask; m->slots[j].seq != 0; j = (j + 1) & mask) {
        size_t h = home(m, m->slots[j].key);
        /* j's entry may move to i only if its home is not in (i, j]. */
        bool stays = i <= j ? (i < h && h <= j) : (i < h || h <= j);
        if (!stays) {
            m->slots[i] = m->slots[j];
            i = j;
        }
    }
    m->slots[i].seq = 0;
    m->used--;
}

size_t refmap_mark(const struct refmap *m)
{
    return m->n_added;
}

void refmap_undo_to(struct refmap *m, size_t mark)
{
    while (m->n_added > mark) {
        size_t i = probe(m, m->added[--m->n_added]);
        if (m->slots[i].seq != 0)
            remove_at(m, i);
    }
}

void refmap_commit(struct refmap *m)
{
    m->n_added = 0;
}

size_t refmap_size(const struct refmap *m)
{
    return m->used;
}

static int by_key(const void *a, const void *b)
{
    return memcmp(((const struct refmap_entry *)a)->key,
                  ((const struct refmap_entry *)b)->key, DIGEST_LEN);
}

int refmap_sorted(const struct refmap *m, long long upto, struct refmap_entry **out,
                  size_t *n)
{
    *n = 0;
    *out = malloc((m->used ? m->used : 1) * sizeof(**out));
    if (*out == NULL)
        return -1;
    for (size_t i = 0; i < m->cap; i++) {
        const struct refmap_entry *e = &m->slots[i];
        if (e->seq != 0 && e->seq <= upto)
            (*out)[(*n)++] = *e;
    }
    qsort(*out, *n, sizeof(**out), by_key);
    return 0;
}

int refmap_drop_upto(struct refmap *m, long long upto)
{
    size_t keep = 0;
    for (size_t i = 0; i < m->cap; i++)
        keep += m->slots[i].seq > upto;
    size_t cap = MIN_SLOTS;
    while (2 * keep > cap)
        cap *= 2;
    struct refmap_entry *slots = calloc(cap, sizeof(*slots));
    if (slots == NULL)
        return -1;
    struct refmap_entry *old = m->slots;
    size_t old_cap = m->cap;
    m->slots = slots;
    m->cap = cap;
    m->used = keep;
    for (size_t i = 0; i < old_cap; i++)
        if (old[i].seq > upto)
            m->slots[probe(m, old[i].key)] = old[i];
    free(old);
    return 0;
}
