#include "json_arena.h"

#include <stdalign.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "wipe.h"

struct arena {
    alignas(max_align_t) unsigned char buf[RG_JSON_ARENA_SIZE];
    size_t used;
    bool open;
};

/* One per thread: each event loop parses its own requests. */
static _Thread_local struct arena arena;

void rg_json_arena_begin(void)
{
    if (arena.open)
        return;
    arena.open = true;
    arena.used = 0;
}

void rg_json_arena_end(void)
{
    if (!arena.open)
        return;
    rg_wipe(arena.buf, arena.used);
    arena.used = 0;
    arena.open = false;
}

void *rg_json_arena_alloc(size_t n)
{
    const size_t align = alignof(max_align_t);
    if (!arena.open || n == 0 || n > RG_JSON_ARENA_BLOCK_MAX)
        return NULL;
    size_t size = (n + align - 1) & ~(align - 1);
    if (size > sizeof(arena.buf) - arena.used)
        return NULL;
    void *p = arena.buf + arena.used;
    arena.used += size;
    return p;
}

bool rg_json_arena_owns(const void *p)
{
    uintptr_t a = (uintptr_t)p, base = (uintptr_t)arena.buf;
    return a >= base && a < base + sizeof(arena.buf);
}

/* cJSON's blocks: from the thread's arena while a parse has it open, else
 * from the heap, wiped when freed. */
static void *json_malloc(size_t n)
{
    void *p = rg_json_arena_alloc(n);
    return p != NULL ? p : rg_wiping_malloc(n);
}

static void json_free(void *p)
{
    if (!rg_json_arena_owns(p))
        rg_wiping_free(p);
}

void rg_json_use_wiping_allocator(void)
{
    cJSON_Hooks hooks = {json_malloc, json_free};
    cJSON_InitHooks(&hooks);
}
