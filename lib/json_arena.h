/*
 * json_arena.h - the small blocks cJSON allocates while one document is
 * parsed and checked, taken from a buffer of the thread's instead of one
 * malloc and one wiping free each.
 *
 * A referral is some 17 nodes, each with a key and a value string: about
 * fifty blocks of 16 to 64 bytes, each allocated, wiped and freed. Between
 * rg_json_arena_begin() and rg_json_arena_end() on a thread, the cJSON hooks
 * that rg_json_use_wiping_allocator() installs take blocks of at
 * most RG_JSON_ARENA_BLOCK_MAX bytes from that thread's arena while it has
 * room; larger ones (a body) and the rest come from the heap as before, so
 * a block that must outlive the scope can be taken out of the tree as long
 * as it is larger. end wipes all the arena handed out. A block of the arena
 * must not be used after end, nor freed by any thread but its own before
 * it (its free is then a no-op).
 */
#ifndef REFGW_JSON_ARENA_H
#define REFGW_JSON_ARENA_H

#include <stdbool.h>
#include <stddef.h>

#define RG_JSON_ARENA_SIZE 4096
#define RG_JSON_ARENA_BLOCK_MAX 256

/* Makes cJSON allocate through the wiping pair of wipe.h, and from this
 * thread's arena while one is open (process-wide). */
void rg_json_use_wiping_allocator(void);

/* Not nested: a begin inside a scope is a mistake the arena ignores. */
void rg_json_arena_begin(void);
void rg_json_arena_end(void);

/* A block of n bytes from this thread's open arena, or NULL (none open, n
 * too large, or no room left). */
void *rg_json_arena_alloc(size_t n);

/* Whether p lies in this thread's arena (open or not). */
bool rg_json_arena_owns(const void *p);

#endif
